/**
 * What every share listing shares: the two endpoints, one page's query and answer, what the
 * client gives a listing (ListingContext) and when a page ends the list. The paging itself is
 * chunk-listing.ts (and paginate.ts, one chunk as a stream of shares).
 */
import type { Share } from '../domain/share';
import type { TeraboxError } from './errors';
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

/** Whether this page ends the list: empty, has_more 0 (or nextpage 0), or the total reached. Never a merely short page. */
export function endsList(page: number, fetched: FetchedPage, pageSize: number): boolean {
  const totalReached = fetched.total !== undefined && page * pageSize >= fetched.total;
  return fetched.shares.length === 0 || fetched.hasMore === false || totalReached;
}
