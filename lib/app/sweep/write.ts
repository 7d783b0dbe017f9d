/**
 * The sweep's `write` phase, in order: the staged listing read a second time to write each
 * share's sighting and the audit entry of each decision (in batches, page by page), the first
 * misses and expiries of shares no longer listed, grace marks set and cleared, share ids
 * attached to records, the audit entries the cancel verification changes, then the grace notices
 * and the run's events. A failed write of the inventory, the marks or the audit fails the run
 * before anything is cancelled; attaching share ids and publishing are bookkeeping (run errors).
 */
import type { Decision } from '../../domain/decision';
import type { EvaluationPlan } from '../../domain/evaluation-run';
import { FlaggedSetBuilder } from '../run-diff';
import type { ShareId } from '../../domain/share';
import { guardrailTrippedEvent } from '../../contracts/events';
import { forEachLimit } from '../../shared/concurrency';
import { withPolicyVersions, type RunAuditEntry, type ShareSubject } from '../audit-entry';
import { applyVerificationToAudit } from '../cancel-verification';
import type { InventoryItem } from '../store-ports';
import type { SweepContext } from './context';
import { recordFlagged } from './diff';
import { publishEvents, sendNotices } from './notices';
import {
  auditEntryOfDecision,
  auditTreatment,
  givenUpEvents,
  guardrailEventTrips,
  sightingOf,
  subjectOf,
  unlistedOf,
  type AuditTreatment,
  type CancelFacts,
} from './plan';
import type { StreamedListing } from './streamed-listing';
import { DEFAULT_GONE_RETENTION_MS, DEFAULT_LAST_SEEN_RESOLUTION_MS, SWEEP_METRICS, SweepPhaseError } from './types';

const DEFAULT_ATTACH_CONCURRENCY = 8;
/** Items gathered before one batched write (a few pages' worth). */
const WRITE_BATCH = 1000;

/** Runs one write; its failure fails the run (phase `write`), naming what was not written. */
async function writing<T>(ctx: SweepContext, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new SweepPhaseError('write', `could not write ${what}: ${ctx.describe(error)}; nothing was cancelled`, { cause: error });
  }
}

/** What the write phase leaves for the enqueue phase. */
export interface Written {
  cancelFacts: CancelFacts;
}

export async function writePhase(ctx: SweepContext, listing: StreamedListing, plan: EvaluationPlan, now: number): Promise<Written> {
  const { result } = ctx;
  const pass = new SecondPass(ctx, listing, plan, now);
  await pass.run();
  await writeMarks(ctx, plan, now);
  await attachShareIds(ctx, listing.attach, now);
  await pass.writeVerified();
  await recordFlagged(ctx, pass.flagged.build(), now);
  const requestIdOf = (shareId: ShareId): string | undefined => listing.records.get(shareId)?.requestId;
  await sendNotices(ctx, plan.noticesDue, requestIdOf);
  if (plan.guardrail.tripped) await publishEvents(ctx, [guardrailTrippedEvent({ runId: result.runId, trips: guardrailEventTrips(plan) }, now)]);
  await publishEvents(ctx, givenUpEvents(ctx.verification?.ineffective ?? [], result.subjects, { get: requestIdOf }, result.runId, now));
  return { cancelFacts: pass.cancelFacts() };
}

/**
 * The listed shares, page by page: sightings (only changed items are written) and the audit
 * entries of every decision but a plain keep, each batch written before the next is gathered.
 * Subjects (paths, short url, requester) are kept only for the shares later phases name: the
 * decisions the run reports, the notices due, the cancels and the verified cancels.
 */
class SecondPass {
  private readonly subjects = new Map<ShareId, ShareSubject>();
  private readonly createdAt = new Map<ShareId, number | undefined>();
  /** Entries the verification changes, written after it (cancel-verification.ts). */
  private readonly verified: RunAuditEntry[] = [];
  private readonly wanted: Set<ShareId>;
  private readonly verifiedIds: Set<ShareId>;
  private readonly cancels: Set<ShareId>;
  private readonly treatment: AuditTreatment;
  /** The run's flagged set, for `runs diff` (run-diff.ts). */
  readonly flagged = new FlaggedSetBuilder();
  private items: InventoryItem[] = [];
  private entries: RunAuditEntry[] = [];
  private auditCount = 0;

  constructor(
    private readonly ctx: SweepContext,
    private readonly listing: StreamedListing,
    plan: EvaluationPlan,
    private readonly now: number,
  ) {
    const v = ctx.verification;
    this.cancels = new Set(v?.toCancel ?? plan.toCancel);
    const touched = [...(v?.ineffective.map((c) => c.shareId) ?? []), ...(v?.heldGivenUp ?? [])];
    this.verifiedIds = new Set(touched);
    this.wanted = new Set([...touched, ...plan.noticesDue.map((n) => n.shareId), ...(ctx.result.evaluation?.decisions.map((d) => d.shareId) ?? [])]);
    this.treatment = auditTreatment(plan);
  }

  /** Shares the listing no longer shows that have been gone for the retention: deleted. */
  private readonly expired: ShareId[] = [];

  /** The first misses of the shares the complete listing no longer shows (and those to delete, into `expired`). */
  private *unlisted(): Generator<InventoryItem> {
    const { ctx, listing, now } = this;
    const retention = ctx.deps.settings.goneRetentionMs ?? DEFAULT_GONE_RETENTION_MS;
    for (const prev of listing.previous.unlisted()) {
      const next = unlistedOf(prev, now, retention);
      if (next && 'gone' in next) {
        ctx.result.inventory.gone += 1;
        yield next.gone;
      } else if (next) this.expired.push(next.expired);
    }
  }

  async run(): Promise<void> {
    const { ctx, listing, now } = this;
    const { result } = ctx;
    ctx.auditEntries = [];
    for await (const page of listing.pages()) {
      for (const { share, slot, row } of page) {
        const id = share.shareId;
        const prev = row === undefined ? undefined : listing.previous.itemAt(row);
        if (!prev) result.inventory.new += 1;
        this.items.push(sightingOf(id, prev, ctx.verification?.updates.get(id), now));
        const subject = subjectOf({ share, requester: listing.records.get(id)?.requester });
        if (this.wanted.has(id)) this.subjects.set(id, subject);
        if (this.cancels.has(id)) this.createdAt.set(id, share.createdAtMs);
        if (listing.engine.hasDecision(slot)) this.decided(listing.engine.decisionOf(slot), subject);
      }
      if (this.items.length >= WRITE_BATCH) await this.flushItems();
      if (this.entries.length >= WRITE_BATCH) await this.flushEntries();
    }
    this.items.push(...this.unlisted());
    await this.flushItems();
    await this.flushEntries();
    if (this.expired.length > 0) result.inventory.deleted = await writing(ctx, 'the inventory (deletions)', () => ctx.deps.inventory.deleteMany(this.expired));
    result.subjects = this.subjects;
  }

  private decided(decision: Decision | undefined, subject: ShareSubject): void {
    if (decision === undefined) return;
    this.flagged.add(decision);
    const entry = auditEntryOfDecision(decision, subject, this.treatment, this.now);
    if (entry === undefined) return;
    if (this.cancels.has(entry.shareId)) this.ctx.auditEntries.push(entry);
    if (this.verifiedIds.has(entry.shareId)) this.verified.push(entry);
    else this.entries.push(entry);
  }

  private async flushItems(): Promise<void> {
    const { ctx, listing } = this;
    const items = this.items;
    this.items = [];
    if (items.length === 0) return;
    const resolution = ctx.deps.settings.lastSeenResolutionMs ?? DEFAULT_LAST_SEEN_RESOLUTION_MS;
    ctx.result.inventory.written += await writing(ctx, 'the inventory', () => ctx.deps.inventory.putChanged(items, listing.previous, { lastSeenResolutionMs: resolution }));
  }

  private async flushEntries(): Promise<void> {
    const entries = this.entries;
    this.entries = [];
    if (entries.length === 0) return;
    const { result } = this.ctx;
    await writing(this.ctx, 'the audit entries', () => this.ctx.deps.runs.putAuditEntries(result.runId, withPolicyVersions(entries, result.policyVersions)));
    this.auditCount += entries.length;
    this.ctx.result.counts.auditEntries = this.auditCount;
  }

  /** The entries of the verified cancels, with what the verification found (written before any cancel is queued). */
  async writeVerified(): Promise<void> {
    const { ctx } = this;
    const v = ctx.verification;
    if (v) applyVerificationToAudit(this.verified, v, this.subjects, this.now);
    this.entries = this.verified;
    await this.flushEntries();
    ctx.result.counts.auditEntries = this.auditCount;
  }

  cancelFacts(): CancelFacts {
    const { listing } = this;
    return {
      decisionOf: (id) => {
        const slot = listing.slotOf(id);
        return slot === undefined ? undefined : listing.engine.decisionOf(slot);
      },
      requestIdOf: (id) => listing.records.get(id)?.requestId,
      createdAtOf: (id) => this.createdAt.get(id),
    };
  }
}


/** Grace marks, after the inventory items (which carry the previous marks unchanged). */
async function writeMarks(ctx: SweepContext, plan: EvaluationPlan, now: number): Promise<void> {
  const { deps, result } = ctx;
  if (plan.newMarks.length > 0) {
    await writing(ctx, 'grace marks', () => deps.inventory.setMarks(plan.newMarks, now));
    result.marked = plan.newMarks;
    ctx.metric(SWEEP_METRICS.markedForCancel, plan.newMarks.length);
  }
  if (plan.clearedMarks.length > 0) {
    await writing(ctx, 'cleared grace marks', () => deps.inventory.clearMarks(plan.clearedMarks));
    result.cleared = plan.clearedMarks;
  }
}

/** Share ids learnt by short url: bookkeeping, never a reason to fail the run. */
async function attachShareIds(ctx: SweepContext, attach: readonly { requestId: string; shareId: ShareId }[], now: number): Promise<void> {
  const { deps } = ctx;
  if (attach.length === 0) return;
  let failed = 0;
  let firstError: unknown;
  await forEachLimit(attach, deps.settings.attachConcurrency ?? DEFAULT_ATTACH_CONCURRENCY, async (a) => {
    try {
      await deps.shareRecords.attachShareId(a.requestId, a.shareId, now);
    } catch (error) {
      failed += 1;
      firstError ??= error;
    }
  });
  if (failed > 0) ctx.addError(`could not attach the share id to ${failed} share record(s): ${ctx.describe(firstError)}`);
}
