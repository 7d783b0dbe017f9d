/**
 * Errors of the TeraBox client, translated at the boundary: nothing from node-fetch, node:http or
 * lossless-json escapes untranslated. Every message and `cause` is built from redacted text
 * (see redact.ts), so an error can be logged or shown as it is.
 */
import { ERRNO_TABLE, errnoMeaning } from './errnos';
import { redactPatterns } from './redact';

export interface TeraboxErrorOptions {
  cause?: unknown;
  /** The API path (for example `/share/pset`), never a full URL with its query. */
  endpoint?: string;
}

/** Base of every error the TeraBox client throws. */
export class TeraboxError extends Error {
  override name = 'TeraboxError';
  readonly endpoint?: string;

  constructor(message: string, options: TeraboxErrorOptions = {}) {
    // Pattern redaction here is a last line of defence; callers already pass redacted text.
    super(redactPatterns(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.endpoint = options.endpoint;
  }
}

/** The caller passed input the client refuses before sending anything. */
export class TeraboxValidationError extends TeraboxError {
  override name = 'TeraboxValidationError';
  /** One line per problem found (all of them, not just the first). */
  readonly problems: string[];

  constructor(problems: string[], options: TeraboxErrorOptions = {}) {
    super(`invalid input: ${problems.join('; ')}`, options);
    this.problems = problems;
  }
}

/** TeraBox answered with an HTTP status other than 200 (or an unexpected redirect). */
export class TeraboxHttpError extends TeraboxError {
  override name = 'TeraboxHttpError';
  readonly status: number;

  constructor(status: number, endpoint: string, options: Omit<TeraboxErrorOptions, 'endpoint'> & { detail?: string } = {}) {
    super(`TeraBox answered HTTP ${status} on ${endpoint}${options.detail ? ` (${options.detail})` : ''}`, {
      ...options,
      endpoint,
    });
    this.status = status;
  }
}

/** Meanings of the errno values we know (the table in errnos.ts); used in messages only. */
export const KNOWN_ERRNOS: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(ERRNO_TABLE).map(([errno, info]) => [errno, info.meaning])),
);

/** An HTTP 200 whose JSON body carries a non-zero `errno`. */
export class TeraboxApiError extends TeraboxError {
  override name = 'TeraboxApiError';
  readonly errno: number;
  declare readonly endpoint: string;

  constructor(errno: number, endpoint: string, options: Omit<TeraboxErrorOptions, 'endpoint'> & { message?: string } = {}) {
    super(options.message ?? `TeraBox answered errno ${errno} (${errnoMeaning(errno)}) on ${endpoint}`, { ...options, endpoint });
    this.errno = errno;
  }
}

/**
 * TeraBox asks a person to pass a verification (errno 9019, 400141, 132): no retry or token
 * reload helps until someone opens TeraBox in a browser, logged in as this account, and completes
 * the check it shows. Never retried.
 */
export class TeraboxVerificationRequiredError extends TeraboxApiError {
  override name = 'TeraboxVerificationRequiredError';

  constructor(errno: number, endpoint: string, options: Omit<TeraboxErrorOptions, 'endpoint'> = {}) {
    super(errno, endpoint, {
      ...options,
      message:
        `TeraBox asks for a verification (errno ${errno} on ${endpoint}): open TeraBox in a browser, logged in with this account, ` +
        'and complete the verification it shows; then run again (retrying before that does not help)',
    });
  }
}

/** The ndus cookie is missing, expired or rejected: only a human can fix this. */
export class TeraboxAuthError extends TeraboxError {
  override name = 'TeraboxAuthError';

  constructor(reason: string, options: TeraboxErrorOptions = {}) {
    super(
      `TeraBox rejected the session (${reason}): log in to TeraBox in a browser and store the fresh ndus cookie value in the TeraBox secret`,
      options,
    );
  }
}

export type ResponseProblem = 'html' | 'syntax' | 'empty' | 'shape';

/** TeraBox answered something that is not the JSON we expect: HTML, garbled JSON, an odd shape. */
export class TeraboxResponseError extends TeraboxError {
  override name = 'TeraboxResponseError';
  readonly problem: ResponseProblem;
  /** Up to 200 redacted characters of the body, for diagnosis. */
  readonly bodySnippet?: string;

  constructor(
    problem: ResponseProblem,
    detail: string,
    options: TeraboxErrorOptions & { bodySnippet?: string } = {},
  ) {
    super(`unexpected TeraBox response${options.endpoint ? ` on ${options.endpoint}` : ''}: ${detail}`, options);
    this.problem = problem;
    this.bodySnippet = options.bodySnippet === undefined ? undefined : redactPatterns(options.bodySnippet);
  }
}

/**
 * A create reached TeraBox and its answer does not say what happened (errno 0 without a link,
 * no errno at all, `{}`, `{"code": ...}`): the share may exist. Never repeated blindly; look for
 * it in the share list first (the create use case treats it as `uncertain`).
 */
export class TeraboxCreateUnconfirmedError extends TeraboxResponseError {
  override name = 'TeraboxCreateUnconfirmedError';

  constructor(detail: string, options: TeraboxErrorOptions & { bodySnippet?: string } = {}) {
    super('shape', `${detail}: the share may exist; check the share list before creating it again`, options);
  }
}

/** The connection failed (refused, reset, DNS...). */
export class TeraboxNetworkError extends TeraboxError {
  override name = 'TeraboxNetworkError';
  /** System error code, for example `ECONNREFUSED`. */
  readonly code?: string;
  /**
   * False only when the request certainly never left this process (connection refused, DNS
   * failure): only then is a non-idempotent call (a create) safe to send again.
   */
  readonly mayHaveReachedServer: boolean;

  constructor(endpoint: string, code: string | undefined, mayHaveReachedServer: boolean, options: Omit<TeraboxErrorOptions, 'endpoint'> = {}) {
    super(`network error on ${endpoint}${code ? ` (${code})` : ''}`, { ...options, endpoint });
    this.code = code;
    this.mayHaveReachedServer = mayHaveReachedServer;
  }
}

/** A request took longer than its timeout, or an operation ran out of its total time budget. */
export class TeraboxTimeoutError extends TeraboxError {
  override name = 'TeraboxTimeoutError';
  readonly kind: 'request' | 'budget';
  readonly timeoutMs: number;

  constructor(kind: 'request' | 'budget', timeoutMs: number, endpoint: string, options: Omit<TeraboxErrorOptions, 'endpoint'> = {}) {
    super(
      kind === 'request'
        ? `TeraBox did not answer ${endpoint} within ${timeoutMs} ms`
        : `gave up on ${endpoint}: the ${timeoutMs} ms time budget is spent`,
      { ...options, endpoint },
    );
    this.kind = kind;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller aborted the operation through its AbortSignal. */
export class TeraboxAbortedError extends TeraboxError {
  override name = 'TeraboxAbortedError';
}
