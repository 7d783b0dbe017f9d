/**
 * Use case: cancel one batch of shares the sweep decided to cancel (a cancel queue message), and
 * record what happened to each share.
 *
 * - An invalid message, or one for another account, cancels nothing and is handed back (it ends
 *   in the DLQ with its reason logged).
 * - With the global dry run on, nothing is cancelled: each share's audit outcome becomes `skipped`
 *   (the sweep never queues in dry run; this is the second lock).
 * - `cancelled` and `already-gone` both count as done: the share record moves to `cancelled`, the
 *   audit entry gets the outcome, and a `ShareCancelled` event is sent for both (the link is dead
 *   either way; the reason says "already gone" for the latter). Events are at-least-once:
 *   subscribers dedupe by share id.
 * - A `failed` share, or bookkeeping that could not be written, makes the whole message retried.
 *   That is safe: shares cancelled the first time come back `already-gone`.
 */
import type { UseCaseLog } from './create-share';
import type { EventPublisher } from './messaging-ports';
import type { CancelOutcome, Clock, TeraboxGateway } from './ports';
import type { RunStore, ShareRecordStore } from './store-ports';
import type { ShareId } from '../domain/share';
import type { CancelBatchMessage, ParseCancelBatchResult } from '../messages/cancel-batch';
import { shareCancelledEvent, type ProductEvent } from '../messages/events';

export interface CancelSharesDeps {
  terabox: TeraboxGateway;
  shareRecords: ShareRecordStore;
  runs: RunStore;
  events: EventPublisher;
  clock: Clock;
  /** The account this function's credentials belong to: a batch for another one is refused. */
  accountId: string;
  /** The global dry-run switch: when on, nothing is cancelled. */
  globalDryRun: boolean;
  log?: UseCaseLog;
  /** Called with the number of shares this batch actually cancelled (the `SharesCancelled` metric). */
  countCancelled?: (count: number) => void;
  /** Shares whose records and audit entries are written at once (default 8). */
  bookkeepingConcurrency?: number;
}

export interface ShareFailure {
  shareId: ShareId;
  error: string;
}

export type CancelBatchOutcome =
  /** Not a usable batch: nothing was cancelled; hand it back (DLQ). */
  | { status: 'invalid'; retry: true; runId?: string; reasons: string[] }
  /** Global dry run: nothing was cancelled; audit outcomes say `skipped`. */
  | { status: 'skipped'; retry: false; runId: string; shareIds: ShareId[] }
  /** Cancelled what could be; `retry` when a share failed or its bookkeeping could not be written. */
  | {
      status: 'processed';
      retry: boolean;
      runId: string;
      cancelled: ShareId[];
      alreadyGone: ShareId[];
      failed: ShareFailure[];
      bookkeepingFailed: ShareFailure[];
    };

/** Handles one parsed cancel queue message (see the module comment). Throws when events cannot be published. */
export async function cancelShareBatch(deps: CancelSharesDeps, parsed: ParseCancelBatchResult): Promise<CancelBatchOutcome> {
  if (!parsed.ok) return { status: 'invalid', retry: true, ...(parsed.runId !== undefined ? { runId: parsed.runId } : {}), reasons: parsed.errors };
  const batch = parsed.batch;
  if (batch.accountId !== deps.accountId) {
    return {
      status: 'invalid',
      retry: true,
      runId: batch.runId,
      reasons: [`accountId: the batch is for account ${batch.accountId}, this function serves ${deps.accountId}`],
    };
  }
  if (deps.globalDryRun) return skipAll(deps, batch);

  const outcomes = await deps.terabox.cancelShares(batch.shareIds);
  const byId = new Map(outcomes.map((o) => [o.shareId, o]));
  // Every id must come back with an outcome; one that does not is treated as failed (retried).
  const complete: CancelOutcome[] = batch.shareIds.map(
    (shareId) => byId.get(shareId) ?? { shareId, outcome: 'failed', error: 'TeraBox client returned no outcome for this share' },
  );

  const now = deps.clock.now();
  const events: ProductEvent[] = [];
  const failed: ShareFailure[] = [];
  const bookkeepingFailed: ShareFailure[] = [];
  await forEachLimited(complete, deps.bookkeepingConcurrency ?? 8, async (outcome) => {
    try {
      const event = await recordOutcome(deps, batch, outcome, now);
      if (event !== undefined) events.push(event);
      if (outcome.outcome === 'failed') failed.push({ shareId: outcome.shareId, error: outcome.error ?? `errno ${outcome.errno ?? 'unknown'}` });
    } catch (error) {
      bookkeepingFailed.push({ shareId: outcome.shareId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
  });

  const cancelled = complete.filter((o) => o.outcome === 'cancelled').map((o) => o.shareId);
  const alreadyGone = complete.filter((o) => o.outcome === 'already-gone').map((o) => o.shareId);
  if (cancelled.length > 0) deps.countCancelled?.(cancelled.length);
  if (events.length > 0) await deps.events.publish(events);
  return {
    status: 'processed',
    retry: failed.length > 0 || bookkeepingFailed.length > 0,
    runId: batch.runId,
    cancelled,
    alreadyGone,
    failed,
    bookkeepingFailed,
  };
}

/** Writes the share record and the audit outcome of one share; the event to send when it is gone. */
async function recordOutcome(deps: CancelSharesDeps, batch: CancelBatchMessage, outcome: CancelOutcome, now: number): Promise<ProductEvent | undefined> {
  const { shareId } = outcome;
  if (outcome.outcome === 'failed') {
    await deps.runs.updateAuditOutcome(batch.runId, shareId, 'failed', now, outcome.error ?? `errno ${outcome.errno ?? 'unknown'}`);
    return undefined;
  }
  const reason = batch.reasons?.[shareId] ?? `cancelled by run ${batch.runId}`;
  const record = await deps.shareRecords.markCancelled({ shareId, reason, runId: batch.runId, now });
  await deps.runs.updateAuditOutcome(batch.runId, shareId, outcome.outcome, now);
  return shareCancelledEvent(
    {
      shareId,
      runId: batch.runId,
      policyIds: batch.policyIds?.[shareId] ?? [],
      reason: outcome.outcome === 'already-gone' ? `${reason} (already gone)` : reason,
      ...(record !== undefined ? { requestId: record.requestId } : {}),
    },
    now,
  );
}

async function skipAll(deps: CancelSharesDeps, batch: CancelBatchMessage): Promise<CancelBatchOutcome> {
  deps.log?.warn('global dry run is on: a cancel batch was received and nothing was cancelled', {
    runId: batch.runId,
    shares: batch.shareIds.length,
  });
  const now = deps.clock.now();
  await forEachLimited(batch.shareIds, deps.bookkeepingConcurrency ?? 8, (shareId) =>
    deps.runs.updateAuditOutcome(batch.runId, shareId, 'skipped', now, 'global dry run is on: not cancelled'),
  );
  return { status: 'skipped', retry: false, runId: batch.runId, shareIds: [...batch.shareIds] };
}

/** Runs `fn` over the items, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
