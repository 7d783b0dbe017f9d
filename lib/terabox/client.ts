/**
 * The TeraBox client: implements the `TeraboxGateway` port (create, paginate, cancel) on top of
 * a `TeraboxSession` (tokens, region, errno handling) and the declared retry policy.
 *
 *   const client = createTeraboxClient({ credentials: { ndus } });
 *   for await (const share of client.paginateShares({ pageSize: 100 })) { ... }
 *   client.close();
 *
 * Every error thrown is a TeraboxError whose message, stack and cause chain have been scrubbed
 * of the ndus cookie, jsToken and bdstoken.
 */
import http from 'node:http';
import https from 'node:https';
import type { Share, ShareId } from '../domain/share';
import type {
  CancelOutcome,
  Clock,
  CreatedShare,
  CreateShareInput,
  SharePeriod,
  TeraboxGateway,
} from '../app/ports';
import { cancelInBatches } from './cancel-batches';
import { ALREADY_GONE_ERRNOS, SPLIT_BATCH_ERRNOS, UNCONFIRMED_CANCEL_ERRNOS } from './errnos';
import {
  TeraboxApiError,
  TeraboxCreateUnconfirmedError,
  TeraboxError,
  TeraboxResponseError,
  TeraboxValidationError,
} from './errors';
import type { FetchLike } from './http';
import { jsonNumberArray, toDecimalId } from './json';
import { extractSharePage, isRecord, normalizeSharePage, parseShareLink, toEpochMs, toNumber } from './normalize';
import {
  DEFAULT_LIST_ENDPOINT,
  isShareListEndpoint,
  listPageQuery,
  paginate,
  SHARE_LIST_ENDPOINT_PATHS,
  type FetchedPage,
  type ListSharesOptions,
  type ShareListEndpoint,
} from './paginate';
import {
  DEFAULT_RETRY_POLICY,
  defaultSleep,
  isRetryableError,
  isSafeToRepeatCreate,
  withRetry,
  type AttemptContext,
  type RetryPolicy,
} from './retry';
import {
  SHARE_VERIFY_ERRNOS,
  TeraboxSession,
  TOKEN_ERRNOS,
  unstatedErrno,
  type SessionTokenReport,
  type TeraboxCredentials,
  type TeraboxLogger,
} from './session';

export {
  DEFAULT_LIST_ENDPOINT,
  SHARE_LIST_ENDPOINT,
  SHARE_LIST_ENDPOINT_NAMES,
  SHARE_LIST_ENDPOINT_PATHS,
  SHARE_RECORD_ENDPOINT,
  type ListingSummary,
  type ListSharesOptions,
  type ShareListEndpoint,
} from './paginate';
export const CREATE_SHARE_ENDPOINT = '/share/pset';
export const CANCEL_SHARE_ENDPOINT = '/share/cancel';
export const LIST_FILES_ENDPOINT = '/api/list';

export const DEFAULT_PAGE_SIZE = 100;
export const DEFAULT_LIST_CONCURRENCY = 6;
export const DEFAULT_CANCEL_BATCH_SIZE = 100;
/** Baidu refuses more than 999 items in one operation (errno -33); TeraBox is a fork. */
export const MAX_CANCEL_BATCH_SIZE = 999;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
export const VALID_PERIODS: readonly SharePeriod[] = [0, 1, 7, 30];

/** The cancel errno classes (errnos.ts; what they do: cancel-batches.ts). */
export { ALREADY_GONE_ERRNOS, SPLIT_BATCH_ERRNOS, UNCONFIRMED_CANCEL_ERRNOS };

export interface TeraboxClientOptions {
  credentials: TeraboxCredentials;
  /** Default: node-fetch v2 (loaded on first use). The Lambda functions inject `globalFetch`. */
  fetch?: FetchLike;
  /** Per HTTP request (default 15 s); also capped by what is left of the operation's budget. */
  requestTimeoutMs?: number;
  /** Overrides of DEFAULT_RETRY_POLICY (attempts, backoff, per-operation budget, errnos). */
  retry?: Partial<RetryPolicy>;
  /** Pages fetched at once when the first page reveals the total (default 6). */
  listConcurrency?: number;
  /**
   * Pages kept in flight when TeraBox gives no total (default 1: strictly sequential). Each
   * page beyond 1 is speculative: up to `listLookahead - 1` extra calls past the last page.
   */
  listLookahead?: number;
  /** Default page size for paginateShares (default 100). */
  pageSize?: number;
  /**
   * Which list paginateShares reads (default 'sharelist'): the seed's `/share/teratransfer/sharelist`,
   * or Baidu's `/share/record` (`list[]`). The notes doubt that sharelist lists every share (it
   * appears publicly only beside TeraTransfer); `record` is Baidu's own inventory. A listing can
   * override it (`ListSharesOptions.endpoint`).
   */
  listEndpoint?: ShareListEndpoint;
  /** Safety stop for a listing that never ends (default 100,000 pages). */
  maxPages?: number;
  /** Ids per cancel request (default 100, at most 999). */
  cancelBatchSize?: number;
  userAgent?: string;
  /** Maps a region prefix (`dm`) to an origin; default `https://<prefix>.terabox.com`. */
  regionUrl?: (prefix: string, currentBaseUrl: string) => string;
  /** Receives redacted events only. */
  logger?: TeraboxLogger;
  /** Keep-alive connections (default true) and the pool size per origin (default 16). */
  keepAlive?: boolean;
  maxSockets?: number;
  clock?: Clock;
  /** The `browserid` cookie sent with every call; default: random, generated once per client. */
  browserId?: string;
  /** Injected for tests: the pause between attempts and the jitter source. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface CreateShareOptions {
  /**
   * Retry a create even after the request may have reached TeraBox (5xx, timeout, dropped
   * connection). Only safe behind an idempotency claim: a repeat can make a second share.
   */
  retryUnsafe?: boolean;
  signal?: AbortSignal;
}

export interface CancelSharesOptions {
  signal?: AbortSignal;
}

export interface LoginStatus {
  loggedIn: true;
  /** The origin the account answered on (after any region switch). */
  baseUrl: string;
  switchedRegion: boolean;
}

export interface TeraboxFile {
  fsId: string;
  path: string;
  name: string;
  isDir: boolean;
  size?: number;
  raw: Record<string, unknown>;
}

export interface TeraboxClient extends TeraboxGateway {
  createShare(input: CreateShareInput, options?: CreateShareOptions): Promise<CreatedShare>;
  paginateShares(options?: ListSharesOptions): AsyncGenerator<Share, void, undefined>;
  cancelShares(ids: ShareId[], options?: CancelSharesOptions): Promise<CancelOutcome[]>;
  /** Checks the ndus cookie (and follows a region switch); throws TeraboxAuthError when rejected. */
  checkLogin(options?: { signal?: AbortSignal }): Promise<LoginStatus>;
  /** Every entry of one folder (all pages of `/api/list`). */
  listFiles(dir: string, options?: { signal?: AbortSignal }): Promise<TeraboxFile[]>;
  /** The origin in use (changes on a region switch). */
  readonly baseUrl: string;
  /** Where the session found its tokens and which cookies TeraBox set (names and sources only, never values). */
  sessionReport(): SessionTokenReport;
  /** Closes the keep-alive connections. */
  close(): void;
}

/** The form fields of a create, validated. Throws TeraboxValidationError listing every problem. */
export function buildCreateShareForm(input: CreateShareInput): Record<string, string> {
  const problems: string[] = [];
  if (!isRecord(input)) throw new TeraboxValidationError(['the create input is not an object']);
  const fsIdsIn: unknown = input.fsIds;
  const pathsIn: unknown = input.paths;
  const fsIds: string[] = [];
  const paths: string[] = [];
  if (fsIdsIn !== undefined) {
    if (!Array.isArray(fsIdsIn)) problems.push('fsIds must be a list');
    else
      fsIdsIn.forEach((v: unknown, i) => {
        const id = toDecimalId(v);
        if (id) fsIds.push(id);
        else problems.push(`fsIds[${i}] is not a positive integer id`);
      });
  }
  if (pathsIn !== undefined) {
    if (!Array.isArray(pathsIn)) problems.push('paths must be a list');
    else
      pathsIn.forEach((p: unknown, i) => {
        // eslint-disable-next-line no-control-regex
        if (typeof p !== 'string' || !p.startsWith('/') || /[\u0000-\u001f]/.test(p) || p.length > 4096) {
          problems.push(`paths[${i}] must be an absolute path (starting with /)`);
        } else paths.push(p);
      });
  }
  if (problems.length === 0 && fsIds.length + paths.length === 0) problems.push('give at least one fs id or path to share');
  const period: unknown = input.period;
  if (!VALID_PERIODS.includes(period as SharePeriod)) problems.push('period must be 0 (permanent), 1, 7 or 30 days');
  const password: unknown = input.password;
  if (password !== undefined && (typeof password !== 'string' || !/^[0-9a-z]{4}$/.test(password))) {
    problems.push('password must be exactly 4 characters of 0-9 and a-z');
  }
  if (problems.length > 0) throw new TeraboxValidationError(problems);
  const withPassword = typeof password === 'string';
  return {
    ...(fsIds.length > 0 ? { fid_list: jsonNumberArray(fsIds) } : {}),
    ...(paths.length > 0 ? { path_list: JSON.stringify(paths) } : {}),
    // schannel 4 + pwd + public 0 makes a private link; schannel 0 + public 1 a public one.
    // A public link sends `pwd: ''`, as seiya's maintained client does (an extra empty param is
    // harmless in every client seen; a missing one is untested against TeraBox).
    schannel: withPassword ? '4' : '0',
    channel_list: '[]',
    period: String(period),
    public: withPassword ? '0' : '1',
    pwd: withPassword ? password : '',
  };
}

function positiveInt(value: number | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new TeraboxValidationError([`${name} must be an integer from 1 to ${max}`]);
  return value;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

class Client implements TeraboxClient {
  private readonly session: TeraboxSession;
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly agents: http.Agent[] = [];
  private readonly listConcurrency: number;
  private readonly listLookahead: number;
  private readonly pageSize: number;
  private readonly listEndpoint: ShareListEndpoint;
  private readonly maxPages: number;
  private readonly cancelBatchSize: number;

  constructor(options: TeraboxClientOptions) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.clock = options.clock ?? { now: () => Date.now() };
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.listConcurrency = positiveInt(options.listConcurrency, DEFAULT_LIST_CONCURRENCY, 'listConcurrency', 64);
    this.listLookahead = positiveInt(options.listLookahead, 1, 'listLookahead', 64);
    this.pageSize = positiveInt(options.pageSize, DEFAULT_PAGE_SIZE, 'pageSize', 1000);
    const listEndpoint: unknown = options.listEndpoint ?? DEFAULT_LIST_ENDPOINT;
    if (!isShareListEndpoint(listEndpoint)) throw new TeraboxValidationError(['listEndpoint must be "sharelist" or "record"']);
    this.listEndpoint = listEndpoint;
    this.maxPages = positiveInt(options.maxPages, 100_000, 'maxPages', 10_000_000);
    this.cancelBatchSize = positiveInt(options.cancelBatchSize, DEFAULT_CANCEL_BATCH_SIZE, 'cancelBatchSize', MAX_CANCEL_BATCH_SIZE);
    const requestTimeoutMs = positiveInt(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs', 600_000);

    let agent: ((u: URL) => http.Agent | undefined) | undefined;
    if (options.keepAlive !== false) {
      const maxSockets = positiveInt(options.maxSockets, 16, 'maxSockets', 256);
      const httpAgent = new http.Agent({ keepAlive: true, maxSockets });
      const httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
      this.agents.push(httpAgent, httpsAgent);
      agent = (u) => (u.protocol === 'http:' ? httpAgent : httpsAgent);
    }
    const fetch: FetchLike = options.fetch ?? loadNodeFetch();
    this.session = new TeraboxSession({
      credentials: options.credentials,
      fetch,
      requestTimeoutMs,
      now: () => this.clock.now(),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      ...(options.regionUrl ? { regionUrl: options.regionUrl } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(agent ? { agent } : {}),
      ...(options.browserId !== undefined ? { browserId: options.browserId } : {}),
    });
  }

  sessionReport(): SessionTokenReport {
    return this.session.tokenReport();
  }

  get baseUrl(): string {
    return this.session.baseUrl;
  }

  close(): void {
    for (const a of this.agents) a.destroy();
  }

  /** Scrubs an error for the outside; anything foreign is wrapped in a TeraboxError. */
  private publicError(error: unknown, endpoint: string): TeraboxError {
    const redactor = this.session.redactor;
    if (error instanceof TeraboxError) return redactor.scrub(error);
    return redactor.scrub(new TeraboxError(`unexpected failure on ${endpoint}`, { endpoint, cause: redactor.redactError(error) }));
  }

  /** One logical operation: attempts under the retry policy, then diagnosis and scrubbing. */
  private async operation<T>(
    endpoint: string,
    signal: AbortSignal | undefined,
    run: (ctx: AttemptContext) => Promise<T>,
    shouldRetry?: (error: unknown) => boolean,
  ): Promise<T> {
    try {
      return await withRetry(run, {
        policy: this.policy,
        env: { sleep: this.sleep, random: this.random, now: () => this.clock.now() },
        endpoint,
        ...(signal ? { signal } : {}),
        shouldRetry: shouldRetry ?? ((e) => this.retryable(e)),
        onRetry: ({ attempt, delayMs, error }) => this.session.emit({ event: 'retry', endpoint, attempt, delayMs, error: describe(error) }),
      });
    } catch (error) {
      const diagnosed = signal?.aborted ? error : await this.session.diagnose(error).catch(() => error);
      throw this.publicError(diagnosed, endpoint);
    }
  }

  /**
   * The policy's list plus the token errnos: the session refreshes once per attempt, and a
   * token that rotated again meanwhile deserves another attempt (TeraBox refused, did not act).
   */
  private retryable(error: unknown): boolean {
    if (error instanceof TeraboxApiError && TOKEN_ERRNOS.has(error.errno)) return true;
    // The session refreshes on 4000020/400810 only for share endpoints; elsewhere a repeat would not help.
    if (error instanceof TeraboxApiError && SHARE_VERIFY_ERRNOS.has(error.errno)) return error.endpoint.startsWith('/share/');
    return isRetryableError(error, this.policy);
  }

  async checkLogin(options: { signal?: AbortSignal } = {}): Promise<LoginStatus> {
    const status = await this.operation('/api/check/login', options.signal, () => this.session.checkLogin(options.signal));
    return { loggedIn: true, ...status };
  }

  async createShare(input: CreateShareInput, options: CreateShareOptions = {}): Promise<CreatedShare> {
    const form = buildCreateShareForm(input);
    const endpoint = CREATE_SHARE_ENDPOINT;
    const shouldRetry = options.retryUnsafe
      ? (e: unknown) => this.retryable(e)
      : (e: unknown) =>
          isSafeToRepeatCreate(e, this.policy) || (e instanceof TeraboxApiError && this.retryable(e));
    const body = await this.operation(
      endpoint,
      options.signal,
      ({ remainingMs }) =>
        this.session.call({ method: 'POST', endpoint, form, write: true, shareEndpoint: true, remainingMs, ...(options.signal ? { signal: options.signal } : {}) }),
      shouldRetry,
    );
    const unstated = unstatedErrno(body);
    if (unstated !== undefined) {
      throw this.publicError(new TeraboxCreateUnconfirmedError(`the answer states no errno (${unstated})`, { endpoint }), endpoint);
    }
    const origin = this.session.baseUrl;
    const link = [body.link, body.shorturl, body.shortlink, body.shortUrl, isRecord(body.data) ? body.data.shorturl : undefined]
      .map((v) => parseShareLink(v, origin))
      .find((l) => l !== undefined);
    if (!link) {
      throw this.publicError(
        new TeraboxCreateUnconfirmedError('errno 0 but no link in the answer', { endpoint }),
        endpoint,
      );
    }
    const shareId = toDecimalId(body.shareid ?? body.share_id ?? body.shareId);
    const createdAtMs = toEpochMs(body.ctime);
    return {
      ...(shareId ? { shareId } : {}),
      shortUrl: link.shortUrl,
      link: link.link,
      period: input.period,
      ...(input.password !== undefined ? { password: input.password } : {}),
      ...(createdAtMs !== undefined ? { createdAtMs } : {}),
    };
  }

  /** One list page of `which`, fetched under the retry policy and normalized (see paginate.ts). */
  private fetchSharePage(which: ShareListEndpoint, page: number, pageSize: number, signal: AbortSignal): Promise<FetchedPage> {
    const endpoint = SHARE_LIST_ENDPOINT_PATHS[which];
    return this.operation(endpoint, signal, async ({ remainingMs }) => {
      const body = await this.session.call({ method: 'GET', endpoint, query: listPageQuery(which, page, pageSize), shareEndpoint: true, signal, remainingMs });
      const raw = extractSharePage(body, endpoint);
      const shares = normalizeSharePage(raw.items, { origin: this.session.baseUrl, nowMs: this.clock.now() }, { endpoint, page });
      const { items: _items, ...counts } = raw;
      return { shares, ...counts };
    });
  }

  /** Every share, in TeraBox's order: see `paginate` (lib/terabox/paginate.ts) for the rules and costs. */
  paginateShares(options: ListSharesOptions = {}): AsyncGenerator<Share, void, undefined> {
    return paginate(
      {
        fetchPage: (which, page, pageSize, signal) => this.fetchSharePage(which, page, pageSize, signal),
        emit: (event) => this.session.emit(event),
        publicError: (error, endpoint) => this.publicError(error, endpoint),
        endpoint: this.listEndpoint,
        pageSize: this.pageSize,
        concurrency: this.listConcurrency,
        lookahead: this.listLookahead,
        maxPages: this.maxPages,
      },
      options,
    );
  }

  /**
   * Cancels shares, `cancelBatchSize` ids per request, and reports one outcome per distinct id
   * (in first-seen order); how answers become outcomes is cancel-batches.ts. Throws only on
   * invalid input, before any request.
   */
  async cancelShares(ids: ShareId[], options: CancelSharesOptions = {}): Promise<CancelOutcome[]> {
    if (!Array.isArray(ids)) throw new TeraboxValidationError(['ids must be a list of share ids']);
    const problems: string[] = [];
    const unique: string[] = [];
    const seen = new Set<string>();
    ids.forEach((raw: unknown, i) => {
      const id = toDecimalId(raw);
      if (!id) problems.push(`ids[${i}] is not a decimal share id`);
      else if (!seen.has(id)) {
        seen.add(id);
        unique.push(id);
      }
    });
    if (problems.length > 0) throw new TeraboxValidationError(problems);
    const endpoint = CANCEL_SHARE_ENDPOINT;
    const { signal } = options;
    return cancelInBatches(unique, this.cancelBatchSize, {
      endpoint,
      // Cancelling is idempotent in effect (a repeat answers "already gone"), so it retries like a read.
      send: (batch) =>
        this.operation(endpoint, signal, ({ remainingMs }) =>
          this.session.call({
            method: 'POST',
            endpoint,
            form: { shareid_list: jsonNumberArray([...batch]) },
            write: true,
            shareEndpoint: true,
            remainingMs,
            ...(signal ? { signal } : {}),
          }),
        ),
      publicError: (error) => this.publicError(error, endpoint),
    });
  }

  async listFiles(dir: string, options: { signal?: AbortSignal } = {}): Promise<TeraboxFile[]> {
    if (typeof dir !== 'string' || !dir.startsWith('/')) throw new TeraboxValidationError(['dir must be an absolute path (starting with /)']);
    const endpoint = LIST_FILES_ENDPOINT;
    const num = 100;
    const files: TeraboxFile[] = [];
    let previous: string | undefined;
    for (let page = 1; ; page++) {
      if (page > this.maxPages) throw this.publicError(new TeraboxResponseError('shape', `${dir} did not end within ${this.maxPages} pages`, { endpoint }), endpoint);
      const body = await this.operation(endpoint, options.signal, ({ remainingMs }) =>
        this.session.call({
          method: 'GET',
          endpoint,
          query: { dir, page: String(page), num: String(num), order: 'name', desc: '0' },
          remainingMs,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
      const list: unknown = body.list ?? [];
      if (!Array.isArray(list)) throw this.publicError(new TeraboxResponseError('shape', 'list is not an array', { endpoint }), endpoint);
      const pageFiles = list.map((item: unknown, i): TeraboxFile => {
        const fsId = isRecord(item) ? toDecimalId(item.fs_id) : undefined;
        if (!isRecord(item) || !fsId || typeof item.path !== 'string') {
          throw this.publicError(new TeraboxResponseError('shape', `entry #${i} of page ${page} has no usable fs_id or path`, { endpoint }), endpoint);
        }
        const size = toNumber(item.size);
        return {
          fsId,
          path: item.path,
          name: typeof item.server_filename === 'string' ? item.server_filename : item.path.split('/').pop() ?? '',
          isDir: toNumber(item.isdir) === 1 || item.isdir === true,
          ...(size !== undefined ? { size } : {}),
          raw: item,
        };
      });
      const ids = pageFiles.map((f) => f.fsId).join(',');
      if (pageFiles.length > 0 && ids === previous) {
        throw this.publicError(new TeraboxResponseError('shape', `page ${page} of ${dir} repeats the previous page`, { endpoint }), endpoint);
      }
      previous = ids;
      files.push(...pageFiles);
      if (pageFiles.length < num) return files;
    }
  }
}

/**
 * Builds a TeraBox client. Only `credentials.ndus` is required; everything else has a default
 * (node-fetch with keep-alive, 15 s per request, DEFAULT_RETRY_POLICY, 6 pages at once).
 * Throws TeraboxValidationError / TeraboxAuthError on invalid options (no request is made).
 */
export function createTeraboxClient(options: TeraboxClientOptions): TeraboxClient {
  return new Client(options);
}

/**
 * node-fetch v2 is the default transport. It is required on first use rather than imported, so
 * that a bundle which injects another fetch (the Lambda functions pass Node's global fetch and
 * mark node-fetch external) does not carry it and its URL tables (about 300 KB minified).
 */
function loadNodeFetch(): FetchLike {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeFetch = require('node-fetch') as typeof import('node-fetch').default;
  // node-fetch v2's own AbortSignal type is structurally the same as the global one.
  return (url, init) => nodeFetch(url, init);
}
