/** The inventory port: every share a sweep has seen, with its grace marks. */
import type { ShareId } from '../../domain/share';

export interface InventoryItem {
  shareId: ShareId;
  firstSeenAtMs: number;
  lastSeenAtMs: number;
  /** Grace marks: policy id -> when the share was first seen breaking it. */
  violatingSince?: Record<string, number>;
  /**
   * Policy id -> when the mark's `ShareMarkedForCancel` notice was accepted by the event bus. The
   * grace period counts from here; a mark without it has not started its grace. Cleared with its mark.
   */
  notifiedAt?: Record<string, number>;
  /** When a sweep first missed the share (it was cancelled or expired). */
  goneAtMs?: number;
  /**
   * Cancel verification (lib/app/cancel-verification.ts). The run whose cancel batch last named
   * this share, while its answer is not yet judged by a complete listing; cleared once judged.
   */
  cancelRunId?: string;
  /** When that run queued the cancel. */
  cancelRequestedAtMs?: number;
  /** Complete listings that still listed the share after a cancel was answered done (0 when absent). */
  cancelMisses?: number;
  /** Set at the second miss: the product no longer cancels this share; a person must look at it. */
  cancelGaveUpAtMs?: number;
}

/** The stored items by share id (a Map, or a compact table of them). */
export interface InventoryLookup {
  get(shareId: ShareId): InventoryItem | undefined;
}

/** A grace mark to write or clear (the engine's `GraceMark` fits as is). */
export interface GraceMark {
  shareId: ShareId;
  policyId: string;
  /** When the violation was first seen; default: the `now` of `setMarks`. */
  sinceMs?: number;
}

export interface InventoryStore {
  loadAll(): Promise<Map<ShareId, InventoryItem>>;
  /** Every item of the account, one at a time (what loadAll collects into a map). */
  scan(): AsyncIterable<InventoryItem>;
  /** Batched writes (25 a call, several calls in flight, unprocessed items retried). Returns the count written. */
  putMany(items: Iterable<InventoryItem>): Promise<number>;
  /**
   * Writes only the items that differ from `previous` (as loaded by `loadAll`, or any lookup of
   * the stored items). A change of
   * `lastSeenAtMs` alone counts only when it moved by at least `lastSeenResolutionMs` (default 0),
   * so that a sweep of 100,000 unchanged shares need not rewrite them all every run.
   */
  putChanged(
    items: Iterable<InventoryItem>,
    previous: InventoryLookup,
    options?: { lastSeenResolutionMs?: number },
  ): Promise<number>;
  /** Adds grace marks; an existing mark keeps its original time (and its notice). Creates the item when missing. */
  setMarks(marks: readonly GraceMark[], now: number): Promise<void>;
  /**
   * Records that the notices of these marks were accepted by the event bus at `atMs`
   * (`notifiedAt[policyId] = atMs`), only where the mark still exists and has no notice yet (a
   * notice older than the mark, left from an earlier mark of the pair, counts as none). A mark
   * that is gone or already notified is left as it is: a notice time is never moved. Returns how
   * many were written.
   */
  setNotified(marks: readonly Omit<GraceMark, 'sinceMs'>[], atMs: number): Promise<number>;
  /** Removes the given grace marks and their notice times; marks or shares that are not there are ignored. */
  clearMarks(marks: readonly Omit<GraceMark, 'sinceMs'>[]): Promise<void>;
  /** Removes every grace mark (and notice time) of one share. */
  clearAllMarks(shareId: ShareId): Promise<void>;
  /**
   * Records that run `runId` queued a cancel of these shares at `atMs` (`cancelRunId`,
   * `cancelRequestedAtMs`); touches no other attribute. Returns how many were written.
   */
  recordCancelRequests(shareIds: readonly ShareId[], runId: string, atMs: number): Promise<number>;
  deleteMany(shareIds: Iterable<ShareId>): Promise<number>;
}
