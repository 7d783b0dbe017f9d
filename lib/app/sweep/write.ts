/**
 * The sweep's `write` phase, in order: inventory upkeep, grace marks set and cleared, share ids
 * attached to records, the audit entries, then the grace notices and the run's events. A failed
 * write of the inventory, the marks or the audit fails the run before anything is cancelled;
 * attaching share ids and publishing are bookkeeping (run errors).
 */
import type { EvaluationResult } from '../../domain/decision';
import type { Share, ShareId } from '../../domain/share';
import { guardrailTrippedEvent } from '../../contracts/events';
import { forEachLimit } from '../../shared/concurrency';
import { withPolicyVersions } from '../audit-entry';
import type { InventoryItem } from '../store-ports';
import type { SweepContext } from './context';
import { recordFlagged } from './diff';
import { publishEvents, sendNotices } from './notices';
import { auditEntriesOf, givenUpEvents, guardrailEventTrips, planInventory, type Joined } from './plan';
import { DEFAULT_GONE_RETENTION_MS, DEFAULT_LAST_SEEN_RESOLUTION_MS, SWEEP_METRICS, SweepPhaseError } from './types';

const DEFAULT_ATTACH_CONCURRENCY = 8;

/** Runs one write; its failure fails the run (phase `write`), naming what was not written. */
async function writing<T>(ctx: SweepContext, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new SweepPhaseError('write', `could not write ${what}: ${ctx.describe(error)}; nothing was cancelled`, { cause: error });
  }
}

export async function writePhase(
  ctx: SweepContext,
  listed: readonly Share[],
  previous: ReadonlyMap<ShareId, InventoryItem>,
  joined: Joined,
  evaluation: EvaluationResult,
  now: number,
): Promise<void> {
  const { result } = ctx;
  await writeInventory(ctx, listed, previous, now);
  await writeMarks(ctx, evaluation, now);
  await attachShareIds(ctx, joined, now);
  await writeAudit(ctx, evaluation, now);
  await recordFlagged(ctx, evaluation, now);
  await sendNotices(ctx, evaluation.noticesDue, joined);
  if (evaluation.guardrail.tripped) await publishEvents(ctx, [guardrailTrippedEvent({ runId: result.runId, trips: guardrailEventTrips(evaluation) }, now)]);
  await publishEvents(ctx, givenUpEvents(ctx.verification?.ineffective ?? [], result.subjects, joined.requestIds, result.runId, now));
}

async function writeInventory(ctx: SweepContext, listed: readonly Share[], previous: ReadonlyMap<ShareId, InventoryItem>, now: number): Promise<void> {
  const { deps, result } = ctx;
  const settings = deps.settings;
  const plan = planInventory(listed, previous, ctx.verification, now, settings.goneRetentionMs ?? DEFAULT_GONE_RETENTION_MS);
  result.inventory.new = plan.fresh;
  result.inventory.gone = plan.gone;
  result.inventory.written = await writing(ctx, 'the inventory', () =>
    deps.inventory.putChanged(plan.items, previous, { lastSeenResolutionMs: settings.lastSeenResolutionMs ?? DEFAULT_LAST_SEEN_RESOLUTION_MS }),
  );
  if (plan.expired.length > 0) result.inventory.deleted = await writing(ctx, 'the inventory (deletions)', () => deps.inventory.deleteMany(plan.expired));
}

/** Grace marks, after the inventory items (which carry the previous marks unchanged). */
async function writeMarks(ctx: SweepContext, evaluation: EvaluationResult, now: number): Promise<void> {
  const { deps, result } = ctx;
  if (evaluation.newMarks.length > 0) {
    await writing(ctx, 'grace marks', () => deps.inventory.setMarks(evaluation.newMarks, now));
    result.marked = evaluation.newMarks;
    ctx.metric(SWEEP_METRICS.markedForCancel, evaluation.newMarks.length);
  }
  if (evaluation.clearedMarks.length > 0) {
    await writing(ctx, 'cleared grace marks', () => deps.inventory.clearMarks(evaluation.clearedMarks));
    result.cleared = evaluation.clearedMarks;
  }
}

/** Share ids learnt by short url: bookkeeping, never a reason to fail the run. */
async function attachShareIds(ctx: SweepContext, joined: Joined, now: number): Promise<void> {
  const { deps } = ctx;
  if (joined.attach.length === 0) return;
  let failed = 0;
  let firstError: unknown;
  await forEachLimit(joined.attach, deps.settings.attachConcurrency ?? DEFAULT_ATTACH_CONCURRENCY, async (a) => {
    try {
      await deps.shareRecords.attachShareId(a.requestId, a.shareId, now);
    } catch (error) {
      failed += 1;
      firstError ??= error;
    }
  });
  if (failed > 0) ctx.addError(`could not attach the share id to ${failed} share record(s): ${ctx.describe(firstError)}`);
}

/** The audit trail, written before any cancel batch is sent (an action never goes without its trail). */
async function writeAudit(ctx: SweepContext, evaluation: EvaluationResult, now: number): Promise<void> {
  const { deps, result } = ctx;
  const entries = withPolicyVersions(auditEntriesOf(evaluation, result.subjects, ctx.verification, now), result.policyVersions);
  if (entries.length > 0) await writing(ctx, 'the audit entries', () => deps.runs.putAuditEntries(result.runId, entries));
  ctx.auditEntries = entries;
  result.counts.auditEntries = entries.length;
}
