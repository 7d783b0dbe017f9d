/**
 * The sweep's words: the ports it needs beyond the stores, its settings, its request and result,
 * its metric names and its errors. The run itself is in run.ts; the pure plan-building in plan.ts.
 */
import type { AgeHistogram } from '../../domain/age-histogram';
import type { EvaluationResult, GraceMark as EngineMark } from '../../domain/decision';
import type { GuardrailLimits } from '../../domain/policy-types';
import type { ShareId } from '../../domain/share';
import type { InvalidItem } from '../../domain/validate';
import type { ShareSubject } from '../audit-entry';
export type { ShareSubject } from '../audit-entry';
import type { CancelQueue, EventPublisher } from '../messaging-ports';
import type { MissingShare } from '../missing-shares';
import type { PolicySource } from '../policy-source';
import type { Clock, ShareChunkReader } from '../ports';
import type { RunDiffCounts } from '../run-diff';
import type {
  FlaggedSetStore,
  InventoryStore,
  ListingStagingStore,
  Lease,
  RunApiShape,
  RunCancelVerification,
  RunMode,
  RunStore,
  ShareRecordStore,
} from '../store-ports';

/** What the sweep needs of the TeraBox client: the listing, chunk by chunk (the client's `readChunk`). */
export type ShareLister = ShareChunkReader;

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
  /** Most pages one listing chunk reads (one invocation of a checkpointed sweep); unlimited when absent. */
  pagesPerChunk?: number;
  /** Most chunks one run may take (DEFAULT_MAX_CHUNKS: 200). */
  maxChunks?: number;
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
  /**
   * Decisions the run's result carries (in share id order; the audit trail holds them all).
   * Default: all, with every evaluated id (the CLI's report); a Lambda step keeps its memory
   * bounded with a limit.
   */
  reportDecisions?: number;
  /**
   * Who starts the grace clock. `bus` (default): the sweep records `notifiedAt` when the event bus
   * accepted the notice. `email`: the notifier Lambda records it once SES accepted the digest
   * (NOTICE_DELIVERY=email, set by the stack when a sender is configured).
   */
  noticeDelivery?: 'bus' | 'email';
}

export const DEFAULT_LEASE_TTL_MS = 20 * 60_000;
export const DEFAULT_GONE_RETENTION_MS = 7 * 86_400_000;
export const DEFAULT_LAST_SEEN_RESOLUTION_MS = 86_400_000;
/** The cancel message schema's limits (lib/contracts/cancel-batch.ts). */
export const MAX_CANCEL_REASON = 1024;
export const MAX_CANCEL_POLICIES = 50;
export const MAX_ERROR_TEXT = 1000;
/** Ineffective cancels listed in the run summary (all are counted): keeps the item small. */
export const MAX_REPORTED_INEFFECTIVE = 100;
export const HOUR_MS = 3_600_000;
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
  inventory: Pick<InventoryStore, 'scan' | 'putChanged' | 'setMarks' | 'setNotified' | 'clearMarks' | 'deleteMany' | 'recordCancelRequests'>;
  runs: Pick<RunStore, 'newRunId' | 'getRun' | 'startRun' | 'finishRun' | 'putAuditEntries' | 'getAuditEntries' | 'getApiShape' | 'putApiShape'>;
  lease: Pick<Lease, 'acquire' | 'renew' | 'release' | 'current'>;
  /**
   * Where each run's flagged set is stored and the runs it is compared with (the summary's
   * `diff`, `runs diff`). Absent: no flagged set is stored and no diff computed.
   */
  diffs?: { flaggedSets: FlaggedSetStore; runs: Pick<RunStore, 'listRuns'> };
  /** Where the listing is staged between chunks. Default: in memory (a run in one process). */
  staging?: ListingStagingStore;
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
  /** Asked between list pages: true ends the listing chunk cleanly (a step's deadline is near). */
  shouldStop?: () => boolean;
  /** The run a step of a checkpointed sweep belongs to (absent: a new run). */
  run?: { runId: string; startedAtMs: number };
  /**
   * The state machine execution a new run is: its run id comes from the execution (the same id
   * for the same execution), so that a retried start step finds its own run instead of a rival.
   */
  execution?: { id: string; startedAtMs: number };
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
  /** Valid policies and exemptions left out because they name only other accounts (absent: none were). */
  scopedOut?: { policies: number; exemptions: number };
  /** Policies that were evaluated (valid ones), by id. */
  policyIds: string[];
  /** The stored version of each evaluated policy that has one (policies from a file have none). */
  policyVersions: Record<string, number>;
  inventory: SweepInventoryStats;
  /** The engine's result (its decisions as many as `reportDecisions`); absent when the run stopped before evaluating. */
  evaluation?: EvaluationResult;
  /** Paths, short url and requester of the shares with a reported decision, a due notice or a verified cancel. */
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
  /**
   * With email delivery: notices the bus accepted, waiting for the notifier to mail them (their
   * grace starts when it has; a mark still undelivered at the next run is noticed again).
   */
  awaitingDelivery: EngineMark[];
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
  /** The flagged set's diff against the previous completed run (absent when it could not be compared). */
  diff?: RunDiffCounts;
  /** The evaluated shares' ages at the run's start (absent when the run stopped before evaluating). */
  ages?: AgeHistogram;
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
