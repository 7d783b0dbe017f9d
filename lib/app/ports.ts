/**
 * The small interfaces (ports) the use cases need. Adapters implement them:
 * `lib/terabox` (TeraboxGateway), `lib/stores` (the repositories and the lease),
 * `lib/app/adapters` or `functions/` wiring (events, queues, clock).
 */
import type { Clock } from '../domain/clock';
import type { Share, ShareId } from '../domain/share';
import type { SharePeriod } from '../domain/share-period';

// Re-exported so existing imports keep working; the words live in lib/domain.
export type { Clock } from '../domain/clock';
export type { SharePeriod } from '../domain/share-period';

// ---------------------------------------------------------------- TeraBox

export interface CreateShareInput {
  /** fs ids as decimal strings (numbers are accepted by the client too). */
  fsIds?: string[];
  paths?: string[];
  period: SharePeriod;
  /** Exactly 4 of [0-9a-z]: makes a private link (schannel=4, public=0). */
  password?: string;
}

export interface CreatedShare {
  shareId?: ShareId;
  shortUrl: string;
  link: string;
  period: SharePeriod;
  password?: string;
  /** TeraBox's ctime when it gave one (epoch ms). */
  createdAtMs?: number;
}

/**
 * - `cancelled`: TeraBox answered errno 0 (the next complete listing verifies it is gone).
 * - `already-gone`: TeraBox said the share does not exist (105).
 * - `unconfirmed`: an answer that may mean "gone" or something else (errno -7 / -21 mean other
 *   things on TeraBox than on Baidu): counted as done for now, verified by the next listing.
 * - `failed`: not cancelled.
 */
export type CancelOutcomeKind = 'cancelled' | 'already-gone' | 'unconfirmed' | 'failed';

export interface CancelOutcome {
  shareId: ShareId;
  outcome: CancelOutcomeKind;
  errno?: number;
  /** A redacted, human-readable reason when failed. */
  error?: string;
}

/** What a listing reports after each page (before that page's shares are yielded). */
export interface ListPageInfo {
  page: number;
  /** Shares on the page. */
  count: number;
  /**
   * Every share yielded so far, this page's included, had a creation time, and they never
   * increased: the listing is newest first as far as it went. Absent or false: the order is not
   * proven, and nothing may be concluded from where a share is (or is not) in the list.
   */
  orderProven?: boolean;
}

export interface PaginateOptions {
  pageSize?: number;
  signal?: AbortSignal;
  /** Called after each page arrives (progress display, metrics, the order check). */
  onPage?: (info: ListPageInfo) => void;
}

export interface TeraboxGateway {
  createShare(input: CreateShareInput): Promise<CreatedShare>;
  /**
   * Every share of the account, page by page, in TeraBox's order (asked for newest first, never
   * assumed: see ListPageInfo.orderProven). Throws (never ends early) on failure.
   */
  paginateShares(options?: PaginateOptions): AsyncGenerator<Share, void, undefined>;
  cancelShares(ids: ShareId[]): Promise<CancelOutcome[]>;
}

// ---------------------------------------------------------------- Clock

export const systemClock: Clock = { now: () => Date.now() };

// ---------------------------------------------------------------- Chunked listing

/**
 * Where a listing stands between two chunks (JSON: it travels in a checkpoint and through Step
 * Functions). A new listing has no cursor.
 */
export interface ListingCursor {
  /** The next page to read. */
  nextPage: number;
  /** The page size asked for, or the one page 1 served when TeraBox caps it. */
  pageSize: number;
  /** The total (or Baidu's `count`) page 1 announced, when it gave one. */
  announcedTotal?: number;
  /** The last page read and its share ids in order: the next chunk re-reads it to see whether the list moved. */
  lastPage?: { page: number; ids: ShareId[] };
  /** See ListPageInfo.orderProven, over every page read so far. */
  orderProven: boolean;
  /** The ctime of the last share read (epoch ms), for the order check across chunks. */
  lastCreatedAtMs?: number;
  /** A short page seen after page 1: only the end of the list may follow it. */
  shortPage?: { page: number; count: number };
  /** The list has ended: nothing more to read. */
  ended: boolean;
}

/** One page a chunk read: its shares not seen before in this chunk (raw items included). */
export interface ChunkPage {
  page: number;
  shares: Share[];
  /**
   * The re-read of the previous chunk's last page: only the shares that moved up into it since
   * (older than the last share that page still holds, and not on it before).
   */
  reread?: boolean;
}

export interface ReadChunkOptions {
  /** Where the previous chunk stopped; absent for a new listing. */
  cursor?: ListingCursor;
  /** Shares per page for a new listing (the cursor's otherwise). */
  pageSize?: number;
  concurrency?: number;
  /** Most pages this chunk reads (the re-read page not counted); unlimited when absent. */
  maxPages?: number;
  /** Asked between pages: true stops the chunk cleanly at the next unread page (a deadline). */
  shouldStop?: () => boolean;
  signal?: AbortSignal;
}

/**
 * Reads a listing chunk by chunk. `onPage` gets the pages in order and is awaited before the next
 * is handed over (it stages them). Resolves with the cursor the next chunk starts from (`ended`
 * once the list has ended); throws (a TeraboxError, scrubbed) when the listing cannot be trusted,
 * including a list that moved between chunks in a way that cannot be reconciled.
 */
export interface ShareChunkReader {
  readChunk(options: ReadChunkOptions, onPage: (page: ChunkPage) => Promise<void>): Promise<ListingCursor>;
}
