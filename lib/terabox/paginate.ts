/**
 * The share listing as an async generator of shares: `paginate`, one chunk of chunk-listing.ts
 * without a budget, its pages flattened (see `paginate` for the rules and their costs). Kept
 * apart from client.ts: the client supplies one page fetch (its session, retry policy and
 * normalization) and scrubs errors; everything about paging lives here and in chunk-listing.ts.
 */
import type { PaginateOptions } from '../app/ports';
import type { Share } from '../domain/share';
import { ChunkListing } from './chunk-listing';
import type { ListingContext, ListingSummary, ShareListEndpoint } from './share-listing';

export {
  DEFAULT_LIST_ENDPOINT,
  endsList,
  isShareListEndpoint,
  listPageQuery,
  SHARE_LIST_ENDPOINT,
  SHARE_LIST_ENDPOINT_NAMES,
  SHARE_LIST_ENDPOINT_PATHS,
  SHARE_RECORD_ENDPOINT,
  type FetchedPage,
  type ListingContext,
  type ListingSummary,
  type ShareListEndpoint,
} from './share-listing';

export interface ListSharesOptions extends PaginateOptions {
  /** Overrides the client's listConcurrency for this listing. */
  concurrency?: number;
  /** Overrides the client's listEndpoint for this listing (doctor lists with a chosen endpoint). */
  endpoint?: ShareListEndpoint;
  /** Called once when the listing has ended normally (not on an error, nor when the caller stops early). */
  onComplete?: (summary: ListingSummary) => void;
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
  const { pageSize, concurrency, endpoint, signal, onPage, onComplete } = options;
  const listing = new ChunkListing(ctx, {
    ...(pageSize !== undefined ? { pageSize } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(signal ? { signal } : {}),
    ...(onPage ? { onPageInfo: onPage } : {}),
    ...(onComplete ? { onComplete } : {}),
  });
  for await (const page of listing.pages()) {
    for (const share of page.shares) yield share;
  }
}
