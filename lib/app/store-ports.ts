/**
 * The storage ports the use cases depend on. `lib/stores` implements them on DynamoDB; tests and
 * the local run may implement them in memory. Nothing here knows about the AWS SDK.
 *
 * Conventions:
 * - Times are epoch milliseconds (`...AtMs`) unless the name says otherwise; `now` is always passed
 *   in by the caller (from its Clock), so the stores never read the wall clock for decisions.
 * - Expected outcomes of a conditional write (a claim already held, a lease already taken, a record
 *   that is not there) are results, never exceptions. Everything else that fails is a `StoreError`.
 */
import type { ShareId } from '../domain/share';
import type { Exemption, Policy } from '../domain/policy-types';
import type { GuardrailReport } from '../domain/decision';
import type { ResponseShape, ShapeChange } from './response-shape';
import type { CancelOutcomeKind, CreatedShare, SharePeriod } from './ports';

// ---------------------------------------------------------------- errors

/** Base of every storage failure. `retryable` is true for throttling, 5xx and network errors. */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly retryable: boolean;
  /** The SDK error name when the failure came from DynamoDB (`ProvisionedThroughputExceededException`). */
  readonly code?: string;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.code = options.code;
  }
}

/**
 * The claim on a request id is no longer held by this attempt: it expired and another invocation
 * took it over, or the record already reached a final state. `current` is the record as stored now.
 */
export class ClaimLostError extends StoreError {
  override name = 'ClaimLostError';
  constructor(
    readonly requestId: string,
    readonly attemptId: string,
    readonly current: ShareRecord | undefined,
  ) {
    super(
      `the claim on request ${requestId} is no longer held by attempt ${attemptId}` +
        (current ? ` (record is ${current.status})` : ' (record is gone)'),
    );
  }
}

/** More policies in one `putPolicies` call than one DynamoDB transaction can hold (100). Nothing was written. */
export class PolicyBatchTooLargeError extends StoreError {
  override name = 'PolicyBatchTooLargeError';
  constructor(
    readonly count: number,
    readonly limit: number,
  ) {
    super(`cannot apply ${count} policies at once: one transaction holds at most ${limit}; nothing was written`);
  }
}

/** A policy changed (or appeared) between reading and writing it; nothing was written. Retry the apply. */
export class PolicyConflictError extends StoreError {
  override name = 'PolicyConflictError';
  constructor(
    message: string,
    readonly policyIds: string[],
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

// ---------------------------------------------------------------- policies

/** The policies table as the sweep reads it: raw items with the table's own attributes removed. */
export interface PolicyItems {
  /** Each element is exactly the documented policy JSON, unvalidated (feed it to `validatePolicyItems`). */
  policies: unknown[];
  /** Each element is exactly the documented exemption JSON, unvalidated. */
  exemptions: unknown[];
  /** Items that are neither (unknown `kind`, a key that disagrees with the id inside): reported, never used. */
  unrecognized: Array<{ itemId: string; reason: string }>;
}

export interface StoredPolicy {
  policyId: string;
  /** The stored policy JSON (keys and bookkeeping removed), unvalidated. */
  policy: unknown;
  updatedAt?: string;
  version?: number;
}

export interface PutPoliciesResult {
  created: string[];
  updated: string[];
}

export interface PolicyStore {
  /** Every policy and exemption of the account, stripped to the documented JSON. */
  loadItems(): Promise<PolicyItems>;
  /**
   * Writes the given (already validated) policies all-or-nothing in one transaction.
   * Throws `PolicyBatchTooLargeError` above 100 and `PolicyConflictError` on a concurrent edit;
   * in both cases nothing was written. (On dynalite, which has no transactions, the policies are
   * written one by one, each still conditional; see DynamoDbPolicyStore.)
   */
  putPolicies(policies: readonly Policy[], now: number): Promise<PutPoliciesResult>;
  /** false when there was no such policy. */
  deletePolicy(policyId: string): Promise<boolean>;
  listPolicies(): Promise<StoredPolicy[]>;
  putExemption(exemption: Exemption, now: number): Promise<void>;
  /** false when there was no such exemption. */
  deleteExemption(exemptionId: string): Promise<boolean>;
}

// ---------------------------------------------------------------- share records

export type ShareRecordStatus = 'in-progress' | 'created' | 'rejected' | 'failed' | 'cancelled';

/** What the validated queue message asked for (the password is deliberately not part of it). */
export interface ShareRequestFields {
  fsIds?: string[];
  paths?: string[];
  period?: SharePeriod;
  label?: string;
  /** Whether the request asked for a password (a private link). The password itself is never stored. */
  private?: boolean;
}

/** One share request the product received, and what became of it. */
export interface ShareRecord extends ShareRequestFields {
  accountId: string;
  requestId: string;
  /** Missing only on a rejected message that did not say who sent it. */
  requester?: string;
  status: ShareRecordStatus;
  /** The attempt currently (or last) holding the claim. */
  attemptId?: string;
  /** How many claims were taken on this request (1 normally; more after a takeover). */
  attempts?: number;
  claimedAtMs?: number;
  claimExpiresAtMs?: number;
  shareId?: ShareId;
  shortUrl?: string;
  link?: string;
  visibility?: 'public' | 'private';
  /** When the product created the share (epoch ms); the `recordedCreatedAtMs` of the engine. */
  createdAtMs?: number;
  /** TeraBox's own creation time when it gave one. */
  teraboxCreatedAtMs?: number;
  /** Why it was rejected (status `rejected`) or failed (status `failed`). */
  error?: string;
  cancelledAtMs?: number;
  cancelReason?: string;
  cancelRunId?: string;
  /**
   * Set when an attempt's create failed in a way that may have reached TeraBox (timeout, dropped
   * answer, 5xx): when the earliest such attempt started (epoch ms). The next attempt looks for
   * the share in the account's list (from this time, minus a slack) before creating one.
   */
  uncertainSinceMs?: number;
  updatedAtMs: number;
}

export interface ClaimInput {
  requestId: string;
  requester: string;
  /**
   * The validated message (`ShareRequest` from lib/messages fits as is). Its `password` only sets
   * `private`; the password itself is not stored.
   */
  request: ShareRequestFields & { password?: string };
  now: number;
  /** How long the claim lives before another invocation may take it over; longer than one attempt can take. */
  claimTtlMs: number;
}

export interface ClaimAttempt {
  requestId: string;
  /** Pass back to complete / fail / releaseClaim: only the holder of this id may finish the request. */
  attemptId: string;
  claimedAtMs: number;
  expiresAtMs: number;
  /** true when an expired claim of a crashed invocation was taken over. */
  takenOver: boolean;
  attempts: number;
  /** The record's `uncertainSinceMs` when the claim was taken: an earlier create may exist. */
  uncertainSinceMs?: number;
  /** When a taken-over claim was taken by its (crashed) attempt: that attempt may have created the share. */
  previousClaimedAtMs?: number;
}

/**
 * The outcome of a claim. Only `claimed` lets the caller call TeraBox; every other kind carries the
 * stored record so that a duplicate delivery can answer with it.
 * `completed` covers status `created` and `cancelled` (the request was fulfilled once).
 */
export type ClaimResult =
  | { kind: 'claimed'; attempt: ClaimAttempt }
  | { kind: 'completed'; record: ShareRecord }
  | { kind: 'rejected'; record: ShareRecord }
  | { kind: 'failed'; record: ShareRecord }
  | { kind: 'in-progress'; record: ShareRecord };

export type RejectResult =
  | { kind: 'rejected'; record: ShareRecord }
  /** A record already existed in another state (a duplicate id of a created request, a live claim): left as is. */
  | { kind: 'exists'; record: ShareRecord };

export interface MarkCancelledInput {
  /** With `requestId` too: the record must name this share (or no share yet), else it is left alone. */
  shareId?: ShareId;
  /** The record to mark, when the caller knows it (no lookup by share id). */
  requestId?: string;
  reason: string;
  runId?: string;
  now: number;
}

export interface ShareRecordStore {
  /** Claims the request id with a conditional write (see `ClaimResult`). */
  claim(input: ClaimInput): Promise<ClaimResult>;
  /** Stores the created share. Throws `ClaimLostError` when the claim is not this attempt's any more. */
  complete(input: { requestId: string; attemptId: string; share: CreatedShare; now: number }): Promise<ShareRecord>;
  /** A permanent failure (TeraBox refused the request). Throws `ClaimLostError` like `complete`. */
  fail(input: { requestId: string; attemptId: string; error: string; now: number }): Promise<ShareRecord>;
  /**
   * Records a message that parsed but is invalid, with or without a prior claim. Never overwrites a
   * record in another state, except this attempt's own claim (`attemptId`) or an expired claim.
   */
  reject(input: { requestId: string; requester?: string; reason: string; now: number; attemptId?: string }): Promise<RejectResult>;
  /**
   * Gives the claim up after a transient failure so that a redelivery can claim again. false if it
   * was not ours. `uncertainSinceMs`: this attempt's create may have reached TeraBox (it started
   * then); kept as the record's `uncertainSinceMs` unless an earlier time is already stored.
   */
  releaseClaim(input: { requestId: string; attemptId: string; error?: string; now?: number; uncertainSinceMs?: number }): Promise<boolean>;
  get(requestId: string): Promise<ShareRecord | undefined>;
  /** Through the `byShareId` index (eventually consistent). */
  findByShareId(shareId: ShareId): Promise<ShareRecord | undefined>;
  /** Every record of the account with status `created`, page by page. */
  listCreated(): AsyncIterable<ShareRecord>;
  /** Every record of the account (any status), page by page. */
  listAll(): AsyncIterable<ShareRecord>;
  /** Fills in the share id TeraBox did not return at create time (the sweep learns it by short url). */
  attachShareId(requestId: string, shareId: ShareId, now: number): Promise<boolean>;
  /**
   * Marks the record of a cancelled share. undefined when no record exists (a share the product did
   * not create); idempotent on an already cancelled record.
   */
  markCancelled(input: MarkCancelledInput): Promise<ShareRecord | undefined>;
}

// ---------------------------------------------------------------- inventory

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

/** A grace mark to write or clear (the engine's `GraceMark` fits as is). */
export interface GraceMark {
  shareId: ShareId;
  policyId: string;
  /** When the violation was first seen; default: the `now` of `setMarks`. */
  sinceMs?: number;
}

export interface InventoryStore {
  loadAll(): Promise<Map<ShareId, InventoryItem>>;
  /** Batched writes (25 a call, several calls in flight, unprocessed items retried). Returns the count written. */
  putMany(items: Iterable<InventoryItem>): Promise<number>;
  /**
   * Writes only the items that differ from `previous` (as loaded by `loadAll`). A change of
   * `lastSeenAtMs` alone counts only when it moved by at least `lastSeenResolutionMs` (default 0),
   * so that a sweep of 100,000 unchanged shares need not rewrite them all every run.
   */
  putChanged(
    items: Iterable<InventoryItem>,
    previous: ReadonlyMap<ShareId, InventoryItem>,
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

// ---------------------------------------------------------------- runs and audit

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
  /** A new time-sortable run id (`20260501T100000123Z-1a2b3c4d`); getRun finds the run from it alone. */
  newRunId(now: number): string;
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

// ---------------------------------------------------------------- lease

export interface LeaseHolder {
  owner: string;
  expiresAtMs: number;
  acquiredAtMs: number;
}

/** A mutual-exclusion lease with an expiry, so that two sweeps of one account never overlap. */
export interface Lease {
  /** true when `owner` now holds the lease (it was free, expired, or already `owner`'s). */
  acquire(input: { owner: string; ttlMs: number; now: number }): Promise<boolean>;
  /** Extends the lease; false when `owner` no longer holds it. */
  renew(input: { owner: string; ttlMs: number; now: number }): Promise<boolean>;
  /** false when `owner` did not hold it (nothing was changed). */
  release(owner: string): Promise<boolean>;
  current(): Promise<LeaseHolder | undefined>;
}
