/**
 * The share-request queue message (create-shares' input) and the request files the CLI sends.
 *
 * Two kinds of bad message are kept apart, because they go to different places:
 * - `unidentifiable`: not JSON, or no usable `requestId`. Nothing can be recorded against it, so
 *   the handler returns it as a batch item failure and SQS moves it, intact, to the DLQ.
 * - `invalid`: it has a usable `requestId` but breaks the schema. It is recorded as `rejected`
 *   under that id (with these errors) and is not retried: retrying cannot fix it.
 */
import * as z from 'zod';
import type { SharePeriod } from '../domain/share-period';
import { accountEntrySchema } from './account-entry';
import { JsonNumber, isJsonObject, parseJsonBody } from './json-body';
import { capLines, formatIssues } from './issues';
import { stripByteOrderMark } from '../shared/text';

export const SHARE_PERIODS: readonly SharePeriod[] = [0, 1, 7, 30];
export const MAX_ITEMS_PER_REQUEST = 100;
export const MAX_PATH_LENGTH = 1024;
export const MAX_LABEL_LENGTH = 256;
export const MAX_ID_LENGTH = 128;

/** A request as it travels on the queue: `period` may be left to the stack's default. */
export interface ShareRequestMessage {
  requestId: string;
  requester: string;
  /** Decimal strings, exact (never rounded through a double). */
  fsIds?: string[];
  /** Absolute TeraBox paths. */
  paths?: string[];
  period?: SharePeriod;
  /** Exactly 4 of [0-9a-z]: a private link. */
  password?: string;
  label?: string;
  /**
   * The TeraBox account the share is made on (a registered account id). Optional while the
   * deployment serves one account; required once it serves several.
   */
  account?: string;
}

/** A validated request with its period resolved. */
export interface ShareRequest extends ShareRequestMessage {
  period: SharePeriod;
}

export interface ShareRequestDefaults {
  period: SharePeriod;
}

export type ParseShareRequestResult =
  | { ok: true; request: ShareRequest }
  | {
      ok: false;
      kind: 'unidentifiable' | 'invalid';
      requestId?: string;
      requester?: string;
      errors: string[];
    };

// ------------------------------------------------------------------ field rules

// Control characters (C0, DEL, C1) and lone UTF-16 surrogates. A lone surrogate cannot be
// encoded as UTF-8: URL encoding throws on it and URLSearchParams silently turns it into U+FFFD,
// which would send TeraBox a different path than the one requested.
const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;
// Printable ASCII without space: exactly the characters SQS allows in a FIFO deduplication id
// (also at most 128 long), so a request id can become one; safe in keys, logs and file names.
const REQUEST_ID = /^[\x21-\x7e]+$/;
const PASSWORD = /^[0-9a-z]{4}$/;
const DECIMAL = /^[1-9][0-9]*$/;
// TeraBox (a Baidu Netdisk fork) uses unsigned 64-bit fs ids.
const MAX_FS_ID = 18446744073709551615n;

const codePoints = (text: string): number => [...text].length;

const requiredString = (what = 'a string') =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : `must be ${what}`) });

function textRule(check: (value: string) => string | undefined) {
  return (value: string, ctx: z.core.$RefinementCtx<string>): void => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
  };
}

function checkText(value: string, max: number): string | undefined {
  if (codePoints(value) > max) return `must be at most ${max} characters`;
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (no lone surrogates)';
  return undefined;
}

/** `requestId`: 1 to 128 printable ASCII characters, no spaces. */
export const requestIdSchema = requiredString().superRefine(
  textRule((value) => {
    if (value.length === 0) return 'must not be empty';
    if (value.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters`;
    if (!REQUEST_ID.test(value)) return 'must use printable ASCII characters only (no spaces)';
    return undefined;
  }),
);

/** `requester`: 1 to 128 characters, no control characters, no surrounding whitespace. */
export const requesterSchema = requiredString().superRefine(
  textRule((value) => {
    if (value.trim().length === 0) return 'must not be empty';
    // Policies match requesters exactly: "marketing " would silently escape a quota on "marketing".
    if (value.trim() !== value) return 'must not start or end with whitespace';
    return checkText(value, MAX_ID_LENGTH);
  }),
);

const fsIdSchema = z.unknown().transform((value, ctx): string => {
  const problem = 'must be a positive integer (a JSON number or a string of decimal digits)';
  let text: string | undefined;
  if (value instanceof JsonNumber) text = value.text;
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number') {
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'is beyond 2^53 and was rounded by the JSON parser: send it as a string',
        input: value,
      });
      return '';
    }
    text = Number.isSafeInteger(value) ? String(value) : undefined;
  }
  if (text === undefined || !DECIMAL.test(text)) {
    ctx.addIssue({ code: 'custom', message: problem, input: value });
    return '';
  }
  if (BigInt(text) > MAX_FS_ID) {
    ctx.addIssue({ code: 'custom', message: 'is too large for an fs id (above 2^64-1)', input: value });
    return '';
  }
  return text;
});

const pathSchema = requiredString().superRefine(
  textRule((value) => {
    if (value.length === 0) return 'must not be empty';
    if (!value.startsWith('/')) return 'must be an absolute path (start with /)';
    if (value.includes('\0')) return 'must not contain NUL';
    const problem = checkText(value, MAX_PATH_LENGTH);
    if (problem !== undefined) return problem;
    if (value === '/') return 'must name a file or folder, not the root';
    const segments = value.slice(1).split('/');
    if (segments.some((segment) => segment === '')) return 'must not contain empty segments (// or a trailing /)';
    if (segments.some((segment) => segment === '.' || segment === '..')) return 'must not contain . or .. segments';
    return undefined;
  }),
);

function list<T extends z.ZodType>(item: T, what: string) {
  return z
    .array(item, { error: `must be an array of ${what}` })
    .max(MAX_ITEMS_PER_REQUEST, { error: `must have at most ${MAX_ITEMS_PER_REQUEST} items` })
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((entry, index) => {
        if (seen.has(entry)) {
          ctx.addIssue({ code: 'custom', message: 'duplicates an earlier item', path: [index], input: entry });
        }
        seen.add(entry);
      });
    });
}

const periodSchema = z.unknown().transform((value, ctx): SharePeriod => {
  const number = value instanceof JsonNumber ? Number(value.text) : value;
  const period = SHARE_PERIODS.find((allowed) => allowed === number);
  if (period === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be one of 0 (permanent), 1, 7 or 30 (days)', input: value });
    return 0;
  }
  return period;
});

const passwordSchema = requiredString().regex(PASSWORD, { error: 'must be exactly 4 characters of [0-9a-z]' });

const labelSchema = requiredString().superRefine(textRule((value) => checkText(value, MAX_LABEL_LENGTH)));

/** `account`: an account id as the registry spells them. */
const accountSchema = accountEntrySchema.shape.accountId;

/**
 * The message schema (strict: unknown fields are rejected). Works on values from
 * `parseJsonBody` (numbers as `JsonNumber`) and on plain objects (numbers as numbers).
 */
export const shareRequestMessageSchema = z
  .strictObject({
    requestId: requestIdSchema,
    requester: requesterSchema,
    fsIds: list(fsIdSchema, 'fs ids').optional(),
    paths: list(pathSchema, 'absolute paths').optional(),
    period: periodSchema.optional(),
    password: passwordSchema.optional(),
    label: labelSchema.optional(),
    account: accountSchema.optional(),
  })
  .superRefine((message, ctx) => {
    if ((message.fsIds?.length ?? 0) + (message.paths?.length ?? 0) === 0) {
      ctx.addIssue({ code: 'custom', message: 'fsIds/paths: at least one fs id or path is required', input: message });
    }
  })
  .transform((message): ShareRequestMessage => {
    // Canonical shape: empty lists are dropped, absent optional fields are left out.
    const out: ShareRequestMessage = { requestId: message.requestId, requester: message.requester };
    if (message.fsIds !== undefined && message.fsIds.length > 0) out.fsIds = message.fsIds;
    if (message.paths !== undefined && message.paths.length > 0) out.paths = message.paths;
    if (message.period !== undefined) out.period = message.period;
    if (message.password !== undefined) out.password = message.password;
    if (message.label !== undefined) out.label = message.label;
    if (message.account !== undefined) out.account = message.account;
    return out;
  });

// ------------------------------------------------------------------ parsing

type ValidateResult =
  | { ok: true; message: ShareRequestMessage }
  | Extract<ParseShareRequestResult, { ok: false }>;

function validateValue(value: unknown, duplicateKeys: string[], what = 'body'): ValidateResult {
  if (!isJsonObject(value)) {
    return { ok: false, kind: 'unidentifiable', errors: [`${what} must be a JSON object`] };
  }
  const requester = requesterSchema.safeParse(value.requester);
  const known = requester.success ? { requester: requester.data } : {};
  if (duplicateKeys.includes('requestId')) {
    return { ok: false, kind: 'unidentifiable', ...known, errors: ['requestId: appears twice with different values'] };
  }
  const requestId = requestIdSchema.safeParse(value.requestId);
  if (!requestId.success) {
    return { ok: false, kind: 'unidentifiable', ...known, errors: formatIssues(prefixed(requestId.error.issues, 'requestId')) };
  }
  const identified = { requestId: requestId.data, ...known };
  const errors = duplicateKeys.map((key) => `${key}: appears twice with different values`);
  const parsed = shareRequestMessageSchema.safeParse(value);
  if (!parsed.success) errors.push(...formatIssues(parsed.error.issues));
  if (errors.length > 0 || !parsed.success) {
    return { ok: false, kind: 'invalid', ...identified, errors: capLines(errors, 20) };
  }
  return { ok: true, message: parsed.data };
}

function prefixed(issues: z.core.$ZodIssue[], field: string): z.core.$ZodIssue[] {
  return issues.map((issue) => ({ ...issue, path: [field, ...issue.path] }));
}

/**
 * Parses one queue message body. Numbers are read losslessly (an fs id beyond 2^53 stays
 * exact); the period defaults to `defaults.period`. Never throws.
 */
export function parseShareRequest(body: string, defaults: ShareRequestDefaults): ParseShareRequestResult {
  const json = parseJsonBody(body);
  if (!json.ok) return { ok: false, kind: 'unidentifiable', errors: [`body is not valid JSON: ${json.error}`] };
  const result = validateValue(json.value, json.duplicateKeys);
  if (!result.ok) return result;
  return { ok: true, request: { ...result.message, period: result.message.period ?? defaults.period } };
}

export type ParseShareRequestLinesResult =
  | { ok: true; requests: ShareRequestMessage[] }
  | { ok: false; errors: string[] };

/**
 * Parses a request file for `requests send`: a JSON array of requests, one JSON object, or
 * JSON lines (one object per line; blank lines ignored). Everything is validated before the
 * caller sends anything; errors name the line (or array item) and field. A request id used
 * twice is an error (the second would silently return the first one's share). Periods left
 * out stay out, so that the stack's configured default applies.
 */
export function parseShareRequestLines(text: string, maxErrors = 50): ParseShareRequestLinesResult {
  const source = stripByteOrderMark(text);
  if (source.trim() === '') return { ok: false, errors: ['no requests found: the input is empty'] };

  const items: Array<{ where: string; value?: unknown; duplicateKeys: string[]; error?: string }> = [];
  const whole = parseJsonBody(source);
  if (whole.ok && Array.isArray(whole.value)) {
    if (whole.duplicateKeys.length > 0) {
      // Positions are lost inside an array, so refuse the whole file rather than guess.
      return { ok: false, errors: [`duplicate field(s) ${whole.duplicateKeys.join(', ')} with different values`] };
    }
    whole.value.forEach((value, index) => items.push({ where: `item ${index + 1}`, value, duplicateKeys: [] }));
    if (items.length === 0) return { ok: false, errors: ['no requests found: the array is empty'] };
  } else if (whole.ok && !source.trim().includes('\n')) {
    items.push({ where: 'line 1', value: whole.value, duplicateKeys: whole.duplicateKeys });
  } else if (whole.ok && isJsonObject(whole.value)) {
    items.push({ where: 'request', value: whole.value, duplicateKeys: whole.duplicateKeys });
  } else {
    source.split(/\r?\n/).forEach((line, index) => {
      if (line.trim() === '') return;
      const parsed = parseJsonBody(line);
      const where = `line ${index + 1}`;
      if (parsed.ok) items.push({ where, value: parsed.value, duplicateKeys: parsed.duplicateKeys });
      else items.push({ where, duplicateKeys: [], error: `not valid JSON: ${parsed.error}` });
    });
  }

  const errors: string[] = [];
  const requests: ShareRequestMessage[] = [];
  const firstSeen = new Map<string, string>();
  for (const item of items) {
    if (item.error !== undefined) {
      errors.push(`${item.where}: ${item.error}`);
      continue;
    }
    const result = validateValue(item.value, item.duplicateKeys, 'request');
    if (!result.ok) {
      errors.push(...result.errors.map((error) => `${item.where}: ${error}`));
      continue;
    }
    const earlier = firstSeen.get(result.message.requestId);
    if (earlier !== undefined) {
      errors.push(`${item.where}: requestId: "${result.message.requestId}" is already used by ${earlier}`);
      continue;
    }
    firstSeen.set(result.message.requestId, item.where);
    requests.push(result.message);
  }
  return errors.length > 0 ? { ok: false, errors: capLines(errors, maxErrors) } : { ok: true, requests };
}

/** What TeraBox is asked to share (matches the app's CreateShareInput port type). */
export type ShareCreateFields = Pick<ShareRequest, 'fsIds' | 'paths' | 'period' | 'password'>;

/** The TeraBox create input for a validated request (the label and ids stay with the record). */
export function toCreateShareInput(request: ShareRequest): ShareCreateFields {
  const input: ShareCreateFields = { period: request.period };
  if (request.fsIds !== undefined) input.fsIds = request.fsIds;
  if (request.paths !== undefined) input.paths = request.paths;
  if (request.password !== undefined) input.password = request.password;
  return input;
}
