/**
 * The sweep's `enqueue` phase: the cancel batches (only when enforcing with no guardrail
 * tripped), the audit of batches that could not be queued, and which run queued each cancel.
 */
import type { ShareId } from '../../domain/share';
import { buildCancelBatches, MAX_SHARES_PER_CANCEL_BATCH } from '../../contracts/cancel-batch';
import { unsentCancels } from '../messaging-ports';
import type { SweepContext } from './context';
import { cancelInputsOf, unsentAuditEntries, type CancelFacts } from './plan';
import { SWEEP_METRICS, SweepPhaseError } from './types';

export async function enqueueCancels(ctx: SweepContext, toCancel: readonly ShareId[], facts: CancelFacts, now: number): Promise<void> {
  const { deps, result } = ctx;
  const inputs = cancelInputsOf(toCancel, facts, result.startedAtMs);
  const batches = buildCancelBatches({ runId: result.runId, accountId: result.accountId, policyVersions: result.policyVersions }, inputs, deps.settings.cancelBatchSize ?? MAX_SHARES_PER_CANCEL_BATCH);
  try {
    await deps.cancelQueue.send(batches);
    result.enqueued = [...toCancel];
    result.batches = batches.length;
  } catch (error) {
    const unsent = unsentCancels(error, batches);
    result.enqueued = toCancel.filter((id) => !unsent.shareIds.has(id));
    result.batches = batches.length - unsent.batches;
    const reason = `${unsent.batches} of ${batches.length} cancel batch(es) could not be queued (${unsent.shareIds.size} shares not cancelled): ${ctx.describe(error)}`;
    await auditUnsent(ctx, unsent.shareIds, reason);
    throw new SweepPhaseError('enqueue', reason, { cause: error });
  } finally {
    ctx.metric(SWEEP_METRICS.enqueuedForCancel, result.enqueued.length);
    ctx.progress({ phase: 'enqueue', batches: result.batches });
    await recordCancelRequests(ctx, now);
  }
}

/** The audit entries of the cancels that were not queued become `skipped`, with the reason. */
async function auditUnsent(ctx: SweepContext, unsent: ReadonlySet<ShareId>, reason: string): Promise<void> {
  try {
    await ctx.deps.runs.putAuditEntries(ctx.result.runId, unsentAuditEntries(ctx.auditEntries, unsent, ctx.redact(reason)));
  } catch (auditError) {
    ctx.addError(`could not record the unsent cancellations in the audit trail: ${ctx.describe(auditError)}`);
  }
}

/**
 * Which run queued each sent cancel, so that the next complete listing can verify it (see
 * cancel-verification.ts). Bookkeeping: a failure is a run error, and those cancels go unverified.
 */
async function recordCancelRequests(ctx: SweepContext, now: number): Promise<void> {
  const { deps, result } = ctx;
  if (result.enqueued.length === 0) return;
  try {
    await deps.inventory.recordCancelRequests(result.enqueued, result.runId, now);
  } catch (error) {
    ctx.addError(`could not record which run cancelled ${result.enqueued.length} share(s): ${ctx.describe(error)}; their cancels will not be verified`);
  }
}
