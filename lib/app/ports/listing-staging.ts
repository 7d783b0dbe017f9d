/**
 * Staging of a checkpointed sweep's listing: the shares each chunk read (what evaluation and the
 * run's reports need of them) and the checkpoint that says how far the listing got. Expires on
 * its own (TTL) after a day.
 */
import type { Share } from '../../domain/share';
import type { ResponseShape } from '../response-shape';
import type { ListingCursor } from '../ports';

/**
 * A listed share as staged: what the policies, the join with the share records, the audit trail
 * and the events read of it. The rest (raw item, fs ids, link, expiry, counters) is left at
 * listing time, so that the evaluating invocation holds a small object per share.
 */
export type StagedShare = Pick<Share, 'shareId' | 'paths'> & Partial<Pick<Share, 'shortUrl' | 'createdAtMs' | 'visibility' | 'dead' | 'deadReason'>>;

/** One staged page: the shares of page `page` (or of its re-read, `reread`). */
export interface StagedPage {
  page: number;
  reread: boolean;
  shares: StagedShare[];
}

/** How far a run's listing got, written after each chunk. */
export interface SweepCheckpoint {
  runId: string;
  accountId: string;
  /** Chunks done (1 after the first). */
  chunks: number;
  cursor: ListingCursor;
  /** Pages and shares staged so far (re-reads included; shares may repeat across chunk boundaries). */
  pages: number;
  shares: number;
  /** The shape of every raw item listed so far (listing-drift.ts). */
  shape: ResponseShape;
  updatedAtMs: number;
}

export interface ListingStagingStore {
  /** Stages one page; writing the same page (and reread flag) again replaces it (a retried chunk). */
  putPage(runId: string, page: StagedPage, nowMs: number): Promise<void>;
  /**
   * Saves the checkpoint after chunk `checkpoint.chunks`, only when the stored one is the chunk
   * before (or none, for the first). Returns false when another writer got there first.
   */
  saveCheckpoint(checkpoint: SweepCheckpoint, nowMs: number): Promise<boolean>;
  getCheckpoint(accountId: string, runId: string): Promise<SweepCheckpoint | undefined>;
  /**
   * The staged pages up to `lastPage` (pages a failed attempt staged beyond it are ignored), in
   * page order, a page's re-read right after the page itself.
   */
  readPages(runId: string, lastPage: number): AsyncIterable<StagedPage>;
}
