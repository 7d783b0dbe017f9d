/**
 * The share listing: pages of `/share/teratransfer/sharelist` or Baidu's `/share/record`, in
 * TeraBox's order, as an async generator (see `paginate` for the rules and their costs).
 * Kept apart from client.ts: the client supplies one page fetch (its session, retry policy and
 * normalization) and scrubs errors; everything about paging lives here.
 */
import type { ListPageInfo, PaginateOptions } from '../app/ports';
import type { Share } from '../domain/share';
import { TeraboxResponseError, TeraboxValidationError, type TeraboxError } from './errors';
import { positiveInt } from './positive-int';
import type { TeraboxLogEvent } from './session';

/** Which listing endpoint a client reads (`TeraboxClientOptions.listEndpoint`). */
export type ShareListEndpoint = 'sharelist' | 'record';

/** The seed document's list (appears publicly only beside TeraTransfer: it may not list every share). */
export const SHARE_LIST_ENDPOINT = '/share/teratransfer/sharelist';
/** Baidu's own list of an account's shares (`page`, `num`, `order=ctime`, `desc=1`). */
export const SHARE_RECORD_ENDPOINT = '/share/record';
export const SHARE_LIST_ENDPOINT_PATHS: Readonly<Record<ShareListEndpoint, string>> = Object.freeze({
  sharelist: SHARE_LIST_ENDPOINT,
  record: SHARE_RECORD_ENDPOINT,
});
export const SHARE_LIST_ENDPOINT_NAMES: readonly ShareListEndpoint[] = Object.freeze(['sharelist', 'record'] as const);
export const DEFAULT_LIST_ENDPOINT: ShareListEndpoint = 'sharelist';

export function isShareListEndpoint(value: unknown): value is ShareListEndpoint {
  return value === 'sharelist' || value === 'record';
}

/**
 * The query of one list page. Both endpoints are asked for newest first (`order=ctime&desc=1`,
 * what every Baidu client sends; harmless where ignored), and the order is still checked.
 */
export function listPageQuery(endpoint: ShareListEndpoint, page: number, pageSize: number): Record<string, string> {
  const size = String(pageSize);
  return endpoint === 'record'
    ? { page: String(page), num: size, order: 'ctime', desc: '1' }
    : { page: String(page), page_size: size, order: 'ctime', desc: '1' };
}

/** One page as the client fetched and normalized it. */
export interface FetchedPage {
  shares: Share[];
  total?: number;
  totalHint?: number;
  hasMore?: boolean;
}

/** How a finished listing went (`ListSharesOptions.onComplete`). */
export interface ListingSummary {
  endpoint: ShareListEndpoint;
  /** The endpoint's path, e.g. `/share/record`. */
  path: string;
  /** Pages read, the final empty one included. */
  pages: number;
  /** Distinct shares yielded. */
  shares: number;
  /** See ListPageInfo.orderProven: true when the whole listing was newest first by ctime. */
  orderProven: boolean;
}

export interface ListSharesOptions extends PaginateOptions {
  /** Overrides the client's listConcurrency for this listing. */
  concurrency?: number;
  /** Overrides the client's listEndpoint for this listing (doctor lists with a chosen endpoint). */
  endpoint?: ShareListEndpoint;
  /** Called once when the listing has ended normally (not on an error, nor when the caller stops early). */
  onComplete?: (summary: ListingSummary) => void;
}

/** What the client gives the listing. */
export interface ListingContext {
  fetchPage(endpoint: ShareListEndpoint, page: number, pageSize: number, signal: AbortSignal): Promise<FetchedPage>;
  emit(event: TeraboxLogEvent): void;
  publicError(error: unknown, endpoint: string): TeraboxError;
  endpoint: ShareListEndpoint;
  pageSize: number;
  concurrency: number;
  lookahead: number;
  maxPages: number;
}

/** Tracks whether the shares so far were newest first (ctime never increasing, every ctime known). */
class OrderCheck {
  proven = true;
  private last: number | undefined;

  add(shares: readonly Share[]): void {
    for (const share of shares) {
      const ctime = share.createdAtMs;
      if (ctime === undefined) this.proven = false;
      else {
        if (this.last !== undefined && ctime > this.last) this.proven = false;
        this.last = ctime;
      }
    }
  }
}

/**
 * The page requests of one listing: which pages are in flight and when the next ones start.
 * A planned listing keeps `concurrency` requests running: a page frees its slot when it has
 * settled (its retries included), not when the pages before it have arrived and been consumed
 * (one slow page would otherwise hold every slot). Settled pages waiting for their turn are
 * bounded too (a few pages of memory).
 */
class PageRequests {
  /** Pages started and not yet consumed (some may have arrived). */
  private readonly inFlight = new Map<number, Promise<FetchedPage>>();
  private running = 0;
  private next = 1;
  private stopped = false;
  /** The last page the first page's total announces; undefined while pages go one by one. */
  plannedLastPage: number | undefined;
  /** The total (or Baidu's `count`) page 1 announced. */
  announcedTotal: number | undefined;

  constructor(
    private readonly fetch: (page: number, pageSize: number) => Promise<FetchedPage>,
    /** The page size asked for; a short page 1 lowers it (see paginate). */
    public pageSize: number,
    private readonly concurrency: number,
    private readonly lookahead: number,
    private readonly maxPages: number,
  ) {}

  /** Page `page`, started now if it is not in flight yet, along with what the plan or the lookahead allows. */
  request(page: number): Promise<FetchedPage> {
    if (page === 1) {
      this.start(1); // alone: page 1 decides the plan (and may correct the page size)
    } else if (this.plannedLastPage !== undefined) {
      this.fill();
    } else {
      while (this.next < page + this.lookahead && this.next <= this.maxPages) this.start(this.next);
    }
    if (!this.inFlight.has(page)) this.start(page);
    return this.inFlight.get(page)!;
  }

  /** Called once the page's answer is taken: it no longer counts against the pages kept waiting. */
  consumed(page: number): void {
    this.inFlight.delete(page);
  }

  /** Plans concurrent fetching from page 1's total (or hint), if it gives one. */
  planFrom(first: FetchedPage): void {
    const announced = first.total ?? first.totalHint;
    if (announced === undefined) return;
    this.announcedTotal = announced;
    this.plannedLastPage = Math.max(1, Math.ceil(announced / this.pageSize));
  }

  /** More pages than the first total promised (shares created meanwhile): go on one by one. */
  afterPage(page: number): void {
    if (this.plannedLastPage !== undefined && page >= this.plannedLastPage) this.plannedLastPage = undefined;
  }

  stop(): void {
    this.stopped = true;
  }

  private start(page: number): void {
    this.running += 1;
    const promise = this.fetch(page, this.pageSize);
    this.inFlight.set(page, promise);
    this.next = Math.max(this.next, page + 1);
    const settled = (): void => {
      this.running -= 1;
      this.fill();
    };
    promise.then(settled, settled); // awaited in order by paginate; never an unhandled rejection
  }

  private fill(): void {
    if (this.stopped || this.plannedLastPage === undefined) return;
    while (this.running < this.concurrency && this.inFlight.size < this.concurrency * 2 && this.next <= this.plannedLastPage) this.start(this.next);
  }
}

/** What a listing has read so far, and the checks every new page must pass. */
class PageChecks {
  readonly seen = new Set<string>();
  readonly order = new OrderCheck();
  private previousIds: string | undefined;
  private shortPage: { page: number; count: number } | undefined;

  constructor(private readonly endpoint: string) {}

  /** Throws when the page cannot be trusted; returns its shares not seen before (and checks their order). */
  accept(page: number, fetched: FetchedPage, pageSize: number): Share[] {
    const { endpoint } = this;
    const count = fetched.shares.length;
    if (count > pageSize) {
      // TeraBox ignored page_size: its page boundaries are not the ones the offsets assume, so
      // shares may be skipped or belong to something else. Never evaluate such a listing.
      throw new TeraboxResponseError('shape', `page ${page} holds ${count} shares for a page of ${pageSize}; the listing cannot be trusted`, { endpoint });
    }
    const ids = fetched.shares.map((s) => s.shareId).join(',');
    if (count > 0 && ids === this.previousIds) {
      throw new TeraboxResponseError('shape', `page ${page} repeats page ${page - 1} (TeraBox ignored the page number?); the listing is incomplete`, { endpoint });
    }
    this.previousIds = ids;
    if (this.shortPage !== undefined && count > 0) {
      // A page held fewer than the page size and yet the list went on: the server's page
      // boundaries are not the offsets asked for, so shares may have been skipped.
      throw new TeraboxResponseError(
        'shape',
        `page ${this.shortPage.page} held ${this.shortPage.count} of ${pageSize} shares and page ${page} still holds more; the listing may have skipped shares`,
        { endpoint },
      );
    }
    const fresh: Share[] = [];
    for (const share of fetched.shares) {
      if (this.seen.has(share.shareId)) continue;
      this.seen.add(share.shareId);
      fresh.push(share);
    }
    this.order.add(fresh);
    return fresh;
  }

  /**
   * A short page after page 1 that does not end the list: not an end by itself (only an empty
   * page, has_more/nextpage 0 or the total is), but only the end may follow it (accept throws on
   * a non-empty next page). Throws at once when TeraBox says more follow.
   */
  shortPageSeen(page: number, fetched: FetchedPage, pageSize: number): void {
    const count = fetched.shares.length;
    if (fetched.hasMore === true) {
      throw new TeraboxResponseError('shape', `page ${page} holds ${count} of ${pageSize} shares but TeraBox says more follow; the listing is incomplete`, { endpoint: this.endpoint });
    }
    this.shortPage = { page, count };
  }
}

/** Whether this page ends the list: empty, has_more 0 (or nextpage 0), or the total reached. Never a merely short page. */
export function endsList(page: number, fetched: FetchedPage, pageSize: number): boolean {
  const totalReached = fetched.total !== undefined && page * pageSize >= fetched.total;
  return fetched.shares.length === 0 || fetched.hasMore === false || totalReached;
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

/**
 * Every share, in TeraBox's order (asked for newest first; `onPage` says whether it was). When the
 * first page gives a total (or Baidu's `count`, used for planning only), the other pages are
 * fetched `concurrency` at a time and yielded in order; without one, one page at a time (or
 * `lookahead` speculative pages).
 *
 * It ends only on an empty page, `has_more: 0` (or Baidu's `nextpage: 0`) or a `total` reached,
 * never on a merely short page: a server may cap the page size (one captured TeraBox URL uses
 * page_size=10), and a short page 1 then continues at the size served, so that both ways a
 * server may count offsets agree. Costs for n shares in pages of s: ceil(n/s) calls with
 * `total` or has_more/nextpage, ceil(n/s) + 1 without (the last call is the empty page that
 * proves the end; ceil(n/c) + 1 when the server caps pages at c < s).
 *
 * It throws (never ends quietly) on a failed page, a page larger than asked, a page repeating
 * the previous one, a short page after page 1 followed by more shares (or saying more follow:
 * shares may have been skipped), or a list that shrank while it was read. A share seen twice
 * (new shares pushed the list down) is yielded once, and left out of the order check.
 */
export async function* paginate(ctx: ListingContext, options: ListSharesOptions = {}): AsyncGenerator<Share, void, undefined> {
  const pageSize = positiveInt(options.pageSize, ctx.pageSize, 'pageSize', 1000);
  const concurrency = positiveInt(options.concurrency, ctx.concurrency, 'concurrency', 64);
  const which = options.endpoint ?? ctx.endpoint;
  if (!isShareListEndpoint(which)) throw new TeraboxValidationError(['endpoint must be "sharelist" or "record"']);
  const endpoint = SHARE_LIST_ENDPOINT_PATHS[which];
  const abort = followSignal(options.signal);
  const signal = abort.controller.signal;
  const requests = new PageRequests((page, size) => ctx.fetchPage(which, page, size, signal), pageSize, concurrency, ctx.lookahead, ctx.maxPages);
  const checks = new PageChecks(endpoint);
  try {
    for (let page = 1; ; page++) {
      if (page > ctx.maxPages) {
        throw new TeraboxResponseError('shape', `the share list did not end within ${ctx.maxPages} pages`, { endpoint });
      }
      const fetched = await requests.request(page);
      requests.consumed(page);
      const count = fetched.shares.length;
      const fresh = checks.accept(page, fetched, requests.pageSize);
      const info: ListPageInfo = { page, count, orderProven: checks.order.proven };
      options.onPage?.(info);
      ctx.emit({ event: 'list-page', endpoint, page, count });
      for (const share of fresh) yield share;

      const ended = endsList(page, fetched, requests.pageSize);
      if (!ended && count < requests.pageSize) {
        // A short first page that does not end the list: TeraBox serves fewer than asked (a cap),
        // or this is the whole list. Go on with the size it served: then later offsets agree
        // whether the server counts pages of the size asked or of the size served.
        if (page === 1) requests.pageSize = count;
        else checks.shortPageSeen(page, fetched, requests.pageSize);
      }
      if (page === 1) requests.planFrom(fetched);
      if (ended) {
        if (requests.plannedLastPage !== undefined && page < requests.plannedLastPage) {
          throw new TeraboxResponseError(
            'shape',
            `the share list shrank while it was read (total ${requests.announcedTotal} on page 1, page ${page} ended it); read it again`,
            { endpoint },
          );
        }
        options.onComplete?.({ endpoint: which, path: endpoint, pages: page, shares: checks.seen.size, orderProven: checks.order.proven });
        return;
      }
      requests.afterPage(page);
    }
  } catch (error) {
    throw ctx.publicError(error, endpoint);
  } finally {
    requests.stop();
    abort.dispose();
  }
}
