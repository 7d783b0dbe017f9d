/**
 * The TeraBox client: implements the `TeraboxGateway` port (create, paginate, cancel) on top of
 * a `TeraboxSession` (tokens, region, errno handling) and the declared retry policy.
 *
 *   const client = createTeraboxClient({ credentials: { ndus } });
 *   for await (const share of client.paginateShares({ pageSize: 100 })) { ... }
 *   const cursor = await client.readChunk({ maxPages: 50 }, async (page) => stage(page));
 *   client.close();
 *
 * Every error thrown is a TeraboxError whose message, stack and cause chain have been scrubbed
 * of the ndus cookie, jsToken and bdstoken. Options and defaults: client-options.ts.
 */
import type http from 'node:http';
import type { Share, ShareId } from '../domain/share';
import type { CancelOutcome, ChunkPage, CreatedShare, CreateShareInput, ListingCursor, ReadChunkOptions, ShareChunkReader, TeraboxGateway } from '../app/ports';
import { CANCEL_SHARE_ENDPOINT, cancelInBatches, distinctShareIds } from './cancel-batches';
import { readChunk } from './chunk-listing';
import { connectionPool, loadNodeFetch, resolveClientSettings, type ClientSettings, type TeraboxClientOptions } from './client-options';
import { buildCreateShareForm, CREATE_SHARE_ENDPOINT, readCreatedShare } from './create-share';
import { TeraboxApiError, TeraboxError, TeraboxResponseError, TeraboxValidationError } from './errors';
import { FILE_PAGE_SIZE, fileListQuery, LIST_FILES_ENDPOINT, readFilePage, type TeraboxFile } from './file-list';
import { jsonNumberArray } from './json';
import { normalizeSharePage } from './normalize';
import { listPageQuery, paginate, SHARE_LIST_ENDPOINT_PATHS, type FetchedPage, type ListingContext, type ListSharesOptions, type ShareListEndpoint } from './paginate';
import { isRetryableError, isSafeToRepeatCreate, withRetry, type AttemptContext } from './retry';
import { SHARE_VERIFY_ERRNOS, TeraboxSession, TOKEN_ERRNOS, type SessionTokenReport } from './session';
import { extractSharePage } from './share-page';

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

export interface TeraboxClient extends TeraboxGateway, ShareChunkReader {
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

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

class Client implements TeraboxClient {
  private readonly session: TeraboxSession;
  private readonly settings: ClientSettings;
  private readonly agents: http.Agent[];

  constructor(options: TeraboxClientOptions) {
    this.settings = resolveClientSettings(options);
    const pool = connectionPool(options);
    this.agents = pool.agents;
    const fetch = options.fetch ?? loadNodeFetch();
    this.session = new TeraboxSession({
      credentials: options.credentials,
      fetch,
      requestTimeoutMs: this.settings.requestTimeoutMs,
      now: () => this.settings.clock.now(),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      ...(options.regionUrl ? { regionUrl: options.regionUrl } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(pool.agentFor ? { agent: pool.agentFor } : {}),
      ...(options.browserId !== undefined ? { browserId: options.browserId } : {}),
      ...(this.settings.pacer ? { pacer: this.settings.pacer } : {}),
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
        policy: this.settings.policy,
        env: { sleep: this.settings.sleep, random: this.settings.random, now: () => this.settings.clock.now() },
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
    return isRetryableError(error, this.settings.policy);
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
          isSafeToRepeatCreate(e, this.settings.policy) || (e instanceof TeraboxApiError && this.retryable(e));
    const body = await this.operation(
      endpoint,
      options.signal,
      ({ remainingMs }) =>
        this.session.call({ method: 'POST', endpoint, form, write: true, shareEndpoint: true, remainingMs, ...(options.signal ? { signal: options.signal } : {}) }),
      shouldRetry,
    );
    try {
      return readCreatedShare(body, input, this.session.baseUrl);
    } catch (error) {
      throw this.publicError(error, endpoint);
    }
  }

  /** One list page of `which`, fetched under the retry policy and normalized (see paginate.ts). */
  private fetchSharePage(which: ShareListEndpoint, page: number, pageSize: number, signal: AbortSignal): Promise<FetchedPage> {
    const endpoint = SHARE_LIST_ENDPOINT_PATHS[which];
    return this.operation(endpoint, signal, async ({ remainingMs }) => {
      const body = await this.session.call({ method: 'GET', endpoint, query: listPageQuery(which, page, pageSize), shareEndpoint: true, signal, remainingMs });
      const raw = extractSharePage(body, endpoint);
      const shares = normalizeSharePage(raw.items, { origin: this.session.baseUrl, nowMs: this.settings.clock.now() }, { endpoint, page });
      const { items: _items, ...counts } = raw;
      return { shares, ...counts };
    });
  }

  /** What a listing needs from the client: its page fetch, log, error scrubbing and settings. */
  private listingContext(): ListingContext {
    return {
      fetchPage: (which, page, pageSize, signal) => this.fetchSharePage(which, page, pageSize, signal),
      emit: (event) => this.session.emit(event),
      publicError: (error, endpoint) => this.publicError(error, endpoint),
      endpoint: this.settings.listEndpoint,
      pageSize: this.settings.pageSize,
      concurrency: this.settings.listConcurrency,
      lookahead: this.settings.listLookahead,
      maxPages: this.settings.maxPages,
    };
  }

  /** Every share, in TeraBox's order: see `paginate` (lib/terabox/paginate.ts) for the rules and costs. */
  paginateShares(options: ListSharesOptions = {}): AsyncGenerator<Share, void, undefined> {
    return paginate(this.listingContext(), options);
  }

  /** One chunk of a listing, the same rules as paginateShares: see lib/terabox/chunk-listing.ts. */
  readChunk(options: ReadChunkOptions, onPage: (page: ChunkPage) => Promise<void>): Promise<ListingCursor> {
    return readChunk(this.listingContext(), options, onPage);
  }

  /**
   * Cancels shares, `cancelBatchSize` ids per request, and reports one outcome per distinct id
   * (in first-seen order); how answers become outcomes is cancel-batches.ts. Throws only on
   * invalid input, before any request.
   */
  async cancelShares(ids: ShareId[], options: CancelSharesOptions = {}): Promise<CancelOutcome[]> {
    const unique = distinctShareIds(ids);
    const endpoint = CANCEL_SHARE_ENDPOINT;
    const { signal } = options;
    return cancelInBatches(unique, this.settings.cancelBatchSize, {
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

  /** Every entry of `dir`, page by page until a short page; a page repeating the previous one throws. */
  async listFiles(dir: string, options: { signal?: AbortSignal } = {}): Promise<TeraboxFile[]> {
    if (typeof dir !== 'string' || !dir.startsWith('/')) throw new TeraboxValidationError(['dir must be an absolute path (starting with /)']);
    const endpoint = LIST_FILES_ENDPOINT;
    const { maxPages } = this.settings;
    const files: TeraboxFile[] = [];
    let previous: string | undefined;
    for (let page = 1; ; page++) {
      if (page > maxPages) throw this.publicError(new TeraboxResponseError('shape', `${dir} did not end within ${maxPages} pages`, { endpoint }), endpoint);
      const body = await this.operation(endpoint, options.signal, ({ remainingMs }) =>
        this.session.call({ method: 'GET', endpoint, query: fileListQuery(dir, page), remainingMs, ...(options.signal ? { signal: options.signal } : {}) }),
      );
      let pageFiles: TeraboxFile[];
      try {
        pageFiles = readFilePage(body, page);
      } catch (error) {
        throw this.publicError(error, endpoint);
      }
      const ids = pageFiles.map((f) => f.fsId).join(',');
      if (pageFiles.length > 0 && ids === previous) {
        throw this.publicError(new TeraboxResponseError('shape', `page ${page} of ${dir} repeats the previous page`, { endpoint }), endpoint);
      }
      previous = ids;
      files.push(...pageFiles);
      if (pageFiles.length < FILE_PAGE_SIZE) return files;
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
