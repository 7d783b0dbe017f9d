/**
 * A logged-in TeraBox web session: the ndus cookie, the jsToken/bdstoken scraped from `/main`,
 * the region (origin) the account lives on, and one `call` that sends an API request with the
 * common parameters and interprets the answer.
 *
 * What `call` handles itself (one attempt as the caller sees it):
 * - missing tokens: loads them first (`/api/check/login` for the region, then `/main`);
 * - errno 4000023/450016 (jsToken invalid) on any call, 4000020/400810 on share calls: reloads
 *   the tokens once (single-flight across concurrent calls) and repeats the request once. TeraBox
 *   rejected the request before acting, so this is safe even for a create;
 * - errno -6 with a `Url-Domain-Prefix`/`Region-Domain-Prefix` header: moves to that region,
 *   reloads the tokens and repeats once; errno -6 without one: TeraboxAuthError;
 * - a redirect to a login page: TeraboxAuthError.
 * Retries with backoff are the client's job (retry.ts), around `call`.
 */
import { TeraboxApiError, TeraboxAuthError, TeraboxHttpError, TeraboxResponseError } from './errors';
import { send, type FetchLike, type HttpResult, type Transport } from './http';
import { parseJsonLossless } from './json';
import { isRecord, toNumber } from './normalize';
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

/** jsToken rejected: reload /main and repeat once, on any endpoint. */
export const TOKEN_ERRNOS: ReadonlySet<number> = new Set([4000023, 450016]);
/** "Verification needed" on share endpoints: the same remedy (notes: [C]). */
export const SHARE_VERIFY_ERRNOS: ReadonlySet<number> = new Set([4000020, 400810]);
export const NOT_LOGGED_IN_ERRNO = -6;

/** Default region mapping: a `dm` prefix means `https://dm.terabox.com` (rclone PR #8508). */
export function defaultRegionUrl(prefix: string): string {
  return `https://${prefix}.terabox.com`;
}

/** A log event; every string in it has been redacted. */
export interface TeraboxLogEvent {
  event: 'request' | 'retry' | 'token-refresh' | 'region-switch' | 'auth-failure' | 'list-page';
  method?: string;
  endpoint?: string;
  /** The request URL with credentials masked. */
  url?: string;
  status?: number;
  errno?: number;
  durationMs?: number;
  attempt?: number;
  delayMs?: number;
  page?: number;
  count?: number;
  from?: string;
  to?: string;
  error?: string;
  message?: string;
}

export type TeraboxLogger = (event: TeraboxLogEvent) => void;

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

/** The tokens found in /main's HTML. */
export interface PageTokens {
  jsToken?: string;
  bdstoken?: string;
}

/**
 * Extracts jsToken and bdstoken from /main's HTML. The jsToken field of `templateData` holds
 * URL-encoded JavaScript ending in `fn("TOKEN")`; the token is the string inside (notes: [C]).
 */
export function extractPageTokens(html: string): PageTokens {
  const out: PageTokens = {};
  let data: Record<string, unknown> | undefined;
  const m = /templateData\s*=\s*(\{[\s\S]*?\})\s*;?\s*<\/script>/i.exec(html);
  if (m) {
    try {
      const parsed: unknown = JSON.parse(m[1]);
      if (isRecord(parsed)) data = parsed;
    } catch {
      data = undefined;
    }
  }
  const rawJs = typeof data?.jsToken === 'string' ? data.jsToken : /["']jsToken["']\s*:\s*["']([^"']*)["']/.exec(html)?.[1];
  if (rawJs !== undefined) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawJs);
    } catch {
      decoded = rawJs; // not URL-encoded after all
    }
    const fn = /fn\(\s*["']([^"']+)["']\s*\)/.exec(decoded);
    if (fn) out.jsToken = fn[1];
    else if (/^[A-Za-z0-9_.-]{8,}$/.test(decoded)) out.jsToken = decoded; // already a bare token
  }
  const bds = typeof data?.bdstoken === 'string' ? data.bdstoken : /["']bdstoken["']\s*:\s*["']([0-9a-fA-F]+)["']/.exec(html)?.[1];
  if (bds && /^[0-9a-zA-Z]+$/.test(bds)) out.bdstoken = bds;
  return out;
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

/** errno of an answer; a body without one (Baidu's `{}`) counts as 0. */
export function errnoOf(body: Record<string, unknown>, endpoint: string): number {
  const raw = body.errno ?? body.error_code;
  if (raw === undefined || raw === null) return 0;
  const n = toNumber(raw);
  if (n === undefined || !Number.isInteger(n)) {
    throw new TeraboxResponseError('shape', `errno is not an integer (${typeof raw})`, { endpoint });
  }
  return n;
}

export class TeraboxSession {
  private baseUrlValue: string;
  private readonly ndus: string;
  private jsToken?: string;
  private bdstoken?: string;
  private logid?: string;
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
    this.redactor = options.redactor ?? new Redactor();
    for (const secret of [this.ndus, this.jsToken, this.bdstoken]) this.redactor.addSecret(secret);
    this.transport = { fetch: options.fetch, redactor: this.redactor, ...(options.agent ? { agent: options.agent } : {}) };
  }

  /** The origin the session currently talks to (changes on a region switch). */
  get baseUrl(): string {
    return this.baseUrlValue;
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
      Cookie: `lang=en; ndus=${this.ndus}`,
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
      if (errno === NOT_LOGGED_IN_ERRNO) {
        this.emit({ event: 'auth-failure', endpoint, errno });
        throw new TeraboxAuthError(`errno -6 on ${endpoint}`, { endpoint });
      }
      if (errno !== 0) throw new TeraboxApiError(errno, endpoint);
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
        this.emit({ event: 'auth-failure', endpoint: spec.endpoint, errno });
        throw new TeraboxAuthError(`errno -6 on ${spec.endpoint}`, { endpoint: spec.endpoint });
      }
      if (!refreshed && (TOKEN_ERRNOS.has(errno) || (spec.shareEndpoint && SHARE_VERIFY_ERRNOS.has(errno)))) {
        refreshed = true;
        // Another call may already have reloaded the tokens since this request left.
        if (generation === this.tokenGeneration) await this.refreshTokens(`errno ${errno} on ${spec.endpoint}`);
        continue;
      }
      throw new TeraboxApiError(errno, spec.endpoint);
    }
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
