/** The share records port: one record per share request, claimed before TeraBox is called. */
import type { ShareId } from '../../domain/share';
import type { SharePeriod } from '../../domain/share-period';
import type { CreatedShare } from '../ports';
import { StoreError } from './store-error';

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
