/**
 * A logged-in TeraBox web session: the ndus cookie, the jsToken/bdstoken scraped from `/main`,
 * the region (origin) the account lives on, and one `call` that sends an API request with the
 * common parameters and interprets the answer.
 *
 * What `call` handles itself (one attempt as the caller sees it):
 * - missing tokens: loads them first (`/api/check/login` for the region, then `/main`);
 * - the cookies: `ndus=<value>; lang=en` first, a stable browserid, and every cookie TeraBox sets
 *   (cookies.ts; a Set-Cookie never replaces the configured ndus);
 * - the token errnos (4000023/450016/4500016) on any call, 4000020/400810 on share calls: reloads
 *   the tokens once (single-flight across concurrent calls) and repeats the request once. TeraBox
 *   rejected the request before acting, so this is safe even for a create;
 * - errno -6 with a `Url-Domain-Prefix`/`Region-Domain-Prefix` header: moves to that region,
 *   reloads the tokens and repeats once; errno -6 without one, or 104: TeraboxAuthError;
 * - the verification errnos (9019/400141/132): TeraboxVerificationRequiredError (a person must act);
 * - a redirect to a login page: TeraboxAuthError.
 * The errno classes come from one table (errnos.ts).
 * Retries with backoff are the client's job (retry.ts), around `call`.
 */
import { CookieJar } from './cookies';
import { AUTH_ERRNOS, RATE_LIMIT_ERRNOS, SHARE_VERIFY_ERRNOS, TOKEN_ERRNOS, VERIFICATION_ERRNOS } from './errnos';
import { TeraboxApiError, TeraboxAuthError, TeraboxHttpError, TeraboxResponseError, TeraboxVerificationRequiredError } from './errors';
import { send, type FetchLike, type HttpResult, type Transport } from './http';
import { parseJsonLossless } from './json';
import type { TeraboxLogEvent, TeraboxLogger } from './log-event';
import { retryAfterMs, type RequestPacer } from './pacer';
import { isRecord, toNumber } from './field-values';
import { extractPageTokens, type JsTokenSource } from './page-tokens';
import { Redactor } from './redact';
import type { Agent } from 'node:http';

export interface TeraboxCredentials {
  /** The `ndus` cookie value: the only long-lived credential. */
  ndus: string;
  /** Optional: scraped from /main when absent or rejected. */
  jsToken?: string;
  /** Optional: scraped from /main when absent (needed for writes). */
  bdstoken?: string;
  /** Default `https://www.terabox.com`. */
  baseUrl?: string;
}

export const DEFAULT_BASE_URL = 'https://www.terabox.com';
export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/** The query parameters the web app sends on every call (terabox-api-notes.md "Auth"). */
export const COMMON_PARAMS: Readonly<Record<string, string>> = Object.freeze({
  app_id: '250528',
  web: '1',
  channel: 'dubox',
  clienttype: '0',
});

export { SHARE_VERIFY_ERRNOS, TOKEN_ERRNOS };
export { extractPageTokens, type JsTokenSource, type PageTokens } from './page-tokens';
export const NOT_LOGGED_IN_ERRNO = -6;

/** Default region mapping: a `dm` prefix means `https://dm.terabox.com` (rclone PR #8508). */
export function defaultRegionUrl(prefix: string): string {
  return `https://${prefix}.terabox.com`;
}

export type { TeraboxLogEvent, TeraboxLogger } from './log-event';

export interface SessionOptions {
  credentials: TeraboxCredentials;
  fetch: FetchLike;
  requestTimeoutMs: number;
  userAgent?: string;
  regionUrl?: (prefix: string, currentBaseUrl: string) => string;
  logger?: TeraboxLogger;
  agent?: (parsedUrl: URL) => Agent | undefined;
  now: () => number;
  redactor?: Redactor;
  /** The `browserid` cookie; default: a random one, generated once for this session. */
  browserId?: string;
  /** Every request waits for its turn here (pacer.ts); none: requests go as fast as they are made. */
  pacer?: RequestPacer;
}

export interface CallSpec {
  method: 'GET' | 'POST';
  /** API path, for example `/share/pset`. */
  endpoint: string;
  query?: Record<string, string>;
  /** Form fields (already serialized values), sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Writes need the bdstoken. */
  write?: boolean;
  /** Share endpoints also refresh on 4000020/400810. */
  shareEndpoint?: boolean;
  signal?: AbortSignal;
  /** Caps this exchange's timeout (the rest of the operation's budget). */
  remainingMs?: number;
}

/**
 * What the session found, for diagnosis (a later `doctor`): sources and presence, never values.
 * - jsToken: where the last /main page carried it (`templateData` JSON, an
 *   `eval(decodeURIComponent(...))` script, or the raw `window.jsToken ... fn("...")` text),
 *   `configured` when it was given and /main not read yet, `missing` when there is none;
 * - bdstoken, logid: whether the session holds one;
 * - cookiesSet: names of the cookies TeraBox set (Set-Cookie), sorted;
 * - ignoredNdus: TeraBox tried to delete or replace the ndus cookie and the session kept its own.
 */
export interface SessionTokenReport {
  jsToken: JsTokenSource;
  bdstoken: boolean;
  logid: boolean;
  cookiesSet: string[];
  ignoredNdus: boolean;
}

function looksLikeLogin(location: string): boolean {
  return /\/(login|signin|passport)\b|[?&](login|redirect)=/i.test(location);
}

function originOf(url: string): string {
  return new URL(url).origin;
}

/** Parses an API body; HTML, empty and garbled bodies become TeraboxResponseError. */
export function parseApiBody(text: string, endpoint: string, redactor: Redactor): Record<string, unknown> {
  const trimmed = text.trim();
  const snippet = redactor.redact(trimmed.slice(0, 200));
  if (trimmed.length === 0) throw new TeraboxResponseError('empty', 'empty body where JSON was expected', { endpoint });
  if (trimmed.startsWith('<')) {
    throw new TeraboxResponseError('html', 'HTML where JSON was expected (a login or error page)', { endpoint, bodySnippet: snippet });
  }
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(trimmed);
  } catch (error) {
    throw new TeraboxResponseError('syntax', 'the body is not valid JSON (garbled or cut off)', {
      endpoint,
      bodySnippet: snippet,
      cause: redactor.redactError(error),
    });
  }
  if (!isRecord(parsed)) {
    throw new TeraboxResponseError('shape', `the body is JSON ${Array.isArray(parsed) ? 'array' : typeof parsed}, not an object`, {
      endpoint,
      bodySnippet: snippet,
    });
  }
  return parsed;
}

/**
 * errno of an answer; a body without one (Baidu's `{}`) counts as 0 here, which suits reads (a
 * list past its end). Writes must check `statesSuccess` too: for them only a stated 0 is success.
 */
export function errnoOf(body: Record<string, unknown>, endpoint: string): number {
  const raw = body.errno ?? body.error_code;
  if (raw === undefined || raw === null) return 0;
  const n = toNumber(raw);
  if (n === undefined || !Number.isInteger(n)) {
    throw new TeraboxResponseError('shape', `errno is not an integer (${typeof raw})`, { endpoint });
  }
  return n;
}

/**
 * Whether an answer states its errno (`errno` or `error_code`, not null). `{}`, `{"code": 0}` and
 * `{"errno": null}` do not: for a write (pset, cancel) they are no proof that anything happened.
 * Returns a short description of what the body holds instead (names of its first fields, never values).
 */
export function unstatedErrno(body: Record<string, unknown>): string | undefined {
  const raw = body.errno ?? body.error_code;
  if (raw !== undefined && raw !== null) return undefined;
  const keys = Object.keys(body).slice(0, 5);
  return keys.length === 0 ? 'an empty object' : `no errno; fields: ${keys.join(', ')}`;
}

export class TeraboxSession {
  private baseUrlValue: string;
  private readonly ndus: string;
  private jsToken?: string;
  private bdstoken?: string;
  private logid?: string;
  private jsTokenSource: JsTokenSource;
  private readonly cookies: CookieJar;
  private tokenGeneration = 0;
  private regionChecked = false;
  private loading?: Promise<void>;
  readonly redactor: Redactor;
  private readonly transport: Transport;

  constructor(private readonly options: SessionOptions) {
    const { credentials } = options;
    if (typeof credentials.ndus !== 'string' || credentials.ndus.trim() === '') {
      throw new TeraboxAuthError('no ndus cookie was configured');
    }
    this.ndus = credentials.ndus.trim();
    this.jsToken = credentials.jsToken || undefined;
    this.bdstoken = credentials.bdstoken || undefined;
    this.baseUrlValue = originOf(credentials.baseUrl ?? DEFAULT_BASE_URL);
    this.jsTokenSource = this.jsToken ? 'configured' : 'missing';
    this.redactor = options.redactor ?? new Redactor();
    for (const secret of [this.ndus, this.jsToken, this.bdstoken]) this.redactor.addSecret(secret);
    this.cookies = new CookieJar({
      ndus: this.ndus,
      ...(options.browserId !== undefined ? { browserId: options.browserId } : {}),
      onSecret: (value) => this.redactor.addSecret(value),
    });
    this.transport = { fetch: options.fetch, redactor: this.redactor, ...(options.agent ? { agent: options.agent } : {}) };
  }

  /** The origin the session currently talks to (changes on a region switch). */
  get baseUrl(): string {
    return this.baseUrlValue;
  }

  /** Sources and presence of the session's tokens and cookies (never their values). */
  tokenReport(): SessionTokenReport {
    return {
      jsToken: this.jsToken ? this.jsTokenSource : 'missing',
      bdstoken: this.bdstoken !== undefined,
      logid: this.logid !== undefined,
      cookiesSet: this.cookies.names(),
      ignoredNdus: this.cookies.ignoredNdus,
    };
  }

  /** Sends a redacted event to the logger, if any. A throwing logger never breaks a call. */
  emit(event: TeraboxLogEvent): void {
    if (!this.options.logger) return;
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(event)) clean[k] = typeof v === 'string' ? this.redactor.redact(v) : v;
    try {
      this.options.logger(clean as unknown as TeraboxLogEvent);
    } catch {
      // Logging must not change the outcome of a TeraBox call.
    }
  }

  private headers(method: string): Record<string, string> {
    return {
      // Never logged: it carries the ndus and the cookies TeraBox set.
      Cookie: this.cookies.header(),
      'User-Agent': this.options.userAgent ?? DEFAULT_USER_AGENT,
      Referer: `${this.baseUrlValue}/`,
      Accept: 'application/json, text/plain, */*',
      ...(method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' } : {}),
    };
  }

  private url(path: string, query: Record<string, string>): string {
    const url = new URL(path, this.baseUrlValue);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url.toString();
  }

  private async exchange(method: 'GET' | 'POST', endpoint: string, query: Record<string, string>, form: Record<string, string> | undefined, signal: AbortSignal | undefined, remainingMs: number | undefined): Promise<HttpResult> {
    const url = this.url(endpoint, query);
    const started = this.options.now();
    const timeoutMs = Math.max(1, Math.min(this.options.requestTimeoutMs, remainingMs ?? Infinity));
    await this.options.pacer?.take(signal);
    try {
      const result = await send(this.transport, {
        method,
        url,
        endpoint,
        headers: this.headers(method),
        ...(form ? { body: new URLSearchParams(form).toString() } : {}),
        timeoutMs,
        ...(signal ? { signal } : {}),
      });
      if (result.status === 429 || result.status === 503) this.slowDown(endpoint, retryAfterMs(result.header('retry-after'), this.options.now()));
      this.cookies.absorb(result.setCookies, this.options.now());
      this.emit({ event: 'request', method, endpoint, url, status: result.status, durationMs: this.options.now() - started });
      return result;
    } catch (error) {
      this.emit({ event: 'request', method, endpoint, url, durationMs: this.options.now() - started, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      throw error;
    }
  }

  private commonQuery(): Record<string, string> {
    return {
      ...COMMON_PARAMS,
      ...(this.jsToken ? { jsToken: this.jsToken } : {}),
      ...(this.bdstoken ? { bdstoken: this.bdstoken } : {}),
      ...(this.logid ? { 'dp-logid': this.logid } : {}),
    };
  }

  private switchRegion(target: string, reason: string): boolean {
    const next = originOf(target);
    if (next === this.baseUrlValue) return false;
    this.emit({ event: 'region-switch', from: this.baseUrlValue, to: next, message: reason });
    this.baseUrlValue = next;
    return true;
  }

  private regionTarget(result: HttpResult): string | undefined {
    const prefix = (result.header('region-domain-prefix') ?? result.header('url-domain-prefix'))?.trim();
    if (!prefix || !/^[a-z0-9-]{1,63}$/i.test(prefix)) return undefined;
    const mapped = (this.options.regionUrl ?? defaultRegionUrl)(prefix, this.baseUrlValue);
    return originOf(mapped);
  }

  /**
   * `GET /api/check/login`: errno 0 = the cookie is valid. Follows a region header (adopting
   * the region's origin) and reports errno -6 as TeraboxAuthError.
   */
  async checkLogin(signal?: AbortSignal): Promise<{ baseUrl: string; switchedRegion: boolean }> {
    const endpoint = '/api/check/login';
    let switched = false;
    for (let hop = 0; hop < 3; hop++) {
      const result = await this.exchange('GET', endpoint, { ...COMMON_PARAMS }, undefined, signal, undefined);
      if (result.status !== 200) throw new TeraboxHttpError(result.status, endpoint);
      const body = parseApiBody(result.text, endpoint, this.redactor);
      const errno = errnoOf(body, endpoint);
      const target = this.regionTarget(result);
      if (target && this.switchRegion(target, `${endpoint} named another region`)) {
        switched = true;
        if (errno !== 0) continue; // ask the new region
      }
      if (errno !== 0) throw this.errnoError(errno, endpoint);
      this.regionChecked = true;
      return { baseUrl: this.baseUrlValue, switchedRegion: switched };
    }
    throw new TeraboxResponseError('shape', 'region redirects do not settle', { endpoint });
  }

  /** `GET /main`, following a move to another origin, and reads the tokens. */
  private async loadMainPage(): Promise<void> {
    const endpoint = '/main';
    for (let hop = 0; hop < 4; hop++) {
      const result = await this.exchange('GET', endpoint, {}, undefined, undefined, undefined);
      if (result.status >= 300 && result.status < 400) {
        const location = result.header('location');
        if (!location) throw new TeraboxHttpError(result.status, endpoint, { detail: 'redirect without a Location' });
        const target = new URL(location, this.baseUrlValue);
        if (looksLikeLogin(target.pathname + target.search)) {
          this.emit({ event: 'auth-failure', endpoint, status: result.status });
          throw new TeraboxAuthError('/main redirected to the login page', { endpoint });
        }
        if (target.origin !== this.baseUrlValue) {
          this.switchRegion(target.origin, '/main redirected to another origin');
          continue;
        }
        throw new TeraboxHttpError(result.status, endpoint, { detail: 'redirect within the same origin' });
      }
      if (result.status !== 200) throw new TeraboxHttpError(result.status, endpoint);
      const tokens = extractPageTokens(result.text);
      if (!tokens.jsToken) {
        if (/type=["']password["']|login/i.test(result.text) && !/templateData/.test(result.text)) {
          throw new TeraboxAuthError('/main answered a login page', { endpoint });
        }
        throw new TeraboxResponseError('shape', 'no jsToken found in /main (templateData missing or changed)', { endpoint });
      }
      this.redactor.addSecret(tokens.jsToken);
      this.redactor.addSecret(tokens.bdstoken);
      this.jsToken = tokens.jsToken;
      this.jsTokenSource = tokens.jsTokenSource ?? 'templateData';
      if (tokens.bdstoken) this.bdstoken = tokens.bdstoken;
      const logid = result.header('logid');
      if (logid && /^[0-9A-Za-z_-]{1,64}$/.test(logid)) this.logid = logid;
      this.tokenGeneration++;
      return;
    }
    throw new TeraboxResponseError('shape', '/main redirects do not settle', { endpoint });
  }

  /**
   * Loads (or reloads) the tokens. Single-flight: concurrent callers share one /main request.
   * The first load also asks /api/check/login, which names the account's region.
   */
  refreshTokens(reason: string): Promise<void> {
    if (!this.loading) {
      this.emit({ event: 'token-refresh', message: reason });
      this.loading = (async () => {
        if (!this.regionChecked) await this.checkLogin();
        await this.loadMainPage();
      })().finally(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  /** Whether tokens need loading before this call. */
  private needsTokens(spec: CallSpec): boolean {
    return !this.jsToken || (spec.write === true && !this.bdstoken);
  }

  /**
   * Sends one API call and returns its JSON body (errno 0). See the module comment for what is
   * handled here; everything else is thrown as a typed error.
   */
  async call(spec: CallSpec): Promise<Record<string, unknown>> {
    if (this.needsTokens(spec)) await this.refreshTokens(`tokens needed for ${spec.endpoint}`);
    let refreshed = false;
    let switched = false;
    for (;;) {
      const generation = this.tokenGeneration;
      const result = await this.exchange(spec.method, spec.endpoint, { ...this.commonQuery(), ...spec.query }, spec.form, spec.signal, spec.remainingMs);
      if (result.status >= 300 && result.status < 400) {
        const location = result.header('location');
        if (!location) throw new TeraboxHttpError(result.status, spec.endpoint, { detail: 'redirect without a Location' });
        const target = new URL(location, this.baseUrlValue);
        if (looksLikeLogin(target.pathname + target.search)) {
          this.emit({ event: 'auth-failure', endpoint: spec.endpoint, status: result.status });
          throw new TeraboxAuthError(`${spec.endpoint} redirected to the login page`, { endpoint: spec.endpoint });
        }
        if (!switched && target.origin !== this.baseUrlValue) {
          // An API call moved to another origin: the account's region; adopt it, reload tokens there.
          switched = true;
          this.switchRegion(target.origin, `${spec.endpoint} redirected to another origin`);
          await this.refreshTokens('region switch');
          continue;
        }
        throw new TeraboxHttpError(result.status, spec.endpoint, { detail: 'unexpected redirect' });
      }
      if (result.status !== 200) throw new TeraboxHttpError(result.status, spec.endpoint);
      const body = parseApiBody(result.text, spec.endpoint, this.redactor);
      const errno = errnoOf(body, spec.endpoint);
      if (errno === 0) return body;

      if (errno === NOT_LOGGED_IN_ERRNO) {
        const target = this.regionTarget(result);
        if (!switched && target && target !== this.baseUrlValue) {
          switched = true;
          this.switchRegion(target, `errno -6 with a region header on ${spec.endpoint}`);
          await this.refreshTokens('region switch');
          continue;
        }
        throw this.errnoError(errno, spec.endpoint);
      }
      if (!refreshed && (TOKEN_ERRNOS.has(errno) || (spec.shareEndpoint && SHARE_VERIFY_ERRNOS.has(errno)))) {
        refreshed = true;
        // Another call may already have reloaded the tokens since this request left.
        if (generation === this.tokenGeneration) await this.refreshTokens(`errno ${errno} on ${spec.endpoint}`);
        continue;
      }
      throw this.errnoError(errno, spec.endpoint);
    }
  }

  /** TeraBox said the account goes too fast: the pace slows down (and a logged `pace` event says so). */
  private slowDown(endpoint: string, retryAfter?: number): void {
    const pacer = this.options.pacer;
    if (!pacer) return;
    pacer.slowDown(retryAfter);
    this.emit({ event: 'pace', endpoint, slowFactor: pacer.slowFactor(), ...(retryAfter !== undefined ? { delayMs: retryAfter } : {}) });
  }

  /** The typed error of a non-zero errno (after the session's own remedies): auth, verification, or API. */
  private errnoError(errno: number, endpoint: string): TeraboxApiError | TeraboxAuthError {
    if (RATE_LIMIT_ERRNOS.has(errno)) this.slowDown(endpoint);
    if (errno === NOT_LOGGED_IN_ERRNO || AUTH_ERRNOS.has(errno)) {
      this.emit({ event: 'auth-failure', endpoint, errno });
      return new TeraboxAuthError(`errno ${errno} on ${endpoint}`, { endpoint });
    }
    if (VERIFICATION_ERRNOS.has(errno)) {
      this.emit({ event: 'auth-failure', endpoint, errno, message: 'verification required' });
      return new TeraboxVerificationRequiredError(errno, endpoint);
    }
    return new TeraboxApiError(errno, endpoint);
  }

  /**
   * After a call failed with HTML instead of JSON: asks /api/check/login whether the cookie is
   * still valid, so an expired session reads as TeraboxAuthError and not as a garbled answer.
   */
  async diagnose(error: unknown): Promise<unknown> {
    if (!(error instanceof TeraboxResponseError) || error.problem !== 'html') return error;
    try {
      await this.checkLogin();
      return error;
    } catch (probe) {
      if (probe instanceof TeraboxAuthError) {
        return new TeraboxAuthError('TeraBox answered a login page', { endpoint: error.endpoint, cause: error });
      }
      return error;
    }
  }
}
