/**
 * One HTTP exchange with TeraBox: builds nothing TeraBox-specific, only sends, enforces the
 * per-request timeout (AbortController), reads the body, and translates every failure into a
 * typed, redacted error. `fetch` is injected (node-fetch v2 by default, see client.ts).
 */
import type { Agent } from 'node:http';
import { TeraboxAbortedError, TeraboxNetworkError, TeraboxTimeoutError } from './errors';
import type { Redactor } from './redact';

/** What the client passes to fetch. A subset of node-fetch v2's RequestInit (and of WHATWG fetch's). */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Redirects are inspected, never followed: a 302 to /login means "cookie expired". */
  redirect: 'manual';
  /** Keep-alive agent (node-fetch); WHATWG fetch ignores it. */
  agent?: (parsedUrl: URL) => Agent | undefined;
}

/** The part of a fetch Response the client reads. */
export interface FetchResponseLike {
  status: number;
  headers: {
    get(name: string): string | null;
    /** WHATWG fetch (Node 20's global fetch): every Set-Cookie header, one per entry. */
    getSetCookie?(): string[];
    /** node-fetch v2: every header's values, unjoined. */
    raw?(): Record<string, string[]>;
  };
  text(): Promise<string>;
}

/** An injectable fetch: node-fetch v2, Node's global fetch, or a test double. */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponseLike>;

/**
 * Node's built-in fetch (undici, keep-alive by default) as a FetchLike. The Lambda functions use
 * it: the runtime has it, and it keeps node-fetch out of their bundles. The node-fetch `agent`
 * option has no meaning there and is dropped.
 */
export const globalFetch: FetchLike = (url, init) =>
  fetch(url, {
    method: init.method,
    headers: init.headers,
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: init.signal,
    redirect: init.redirect,
  });

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** The API path, used in errors and logs. */
  endpoint: string;
  signal?: AbortSignal;
}

export interface HttpResult {
  status: number;
  header(name: string): string | null;
  /** The Set-Cookie headers of the answer, one per cookie (never logged: they may hold secrets). */
  setCookies: string[];
  text: string;
}

/**
 * The Set-Cookie headers of a response, one per cookie. `headers.get('set-cookie')` joins them
 * with ", ", which is ambiguous (an `Expires=Wed, 21 Oct ...` date holds a comma), so the unjoined
 * forms are used when the fetch offers them; the joined string is split only before a `name=`.
 */
export function setCookieHeaders(headers: FetchResponseLike['headers']): string[] {
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie();
  if (typeof headers.raw === 'function') {
    const raw = headers.raw();
    const values = raw['set-cookie'] ?? raw['Set-Cookie'];
    if (Array.isArray(values)) return values;
  }
  const joined = headers.get('set-cookie');
  if (!joined) return [];
  return joined.split(/,\s*(?=[^;,=\s]+=)/).filter((part) => part.trim() !== '');
}

/**
 * Connection failures that happen before a single byte of the request is written: only these
 * make a non-idempotent request (a create) safe to send again.
 */
export const PRE_SEND_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

function errorCode(error: unknown): string | undefined {
  // node-fetch v2 FetchError carries `code`; WHATWG fetch (undici) nests it in `cause`.
  for (let e: unknown = error, depth = 0; e && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    if (typeof code === 'string' && code.startsWith('UND_ERR')) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface Transport {
  fetch: FetchLike;
  redactor: Redactor;
  agent?: (parsedUrl: URL) => Agent | undefined;
}

/** Sends one request and reads its whole body, within `timeoutMs`. */
export async function send(transport: Transport, req: HttpRequest): Promise<HttpResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, Math.max(1, req.timeoutMs));
  const onCallerAbort = (): void => controller.abort();
  if (req.signal?.aborted) controller.abort();
  req.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    const response = await transport.fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: controller.signal,
      redirect: 'manual',
      ...(transport.agent ? { agent: transport.agent } : {}),
    });
    // The timeout also covers the body: a server that sends headers and then stalls is a hang.
    const text = await response.text();
    return { status: response.status, header: (name) => response.headers.get(name), setCookies: setCookieHeaders(response.headers), text };
  } catch (error) {
    const cause = transport.redactor.redactError(error);
    if (timedOut) throw new TeraboxTimeoutError('request', req.timeoutMs, req.endpoint, { cause });
    if (req.signal?.aborted) throw new TeraboxAbortedError(`aborted while calling ${req.endpoint}`, { endpoint: req.endpoint, cause });
    const code = errorCode(error);
    throw new TeraboxNetworkError(req.endpoint, code, code === undefined || !PRE_SEND_ERROR_CODES.has(code), { cause });
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onCallerAbort);
  }
}
