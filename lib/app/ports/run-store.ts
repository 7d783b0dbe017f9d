/** The runs and audit port: run summaries, audit entries and their outcomes. */
import type { AgeHistogram } from '../../domain/age-histogram';
import type { GuardrailReport } from '../../domain/decision';
import type { ShareId } from '../../domain/share';
import type { CancelOutcomeKind } from '../ports';
import type { ResponseShape, ShapeChange } from '../response-shape';
import type { RunDiffCounts } from '../run-diff';
import { StoreError } from './store-error';

export type RunStatus = 'running' | 'completed' | 'failed' | 'skipped';
export type RunMode = 'enforce' | 'dry-run';

export interface RunSummary {
  accountId: string;
  runId: string;
  status: RunStatus;
  mode: RunMode;
  /** `schedule`, `manual`, `cli`, ... */
  trigger?: string;
  startedAtMs: number;
  finishedAtMs?: number;
  /** inventory, evaluated, keep, cancel, would-cancel, exempt, unevaluable, marked, enqueued, ... */
  counts?: Record<string, number>;
  /** The engine's guardrail report, stored as is. */
  guardrail?: GuardrailReport;
  errors?: string[];
  /** Phase durations in ms (list, evaluate, write, ...). */
  timings?: Record<string, number>;
  /** Why the run was skipped (lease held elsewhere, ...). */
  reason?: string;
  /** Things a person should look at that did not stop the run (the list response changed shape, ...). */
  warnings?: string[];
  /** The shape of this run's list response and how it compares with the last completed run's. */
  apiShape?: RunApiShape;
  /** Shares whose cancel was answered done and that a complete listing still showed. */
  cancelVerification?: RunCancelVerification;
  /** The flagged set compared with the previous completed run's (lib/app/run-diff.ts); absent when it could not be. */
  diff?: RunDiffCounts;
  /** The inventory's share ages at the run's start, by whole days (runs that evaluated; the HTML report draws them). */
  ages?: AgeHistogram;
}

/** The run summary's record of the list response's shape (lib/app/listing-drift.ts). */
export interface RunApiShape {
  /** shapeFingerprint of this run's shape. */
  fingerprint: string;
  /** Items and distinct fields the shape was made of. */
  items: number;
  fields: number;
  /** The baseline run compared with; absent on the first run (the baseline is recorded). */
  baselineRunId?: string;
  baselineFingerprint?: string;
  /** What changed that counts (see listing-drift's rule); absent when nothing did. */
  change?: ShapeChange;
}

/** One share whose cancel did not take, as the run summary lists it. */
export interface IneffectiveCancel {
  shareId: ShareId;
  /** The run whose cancel was answered done, and the answer. */
  cancelRunId: string;
  answer: string;
  answeredAtMs?: number;
  /** Misses so far, this one included. */
  misses: number;
  /** What this run did: cancelled again, not again (why), or gave up (left for a person). */
  action: 'retried' | 'not-retried' | 'given-up';
  /** Why it was not retried. */
  note?: string;
}

export interface RunCancelVerification {
  /** Shares whose earlier cancel this complete listing could judge. */
  checked: number;
  ineffective: IneffectiveCancel[];
  /** Shares the product had given up on earlier that are still listed (left for a person). */
  givenUpEarlier: ShareId[];
}

/** The account-level item holding the last completed run's list response shape. */
export interface StoredApiShape {
  runId: string;
  fingerprint: string;
  recordedAtMs: number;
  shape: ResponseShape;
  /** Fields left out to keep the item small (the shape then holds the first ones by name). */
  truncated?: boolean;
}

export type RunUpdate = Partial<Omit<RunSummary, 'accountId' | 'runId' | 'startedAtMs'>>;

/**
 * `cancel-ineffective`: a cancel of an earlier run was answered done, yet this run's complete
 * listing still showed the share (the entry's outcome says whether it was cancelled again).
 */
export type AuditDecision = 'keep' | 'cancel' | 'would-cancel' | 'exempt' | 'unevaluable' | 'marked' | 'cancel-ineffective';
/** `given-up`: the product stopped cancelling the share after two ineffective cancels (a person must look). */
export type AuditOutcome = CancelOutcomeKind | 'enqueued' | 'skipped' | 'given-up';

export interface AuditEntry {
  runId: string;
  shareId: ShareId;
  decision: AuditDecision;
  policyIds: readonly string[];
  /** The version of each of `policyIds` that decided, where the policy has one (`policies history` shows it). */
  policyVersions?: Readonly<Record<string, number>>;
  reasons: readonly string[];
  outcome?: AuditOutcome;
  error?: string;
  shortUrl?: string;
  paths?: readonly string[];
  requester?: string;
  recordedAtMs: number;
  outcomeAtMs?: number;
}

/** One share's audit outcome, for `RunStore.updateAuditOutcomes`. */
export interface AuditOutcomeUpdate {
  shareId: ShareId;
  outcome: AuditOutcome;
  error?: string;
}

/** Some audit outcomes of a batch were not written (the others were): `shareIds` names the missing ones. */
export class AuditOutcomesNotWrittenError extends StoreError {
  override name = 'AuditOutcomesNotWrittenError';
  constructor(
    readonly shareIds: ShareId[],
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options);
  }
}

export interface RunStore {
  /**
   * A new time-sortable run id (`20260501T100000123Z-1a2b3c4d`); getRun finds the run from it alone.
   * With a `seed` (a state machine execution's id) the id is the same for the same seed and time.
   */
  newRunId(now: number, seed?: string): string;
  /** Writes the summary (status normally `running`); the run id must come from `newRunId`. */
  startRun(summary: Omit<RunSummary, 'accountId'>): Promise<RunSummary>;
  /** Updates the summary with the given fields (status, counts, guardrail, errors, timings...). */
  finishRun(runId: string, update: RunUpdate): Promise<RunSummary>;
  getRun(runId: string): Promise<RunSummary | undefined>;
  listRuns(options?: { limit?: number; newestFirst?: boolean }): Promise<RunSummary[]>;
  /** Batched writes; each entry expires after the configured retention. Returns the count written. */
  putAuditEntries(runId: string, entries: Iterable<Omit<AuditEntry, 'runId'>>): Promise<number>;
  /** Records what happened to one share of the run; creates the entry if it was never written. */
  updateAuditOutcome(runId: string, shareId: ShareId, outcome: AuditOutcome, now: number, error?: string): Promise<void>;
  /**
   * `updateAuditOutcome` for many shares of one run, in batched calls. Throws
   * `AuditOutcomesNotWrittenError` naming every share whose outcome was not written.
   */
  updateAuditOutcomes(runId: string, updates: readonly AuditOutcomeUpdate[], now: number): Promise<void>;
  listAudit(runId: string): AsyncIterable<AuditEntry>;
  /** The audit entries at these (run, share) keys that exist, strongly consistent, batched. */
  getAuditEntries(keys: readonly { runId: string; shareId: ShareId }[]): Promise<AuditEntry[]>;
  /** The list response shape of the last completed run that recorded one (the drift baseline). */
  getApiShape(): Promise<StoredApiShape | undefined>;
  /** Replaces the drift baseline (size-bounded by the store: see DynamoDbRunStore). */
  putApiShape(shape: StoredApiShape): Promise<void>;
}
