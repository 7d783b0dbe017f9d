/**
 * The sweep use case: list every share of the account, evaluate the policies, and act on the plan
 * (grace marks, cancel batches), writing the inventory, the audit trail and the run summary.
 * It depends on ports only; the Lambda handler, the CLI and the local run wire the adapters.
 *
 * ## The run, phase by phase (each timed in the run summary)
 * - `lease`: take the account's lease (owner = run id, ttl longer than the Lambda timeout). Held
 *   elsewhere: the run is recorded as `skipped` with the holder and nothing else happens.
 * - `policies`: load the raw items (PolicySource) and validate them; an invalid item is reported
 *   in the run's errors and skipped, the valid ones run.
 * - `list`: page through every share (`paginateShares`). The inventory table and the share records
 *   are read meanwhile. Any error (a failed page, an abort before the Lambda deadline, a lost
 *   lease) fails the run: nothing is cancelled, no mark and no inventory item is written. A share
 *   is never cancelled on the strength of a list that did not finish.
 * - `join`: share records (requester, product creation time; a record without a share id is
 *   matched by short url) and the inventory (first seen, grace marks) are joined into ShareFacts.
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
 * Then the summary, the metrics and the SweepCompleted event; the lease is released in `finally`.
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
 * time. Everything else is O(n): one Query for the inventory, one for the share records (both
 * overlapped with the listing), maps for the join, the engine's typed columns, batched writes
 * (25 items a call, several in flight) of changed items only, 100 ids per cancel message. No
 * per-share round trip, except `attachShareId` for records created without a share id (once per
 * share, the first sweep after its creation) and grace marks (only shares breaking a policy with
 * a grace period). Memory holds the listed shares (without their raw items), their facts, the
 * decisions and the items to write (peak heap figures: bench/NOTES.md). Accounts beyond one
 * invocation's listing: docs/checkpointed-sweep.md (not built).
 */
import { performance } from 'node:perf_hooks';
import type { EvaluationResult, GraceMark as EngineMark, GraceNotice } from '../domain/decision';
import { evaluate } from '../domain/evaluate';
import { PolicyValidationError } from '../domain/policy-errors';
import type { Exemption, GuardrailLimits, Policy } from '../domain/policy-types';
import { type Share, type ShareFacts, type ShareId } from '../domain/share';
import { canonicalShortUrl } from '../domain/short-url';
import { ShapeRecorder } from './response-shape';
import { validatePolicyItems, type InvalidItem } from '../domain/validate';
import { buildCancelBatches, MAX_SHARES_PER_CANCEL_BATCH, type CancelDecisionInput } from '../contracts/cancel-batch';
import {
  guardrailTrippedEvent,
  shareCancelIneffectiveEvent,
  shareMarkedForCancelEvent,
  sweepCompletedEvent,
  type GuardrailTrip as EventGuardrailTrip,
  type ProductEvent,
} from '../contracts/events';
import { redactPatterns } from '../shared/credentials';
import {
  DEFAULT_CANCEL_SETTLE_MS,
  applyVerificationToAudit,
  ineffectiveReason,
  judgeAnswers,
  planVerification,
  verificationCandidates,
  withVerification,
  type Judgement,
  type VerificationPlan,
} from './cancel-verification';
import { judgeDrift, type DriftVerdict } from './listing-drift';
import { unacceptedEvents, type CancelQueue, type EventPublisher } from './messaging-ports';
import { DEFAULT_MISSING_GRACE_MS, findMissingCreatedShares, missingSharesMessage, type MissingShare } from './missing-shares';
import type { PolicySource } from './policy-source';
import type { Clock, PaginateOptions } from './ports';
import type {
  AuditEntry,
  InventoryItem,
  InventoryStore,
  Lease,
  RunApiShape,
  RunCancelVerification,
  RunMode,
  RunStore,
  StoredApiShape,
  ShareRecord,
  ShareRecordStore,
} from './store-ports';
import { forEachLimit } from '../shared/concurrency';
import { truncate } from '../shared/text';

// ------------------------------------------------------------------ ports and settings

/** What the sweep needs of the TeraBox client: the listing (the client's `paginateShares` fits). */
export interface ShareLister {
  /** Every share, page by page; throws (never ends quietly) when the listing cannot finish. */
  paginateShares(options?: PaginateOptions & { concurrency?: number }): AsyncIterable<Share>;
}

/** Metric units the sweep uses (Powertools' `MetricUnit` names). */
export type SweepMetricUnit = 'Count' | 'Milliseconds';

/** Where the sweep's numbers go (Powertools Metrics in the Lambda; a no-op or a recorder elsewhere). */
export interface SweepMetrics {
  add(name: string, value: number, unit: SweepMetricUnit): void;
}

/** Structured log lines (Powertools Logger fits); messages are redacted before they get here. */
export interface SweepLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/**
 * Metric names. The GuardrailTripped, ApiShapeChanged, CancelsIneffective and CancelsGivenUp
 * alarms read the metrics of those names (infra PRODUCT_METRICS).
 * TeraboxAuthFailures is counted by the TeraBox gateway of the Lambda runtime, not here.
 */
export const SWEEP_METRICS = {
  sharesListed: 'SharesListed',
  listPages: 'ListPages',
  plannedForCancel: 'SharesPlannedForCancel',
  enqueuedForCancel: 'SharesEnqueuedForCancel',
  markedForCancel: 'SharesMarkedForCancel',
  guardrailTripped: 'GuardrailTripped',
  invalidPolicies: 'InvalidPolicies',
  duration: 'SweepDurationMs',
  failed: 'SweepFailed',
  skipped: 'SweepSkipped',
  eventPublishFailures: 'EventPublishFailures',
  noticesSent: 'GraceNoticesSent',
  /** 1 when the list response's shape changed from the last completed run's (0 otherwise). */
  apiShapeChanged: 'ApiShapeChanged',
  /** Shares whose cancel was answered done and that a complete listing still showed. */
  cancelsIneffective: 'CancelsIneffective',
  /** Shares the product stopped cancelling after a second ineffective cancel (a person must look). */
  cancelsGivenUp: 'CancelsGivenUp',
  /** Shares the product created that a complete listing did not show (the run then fails). */
  createdSharesMissing: 'CreatedSharesMissing',
} as const;

export interface SweepSettings {
  accountId: string;
  /** Run-wide blast-radius limits (the engine's defaults: 500 and 20%). */
  guardrails: GuardrailLimits;
  /** Configuration switch: every run is a plan. */
  globalDryRun: boolean;
  /** List pages fetched at once (TERABOX_LIST_CONCURRENCY); the client's default when absent. */
  listConcurrency?: number;
  /** Shares per list page; the client's default (100) when absent. */
  pageSize?: number;
  /** Share ids per cancel message (TERABOX_CANCEL_BATCH_SIZE, 1 to 100; default 100). */
  cancelBatchSize?: number;
  /** Lease lifetime; longer than the Lambda timeout (15 min). Default 20 min. */
  leaseTtlMs?: number;
  /** How long a share missing from complete listings stays in the inventory. Default 7 days. */
  goneRetentionMs?: number;
  /** `lastSeenAtMs` alone is rewritten at most this often. Default 24 h. */
  lastSeenResolutionMs?: number;
  /** `attachShareId` calls in flight. Default 8. */
  attachConcurrency?: number;
  /** A cancel answered less than this before a listing started is not judged by it. Default 10 min. */
  cancelSettleMs?: number;
  /** A share the product created this recently is not looked for in the listing. Default 30 min. */
  missingShareGraceMs?: number;
}

export const DEFAULT_LEASE_TTL_MS = 20 * 60_000;
export const DEFAULT_GONE_RETENTION_MS = 7 * 86_400_000;
export const DEFAULT_LAST_SEEN_RESOLUTION_MS = 86_400_000;
/** The cancel message schema's limits (lib/contracts/cancel-batch.ts). */
const MAX_CANCEL_REASON = 1024;
const MAX_CANCEL_POLICIES = 50;
/** Audit entries keep a share's first paths only: an entry must stay far below DynamoDB's 400 KB. */
const MAX_AUDIT_PATHS = 20;
const MAX_ERROR_TEXT = 1000;
/** Ineffective cancels listed in the run summary (all are counted): keeps the item small. */
const MAX_REPORTED_INEFFECTIVE = 100;
const HOUR_MS = 3_600_000;
const NO_RAW: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
/**
 * A listed share without a share record when the sweep read them is sent to cancel-shares as
 * having none (`requestIds: null`, no lookup there) only when TeraBox created it longer ago than
 * this. A younger one may have gained a record since (a create completing, or an attempt adopting
 * the share of an earlier uncertain one), so cancel-shares looks it up at cancel time. An adoption reaches back at most to the start of an attempt of a message still in the
 * request queue (SQS keeps a message 14 days at most) minus the search slack (minutes): 15 days
 * covers that and any clock skew with TeraBox.
 */
export const NO_RECORD_AGE_MS = 15 * 86_400_000;

/** Everything the sweep talks to. Stores need only the methods named here. */
export interface SweepDeps {
  shares: ShareLister;
  policies: PolicySource;
  shareRecords: Pick<ShareRecordStore, 'listCreated' | 'attachShareId'>;
  inventory: Pick<InventoryStore, 'loadAll' | 'putChanged' | 'setMarks' | 'setNotified' | 'clearMarks' | 'deleteMany' | 'recordCancelRequests'>;
  runs: Pick<RunStore, 'newRunId' | 'startRun' | 'finishRun' | 'putAuditEntries' | 'getAuditEntries' | 'getApiShape' | 'putApiShape'>;
  lease: Pick<Lease, 'acquire' | 'renew' | 'release' | 'current'>;
  events: EventPublisher;
  cancelQueue: CancelQueue;
  clock: Clock;
  settings: SweepSettings;
  metrics?: SweepMetrics;
  logger?: SweepLogger;
  /** Extra redaction for error text (the handler passes one that knows the secret's values). */
  redact?: (text: string) => string;
  /** Monotonic ms for phase durations only (never for decisions). Default performance.now. */
  timer?: () => number;
}

export type SweepPhase = 'lease' | 'policies' | 'list' | 'join' | 'evaluate' | 'write' | 'enqueue' | 'finish';

export interface SweepProgress {
  phase: SweepPhase;
  pages?: number;
  shares?: number;
  batches?: number;
}

export interface SweepRequest {
  /** `schedule`, `manual`, `cli`, `local`... (recorded with the run). */
  trigger: string;
  /** Plan only, whatever the configuration says. */
  dryRun?: boolean;
  /** Aborts the listing (the handler aborts before the Lambda deadline): the run then fails safely. */
  signal?: AbortSignal;
  onProgress?: (progress: SweepProgress) => void;
}

export type SweepStatus = 'completed' | 'failed' | 'skipped';

export interface SweepInventoryStats {
  /** Distinct shares listed. */
  listed: number;
  pages: number;
  /** The listing reached its end. */
  complete: boolean;
  /** Shares seen for the first time. */
  new: number;
  /** Shares missing from this (complete) listing for the first time. */
  gone: number;
  /** Inventory items deleted after staying gone for the retention. */
  deleted: number;
  /** Inventory items written (changed ones only). */
  written: number;
}

/** A grace notice the bus accepted in this run. */
export interface SentNotice extends EngineMark {
  /** When the bus accepted it (the clock's time after the publish): the grace counts from here. */
  notifiedAtMs: number;
  /** `notifiedAtMs` + the policy's grace: no run cancels the share before this. */
  graceEndsAtMs: number;
}

/** What the reports show about a share that has a decision worth showing. */
export interface ShareSubject {
  shortUrl?: string;
  paths: readonly string[];
  requester?: string;
}

export interface SweepResult {
  runId: string;
  accountId: string;
  status: SweepStatus;
  mode: RunMode;
  trigger: string;
  startedAtMs: number;
  finishedAtMs: number;
  /** Why the run was skipped or failed (redacted). */
  reason?: string;
  /** The phase that failed. */
  failedPhase?: SweepPhase;
  /** Every problem of the run, redacted: invalid policies, failed writes, unsent batches... */
  errors: string[];
  invalidPolicies: InvalidItem[];
  /** Policies that were evaluated (valid ones), by id. */
  policyIds: string[];
  inventory: SweepInventoryStats;
  /** The engine's result; absent when the run stopped before evaluating. */
  evaluation?: EvaluationResult;
  /** Paths, short url and requester of every share with a decision other than a plain keep. */
  subjects: ReadonlyMap<ShareId, ShareSubject>;
  /** Share ids handed to the cancel queue, sorted. */
  enqueued: ShareId[];
  batches: number;
  /** Grace marks written / cleared by this run. */
  marked: EngineMark[];
  cleared: EngineMark[];
  /** Grace notices the bus accepted (their marks' grace runs from now on). */
  notified: SentNotice[];
  /** Marks whose notice was due but not accepted: their grace has not started; the next run sends it again. */
  unnotified: EngineMark[];
  /** Things to look at that did not stop the run (the list response changed shape). */
  warnings: string[];
  /** This listing's shape and its comparison with the last completed run's; absent for an empty or unfinished listing. */
  apiShape?: RunApiShape;
  /** Earlier cancels judged by this complete listing (lib/app/cancel-verification.ts). */
  cancelVerification?: RunCancelVerification;
  /** Shares the product created that this complete listing did not show (the run failed). */
  missingShares: MissingShare[];
  /** The run summary's counts. */
  counts: Record<string, number>;
  /** Phase durations (ms). */
  timings: Partial<Record<SweepPhase | 'total', number>>;
}

/** The lease was lost while the run was under way (another sweep may be running): nothing more is done. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** The share listing did not finish; the run cancels nothing. */
export class ListingIncompleteError extends Error {
  override readonly name = 'ListingIncompleteError';
  constructor(
    message: string,
    readonly pages: number,
    readonly shares: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A phase failed; `phase` says which. The message is redacted. */
export class SweepPhaseError extends Error {
  override readonly name = 'SweepPhaseError';
  constructor(
    readonly phase: SweepPhase,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// ------------------------------------------------------------------ helpers

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

function guardrailEventTrips(evaluation: EvaluationResult): EventGuardrailTrip[] {
  const size = evaluation.counts.shares;
  return evaluation.guardrail.trips.map((t) => {
    if (t.limit === 'policy') {
      return { guardrail: 'policy.maxCancellationsPerRun', limit: t.limitValue, actual: t.planned, ...(t.policyId ? { policyId: t.policyId } : {}) };
    }
    if (t.limit === 'global-count') return { guardrail: 'maxCancellations', limit: t.limitValue, actual: t.planned };
    const percent = size > 0 ? Math.round((t.planned * 10_000) / size) / 100 : 0;
    return { guardrail: 'maxCancellationPercent', limit: t.limitValue, actual: percent };
  });
}

/** The share's subject for reports and audit entries. */
function subjectOf(facts: ShareFacts): ShareSubject {
  const paths = Array.isArray(facts.share.paths) ? facts.share.paths.filter((p): p is string => typeof p === 'string') : [];
  const subject: ShareSubject = { paths };
  if (facts.share.shortUrl !== undefined) subject.shortUrl = facts.share.shortUrl;
  if (facts.requester !== undefined) subject.requester = facts.requester;
  return subject;
}

// ------------------------------------------------------------------ the use case

/**
 * Runs one sweep of the account (see the module comment for the phases and their guarantees).
 * Never throws for what can go wrong in a run: the result says `skipped` or `failed` with the
 * reason (and the run summary says the same, unless even that write failed: then the result's
 * errors say so). The lease is released in every case.
 */
export async function runSweep(deps: SweepDeps, request: SweepRequest): Promise<SweepResult> {
  return new SweepRun(deps, request).run();
}

/** Maps `loadSweepConfig`'s result (lib/config/env.ts) to the sweep's settings. */
export function sweepSettingsFromConfig(config: {
  accountId: string;
  guardrails: GuardrailLimits;
  globalDryRun: boolean;
  listConcurrency: number;
  cancelBatchSize: number;
}): SweepSettings {
  return {
    accountId: config.accountId,
    guardrails: config.guardrails,
    globalDryRun: config.globalDryRun,
    listConcurrency: config.listConcurrency,
    cancelBatchSize: config.cancelBatchSize,
  };
}

interface Joined {
  facts: ShareFacts[];
  /** Records created without a share id, now matched by short url. */
  attach: { requestId: string; shareId: ShareId }[];
  /** The request id of each listed share that has a share record (by share id or short url). */
  requestIds: Map<ShareId, string>;
}

class SweepRun {
  private readonly timer: () => number;
  private readonly redactFn: (text: string) => string;
  private readonly leaseTtlMs: number;
  private readonly result: SweepResult;
  private lastRenewAtMs = 0;
  /** The listing's shape (every raw item, before it is dropped). */
  private readonly shape = new ShapeRecorder();
  /** The drift verdict: its `next` becomes the baseline when the run completes. */
  private drift: DriftVerdict | undefined;
  private verification: VerificationPlan | undefined;
  private leaseHeld = false;
  /** The phase under way, for failures that are not a SweepPhaseError. */
  private current: SweepPhase = 'lease';

  constructor(
    private readonly deps: SweepDeps,
    private readonly request: SweepRequest,
  ) {
    this.timer = deps.timer ?? (() => performance.now());
    const extra = deps.redact;
    this.redactFn = (text) => redactPatterns(extra ? extra(text) : text);
    this.leaseTtlMs = deps.settings.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    const startedAtMs = deps.clock.now();
    const mode: RunMode = deps.settings.globalDryRun || request.dryRun === true ? 'dry-run' : 'enforce';
    this.result = {
      runId: deps.runs.newRunId(startedAtMs),
      accountId: deps.settings.accountId,
      status: 'completed',
      mode,
      trigger: request.trigger,
      startedAtMs,
      finishedAtMs: startedAtMs,
      errors: [],
      invalidPolicies: [],
      policyIds: [],
      inventory: { listed: 0, pages: 0, complete: false, new: 0, gone: 0, deleted: 0, written: 0 },
      subjects: new Map(),
      enqueued: [],
      batches: 0,
      marked: [],
      cleared: [],
      notified: [],
      unnotified: [],
      warnings: [],
      missingShares: [],
      counts: {},
      timings: {},
    };
  }

  private redact(text: string): string {
    return truncate(this.redactFn(text), MAX_ERROR_TEXT);
  }

  private describe(error: unknown): string {
    if (error instanceof Error) return this.redact(`${error.name}: ${error.message}`);
    return this.redact(String(error));
  }

  private addError(text: string): void {
    this.result.errors.push(this.redact(text));
  }

  private progress(p: SweepProgress): void {
    try {
      this.request.onProgress?.(p);
    } catch {
      // A progress display must never break a run.
    }
  }

  private metric(name: string, value: number, unit: SweepMetricUnit = 'Count'): void {
    try {
      this.deps.metrics?.add(name, value, unit);
    } catch (error) {
      this.deps.logger?.warn('metric not recorded', { metric: name, error: this.describe(error) });
    }
  }

  private async phase<T>(name: SweepPhase, fn: () => Promise<T> | T): Promise<T> {
    const started = this.timer();
    this.current = name;
    try {
      return await fn();
    } finally {
      this.result.timings[name] = Math.round((this.result.timings[name] ?? 0) + this.timer() - started);
    }
  }

  /** Renews the lease when a third of its lifetime has passed; throws LeaseLostError when it was lost. */
  private async keepLease(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastRenewAtMs < this.leaseTtlMs / 3) return;
    const renewed = await this.deps.lease.renew({ owner: this.result.runId, ttlMs: this.leaseTtlMs, now });
    if (!renewed) throw new LeaseLostError(`the lease of run ${this.result.runId} was lost (expired and taken); the run stops`);
    this.lastRenewAtMs = now;
  }

  async run(): Promise<SweepResult> {
    const { deps, result } = this;
    const t0 = this.timer();
    try {
      const acquired = await this.phase('lease', () =>
        deps.lease.acquire({ owner: result.runId, ttlMs: this.leaseTtlMs, now: result.startedAtMs }),
      );
      if (!acquired) return await this.skip();
      this.leaseHeld = true;
      this.lastRenewAtMs = result.startedAtMs;
      await deps.runs.startRun({ runId: result.runId, status: 'running', mode: result.mode, trigger: result.trigger, startedAtMs: result.startedAtMs });
      await this.work();
    } catch (error) {
      this.fail(error);
    }
    try {
      await this.finish(t0);
    } finally {
      await this.releaseLease();
    }
    return result;
  }

  private fail(error: unknown): void {
    const { result } = this;
    result.status = 'failed';
    result.failedPhase = error instanceof SweepPhaseError ? error.phase : this.current;
    result.reason = error instanceof SweepPhaseError ? this.redact(error.message) : this.describe(error);
    result.errors.push(result.reason);
    this.deps.logger?.error('sweep failed', { runId: result.runId, phase: result.failedPhase, reason: result.reason });
  }

  private async skip(): Promise<SweepResult> {
    const { deps, result } = this;
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
    this.metric(SWEEP_METRICS.skipped, 1);
    deps.logger?.info('sweep skipped', { runId: result.runId, reason: result.reason });
    return result;
  }

  private async work(): Promise<void> {
    const { deps, result } = this;
    const now = result.startedAtMs;

    // policies
    this.progress({ phase: 'policies' });
    const { policies, exemptions } = await this.phase('policies', () => this.loadPolicies());

    // list (the inventory and the share records are read meanwhile)
    const previousP = early(() => deps.inventory.loadAll());
    const recordsP = early(() => collect(deps.shareRecords.listCreated()));
    const baselineP = early(() => deps.runs.getApiShape());
    const listed = await this.phase('list', () => this.list());
    await this.judgeShape(baselineP, now);
    await this.keepLease();

    // join
    const { previous, joined } = await this.phase('join', async () => {
      let previous: Map<ShareId, InventoryItem>;
      let records: ShareRecord[];
      try {
        [previous, records] = await Promise.all([previousP, recordsP]);
      } catch (error) {
        throw new SweepPhaseError('join', `could not read the inventory or the share records: ${this.describe(error)}; nothing was cancelled`, { cause: error });
      }
      this.checkMissing(listed, records);
      return { previous, joined: this.join(listed, previous, records, now) };
    });
    const judgements = await this.phase('join', () => this.judgeCancels(listed, previous));

    // evaluate
    this.progress({ phase: 'evaluate', shares: joined.facts.length });
    const evaluation = await this.phase('evaluate', () => this.evaluate(joined.facts, policies, exemptions, now));
    result.evaluation = evaluation;
    const verification = this.planCancels(judgements, listed, previous, evaluation, now);
    const factsById = new Map<ShareId, ShareFacts>();
    for (const f of joined.facts) factsById.set(f.share.shareId, f);
    const subjects = new Map<ShareId, ShareSubject>();
    for (const d of evaluation.decisions) {
      if (d.findings.length === 0 && d.decision === 'keep') continue;
      const f = factsById.get(d.shareId);
      if (f) subjects.set(d.shareId, subjectOf(f));
    }
    for (const c of verification.ineffective) {
      const f = factsById.get(c.shareId);
      if (f && !subjects.has(c.shareId)) subjects.set(c.shareId, subjectOf(f));
    }
    result.subjects = subjects;
    if (evaluation.guardrail.tripped) {
      this.metric(SWEEP_METRICS.guardrailTripped, 1);
      deps.logger?.warn('guardrail tripped: nothing is cancelled', { runId: result.runId, trips: evaluation.guardrail.trips.map((t) => t.message) });
    }
    await this.keepLease();

    // write
    this.progress({ phase: 'write' });
    await this.phase('write', () => this.write(listed, previous, joined, evaluation, now));
    await this.keepLease();

    // enqueue (without the shares the product gave up cancelling)
    if (verification.toCancel.length > 0) {
      await this.phase('enqueue', () => this.enqueue(evaluation, verification.toCancel, joined, now));
    }
  }

  private async loadPolicies(): Promise<{ policies: Policy[]; exemptions: Exemption[] }> {
    const { deps, result } = this;
    let items;
    try {
      items = await deps.policies.load();
    } catch (error) {
      throw new SweepPhaseError('policies', `could not load the policies (${deps.policies.description}): ${this.describe(error)}; nothing was done`, { cause: error });
    }
    // Exemptions are validated as exemptions whether or not their item repeats the kind.
    const exemptionItems = items.exemptions.map((e) =>
      typeof e === 'object' && e !== null && !Array.isArray(e) ? { ...(e as Record<string, unknown>), kind: 'exemption' } : e,
    );
    const validated = validatePolicyItems([...items.policies, ...exemptionItems]);
    result.invalidPolicies = validated.invalid;
    for (const u of items.unrecognized) this.addError(`${deps.policies.description}: item ${JSON.stringify(u.itemId)} skipped: ${u.reason}`);
    for (const bad of validated.invalid) this.addError(`invalid ${bad.kind} skipped: ${bad.errors.join('; ')}`);
    const invalidCount = validated.invalid.length + items.unrecognized.length;
    if (invalidCount > 0) deps.logger?.warn('invalid policies skipped', { runId: result.runId, count: invalidCount });
    this.metric(SWEEP_METRICS.invalidPolicies, invalidCount);
    result.policyIds = validated.policies.map((p) => p.policyId);
    return { policies: validated.policies, exemptions: validated.exemptions };
  }

  private async list(): Promise<Share[]> {
    const { deps, result } = this;
    const settings = deps.settings;
    const listed: Share[] = [];
    let pages = 0;
    const options: PaginateOptions & { concurrency?: number } = {
      onPage: ({ page }) => {
        pages = page;
        this.progress({ phase: 'list', pages, shares: listed.length });
      },
    };
    if (settings.pageSize !== undefined) options.pageSize = settings.pageSize;
    if (settings.listConcurrency !== undefined) options.concurrency = settings.listConcurrency;
    if (this.request.signal !== undefined) options.signal = this.request.signal;
    try {
      let sinceCheck = 0;
      for await (const share of deps.shares.paginateShares(options)) {
        // The raw item (kept by the client for diagnosis) is most of a share's memory and nothing
        // else here reads it: its shape is recorded (drift), then at 100,000 shares dropping it
        // saves tens of MB.
        this.shape.add(share.raw);
        listed.push(share.raw === NO_RAW ? share : { ...share, raw: NO_RAW });
        sinceCheck += 1;
        if (sinceCheck >= 1000) {
          sinceCheck = 0;
          await this.keepLease();
        }
      }
    } catch (error) {
      result.inventory.pages = pages;
      result.inventory.listed = listed.length;
      const message =
        `the share listing did not finish (stopped after ${pages} page${pages === 1 ? '' : 's'} and ${listed.length} shares): ` +
        `${this.describe(error)}; nothing was cancelled and no marks were written`;
      throw new SweepPhaseError('list', message, { cause: new ListingIncompleteError(message, pages, listed.length, { cause: error }) });
    }
    result.inventory.pages = pages;
    result.inventory.listed = listed.length;
    result.inventory.complete = true;
    this.metric(SWEEP_METRICS.sharesListed, listed.length);
    this.metric(SWEEP_METRICS.listPages, pages);
    return listed;
  }

  /** Compares the complete listing's shape with the baseline (listing-drift.ts): a warning, never a failure. */
  private async judgeShape(baselineP: Promise<StoredApiShape | undefined>, now: number): Promise<void> {
    const { result } = this;
    let baseline: StoredApiShape | undefined;
    try {
      baseline = await baselineP;
    } catch (error) {
      // Without the baseline nothing can be compared, and it must not be replaced as if this were the first run.
      this.addError(`could not read the list response shape of the last run: ${this.describe(error)}; drift was not checked`);
      return;
    }
    const verdict = judgeDrift({ shape: this.shape.shape(), baseline, runId: result.runId, now });
    if (verdict === undefined) return; // an empty account has no shape
    this.drift = verdict;
    result.apiShape = verdict.summary;
    if (verdict.warning !== undefined) {
      result.warnings.push(this.redact(verdict.warning));
      this.deps.logger?.warn('the list response changed shape', { runId: result.runId, change: verdict.summary.change });
    }
    this.metric(SWEEP_METRICS.apiShapeChanged, verdict.warning !== undefined ? 1 : 0);
  }

  /** Fails the run when a share the product created is missing from the complete listing (missing-shares.ts). */
  private checkMissing(listed: readonly Share[], records: readonly ShareRecord[]): void {
    const { deps, result } = this;
    const missing = findMissingCreatedShares({
      records,
      listed,
      listingStartedAtMs: result.startedAtMs,
      graceMs: deps.settings.missingShareGraceMs ?? DEFAULT_MISSING_GRACE_MS,
    });
    this.metric(SWEEP_METRICS.createdSharesMissing, missing.length);
    if (missing.length === 0) return;
    result.missingShares = missing;
    throw new SweepPhaseError('join', missingSharesMessage(missing));
  }

  /** What the audit trail says of the earlier cancels of shares this complete listing still shows. */
  private async judgeCancels(listed: readonly Share[], previous: ReadonlyMap<ShareId, InventoryItem>): Promise<{ judgements: Judgement[]; givenUp: ShareId[] }> {
    const { deps, result } = this;
    const { toCheck, givenUp } = verificationCandidates(
      listed.map((s) => s.shareId),
      previous,
    );
    if (toCheck.length === 0) return { judgements: [], givenUp };
    try {
      const entries = await deps.runs.getAuditEntries(toCheck);
      return { judgements: judgeAnswers(toCheck, entries, result.startedAtMs, deps.settings.cancelSettleMs ?? DEFAULT_CANCEL_SETTLE_MS), givenUp };
    } catch (error) {
      // Nothing is concluded: the shares stay pending and the next run judges them.
      this.addError(`could not read the answers of ${toCheck.length} earlier cancel(s): ${this.describe(error)}; they were not verified`);
      return { judgements: [], givenUp };
    }
  }

  private planCancels(
    judged: { judgements: Judgement[]; givenUp: ShareId[] },
    listed: readonly Share[],
    previous: ReadonlyMap<ShareId, InventoryItem>,
    evaluation: EvaluationResult,
    now: number,
  ): VerificationPlan {
    const { deps, result } = this;
    const plan = planVerification({
      judgements: judged.judgements,
      givenUp: judged.givenUp,
      previous,
      decisions: new Map(evaluation.decisions.map((d) => [d.shareId, d] as const)),
      toCancel: evaluation.toCancel,
      mode: result.mode,
      guardrailTripped: evaluation.guardrail.tripped,
      now,
    });
    this.verification = plan;
    const givenUpNow = plan.ineffective.filter((c) => c.action === 'given-up').length;
    result.cancelVerification = {
      checked: judged.judgements.filter((j) => j.kind !== 'pending').length,
      ineffective: plan.ineffective.slice(0, MAX_REPORTED_INEFFECTIVE),
      givenUpEarlier: judged.givenUp.slice(0, MAX_REPORTED_INEFFECTIVE),
    };
    this.metric(SWEEP_METRICS.cancelsIneffective, plan.ineffective.length);
    this.metric(SWEEP_METRICS.cancelsGivenUp, givenUpNow);
    if (plan.ineffective.length > 0) {
      deps.logger?.warn('cancels answered done did not take', { runId: result.runId, shares: plan.ineffective.length, givenUp: givenUpNow, listed: listed.length });
    }
    return plan;
  }

  /** One `ShareCancelIneffective` per share given up on in this run. */
  private givenUpEvents(joined: Joined, now: number): ProductEvent[] {
    const { result } = this;
    const events: ProductEvent[] = [];
    for (const c of this.verification?.ineffective ?? []) {
      if (c.action !== 'given-up') continue;
      const subject = result.subjects.get(c.shareId);
      const requestId = joined.requestIds.get(c.shareId);
      events.push(
        shareCancelIneffectiveEvent(
          {
            shareId: c.shareId,
            runId: result.runId,
            cancelRunId: c.cancelRunId,
            answer: c.answer,
            misses: c.misses,
            reason: ineffectiveReason(c),
            paths: subject?.paths ?? [],
            ...(subject?.shortUrl !== undefined ? { shortUrl: subject.shortUrl } : {}),
            ...(subject?.requester !== undefined ? { requester: subject.requester } : {}),
            ...(requestId !== undefined ? { requestId } : {}),
          },
          now,
        ),
      );
    }
    return events;
  }

  private join(listed: readonly Share[], previous: ReadonlyMap<ShareId, InventoryItem>, records: readonly ShareRecord[], now: number): Joined {
    const byShareId = new Map<ShareId, ShareRecord>();
    const byShortUrl = new Map<string, ShareRecord | null>(); // null: two records claim it
    for (const r of records) {
      if (r.shareId !== undefined && r.shareId !== '') {
        const other = byShareId.get(r.shareId);
        // Two records naming one share (should not happen): the older one made it.
        if (!other || (r.createdAtMs ?? Infinity) < (other.createdAtMs ?? Infinity)) byShareId.set(r.shareId, r);
      } else {
        // Keyed in canonical form: a record may hold a full link or the code without its leading 1.
        const code = canonicalShortUrl(r.shortUrl);
        if (code !== undefined) byShortUrl.set(code, byShortUrl.has(code) ? null : r);
      }
    }
    const facts: ShareFacts[] = new Array<ShareFacts>(listed.length);
    const attach: Joined['attach'] = [];
    const requestIds = new Map<ShareId, string>();
    for (let i = 0; i < listed.length; i += 1) {
      const share = listed[i]!;
      let record = byShareId.get(share.shareId);
      const code = record === undefined ? canonicalShortUrl(share.shortUrl) : undefined;
      if (code !== undefined) {
        const candidate = byShortUrl.get(code);
        if (candidate) {
          record = candidate;
          attach.push({ requestId: candidate.requestId, shareId: share.shareId });
          byShortUrl.delete(code); // one record, one share
        }
      }
      if (record !== undefined) requestIds.set(share.shareId, record.requestId);
      const prev = previous.get(share.shareId);
      facts[i] = {
        share,
        requester: record?.requester,
        recordedCreatedAtMs: record?.createdAtMs,
        firstSeenAtMs: prev?.firstSeenAtMs ?? now,
        violatingSince: prev?.violatingSince,
        notifiedAt: prev?.notifiedAt,
      };
    }
    return { facts, attach, requestIds };
  }

  /**
   * The engine refuses a policy it cannot compile (one that skipped validation): that policy is
   * reported and left out, and the others are evaluated again.
   */
  private evaluate(facts: readonly ShareFacts[], policies: Policy[], exemptions: Exemption[], now: number): EvaluationResult {
    const { deps, result } = this;
    let remaining = policies;
    for (;;) {
      try {
        return evaluate({
          shares: facts,
          policies: remaining,
          exemptions,
          now,
          guardrails: deps.settings.guardrails,
          globalDryRun: result.mode === 'dry-run',
        });
      } catch (error) {
        const bad = error instanceof PolicyValidationError ? error.policyId : undefined;
        if (bad !== undefined && remaining.some((p) => p.policyId === bad)) {
          this.addError(`invalid policy skipped: ${error instanceof Error ? error.message : String(error)}`);
          remaining = remaining.filter((p) => p.policyId !== bad);
          result.policyIds = remaining.map((p) => p.policyId);
          continue;
        }
        throw new SweepPhaseError('evaluate', `the policies could not be evaluated: ${this.describe(error)}; nothing was cancelled`, { cause: error });
      }
    }
  }

  private async write(
    listed: readonly Share[],
    previous: ReadonlyMap<ShareId, InventoryItem>,
    joined: Joined,
    evaluation: EvaluationResult,
    now: number,
  ): Promise<void> {
    const { deps, result } = this;
    const settings = deps.settings;
    const stage = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (error) {
        throw new SweepPhaseError('write', `could not write ${what}: ${this.describe(error)}; nothing was cancelled`, { cause: error });
      }
    };

    // Inventory upkeep: sightings of every listed share, first misses, deletions after the retention.
    const items: InventoryItem[] = [];
    const seen = new Set<ShareId>();
    let fresh = 0;
    for (const share of listed) {
      if (seen.has(share.shareId)) continue;
      seen.add(share.shareId);
      const prev = previous.get(share.shareId);
      if (!prev) fresh += 1;
      const item: InventoryItem = { shareId: share.shareId, firstSeenAtMs: prev?.firstSeenAtMs ?? now, lastSeenAtMs: now };
      // Marks and their notice times are carried unchanged (setMarks, setNotified and clearMarks change them).
      if (prev?.violatingSince !== undefined) item.violatingSince = prev.violatingSince;
      if (prev?.notifiedAt !== undefined) item.notifiedAt = prev.notifiedAt;
      if (prev?.cancelRunId !== undefined) item.cancelRunId = prev.cancelRunId;
      if (prev?.cancelRequestedAtMs !== undefined) item.cancelRequestedAtMs = prev.cancelRequestedAtMs;
      if (prev?.cancelMisses !== undefined) item.cancelMisses = prev.cancelMisses;
      if (prev?.cancelGaveUpAtMs !== undefined) item.cancelGaveUpAtMs = prev.cancelGaveUpAtMs;
      items.push(withVerification(item, this.verification?.updates.get(share.shareId)));
    }
    const retention = settings.goneRetentionMs ?? DEFAULT_GONE_RETENTION_MS;
    const expired: ShareId[] = [];
    let gone = 0;
    for (const [shareId, prev] of previous) {
      if (seen.has(shareId)) continue;
      if (prev.goneAtMs === undefined) {
        items.push({ ...prev, goneAtMs: now });
        gone += 1;
      } else if (now - prev.goneAtMs >= retention) {
        expired.push(shareId);
      }
    }
    result.inventory.new = fresh;
    result.inventory.gone = gone;
    result.inventory.written = await stage('the inventory', () =>
      deps.inventory.putChanged(items, previous, { lastSeenResolutionMs: settings.lastSeenResolutionMs ?? DEFAULT_LAST_SEEN_RESOLUTION_MS }),
    );
    if (expired.length > 0) result.inventory.deleted = await stage('the inventory (deletions)', () => deps.inventory.deleteMany(expired));

    // Grace marks (after the inventory items, which carry the previous marks unchanged).
    if (evaluation.newMarks.length > 0) {
      await stage('grace marks', () => deps.inventory.setMarks(evaluation.newMarks, now));
      result.marked = evaluation.newMarks;
      this.metric(SWEEP_METRICS.markedForCancel, evaluation.newMarks.length);
    }
    if (evaluation.clearedMarks.length > 0) {
      await stage('cleared grace marks', () => deps.inventory.clearMarks(evaluation.clearedMarks));
      result.cleared = evaluation.clearedMarks;
    }

    // Share ids learnt by short url: bookkeeping, never a reason to fail the run.
    if (joined.attach.length > 0) {
      let failed = 0;
      let firstError: unknown;
      await forEachLimit(joined.attach, settings.attachConcurrency ?? 8, async (a) => {
        try {
          await deps.shareRecords.attachShareId(a.requestId, a.shareId, now);
        } catch (error) {
          failed += 1;
          firstError ??= error;
        }
      });
      if (failed > 0) this.addError(`could not attach the share id to ${failed} share record(s): ${this.describe(firstError)}`);
    }

    // The audit trail: every decision but a plain keep; cancels carry their outcome.
    const enforcing = evaluation.toCancel.length > 0;
    const heldBy = evaluation.guardrail.tripped ? `held by the guardrail: ${evaluation.guardrail.trips.map((t) => t.message).join('; ')}` : undefined;
    const entries: Omit<AuditEntry, 'runId'>[] = [];
    for (const d of evaluation.decisions) {
      const marked = d.decision === 'keep' && d.findings.some((f) => f.outcome === 'marked');
      if (d.decision === 'keep' && !marked) continue;
      const entry: Omit<AuditEntry, 'runId'> = {
        shareId: d.shareId,
        decision: marked ? 'marked' : d.decision,
        policyIds: d.policyIds,
        reasons: d.reasons,
        recordedAtMs: now,
      };
      const subject = result.subjects.get(d.shareId);
      if (subject?.shortUrl !== undefined) entry.shortUrl = subject.shortUrl;
      if (subject && subject.paths.length > 0) entry.paths = subject.paths.slice(0, MAX_AUDIT_PATHS);
      if (subject?.requester !== undefined) entry.requester = subject.requester;
      if (d.decision === 'cancel') {
        if (enforcing) entry.outcome = 'enqueued';
        else if (heldBy !== undefined) {
          entry.outcome = 'skipped';
          entry.error = truncate(heldBy, MAX_ERROR_TEXT);
        }
      }
      entries.push(entry);
    }
    if (this.verification) applyVerificationToAudit(entries, this.verification, result.subjects, now);
    if (entries.length > 0) await stage('the audit entries', () => deps.runs.putAuditEntries(result.runId, entries));
    result.counts.auditEntries = entries.length;

    // The grace notices (after the marks they announce), then the guardrail's event.
    await this.sendNotices(evaluation.noticesDue, joined);
    if (evaluation.guardrail.tripped) await this.publish([guardrailTrippedEvent({ runId: result.runId, trips: guardrailEventTrips(evaluation) }, now)]);
    await this.publish(this.givenUpEvents(joined, now));
  }

  /**
   * One `ShareMarkedForCancel` per due notice, in one publish, then `notifiedAt` for exactly the
   * ones the bus accepted. A notice that was not accepted leaves its mark without one: its grace
   * has not started and the next run sends it again (see the module comment). Failures here are
   * run errors, never a failed run: they only delay cancellations.
   */
  private async sendNotices(due: readonly GraceNotice[], joined: Joined): Promise<void> {
    if (due.length === 0) return;
    const { deps, result } = this;
    // The notice's own time: its graceEndsAt is this plus the grace, so never later than the
    // grace the engine counts from the (later) acceptance time recorded below.
    const sentAt = deps.clock.now();
    const built: { notice: GraceNotice; event: ProductEvent }[] = [];
    for (const notice of due) {
      const subject = result.subjects.get(notice.shareId);
      const requestId = joined.requestIds.get(notice.shareId);
      try {
        const event = shareMarkedForCancelEvent(
          {
            shareId: notice.shareId,
            policyId: notice.policyId,
            graceEndsAtMs: sentAt + notice.graceHours * HOUR_MS,
            reason: notice.reason,
            paths: subject?.paths ?? [],
            ...(subject?.shortUrl !== undefined ? { shortUrl: subject.shortUrl } : {}),
            ...(subject?.requester !== undefined ? { requester: subject.requester } : {}),
            ...(requestId !== undefined ? { requestId } : {}),
          },
          sentAt,
        );
        built.push({ notice, event });
      } catch (error) {
        result.unnotified.push({ shareId: notice.shareId, policyId: notice.policyId });
        this.addError(`could not build the grace notice of share ${notice.shareId} (${notice.policyId}): ${this.describe(error)}; its mark waits for one`);
      }
    }
    if (built.length === 0) return;

    let refused = new Set<number>();
    try {
      await deps.events.publish(built.map((b) => b.event));
    } catch (error) {
      refused = unacceptedEvents(error, built.length);
      this.addError(
        `could not publish ${refused.size} of ${built.length} grace notice(s): ${this.describe(error)}; ` +
          'their marks wait without a grace period and the next run sends them again',
      );
      this.metric(SWEEP_METRICS.eventPublishFailures, refused.size);
    }
    const acceptedAt = deps.clock.now();
    const accepted: GraceNotice[] = [];
    built.forEach(({ notice }, i) => {
      if (refused.has(i)) result.unnotified.push({ shareId: notice.shareId, policyId: notice.policyId });
      else accepted.push(notice);
    });
    this.metric(SWEEP_METRICS.noticesSent, accepted.length);
    if (accepted.length === 0) return;
    try {
      await deps.inventory.setNotified(
        accepted.map((n) => ({ shareId: n.shareId, policyId: n.policyId })),
        acceptedAt,
      );
      result.notified = accepted.map((n) => ({
        shareId: n.shareId,
        policyId: n.policyId,
        notifiedAtMs: acceptedAt,
        graceEndsAtMs: acceptedAt + n.graceHours * HOUR_MS,
      }));
    } catch (error) {
      // Sent but not recorded: the marks still look unannounced, so the next run notifies them
      // again and their grace counts from that notice (later, never sooner).
      for (const n of accepted) result.unnotified.push({ shareId: n.shareId, policyId: n.policyId });
      this.addError(
        `${accepted.length} grace notice(s) were sent but their time could not be recorded: ${this.describe(error)}; ` +
          'the next run sends them again and their grace counts from then',
      );
    }
  }

  private async publish(events: ProductEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.deps.events.publish(events);
    } catch (error) {
      this.addError(`could not publish ${events.length} event(s): ${this.describe(error)}`);
      this.metric(SWEEP_METRICS.eventPublishFailures, events.length);
    }
  }

  private async enqueue(evaluation: EvaluationResult, toCancel: readonly ShareId[], joined: Joined, now: number): Promise<void> {
    const { deps, result } = this;
    const decisionById = new Map(evaluation.decisions.map((d) => [d.shareId, d] as const));
    const createdAtById = new Map<ShareId, number | undefined>();
    for (const f of joined.facts) createdAtById.set(f.share.shareId, f.share.createdAtMs);
    const inputs: CancelDecisionInput[] = toCancel.map((shareId) => {
      const findings = decisionById.get(shareId)?.findings.filter((f) => f.outcome === 'cancel') ?? [];
      const input: CancelDecisionInput = { shareId };
      // What cancel-shares needs of the share record, so that it need not look it up (see NO_RECORD_AGE_MS).
      const requestId = joined.requestIds.get(shareId);
      const createdAtMs = createdAtById.get(shareId);
      if (requestId !== undefined) input.requestId = requestId;
      else if (createdAtMs !== undefined && createdAtMs < result.startedAtMs - NO_RECORD_AGE_MS) input.requestId = null;
      if (findings.length > 0) {
        input.reason = truncate(findings.map((f) => f.reason).join('; '), MAX_CANCEL_REASON);
        input.policyIds = findings.map((f) => f.policyId).slice(0, MAX_CANCEL_POLICIES);
      }
      return input;
    });
    const size = deps.settings.cancelBatchSize ?? MAX_SHARES_PER_CANCEL_BATCH;
    const batches = buildCancelBatches({ runId: result.runId, accountId: result.accountId }, inputs, size);
    try {
      await deps.cancelQueue.send(batches);
      result.enqueued = [...toCancel];
      result.batches = batches.length;
    } catch (error) {
      // The port names the batches it could not send; without that, none counts as sent.
      const failures = (error as { failures?: unknown }).failures;
      const unsent = new Set<ShareId>();
      let unsentBatches = batches.length;
      if (Array.isArray(failures)) {
        unsentBatches = 0;
        for (const f of failures as { shareIds?: unknown }[]) {
          if (!Array.isArray(f?.shareIds)) continue;
          unsentBatches += 1;
          for (const id of f.shareIds as unknown[]) if (typeof id === 'string') unsent.add(id);
        }
      } else {
        for (const id of toCancel) unsent.add(id);
      }
      result.enqueued = toCancel.filter((id) => !unsent.has(id));
      result.batches = batches.length - unsentBatches;
      const reason = `${unsentBatches} of ${batches.length} cancel batch(es) could not be queued (${unsent.size} shares not cancelled): ${this.describe(error)}`;
      try {
        await deps.runs.putAuditEntries(
          result.runId,
          [...unsent].map((shareId) => {
            const d = decisionById.get(shareId);
            const subject = result.subjects.get(shareId);
            const entry: Omit<AuditEntry, 'runId'> = {
              shareId,
              decision: 'cancel',
              policyIds: d?.policyIds ?? [],
              reasons: d?.reasons ?? [],
              outcome: 'skipped',
              error: truncate(this.redact(reason), MAX_ERROR_TEXT),
              recordedAtMs: now,
            };
            if (subject?.shortUrl !== undefined) entry.shortUrl = subject.shortUrl;
            if (subject && subject.paths.length > 0) entry.paths = subject.paths.slice(0, MAX_AUDIT_PATHS);
            if (subject?.requester !== undefined) entry.requester = subject.requester;
            return entry;
          }),
        );
      } catch (auditError) {
        this.addError(`could not record the unsent cancellations in the audit trail: ${this.describe(auditError)}`);
      }
      throw new SweepPhaseError('enqueue', reason, { cause: error });
    } finally {
      this.metric(SWEEP_METRICS.enqueuedForCancel, result.enqueued.length);
      this.progress({ phase: 'enqueue', batches: result.batches });
      await this.recordCancelRequests(now);
    }
  }

  /**
   * Which run queued each sent cancel, so that the next complete listing can verify it (see
   * cancel-verification.ts). Bookkeeping: a failure is a run error, and those cancels go unverified.
   */
  private async recordCancelRequests(now: number): Promise<void> {
    const { deps, result } = this;
    if (result.enqueued.length === 0) return;
    try {
      await deps.inventory.recordCancelRequests(result.enqueued, result.runId, now);
    } catch (error) {
      this.addError(`could not record which run cancelled ${result.enqueued.length} share(s): ${this.describe(error)}; their cancels will not be verified`);
    }
  }

  private countsOf(): Record<string, number> {
    const { result } = this;
    const e = result.evaluation;
    const counts: Record<string, number> = {
      ...result.counts,
      inventory: result.inventory.listed,
      pages: result.inventory.pages,
      new: result.inventory.new,
      gone: result.inventory.gone,
      deleted: result.inventory.deleted,
      written: result.inventory.written,
      policies: result.policyIds.length,
      invalidPolicies: result.invalidPolicies.length,
      enqueued: result.enqueued.length,
      batches: result.batches,
      newMarks: result.marked.length,
      clearedMarks: result.cleared.length,
      noticesSent: result.notified.length,
      noticesFailed: result.unnotified.length,
      errors: result.errors.length,
      warnings: result.warnings.length,
      cancelsIneffective: this.verification?.ineffective.length ?? 0,
      cancelsGivenUp: this.verification?.ineffective.filter((c) => c.action === 'given-up').length ?? 0,
      missingShares: result.missingShares.length,
    };
    if (e) {
      counts.evaluated = e.counts.shares;
      counts.keep = e.counts.keep;
      counts.cancel = e.counts.cancel;
      counts['would-cancel'] = e.counts.wouldCancel;
      counts.exempt = e.counts.exempt;
      counts.unevaluable = e.counts.unevaluable;
      counts.marked = e.counts.marked;
      counts.planned = e.guardrail.planned;
      counts.guardrailTripped = e.guardrail.tripped ? 1 : 0;
    }
    return counts;
  }

  private async finish(t0: number): Promise<void> {
    const { deps, result } = this;
    if (result.status === 'skipped') return;
    const e = result.evaluation;
    if (e) this.metric(SWEEP_METRICS.plannedForCancel, e.guardrail.planned);
    if (result.status === 'completed') {
      // Counts as they will be stored, so that subscribers see what the summary says.
      await this.publish([sweepCompletedEvent({ runId: result.runId, mode: result.mode, counts: this.countsOf() }, deps.clock.now())]);
    }
    this.metric(SWEEP_METRICS.failed, result.status === 'failed' ? 1 : 0);
    result.finishedAtMs = deps.clock.now();
    result.timings.total = Math.round(this.timer() - t0);
    this.metric(SWEEP_METRICS.duration, result.timings.total, 'Milliseconds');
    result.counts = this.countsOf();
    const started = this.timer();
    try {
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
      });
      await this.saveBaseline();
    } catch (error) {
      const text = `could not write the run summary: ${this.describe(error)}`;
      result.errors.push(this.redact(text));
      if (result.status === 'completed') {
        result.status = 'failed';
        result.failedPhase = 'finish';
        result.reason = this.redact(text);
      }
      deps.logger?.error('run summary not written', { runId: result.runId, error: this.describe(error) });
    } finally {
      result.timings.finish = Math.round(this.timer() - started);
    }
    deps.logger?.info('sweep finished', { runId: result.runId, status: result.status, mode: result.mode, counts: result.counts, timings: result.timings });
  }

  /** A completed run's listing shape becomes the drift baseline (listing-drift.ts). */
  private async saveBaseline(): Promise<void> {
    if (this.result.status !== 'completed' || this.drift === undefined) return;
    try {
      await this.deps.runs.putApiShape(this.drift.next);
    } catch (error) {
      // The summary is written already: the baseline stays the older one, and the next run compares with it.
      this.deps.logger?.warn('the list response shape was not recorded', { runId: this.result.runId, error: this.describe(error) });
    }
  }

  private async releaseLease(): Promise<void> {
    if (!this.leaseHeld) return;
    try {
      const released = await this.deps.lease.release(this.result.runId);
      if (!released) this.deps.logger?.warn('the lease was no longer ours at release', { runId: this.result.runId });
    } catch (error) {
      // It expires on its own; the next run after the ttl proceeds.
      this.deps.logger?.warn('could not release the lease', { runId: this.result.runId, error: this.describe(error) });
    }
  }
}
