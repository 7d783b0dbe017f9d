/**
 * The sweep use case (runSweep): list every share of the account, evaluate the policies, and act on the plan
 * (grace marks, cancel batches), writing the inventory, the audit trail and the run summary.
 * It depends on ports only; the Lambda handler, the CLI and the local run wire the adapters.
 *
 * ## The run, phase by phase (each timed in the run summary)
 * - `lease`: take the account's lease (owner = run id, ttl longer than the Lambda timeout). Held
 *   elsewhere: the run is recorded as `skipped` with the holder and nothing else happens.
 * - `list`: page through every share in chunks (listing.ts: each chunk reads pages from the last
 *   checkpoint on, stages them and saves the next checkpoint; steps.ts runs one chunk per
 *   invocation, `runSweep` all of them here). Any error (a failed page, a list that moved
 *   between chunks beyond repair, an abort before the Lambda deadline, a lost lease) fails the
 *   run: nothing is cancelled, no mark and no inventory item is written. A share is never
 *   cancelled on the strength of a list that did not finish.
 * - `policies`: load the raw items (PolicySource) and validate them; an invalid item is reported
 *   in the run's errors and skipped, the valid ones run. The inventory table and the share
 *   records are read, then the staged listing is read back page by page (every share once).
 * - `join`: as each share is read, its record (requester, product creation time; a record without
 *   a share id is matched by short url) and its inventory history (first seen, grace marks) are
 *   joined into ShareFacts and handed to the engine (streamed-listing.ts).
 *   Before that, the complete listing's shape is compared with the last completed run's
 *   (listing-drift.ts: a warning, the ApiShapeChanged metric); a share the product created that
 *   the listing does not show fails the run (missing-shares.ts); and the answers of earlier
 *   cancels of shares still listed are read from the audit trail (cancel-verification.ts).
 * - after `evaluate`: cancels answered done that did not take are planned (retried once, or given
 *   up on: those shares leave the cancel batches; ShareCancelIneffective event), and the audit
 *   entries say so (`cancel-ineffective`). After `enqueue`, the inventory records which run
 *   cancelled each share; a completed run's shape becomes the drift baseline in `finish`.
 * - `evaluate`: the pure engine, with the guardrails; the global dry run (configuration) or the
 *   event's `dryRun` makes the whole run a plan.
 * - `write`: inventory upkeep (new shares get `firstSeenAtMs = now`; only changed items are
 *   written, `lastSeenAtMs` at most once a day; shares missing from a complete listing get
 *   `goneAtMs` and are deleted once gone for `goneRetentionMs`), grace marks set and cleared,
 *   share ids attached to records, the audit entries (every decision but a plain keep; a dry
 *   run writes its plan too), then the grace notices (below).
 * - grace notices: one `ShareMarkedForCancel` per mark whose notice is due (the engine's
 *   `noticesDue`: the new marks, and stored marks whose notice never went out), published once per
 *   run; then `notifiedAt` is recorded (`setNotified`, at the clock's time once the bus accepted
 *   them) for exactly the notices the bus accepted (EventBridge can accept part of a call).
 * - `enqueue`: cancel batches (at most 100 ids each) to the cancel queue, only when enforcing and
 *   no guardrail tripped.
 * Then the summary, the metrics and the SweepCompleted event; the lease is released in every case.
 *
 * Decisions:
 * - A tripped guardrail still clears grace marks: removing a mark only restarts a grace period
 *   later, it never hastens a cancellation, while keeping a stale one could.
 * - Inventory sightings are written in dry runs too (they are observations, not actions): the
 *   "first seen" age clock must not depend on whether earlier runs were plans.
 * - Shares gone from a complete listing are kept for `goneRetentionMs` (7 days) before being
 *   deleted: a share can drop out of one listing while the list shifts under concurrent
 *   cancellations, and deleting it at once would lose its first-seen time and its grace marks.
 * - Events are notifications: a failed publish is a run error, never a reason to undo a write.
 * - The grace of a mark starts when its notice has been published, not when the mark was written
 *   (the engine counts it from `notifiedAt`). So a notice that is lost (a failed publish, a run
 *   that died between `setMarks` and the publish, a notice whose time could not be recorded) is a
 *   delay, never a silent cancellation: the mark waits, the next run sends the notice again, and
 *   the share is cancelled no sooner than `graceHours` after a notice the bus accepted. A notice
 *   is sent again only when its acceptance was not recorded (at least once, as every event).
 * - A dry run and a run whose guardrail tripped take no step toward a cancellation: they write no
 *   new marks and send no notices (a notice starts a grace period), though they still clear marks.
 * - Audit entries are written before the cancel batches are sent (an action is never taken
 *   without its trail); batches that could not be sent are rewritten as `skipped`.
 *
 * ## Scale
 * 100,000 shares are 1,000 list pages; listing dominates and runs `listConcurrency` pages at a
 * time. Everything else is O(n): one Query for the inventory, one for the share records, two
 * reads of the staged listing (evaluate, then write), the engine's loop, batched writes
 * (25 items a call, several in flight) of changed items only, 100 ids per cancel message. No
 * per-share round trip, except `attachShareId` for records created without a share id (once per
 * share, the first sweep after its creation) and grace marks (only shares breaking a policy with
 * a grace period). Memory holds a few dozen bytes a share: the previous inventory as a compact
 * table and the engine's columns, never the shares themselves (bench/NOTES.md). Accounts beyond one
 * invocation's listing: docs/checkpointed-sweep.md (the state machine and the staging).
 *
 * ## Files
 * types.ts (ports, settings, result, errors), context.ts (what the phases share), read.ts
 * (policies, judgements, the engine), streamed-listing.ts and previous-inventory.ts (the staged
 * listing and the inventory as the evaluating step holds them), plan.ts (pure plan-building:
 * join, inventory upkeep, audit entries, cancel inputs, events, counts), write.ts, diff.ts,
 * notices.ts, enqueue.ts, and this file:
 * the run from lease to release.
 */
import type { EvaluationPlan } from '../../domain/evaluation-run';
import type { GuardrailLimits } from '../../domain/policy-types';
import { sweepCompletedEvent } from '../../contracts/events';
import type { RunSummary, SweepCheckpoint } from '../store-ports';
import { SweepContext } from './context';
import { enqueueCancels } from './enqueue';
import { publishEvents } from './notices';
import { RecordIndex, runCounts } from './plan';
import { PreviousInventory } from './previous-inventory';
import { countListing, listChunk } from './listing';
import { checkMissing, judgeCancels, judgeShape, loadPolicies, planCancels, reportedEvaluation, startEvaluation } from './read';
import { StreamedListing } from './streamed-listing';
import { LeaseLostError, SWEEP_METRICS, SweepPhaseError, type SweepDeps, type SweepRequest, type SweepResult, type SweepSettings } from './types';
import { writePhase } from './write';

/**
 * Runs one sweep of the account in this process: every step below, the listing in chunks until it
 * ends (see the module comment for the phases and their guarantees). Never throws for what can go
 * wrong in a run: the result says `skipped` or `failed` with the reason (and the run summary says
 * the same, unless even that write failed: then the result's errors say so). The lease is
 * released in every case.
 */
export async function runSweep(deps: SweepDeps, request: SweepRequest): Promise<SweepResult> {
  return new SweepRun(new SweepContext(deps, request)).run();
}

/** Maps `loadSweepConfig`'s result (lib/config/env.ts) to the sweep's settings. */
export function sweepSettingsFromConfig(config: {
  accountId: string;
  guardrails: GuardrailLimits;
  globalDryRun: boolean;
  listConcurrency: number;
  cancelBatchSize: number;
  pagesPerChunk?: number;
  noticeDelivery?: 'bus' | 'email';
}): SweepSettings {
  return {
    accountId: config.accountId,
    guardrails: config.guardrails,
    globalDryRun: config.globalDryRun,
    listConcurrency: config.listConcurrency,
    cancelBatchSize: config.cancelBatchSize,
    ...(config.pagesPerChunk !== undefined ? { pagesPerChunk: config.pagesPerChunk } : {}),
    ...(config.noticeDelivery !== undefined ? { noticeDelivery: config.noticeDelivery } : {}),
  };
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

/** A promise started early and awaited later: its rejection is never unhandled meanwhile. */
function early<T>(start: () => Promise<T>): Promise<T> {
  const promise = Promise.resolve().then(start);
  promise.catch(() => undefined);
  return promise;
}

export class SweepRun {
  private leaseHeld = false;

  constructor(readonly ctx: SweepContext) {}

  /** Every step in this process. */
  async run(): Promise<SweepResult> {
    const t0 = this.ctx.timer();
    try {
      if (!(await this.start())) return await this.skip();
      let checkpoint: SweepCheckpoint;
      do checkpoint = await this.ctx.phase('list', () => listChunk(this.ctx));
      while (!checkpoint.cursor.ended);
      await this.evaluate(checkpoint);
    } catch (error) {
      this.fail(error);
    }
    return this.end(t0);
  }

  /**
   * Takes the lease and records the run as running; false when another run holds the lease. The
   * start of an execution's run that is already recorded running (a retried start step: the
   * first attempt's answer was lost) goes on with that run: the lease is taken by run id, so it is
   * the run's own.
   */
  async start(): Promise<boolean> {
    const { ctx } = this;
    const { deps, result } = ctx;
    const acquired = await ctx.phase('lease', () => deps.lease.acquire({ owner: result.runId, ttlMs: ctx.leaseTtlMs, now: result.startedAtMs }));
    if (!acquired) return false;
    this.leaseHeld = true;
    const earlier = await this.recorded();
    if (earlier !== undefined) {
      if (earlier.status !== 'running') throw new SweepPhaseError('lease', `run ${result.runId} of this execution is already ${earlier.status}; nothing was done`);
      result.startedAtMs = earlier.startedAtMs;
      return true;
    }
    await deps.runs.startRun({ runId: result.runId, status: 'running', mode: result.mode, trigger: result.trigger, startedAtMs: result.startedAtMs });
    return true;
  }

  /** The run as an earlier attempt of this execution's start recorded it (only an execution's run can have one). */
  private async recorded(): Promise<RunSummary | undefined> {
    const { ctx } = this;
    return ctx.request.execution === undefined ? undefined : ctx.deps.runs.getRun(ctx.result.runId);
  }

  /** A step of a run started elsewhere: the lease is the run's (its renewals check it still is). */
  resume(): this {
    this.leaseHeld = true;
    return this;
  }

  /** The policies, the staged listing, the judgements, the engine and the actions. */
  async evaluate(checkpoint: SweepCheckpoint): Promise<void> {
    await this.act(await this.read(checkpoint));
  }

  /** The summary, the metrics, the SweepCompleted event, then the lease released. */
  async end(t0: number): Promise<SweepResult> {
    try {
      await this.finish(t0);
    } finally {
      await this.releaseLease();
    }
    return this.ctx.result;
  }

  /**
   * The policies, the inventory and the share records, then the staged listing read back page by
   * page, each share joined and handed to the engine as it comes (streamed-listing.ts).
   */
  private async read(checkpoint: SweepCheckpoint): Promise<StreamedListing> {
    const { ctx } = this;
    const { deps } = ctx;
    const now = ctx.result.startedAtMs;
    ctx.progress({ phase: 'policies' });
    const { policies, exemptions } = await ctx.phase('policies', () => loadPolicies(ctx));
    const previousP = early(() => PreviousInventory.load(deps.inventory.scan()));
    const recordsP = early(() => collect(deps.shareRecords.listCreated()));
    const baselineP = early(() => deps.runs.getApiShape());
    const engine = startEvaluation(ctx, policies, exemptions, now);
    const [previous, records] = await ctx.phase('join', async () => {
      try {
        return await Promise.all([previousP, recordsP]);
      } catch (error) {
        throw new SweepPhaseError('join', `could not read the inventory or the share records: ${ctx.describe(error)}; nothing was cancelled`, { cause: error });
      }
    });
    const listing = new StreamedListing(ctx, checkpoint, engine, previous, new RecordIndex(records), now);
    await ctx.phase('list', async () => {
      try {
        await listing.evaluate(now);
      } catch (error) {
        if (error instanceof SweepPhaseError || error instanceof LeaseLostError) throw error;
        throw new SweepPhaseError('list', `could not read the staged listing back: ${ctx.describe(error)}; nothing was cancelled`, { cause: error });
      }
    });
    countListing(ctx, checkpoint, listing.listed);
    await judgeShape(ctx, checkpoint.shape, baselineP, now);
    await ctx.keepLease();
    checkMissing(ctx, listing.recordedListed, records);
    return listing;
  }

  /** Evaluate, write, enqueue (without the shares the product gave up cancelling). */
  private async act(listing: StreamedListing): Promise<void> {
    const { ctx } = this;
    const { result } = ctx;
    const now = result.startedAtMs;
    const judged = await ctx.phase('join', () => judgeCancels(ctx, listing.candidates));
    ctx.progress({ phase: 'evaluate', shares: listing.listed });
    const plan = await ctx.phase('evaluate', () => listing.engine.finish());
    const verification = planCancels(ctx, judged, listing, plan, now);
    result.evaluation = reportedEvaluation(listing.engine, plan, ctx.deps.settings.reportDecisions);
    result.ages = listing.ages.histogram();
    this.reportGuardrail(plan);
    await ctx.keepLease();
    ctx.progress({ phase: 'write' });
    const written = await ctx.phase('write', () => writePhase(ctx, listing, plan, now));
    await ctx.keepLease();
    if (verification.toCancel.length > 0) {
      await ctx.phase('enqueue', () => enqueueCancels(ctx, verification.toCancel, written.cancelFacts, now));
    }
  }

  private reportGuardrail(evaluation: EvaluationPlan): void {
    if (!evaluation.guardrail.tripped) return;
    this.ctx.metric(SWEEP_METRICS.guardrailTripped, 1);
    this.ctx.deps.logger?.warn('guardrail tripped: nothing is cancelled', { runId: this.ctx.result.runId, trips: evaluation.guardrail.trips.map((t) => t.message) });
  }

  fail(error: unknown): void {
    const { ctx } = this;
    const { result } = ctx;
    result.status = 'failed';
    result.failedPhase = error instanceof SweepPhaseError ? error.phase : ctx.current;
    result.reason = error instanceof SweepPhaseError ? ctx.redact(error.message) : ctx.describe(error);
    result.errors.push(result.reason);
    ctx.deps.logger?.error('sweep failed', { runId: result.runId, phase: result.failedPhase, reason: result.reason });
  }

  async skip(): Promise<SweepResult> {
    const { deps, result } = this.ctx;
    let holder = 'another run';
    try {
      const current = await deps.lease.current();
      if (current) holder = `run ${current.owner} (until ${new Date(current.expiresAtMs).toISOString()})`;
    } catch {
      // The reason is still true without the holder's name.
    }
    result.status = 'skipped';
    result.reason = `another sweep holds the lease of account ${result.accountId}: ${holder}; this run did nothing`;
    result.finishedAtMs = deps.clock.now();
    result.counts = { skipped: 1 };
    // A retried start of a skipped execution: recorded once.
    if ((await this.recorded())?.status === 'skipped') return result;
    await deps.runs.startRun({
      runId: result.runId,
      status: 'skipped',
      mode: result.mode,
      trigger: result.trigger,
      startedAtMs: result.startedAtMs,
      finishedAtMs: result.finishedAtMs,
      reason: result.reason,
      counts: result.counts,
    });
    this.ctx.metric(SWEEP_METRICS.skipped, 1);
    deps.logger?.info('sweep skipped', { runId: result.runId, reason: result.reason });
    return result;
  }

  /** The SweepCompleted event, the metrics and the run summary (then the drift baseline). */
  private async finish(t0: number): Promise<void> {
    const { ctx } = this;
    const { deps, result } = ctx;
    if (result.status === 'skipped') return;
    const e = result.evaluation;
    if (e) ctx.metric(SWEEP_METRICS.plannedForCancel, e.guardrail.planned);
    if (result.status === 'completed') {
      // Counts as they will be stored, so that subscribers see what the summary says.
      const completed = { runId: result.runId, mode: result.mode, counts: runCounts(result, ctx.verification), ...(result.diff ? { diff: result.diff } : {}) };
      await publishEvents(ctx, [sweepCompletedEvent(completed, deps.clock.now())]);
    }
    ctx.metric(SWEEP_METRICS.failed, result.status === 'failed' ? 1 : 0);
    result.finishedAtMs = deps.clock.now();
    result.timings.total = Math.round(ctx.timer() - t0);
    ctx.metric(SWEEP_METRICS.duration, result.timings.total, 'Milliseconds');
    result.counts = runCounts(result, ctx.verification);
    const started = ctx.timer();
    try {
      await this.writeSummary();
      await this.saveBaseline();
    } catch (error) {
      const text = `could not write the run summary: ${ctx.describe(error)}`;
      result.errors.push(ctx.redact(text));
      if (result.status === 'completed') {
        result.status = 'failed';
        result.failedPhase = 'finish';
        result.reason = ctx.redact(text);
      }
      deps.logger?.error('run summary not written', { runId: result.runId, error: ctx.describe(error) });
    } finally {
      result.timings.finish = Math.round(ctx.timer() - started);
    }
    deps.logger?.info('sweep finished', { runId: result.runId, status: result.status, mode: result.mode, counts: result.counts, timings: result.timings });
  }

  private async writeSummary(): Promise<void> {
    const { deps, result } = this.ctx;
    const e = result.evaluation;
    await deps.runs.finishRun(result.runId, {
      status: result.status,
      mode: result.mode,
      trigger: result.trigger,
      finishedAtMs: result.finishedAtMs,
      counts: result.counts,
      ...(e ? { guardrail: e.guardrail } : {}),
      errors: result.errors,
      timings: result.timings,
      ...(result.reason !== undefined ? { reason: result.reason } : {}),
      ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
      ...(result.apiShape !== undefined ? { apiShape: result.apiShape } : {}),
      ...(result.cancelVerification !== undefined ? { cancelVerification: result.cancelVerification } : {}),
      ...(result.diff !== undefined ? { diff: result.diff } : {}),
      ...(result.ages !== undefined ? { ages: result.ages } : {}),
    });
  }

  /** A completed run's listing shape becomes the drift baseline (listing-drift.ts). */
  private async saveBaseline(): Promise<void> {
    const { ctx } = this;
    if (ctx.result.status !== 'completed' || ctx.drift === undefined) return;
    try {
      await ctx.deps.runs.putApiShape(ctx.drift.next);
    } catch (error) {
      // The summary is written already: the baseline stays the older one, and the next run compares with it.
      ctx.deps.logger?.warn('the list response shape was not recorded', { runId: ctx.result.runId, error: ctx.describe(error) });
    }
  }

  async releaseLease(): Promise<void> {
    const { ctx } = this;
    if (!this.leaseHeld) return;
    try {
      const released = await ctx.deps.lease.release(ctx.result.runId);
      if (!released) ctx.deps.logger?.warn('the lease was no longer ours at release', { runId: ctx.result.runId });
    } catch (error) {
      // It expires on its own; the next run after the ttl proceeds.
      ctx.deps.logger?.warn('could not release the lease', { runId: ctx.result.runId, error: ctx.describe(error) });
    }
  }
}
