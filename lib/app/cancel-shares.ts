/**
 * Use case: cancel one batch of shares the sweep decided to cancel (a cancel queue message), and
 * record what happened to each share.
 *
 * - An invalid message, or one for another account, cancels nothing and is handed back (it ends
 *   in the DLQ with its reason logged).
 * - With the global dry run on, nothing is cancelled: each share's audit outcome becomes `skipped`
 *   (the sweep never queues in dry run; this is the second lock).
 * - `cancelled`, `already-gone` and `unconfirmed` all count as done: the share record moves to
 *   `cancelled`, the audit entry gets the outcome (`unconfirmed` is its own audit outcome), and a
 *   `ShareCancelled` event is sent (the reason says "already gone", or "unconfirmed" with the errno).
 *   `unconfirmed` is TeraBox answering -7/-21, which on TeraBox is no proof the share is gone:
 *   retrying would get the same answer, so the next complete listing is the check. Events are
 *   at-least-once: subscribers dedupe by share id.
 * - A `failed` share, or bookkeeping that could not be written, makes the whole message retried.
 *   That is safe: shares cancelled the first time come back `already-gone` (or `unconfirmed`).
 *
 * ## Cost per share (session 2)
 * The share record of a cancelled share is found from the message's `requestIds` (the sweep's
 * join): a request id is marked directly (one conditional UpdateItem), `null` means no record (no
 * call); only a share without an entry (an older message) is looked up through the `byShareId`
 * index first. The audit outcomes of the whole message are written in batched calls (about 5 per
 * 100 shares) instead of one UpdateItem each. So a share the product did not create costs no
 * DynamoDB call of its own, and one it created costs one.
 */
import type { UseCaseLog } from './create-share';
import type { EventPublisher } from './messaging-ports';
import type { CancelOutcome, Clock, TeraboxGateway } from './ports';
import { AuditOutcomesNotWrittenError, type AuditOutcomeUpdate, type RunStore, type ShareRecord, type ShareRecordStore } from './store-ports';
import type { ShareId } from '../domain/share';
import type { CancelBatchMessage, ParseCancelBatchResult } from '../contracts/cancel-batch';
import { shareCancelledEvent, type ProductEvent } from '../contracts/events';
import { forEachLimit } from '../shared/concurrency';

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
  /** Share records updated at once (default 8); the audit outcomes are written in batches. */
  bookkeepingConcurrency?: number;
}

export interface ShareFailure {
  shareId: ShareId;
  error: string;
}

export type CancelBatchOutcome =
  /** Not a usable batch: nothing was cancelled; hand it back (DLQ). */
  | { status: 'invalid'; retry: true; runId?: string; reasons: string[] }
  /** The batch's account is not served (unknown or disabled): nothing was cancelled; audit outcomes say `failed` with the reason. */
  | { status: 'refused'; retry: false; runId: string; accountId: string; reason: string; shareIds: ShareId[] }
  /** Global dry run: nothing was cancelled; audit outcomes say `skipped`. */
  | { status: 'skipped'; retry: false; runId: string; shareIds: ShareId[] }
  /** Cancelled what could be; `retry` when a share failed or its bookkeeping could not be written. */
  | {
      status: 'processed';
      retry: boolean;
      runId: string;
      cancelled: ShareId[];
      alreadyGone: ShareId[];
      /** Counted as done, but TeraBox's answer was no proof (the next listing checks). */
      unconfirmed: ShareId[];
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
  const bookkeepingFailed: ShareFailure[] = [];
  const notRecorded = new Set<ShareId>();
  const noteFailure = (shareId: ShareId, error: unknown): void => {
    notRecorded.add(shareId);
    bookkeepingFailed.push({ shareId, error: describe(error) });
  };

  // 1. The share records of the shares that are gone (one conditional write each, when they have one).
  const gone = complete.filter((o) => o.outcome !== 'failed');
  const records = new Map<ShareId, ShareRecord | undefined>();
  await forEachLimit(gone, deps.bookkeepingConcurrency ?? 8, async ({ shareId }) => {
    try {
      records.set(shareId, await markRecordCancelled(deps, batch, shareId, now));
    } catch (error) {
      noteFailure(shareId, error);
    }
  });

  // 2. The audit outcomes, batched. A share whose record could not be written keeps its audit entry
  //    as it was (`enqueued`), as before: the retried message records both.
  const updates: AuditOutcomeUpdate[] = complete
    .filter((o) => !notRecorded.has(o.shareId))
    .map((o) => (o.outcome === 'failed' ? { shareId: o.shareId, outcome: 'failed', error: failureText(o) } : { shareId: o.shareId, outcome: o.outcome }));
  try {
    await deps.runs.updateAuditOutcomes(batch.runId, updates, now);
  } catch (error) {
    const missing = error instanceof AuditOutcomesNotWrittenError ? error.shareIds : updates.map((u) => u.shareId);
    for (const shareId of missing) noteFailure(shareId, error);
  }

  // 3. Failures and events, in the message's order, for the shares whose bookkeeping is complete.
  const failed: ShareFailure[] = [];
  const events: ProductEvent[] = [];
  for (const outcome of complete) {
    if (notRecorded.has(outcome.shareId)) continue;
    if (outcome.outcome === 'failed') failed.push({ shareId: outcome.shareId, error: failureText(outcome) });
    else events.push(cancelledEvent(batch, outcome, records.get(outcome.shareId), now));
  }

  const cancelled = complete.filter((o) => o.outcome === 'cancelled').map((o) => o.shareId);
  const alreadyGone = complete.filter((o) => o.outcome === 'already-gone').map((o) => o.shareId);
  const unconfirmed = complete.filter((o) => o.outcome === 'unconfirmed').map((o) => o.shareId);
  if (cancelled.length > 0) deps.countCancelled?.(cancelled.length);
  if (events.length > 0) await deps.events.publish(events);
  return {
    status: 'processed',
    retry: failed.length > 0 || bookkeepingFailed.length > 0,
    runId: batch.runId,
    cancelled,
    alreadyGone,
    unconfirmed,
    failed,
    bookkeepingFailed,
  };
}

function failureText(outcome: CancelOutcome): string {
  return outcome.error ?? `errno ${outcome.errno ?? 'unknown'}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function cancelReason(batch: CancelBatchMessage, shareId: ShareId): string {
  return batch.reasons?.[shareId] ?? `cancelled by run ${batch.runId}`;
}

/**
 * Marks the share's record cancelled, found through the message's `requestIds`: `null` is a share
 * the product did not create (no call); a request id is written directly, and only when it does not
 * lead to this share's record (or the message has no entry for the share, as older ones) is the
 * record looked up by share id.
 */
async function markRecordCancelled(deps: CancelSharesDeps, batch: CancelBatchMessage, shareId: ShareId, now: number): Promise<ShareRecord | undefined> {
  const known = batch.requestIds?.[shareId];
  if (known === null) return undefined;
  const input = { shareId, reason: cancelReason(batch, shareId), runId: batch.runId, now };
  if (known !== undefined) {
    const record = await deps.shareRecords.markCancelled({ ...input, requestId: known });
    if (record !== undefined) return record;
  }
  return deps.shareRecords.markCancelled(input);
}

/** The `ShareCancelled` event of a share that is gone. */
function cancelledEvent(batch: CancelBatchMessage, outcome: CancelOutcome, record: ShareRecord | undefined, now: number): ProductEvent {
  const { shareId } = outcome;
  const reason = cancelReason(batch, shareId);
  return shareCancelledEvent(
    {
      shareId,
      runId: batch.runId,
      policyIds: batch.policyIds?.[shareId] ?? [],
      ...(batch.policyVersions !== undefined ? { policyVersions: batch.policyVersions } : {}),
      reason:
        outcome.outcome === 'already-gone'
          ? `${reason} (already gone)`
          : outcome.outcome === 'unconfirmed'
            ? `${reason} (unconfirmed: TeraBox answered errno ${outcome.errno ?? 'unknown'}; the next listing checks)`
            : reason,
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
  await deps.runs.updateAuditOutcomes(
    batch.runId,
    batch.shareIds.map((shareId) => ({ shareId, outcome: 'skipped', error: 'global dry run is on: not cancelled' })),
    now,
  );
  return { status: 'skipped', retry: false, runId: batch.runId, shareIds: [...batch.shareIds] };
}


/**
 * A batch whose account this deployment does not serve (not registered, or disabled since the
 * sweep queued it): nothing is cancelled, and each share's audit entry (in that account's run)
 * says `failed` with the reason. Not retried: a retry would meet the same registry (the account
 * is enabled again by an operator, and the next sweep decides afresh).
 */
export async function refuseCancelBatch(deps: Pick<CancelSharesDeps, 'runs' | 'clock' | 'log'>, batch: CancelBatchMessage, reason: string): Promise<CancelBatchOutcome> {
  deps.log?.error('cancel batch refused: its account is not served; nothing was cancelled', { runId: batch.runId, account: batch.accountId, reason, shares: batch.shareIds.length });
  await deps.runs.updateAuditOutcomes(
    batch.runId,
    batch.shareIds.map((shareId) => ({ shareId, outcome: 'failed', error: `not cancelled: ${reason}` })),
    deps.clock.now(),
  );
  return { status: 'refused', retry: false, runId: batch.runId, accountId: batch.accountId, reason, shareIds: [...batch.shareIds] };
}
