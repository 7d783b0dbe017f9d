/**
 * The share listing as chunks of pages (`ShareChunkReader`, lib/app/ports.ts): a chunk reads
 * pages until the list ends, its page budget is spent or its caller says stop, and returns the
 * cursor the next chunk starts from. `paginate` is one chunk without a budget. The rules of a
 * page (its checks, the plan, the end of the list) are paginate's: see paginate.ts.
 */
import type { ChunkPage, ListingCursor, ListPageInfo, ReadChunkOptions } from '../app/ports';
import type { Share } from '../domain/share';
import { reconcileBoundary } from './chunk-boundary';
import { TeraboxResponseError, TeraboxValidationError } from './errors';
import { OrderCheck, PageChecks } from './page-checks';
import { PageRequests } from './page-requests';
import { endsList, isShareListEndpoint, SHARE_LIST_ENDPOINT_PATHS, type FetchedPage, type ListingContext, type ListingSummary, type ShareListEndpoint } from './share-listing';
import { positiveInt } from './positive-int';

/** ReadChunkOptions plus what paginate adds for its one chunk. */
export interface ChunkListingOptions extends ReadChunkOptions {
  endpoint?: ShareListEndpoint;
  /** After each page arrives, before its shares are handed over (paginate's onPage). */
  onPageInfo?: (info: ListPageInfo) => void;
  /** Once the list has ended (paginate's onComplete). */
  onComplete?: (summary: ListingSummary) => void;
}

/** The most pages one chunk may be given as a budget. */
const MAX_CHUNK_PAGES = 1_000_000;

/** Why a cursor cannot be continued from (it is ours, from a checkpoint: this guards against a mix-up). */
function cursorErrors(cursor: ListingCursor): string[] {
  const errors: string[] = [];
  const positive = (value: unknown): boolean => Number.isInteger(value) && (value as number) >= 1;
  if (!positive(cursor.nextPage)) errors.push('cursor.nextPage must be a positive integer');
  if (!positive(cursor.pageSize) || cursor.pageSize > 1000) errors.push('cursor.pageSize must be an integer from 1 to 1000');
  if (cursor.nextPage > 1 && !cursor.ended && cursor.lastPage?.page !== cursor.nextPage - 1) errors.push('cursor.lastPage must be the page before cursor.nextPage');
  return errors;
}

/** An AbortController that follows the caller's signal until disposed. */
function followSignal(signal: AbortSignal | undefined): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (signal?.aborted) controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    controller,
    dispose: () => {
      controller.abort();
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

const idsOf = (shares: readonly Share[]): string[] => shares.map((s) => s.shareId);

/** One chunk of a listing: `pages()` reads it (once), then `cursor()` says where it stopped. */
export class ChunkListing {
  private readonly which: ShareListEndpoint;
  private readonly endpoint: string;
  private readonly abort: ReturnType<typeof followSignal>;
  private readonly requests: PageRequests;
  private readonly checks: PageChecks;
  private readonly budget: number;
  private delivered = 0;
  private nextPage: number;
  private lastPage: { page: number; ids: string[] } | undefined;
  private ended: boolean;

  constructor(
    private readonly ctx: ListingContext,
    private readonly options: ChunkListingOptions,
  ) {
    const { cursor } = options;
    if (cursor !== undefined && cursorErrors(cursor).length > 0) throw new TeraboxValidationError(cursorErrors(cursor));
    const pageSize = cursor?.pageSize ?? positiveInt(options.pageSize, ctx.pageSize, 'pageSize', 1000);
    const concurrency = positiveInt(options.concurrency, ctx.concurrency, 'concurrency', 64);
    this.budget = positiveInt(options.maxPages, Infinity, 'maxPages', MAX_CHUNK_PAGES);
    const which = options.endpoint ?? ctx.endpoint;
    if (!isShareListEndpoint(which)) throw new TeraboxValidationError(['endpoint must be "sharelist" or "record"']);
    this.which = which;
    this.endpoint = SHARE_LIST_ENDPOINT_PATHS[which];
    this.nextPage = cursor?.nextPage ?? 1;
    this.lastPage = cursor?.lastPage && { page: cursor.lastPage.page, ids: [...cursor.lastPage.ids] };
    this.ended = cursor?.ended ?? false;
    this.abort = followSignal(options.signal);
    const signal = this.abort.controller.signal;
    this.requests = new PageRequests(
      (page, size) => ctx.fetchPage(which, page, size, signal),
      {
        pageSize,
        ...(cursor?.announcedTotal !== undefined ? { announcedTotal: cursor.announcedTotal } : {}),
        firstPage: this.lastPage?.page ?? this.nextPage, // a continuation starts with its re-read
        ...(this.lastPage ? { lastReadPage: this.lastPage.page } : {}),
        lastAllowedPage: Math.min(ctx.maxPages, this.nextPage - 1 + this.budget),
      },
      concurrency,
      ctx.lookahead,
    );
    const order = new OrderCheck(cursor?.orderProven ?? true, cursor?.lastCreatedAtMs);
    this.checks = new PageChecks(this.endpoint, { order, ...(cursor?.shortPage ? { shortPage: { ...cursor.shortPage } } : {}) });
  }

  /** Where the next chunk starts (JSON: it goes into a checkpoint). */
  cursor(): ListingCursor {
    const { requests, checks } = this;
    return {
      nextPage: this.nextPage,
      pageSize: requests.pageSize,
      ...(requests.announcedTotal !== undefined ? { announcedTotal: requests.announcedTotal } : {}),
      ...(this.lastPage ? { lastPage: { page: this.lastPage.page, ids: [...this.lastPage.ids] } } : {}),
      orderProven: checks.order.proven,
      ...(checks.order.last !== undefined ? { lastCreatedAtMs: checks.order.last } : {}),
      ...(checks.shortPage ? { shortPage: { ...checks.shortPage } } : {}),
      ended: this.ended,
    };
  }

  /** The chunk's pages in order, each once; throws a scrubbed TeraboxError when the listing cannot be trusted. */
  async *pages(): AsyncGenerator<ChunkPage, void, undefined> {
    const { ctx, endpoint } = this;
    try {
      if (this.ended || this.shouldStop()) return;
      if (this.lastPage !== undefined) yield* this.reread(this.lastPage.page, this.lastPage.ids);
      for (let page = this.nextPage; ; page++) {
        if (this.delivered >= this.budget || this.shouldStop()) return;
        if (page > ctx.maxPages) {
          throw new TeraboxResponseError('shape', `the share list did not end within ${ctx.maxPages} pages`, { endpoint });
        }
        const fetched = await this.requests.request(page);
        this.requests.consumed(page);
        const fresh = this.checks.accept(page, fetched, this.requests.pageSize);
        this.options.onPageInfo?.({ page, count: fetched.shares.length, orderProven: this.checks.order.proven });
        ctx.emit({ event: 'list-page', endpoint, page, count: fetched.shares.length });
        this.delivered += 1;
        this.nextPage = page + 1;
        this.lastPage = { page, ids: idsOf(fetched.shares) };
        yield { page, shares: fresh };
        if (this.afterPage(page, fetched)) return;
      }
    } catch (error) {
      throw ctx.publicError(error, endpoint);
    } finally {
      this.requests.stop();
      this.abort.dispose();
    }
  }

  private shouldStop(): boolean {
    return this.options.shouldStop?.() === true;
  }

  /**
   * A continuation's first step: page `page` again, compared with what the earlier chunk read
   * there (chunk-boundary.ts). Shares that moved up into it are handed over as a re-read; every
   * share on it counts as seen, so that shares pushed down into the next page come only once.
   */
  private async *reread(page: number, previousIds: readonly string[]): AsyncGenerator<ChunkPage, void, undefined> {
    const { endpoint, checks } = this;
    const fetched = await this.requests.request(page);
    this.requests.consumed(page);
    checks.checkSize(page, fetched, this.requests.pageSize);
    this.ctx.emit({ event: 'list-page', endpoint, page, count: fetched.shares.length });
    const reading = reconcileBoundary(previousIds, fetched.shares, checks.order.proven);
    if (reading.kind === 'unreconcilable') {
      throw new TeraboxResponseError(
        'shape',
        `the share list moved between chunks in a way that cannot be reconciled (page ${page}: ${reading.reason}); start the listing again`,
        { endpoint },
      );
    }
    checks.markSeen(previousIds);
    checks.markRead(fetched.shares);
    this.lastPage = { page, ids: idsOf(fetched.shares) };
    if (reading.kind === 'moved' && reading.movedUp.length > 0) {
      checks.order.add(reading.movedUp);
      yield { page, shares: reading.movedUp, reread: true };
    }
  }

  /** What follows a page: true when it ended the list (after the shrink check). */
  private afterPage(page: number, fetched: FetchedPage): boolean {
    const { requests, checks, endpoint } = this;
    const count = fetched.shares.length;
    const ended = endsList(page, fetched, requests.pageSize);
    if (!ended && count < requests.pageSize) {
      // A short first page that does not end the list: TeraBox serves fewer than asked (a cap),
      // or this is the whole list. Go on with the size it served: then later offsets agree
      // whether the server counts pages of the size asked or of the size served.
      if (page === 1) requests.pageSize = count;
      else checks.shortPageSeen(page, fetched, requests.pageSize);
    }
    if (page === 1) requests.planFrom(fetched);
    if (!ended) {
      requests.afterPage(page);
      return false;
    }
    if (requests.plannedLastPage !== undefined && page < requests.plannedLastPage) {
      throw new TeraboxResponseError(
        'shape',
        `the share list shrank while it was read (total ${requests.announcedTotal} on page 1, page ${page} ended it); read it again`,
        { endpoint },
      );
    }
    this.ended = true;
    this.options.onComplete?.({ endpoint: this.which, path: endpoint, pages: page, shares: checks.seen.size, orderProven: checks.order.proven });
    return true;
  }
}

/** ShareChunkReader.readChunk over a listing context: `onPage` is awaited before the next page is handed over. */
export async function readChunk(ctx: ListingContext, options: ChunkListingOptions, onPage: (page: ChunkPage) => Promise<void>): Promise<ListingCursor> {
  const listing = new ChunkListing(ctx, options);
  for await (const page of listing.pages()) await onPage(page);
  return listing.cursor();
}
