/**
 * Hand-written fakes of the ports the create and cancel use cases need. The share record fake
 * follows the DynamoDB store's documented semantics (claims with expiry, release as handover,
 * uncertainSinceMs kept at its earliest); the DynamoDB store itself is tested on DynamoDB Local.
 */
import type { CreateFailure, CreateFailureKind } from '../../../lib/app/create-share';
import type { EventPublisher } from '../../../lib/app/messaging-ports';
import type { CancelOutcome, Clock, CreateShareInput, CreatedShare, PaginateOptions, TeraboxGateway } from '../../../lib/app/ports';
import {
  AuditOutcomesNotWrittenError,
  ClaimLostError,
  StoreError,
  type AuditEntry,
  type AuditOutcome,
  type AuditOutcomeUpdate,
  type ClaimInput,
  type ClaimResult,
  type MarkCancelledInput,
  type RejectResult,
  type RunStore,
  type ShareRecord,
  type ShareRecordStore,
} from '../../../lib/app/store-ports';
import type { Share, ShareId } from '../../../lib/domain/share';
import type { ProductEvent } from '../../../lib/contracts/events';

export const T0 = Date.parse('2026-05-01T10:00:00.000Z');
export const MIN = 60_000;
export const DAY = 86_400_000;

export class FakeClock implements Clock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** An error the fake classifier maps to its kind. */
export class FakeCreateError extends Error {
  override name = 'FakeCreateError';
  constructor(readonly kind: CreateFailureKind) {
    super(`create failed (${kind})`);
  }
}

export const fakeClassifier = (error: unknown): CreateFailure =>
  error instanceof FakeCreateError ? { kind: error.kind, reason: error.message } : { kind: 'uncertain', reason: String(error) };

export class FakeShareRecords implements ShareRecordStore {
  readonly records = new Map<string, ShareRecord & { releasedAtMs?: number }>();
  private seq = 0;
  /** Makes the next `complete` throw ClaimLostError (a takeover happened meanwhile). */
  loseClaimOnComplete = false;

  async claim(input: ClaimInput): Promise<ClaimResult> {
    const old = this.records.get(input.requestId);
    if (old !== undefined && !(old.status === 'in-progress' && (old.claimExpiresAtMs ?? 0) < input.now)) {
      const record = { ...old };
      if (old.status === 'created' || old.status === 'cancelled') return { kind: 'completed', record };
      if (old.status === 'in-progress') return { kind: 'in-progress', record };
      return { kind: old.status, record };
    }
    const attemptId = `attempt-${++this.seq}`;
    const attempts = (old?.attempts ?? 0) + 1;
    const { password, ...fields } = input.request;
    this.records.set(input.requestId, {
      ...old,
      ...fields,
      private: password !== undefined,
      accountId: 'default',
      requestId: input.requestId,
      requester: input.requester,
      status: 'in-progress',
      attemptId,
      attempts,
      claimedAtMs: input.now,
      claimExpiresAtMs: input.now + input.claimTtlMs,
      updatedAtMs: input.now,
      releasedAtMs: undefined,
    });
    const takenOver = old !== undefined && old.releasedAtMs === undefined;
    return {
      kind: 'claimed',
      attempt: {
        requestId: input.requestId,
        attemptId,
        claimedAtMs: input.now,
        expiresAtMs: input.now + input.claimTtlMs,
        takenOver,
        attempts,
        ...(old?.uncertainSinceMs !== undefined ? { uncertainSinceMs: old.uncertainSinceMs } : {}),
        ...(takenOver && old?.claimedAtMs !== undefined ? { previousClaimedAtMs: old.claimedAtMs } : {}),
      },
    };
  }

  async complete(input: { requestId: string; attemptId: string; share: CreatedShare; now: number }): Promise<ShareRecord> {
    const record = this.ours(input.requestId, input.attemptId);
    if (this.loseClaimOnComplete) throw new ClaimLostError(input.requestId, input.attemptId, { ...record, attemptId: 'other' });
    const { share } = input;
    Object.assign(record, {
      status: 'created',
      shareId: share.shareId,
      shortUrl: share.shortUrl,
      link: share.link,
      period: share.period,
      visibility: share.password ? 'private' : 'public',
      createdAtMs: input.now,
      teraboxCreatedAtMs: share.createdAtMs,
      updatedAtMs: input.now,
      claimExpiresAtMs: undefined,
    });
    return { ...record };
  }

  async fail(input: { requestId: string; attemptId: string; error: string; now: number }): Promise<ShareRecord> {
    const record = this.ours(input.requestId, input.attemptId);
    Object.assign(record, { status: 'failed', error: input.error, updatedAtMs: input.now, claimExpiresAtMs: undefined });
    return { ...record };
  }

  async reject(input: { requestId: string; requester?: string; reason: string; now: number }): Promise<RejectResult> {
    const old = this.records.get(input.requestId);
    if (old !== undefined && old.status !== 'rejected' && !(old.status === 'in-progress' && (old.claimExpiresAtMs ?? 0) < input.now)) {
      return { kind: 'exists', record: { ...old } };
    }
    const record: ShareRecord = {
      accountId: 'default',
      requestId: input.requestId,
      ...(input.requester !== undefined ? { requester: input.requester } : {}),
      status: 'rejected',
      error: input.reason,
      updatedAtMs: input.now,
    };
    this.records.set(input.requestId, record);
    return { kind: 'rejected', record: { ...record } };
  }

  async releaseClaim(input: { requestId: string; attemptId: string; error?: string; now?: number; uncertainSinceMs?: number }): Promise<boolean> {
    const record = this.records.get(input.requestId);
    if (record === undefined || record.status !== 'in-progress' || record.attemptId !== input.attemptId) return false;
    record.claimExpiresAtMs = 0;
    record.releasedAtMs = input.now ?? 0;
    if (input.error !== undefined) record.error = input.error;
    if (input.uncertainSinceMs !== undefined && record.uncertainSinceMs === undefined) record.uncertainSinceMs = input.uncertainSinceMs;
    return true;
  }

  async get(requestId: string): Promise<ShareRecord | undefined> {
    const record = this.records.get(requestId);
    return record === undefined ? undefined : { ...record };
  }

  /** Lookups through the `byShareId` index (the cancel path avoids them when it can). */
  lookups = 0;

  async findByShareId(shareId: ShareId): Promise<ShareRecord | undefined> {
    this.lookups += 1;
    const record = [...this.records.values()].find((r) => r.shareId === shareId);
    return record === undefined ? undefined : { ...record };
  }

  async *listCreated(): AsyncIterable<ShareRecord> {
    for (const r of this.records.values()) if (r.status === 'created') yield { ...r };
  }

  async *listAll(): AsyncIterable<ShareRecord> {
    for (const r of this.records.values()) yield { ...r };
  }

  async attachShareId(requestId: string, shareId: ShareId): Promise<boolean> {
    const record = this.records.get(requestId);
    if (record === undefined || record.shareId !== undefined) return false;
    record.shareId = shareId;
    return true;
  }

  /** As the DynamoDB store: by request id without a lookup (the record must not name another share), else by share id. */
  async markCancelled(input: MarkCancelledInput): Promise<ShareRecord | undefined> {
    let record: ShareRecord | undefined;
    if (input.requestId !== undefined) {
      record = this.records.get(input.requestId);
      if (record?.shareId !== undefined && input.shareId !== undefined && record.shareId !== input.shareId) return undefined;
    } else if (input.shareId !== undefined) {
      const found = await this.findByShareId(input.shareId);
      record = found && this.records.get(found.requestId);
    }
    if (record === undefined) return undefined;
    if (record.status === 'created') {
      Object.assign(record, { status: 'cancelled', cancelledAtMs: input.now, cancelReason: input.reason, cancelRunId: input.runId });
    }
    return { ...record };
  }

  private ours(requestId: string, attemptId: string): ShareRecord {
    const record = this.records.get(requestId);
    if (record === undefined || record.status !== 'in-progress' || record.attemptId !== attemptId) {
      throw new ClaimLostError(requestId, attemptId, record);
    }
    return record;
  }
}

export type CreateBehaviour = 'ok' | 'ok-without-id' | 'created-then-lost' | CreateFailureKind;

/** A TeraBox account in memory: shares newest first, creates scripted one by one. */
export class FakeTerabox implements TeraboxGateway {
  /** Newest first, as sharelist answers. */
  shares: Share[] = [];
  /** What each next create does; 'ok' once the script is used up. */
  script: CreateBehaviour[] = [];
  creates = 0;
  sharesRead = 0;
  failListing = false;
  cancelled: ShareId[] = [];
  cancelOutcomes = new Map<ShareId, CancelOutcome>();
  private seq = 1000;

  constructor(private readonly clock: Clock) {}

  async createShare(input: CreateShareInput): Promise<CreatedShare> {
    this.creates += 1;
    const behaviour = this.script.shift() ?? 'ok';
    if (behaviour !== 'ok' && behaviour !== 'ok-without-id' && behaviour !== 'created-then-lost') throw new FakeCreateError(behaviour);
    const share = this.add(input);
    if (behaviour === 'created-then-lost') throw new FakeCreateError('uncertain');
    return {
      ...(behaviour === 'ok' ? { shareId: share.shareId } : {}),
      shortUrl: share.shortUrl as string,
      link: share.link as string,
      period: input.period,
      ...(input.password !== undefined ? { password: input.password } : {}),
    };
  }

  /** Adds a share as TeraBox would list it. */
  add(input: CreateShareInput, createdAtMs = this.clock.now()): Share {
    const id = String(++this.seq);
    const share: Share = {
      shareId: id,
      shortUrl: `1short${id}`,
      link: `https://www.terabox.com/s/1short${id}`,
      fsIds: [...(input.fsIds ?? []), ...(input.paths ?? []).map((p) => `fs-of-${p}`)],
      paths: input.paths?.[0] !== undefined ? [input.paths[0]] : input.fsIds?.[0] !== undefined ? [`/path/of/${input.fsIds[0]}`] : [],
      createdAtMs,
      expiresAtMs: input.period === 0 ? null : createdAtMs + input.period * DAY,
      visibility: input.password !== undefined ? 'private' : 'public',
      raw: { passwd: input.password ?? '' },
    };
    this.shares.unshift(share);
    this.shares.sort((a, b) => (b.createdAtMs ?? 0) - (a.createdAtMs ?? 0));
    return share;
  }

  /** Lists oldest first instead (a server that ignores `order=ctime&desc=1`). */
  oldestFirst = false;
  /** Rewrites each listed short url (another spelling of the same code than the create answer's). */
  listShortUrlForm: ((code: string) => string) | undefined;

  /** One page: onPage says, as the client does, whether ctime never increased and every share had one. */
  async *paginateShares(options?: PaginateOptions): AsyncGenerator<Share, void, undefined> {
    if (this.failListing) throw new FakeCreateError('transient');
    const ordered = this.oldestFirst ? [...this.shares].reverse() : [...this.shares];
    const form = this.listShortUrlForm;
    const shares = form ? ordered.map((s) => ({ ...s, shortUrl: s.shortUrl === undefined ? undefined : form(s.shortUrl) })) : ordered;
    const orderProven = shares.every((s, i) => s.createdAtMs !== undefined && (i === 0 || s.createdAtMs <= (shares[i - 1]!.createdAtMs as number)));
    options?.onPage?.({ page: 1, count: shares.length, orderProven });
    for (const share of shares) {
      this.sharesRead += 1;
      yield share;
    }
  }

  async cancelShares(ids: ShareId[]): Promise<CancelOutcome[]> {
    return ids.map((shareId) => {
      const scripted = this.cancelOutcomes.get(shareId);
      if (scripted !== undefined) return scripted;
      const index = this.shares.findIndex((s) => s.shareId === shareId);
      if (index < 0) return { shareId, outcome: 'already-gone', errno: 105 };
      this.shares.splice(index, 1);
      this.cancelled.push(shareId);
      return { shareId, outcome: 'cancelled' };
    });
  }
}

export class FakeEvents implements EventPublisher {
  readonly published: ProductEvent[] = [];
  failNext = false;
  async publish(events: ProductEvent[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('EventBridge unavailable');
    }
    this.published.push(...events);
  }
  types(): string[] {
    return this.published.map((e) => e.detailType);
  }
}

export class FakeRuns implements Pick<RunStore, 'updateAuditOutcome' | 'updateAuditOutcomes'> {
  readonly outcomes = new Map<string, { outcome: AuditOutcome; error?: string }>();
  failFor = new Set<ShareId>();
  /** Calls made, by method. */
  readonly calls = { single: 0, batched: 0 };
  async updateAuditOutcome(runId: string, shareId: ShareId, outcome: AuditOutcome, _now: number, error?: string): Promise<void> {
    this.calls.single += 1;
    if (this.failFor.has(shareId)) throw new StoreError('throttled', { retryable: true });
    this.outcomes.set(`${runId}/${shareId}`, { outcome, ...(error !== undefined ? { error } : {}) });
  }
  /** As the DynamoDB store: writes what it can and names the shares it could not write. */
  async updateAuditOutcomes(runId: string, updates: readonly AuditOutcomeUpdate[], _now: number): Promise<void> {
    this.calls.batched += 1;
    const missing: ShareId[] = [];
    for (const u of updates) {
      if (this.failFor.has(u.shareId)) missing.push(u.shareId);
      else this.outcomes.set(`${runId}/${u.shareId}`, { outcome: u.outcome, ...(u.error !== undefined ? { error: u.error } : {}) });
    }
    if (missing.length > 0) throw new AuditOutcomesNotWrittenError(missing, `${missing.length} audit outcome(s) not written: throttled`, { retryable: true });
  }
}

/** The RunStore methods the cancel use case never calls. */
export function asRunStore(runs: FakeRuns): RunStore {
  const unused = (): never => {
    throw new Error('not used by the cancel use case');
  };
  return {
    updateAuditOutcome: runs.updateAuditOutcome.bind(runs),
    updateAuditOutcomes: runs.updateAuditOutcomes.bind(runs),
    newRunId: unused,
    startRun: unused,
    finishRun: unused,
    getRun: unused,
    listRuns: unused,
    putAuditEntries: unused,
    listAudit: (): AsyncIterable<AuditEntry> => unused(),
    getAuditEntries: unused,
    getApiShape: unused,
    putApiShape: unused,
  };
}
