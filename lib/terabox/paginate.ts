/**
 * The share listing: pages of `/share/teratransfer/sharelist` or Baidu's `/share/record`, in
 * TeraBox's order, as an async generator (see `paginateShares` for the rules and their costs).
 * Kept apart from client.ts: the client supplies one page fetch (its session, retry policy and
 * normalization) and scrubs errors; everything about paging lives here.
 */
import type { ListPageInfo, PaginateOptions } from '../app/ports';
import type { Share } from '../domain/share';
import { TeraboxResponseError, TeraboxValidationError, type TeraboxError } from './errors';
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

function positiveInt(value: number | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new TeraboxValidationError([`${name} must be an integer from 1 to ${max}`]);
  return value;
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
  let pageSize = positiveInt(options.pageSize, ctx.pageSize, 'pageSize', 1000);
  const concurrency = positiveInt(options.concurrency, ctx.concurrency, 'concurrency', 64);
  const which = options.endpoint ?? ctx.endpoint;
  if (!isShareListEndpoint(which)) throw new TeraboxValidationError(['endpoint must be "sharelist" or "record"']);
  const endpoint = SHARE_LIST_ENDPOINT_PATHS[which];
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (options.signal?.aborted) controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  // Pages started and not yet consumed (some may have arrived), and how many are still running.
  const inFlight = new Map<number, Promise<FetchedPage>>();
  let running = 0;
  let next = 1;
  let done = false;
  let plannedLastPage: number | undefined;
  const start = (page: number): void => {
    running += 1;
    const promise = ctx.fetchPage(which, page, pageSize, controller.signal);
    inFlight.set(page, promise);
    next = Math.max(next, page + 1);
    promise.then(settled, settled); // awaited in order below; never an unhandled rejection
  };
  // A planned listing keeps `concurrency` requests running: a page frees its slot when it has
  // settled (its retries included), not when the pages before it have arrived and been consumed
  // (one slow page would otherwise hold every slot). Settled pages waiting for their turn are
  // bounded too (a few pages of memory).
  const fill = (): void => {
    if (done || plannedLastPage === undefined) return;
    while (running < concurrency && inFlight.size < concurrency * 2 && next <= plannedLastPage) start(next);
  };
  function settled(): void {
    running -= 1;
    fill();
  }
  const seen = new Set<string>();
  const order = new OrderCheck();
  let previousIds: string | undefined;
  let firstTotal: number | undefined;
  let shortPage: { page: number; count: number } | undefined;
  try {
    for (let page = 1; ; page++) {
      if (page > ctx.maxPages) {
        throw new TeraboxResponseError('shape', `the share list did not end within ${ctx.maxPages} pages`, { endpoint });
      }
      if (page === 1) {
        start(1); // alone: page 1 decides the plan (and may correct the page size)
      } else if (plannedLastPage !== undefined) {
        fill();
      } else {
        while (next < page + ctx.lookahead && next <= ctx.maxPages) start(next);
      }
      if (!inFlight.has(page)) start(page);
      const fetched = await inFlight.get(page)!;
      inFlight.delete(page);
      const count = fetched.shares.length;
      if (count > pageSize) {
        // TeraBox ignored page_size: its page boundaries are not the ones the offsets assume, so
        // shares may be skipped or belong to something else. Never evaluate such a listing.
        throw new TeraboxResponseError('shape', `page ${page} holds ${count} shares for a page of ${pageSize}; the listing cannot be trusted`, { endpoint });
      }
      const ids = fetched.shares.map((s) => s.shareId).join(',');
      if (count > 0 && ids === previousIds) {
        throw new TeraboxResponseError('shape', `page ${page} repeats page ${page - 1} (TeraBox ignored the page number?); the listing is incomplete`, { endpoint });
      }
      previousIds = ids;
      if (shortPage !== undefined && count > 0) {
        // A page held fewer than the page size and yet the list went on: the server's page
        // boundaries are not the offsets asked for, so shares may have been skipped.
        throw new TeraboxResponseError(
          'shape',
          `page ${shortPage.page} held ${shortPage.count} of ${pageSize} shares and page ${page} still holds more; the listing may have skipped shares`,
          { endpoint },
        );
      }

      const fresh: Share[] = [];
      for (const share of fetched.shares) {
        if (seen.has(share.shareId)) continue;
        seen.add(share.shareId);
        fresh.push(share);
      }
      order.add(fresh);
      const info: ListPageInfo = { page, count, orderProven: order.proven };
      options.onPage?.(info);
      ctx.emit({ event: 'list-page', endpoint, page, count });
      for (const share of fresh) yield share;

      const totalReached = fetched.total !== undefined && page * pageSize >= fetched.total;
      const ended = count === 0 || fetched.hasMore === false || totalReached;
      if (page === 1 && !ended && count < pageSize) {
        // A short first page that does not end the list: TeraBox serves fewer than asked (a cap),
        // or this is the whole list. Go on with the size it served: then later offsets agree
        // whether the server counts pages of the size asked or of the size served.
        pageSize = count;
      } else if (!ended && count < pageSize) {
        if (fetched.hasMore === true) {
          throw new TeraboxResponseError('shape', `page ${page} holds ${count} of ${pageSize} shares but TeraBox says more follow; the listing is incomplete`, { endpoint });
        }
        // Not an end by itself (only an empty page, has_more/nextpage 0 or the total is), but
        // only the end may follow it: a non-empty next page throws (see above).
        shortPage = { page, count };
      }
      const announced = fetched.total ?? fetched.totalHint;
      if (page === 1 && announced !== undefined) {
        firstTotal = announced;
        plannedLastPage = Math.max(1, Math.ceil(announced / pageSize));
      }
      if (ended) {
        if (plannedLastPage !== undefined && page < plannedLastPage) {
          throw new TeraboxResponseError(
            'shape',
            `the share list shrank while it was read (total ${firstTotal} on page 1, page ${page} ended it); read it again`,
            { endpoint },
          );
        }
        options.onComplete?.({ endpoint: which, path: endpoint, pages: page, shares: seen.size, orderProven: order.proven });
        return;
      }
      // More pages than the first total promised (shares created meanwhile): go on one by one.
      if (plannedLastPage !== undefined && page >= plannedLastPage) plannedLastPage = undefined;
    }
  } catch (error) {
    throw ctx.publicError(error, endpoint);
  } finally {
    done = true;
    controller.abort();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
