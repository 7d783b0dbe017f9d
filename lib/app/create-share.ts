/**
 * Use case: turn one queued share request into exactly one TeraBox share.
 *
 * The steps, and why:
 * 1. A message that cannot be identified is handed back for retry (it ends in the DLQ intact); one
 *    that parses but is invalid is recorded as `rejected` and announced, never retried.
 * 2. The request id is claimed with a conditional write before TeraBox is called. A duplicate
 *    delivery finds the record: a created request answers with the stored share (and announces
 *    `ShareCreated` again: events are at-least-once, subscribers dedupe by `requestId`); a live
 *    claim elsewhere means "retry later"; a rejected or failed request is done.
 * 3. TeraBox's create is not idempotent, and an answer can be lost after the share was made
 *    (timeout, dropped connection, 5xx from a proxy). Such a create is never repeated blindly: the
 *    claim is released with the time the uncertain attempt started, and the next attempt first
 *    searches the account's shares (back to that time minus a slack, stopping early only where
 *    the list proved itself newest first) for one that matches the request, and adopts it. A
 *    claim taken over from a crashed invocation is treated the same way (that invocation may
 *    have created the share before it died).
 * 4. TeraBox refusals that no retry can fix (missing file, bad parameter, share limit) are
 *    recorded as `failed` and announced as `ShareRequestRejected`; transient and auth failures are
 *    handed back for retry with the claim released.
 *
 * Depends only on ports: the store, the TeraBox gateway, the event publisher, a clock, and a
 * classifier of create failures (the adapter knows its own errors; see functions/shared).
 */
import type { EventPublisher } from './messaging-ports';
import type { Clock, CreatedShare, TeraboxGateway } from './ports';
import { ClaimLostError, type ClaimAttempt, type ShareRecord, type ShareRecordStore } from './store-ports';
import type { Share } from '../domain/share';
import {
  BatchShareIdLookup,
  DEFAULT_SHARE_ID_LOOKUP_MAX_WAIT_MS,
  DEFAULT_SHARE_ID_LOOKUP_SHARES,
  findNewestByShortUrl,
  type ShareIdLookupAnswer,
  type ShareIdLookupTicket,
} from './share-id-lookup';
import { shareCreatedEvent, shareRequestRejectedEvent } from '../contracts/events';
import { toCreateShareInput, type ParseShareRequestResult, type ShareRequest } from '../contracts/share-request';

// ------------------------------------------------------------------ ports of this use case

/**
 * How a failed create is handled:
 * - `permanent`: TeraBox refused this request for good (missing file, bad parameter, limit) → failed;
 * - `transient`: TeraBox certainly did not create it (refused connection, transient errno) → retry;
 * - `uncertain`: the request may have reached TeraBox (timeout, dropped answer, 5xx, garbled
 *   answer) → retry after searching for the share first;
 * - `auth`: the session was rejected → retry (the gateway invalidates the credentials and counts it).
 */
export type CreateFailureKind = 'permanent' | 'transient' | 'uncertain' | 'auth';

export interface CreateFailure {
  kind: CreateFailureKind;
  /** A short, redacted reason (stored on the record and logged). */
  reason: string;
}

/** Minimal structured log the use case writes to (the Powertools Logger fits). */
export interface UseCaseLog {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface CreateShareSettings {
  /**
   * How long a claim lives before another invocation may take it over. Must exceed the function
   * timeout (2 min in infra), so that a live invocation never loses its claim. Default 5 min.
   */
  claimTtlMs: number;
  /** Reach of the search before the earliest uncertain attempt (clock skew between us and TeraBox). Default 5 min. */
  reconcileSlackMs: number;
  /** At most this many shares are read while searching; past it the attempt is retried later. Default 5,000. */
  reconcileMaxShares: number;
  /** When the create answer has no share id: how many of the newest shares to search for it by short url. Default 100 (one page). */
  shareIdLookupShares: number;
  /**
   * How long records of a batch that need a share id wait for the batch's other creates before
   * their shared list read starts anyway (see BatchShareIdLookup). Default 2 s: far above the
   * spread of a batch's create answers, far below the function timeout.
   */
  shareIdLookupMaxWaitMs: number;
}

export const DEFAULT_CREATE_SHARE_SETTINGS: CreateShareSettings = Object.freeze({
  claimTtlMs: 5 * 60_000,
  reconcileSlackMs: 5 * 60_000,
  reconcileMaxShares: 5_000,
  shareIdLookupShares: DEFAULT_SHARE_ID_LOOKUP_SHARES,
  shareIdLookupMaxWaitMs: DEFAULT_SHARE_ID_LOOKUP_MAX_WAIT_MS,
});

export interface CreateShareDeps {
  shareRecords: ShareRecordStore;
  terabox: TeraboxGateway;
  events: EventPublisher;
  clock: Clock;
  classifyFailure: (error: unknown) => CreateFailure;
  log?: UseCaseLog;
  settings?: Partial<CreateShareSettings>;
  /**
   * Shared by the records of one batch (one per invocation, see `BatchShareIdLookup`): creates
   * whose answer has no share id are looked up together in one `sharelist` read. Without it each
   * record reads the list on its own.
   */
  shareIdLookup?: BatchShareIdLookup;
}

// ------------------------------------------------------------------ outcomes

/**
 * What became of one message. `retry: true` outcomes must be reported as batch item failures
 * (SQS delivers the message again, then moves it to the DLQ); all others are done.
 */
export type CreateShareOutcome =
  /** A share exists for the request now: made by this attempt, or found after an uncertain one. */
  | { status: 'created'; retry: false; requestId: string; record: ShareRecord; reconciled: boolean }
  /** A duplicate delivery of a request that was already finished (created, cancelled, rejected, failed). */
  | { status: 'duplicate'; retry: false; requestId: string; record: ShareRecord }
  /** The message is invalid: recorded as rejected (or left alone when the id belongs to another request). */
  | { status: 'rejected'; retry: false; requestId: string; reasons: string[]; recorded: boolean }
  /** TeraBox refused the request for good: recorded as failed. */
  | { status: 'failed'; retry: false; requestId: string; reason: string; record: ShareRecord }
  /** Not done: retry later (transient failure, uncertain create, auth failure, claim held elsewhere). */
  | { status: 'retry'; retry: true; requestId: string; reason: string; kind: RetryKind }
  /** No usable request id: nothing can be recorded; the message goes back (and on to the DLQ). */
  | { status: 'unidentifiable'; retry: true; reasons: string[] };

export type RetryKind = CreateFailureKind | 'in-progress' | 'store' | 'claim-lost' | 'search';

// ------------------------------------------------------------------ the use case

/** Handles one parsed share-request message (see the module comment). Throws only on store or event-bus failures. */
export async function createShareFromRequest(deps: CreateShareDeps, parsed: ParseShareRequestResult): Promise<CreateShareOutcome> {
  if (!parsed.ok) {
    if (parsed.kind === 'unidentifiable' || parsed.requestId === undefined) return { status: 'unidentifiable', retry: true, reasons: parsed.errors };
    return rejectInvalid(deps, parsed.requestId, parsed.requester, parsed.errors);
  }
  // Joined before the first await: every record of a batch is counted before any create answers,
  // so the shared lookup waits for all of them (see BatchShareIdLookup).
  const lookup = deps.shareIdLookup?.join();
  try {
    return await new CreateShare(deps, parsed.request, lookup).run();
  } finally {
    lookup?.leave();
  }
}

async function rejectInvalid(deps: CreateShareDeps, requestId: string, requester: string | undefined, reasons: string[]): Promise<CreateShareOutcome> {
  const now = deps.clock.now();
  const result = await deps.shareRecords.reject({
    requestId,
    ...(requester !== undefined ? { requester } : {}),
    reason: reasons.join('; '),
    now,
  });
  if (result.kind === 'exists') {
    // The id belongs to a request in another state (created, in progress): an invalid message must
    // not overwrite it, nor announce a rejection its requester would take for their real request.
    deps.log?.warn('invalid message reuses the id of an existing request; left the record alone', {
      requestId,
      recordStatus: result.record.status,
      reasons,
    });
    return { status: 'rejected', retry: false, requestId, reasons, recorded: false };
  }
  await deps.events.publish([shareRequestRejectedEvent({ requestId, ...(requester !== undefined ? { requester } : {}), reasons }, now)]);
  return { status: 'rejected', retry: false, requestId, reasons, recorded: true };
}

type SearchResult = { kind: 'found'; share: Share; created: CreatedShare } | { kind: 'none' } | { kind: 'inconclusive'; reason: string };

/** One attempt at one valid request. */
class CreateShare {
  private readonly settings: CreateShareSettings;
  private readonly requestId: string;

  constructor(
    private readonly deps: CreateShareDeps,
    private readonly request: ShareRequest,
    private readonly lookup?: ShareIdLookupTicket,
  ) {
    this.settings = { ...DEFAULT_CREATE_SHARE_SETTINGS, ...deps.settings };
    this.requestId = request.requestId;
  }

  async run(): Promise<CreateShareOutcome> {
    const { shareRecords, clock } = this.deps;
    const claim = await shareRecords.claim({
      requestId: this.requestId,
      requester: this.request.requester,
      request: this.request,
      now: clock.now(),
      claimTtlMs: this.settings.claimTtlMs,
    });
    switch (claim.kind) {
      case 'completed':
        if (claim.record.status === 'created') await this.announceCreated(claim.record);
        return { status: 'duplicate', retry: false, requestId: this.requestId, record: claim.record };
      case 'rejected':
      case 'failed':
        // Announced again (at-least-once): the first announcement may have failed after the record was written.
        await this.announceRejected(claim.record.requester ?? this.request.requester, claim.record.error ?? `request was ${claim.record.status}`);
        return { status: 'duplicate', retry: false, requestId: this.requestId, record: claim.record };
      case 'in-progress':
        return this.retry('in-progress', `another invocation holds the claim until ${new Date(claim.record.claimExpiresAtMs ?? 0).toISOString()}`);
      case 'claimed':
        return this.withClaim(claim.attempt);
    }
  }

  private async withClaim(attempt: ClaimAttempt): Promise<CreateShareOutcome> {
    const since = earliest(attempt.uncertainSinceMs, attempt.takenOver ? attempt.previousClaimedAtMs : undefined);
    if (since !== undefined) {
      let found: SearchResult;
      try {
        found = await this.searchEarlierShare(since);
      } catch (error) {
        // The list could not be read: creating now could make a second share. Try again later.
        await this.release(attempt);
        return this.retry('search', `could not search for a share of an earlier uncertain attempt: ${this.deps.classifyFailure(error).reason}`);
      }
      if (found.kind === 'inconclusive') {
        await this.release(attempt);
        return this.retry('search', found.reason);
      }
      if (found.kind === 'found') {
        this.deps.log?.info('adopted the share an earlier uncertain attempt created', { requestId: this.requestId, shareId: found.share.shareId });
        return this.complete(attempt, found.created, true);
      }
    }

    const startedAtMs = this.deps.clock.now();
    let created: CreatedShare;
    try {
      created = await this.deps.terabox.createShare(toCreateShareInput(this.request));
    } catch (error) {
      return this.createFailed(attempt, error, startedAtMs);
    }
    if (created.shareId === undefined) created = await this.withShareIdLookedUp(created);
    return this.complete(attempt, created, false);
  }

  private async createFailed(attempt: ClaimAttempt, error: unknown, startedAtMs: number): Promise<CreateShareOutcome> {
    const failure = this.deps.classifyFailure(error);
    if (failure.kind === 'permanent') {
      const now = this.deps.clock.now();
      let record: ShareRecord;
      try {
        record = await this.deps.shareRecords.fail({ requestId: this.requestId, attemptId: attempt.attemptId, error: failure.reason, now });
      } catch (storeError) {
        if (storeError instanceof ClaimLostError) return this.retry('claim-lost', storeError.message);
        throw storeError;
      }
      await this.announceRejected(this.request.requester, failure.reason, now);
      return { status: 'failed', retry: false, requestId: this.requestId, reason: failure.reason, record };
    }
    await this.release(attempt, failure.kind === 'uncertain' ? startedAtMs : undefined, failure.reason);
    return this.retry(failure.kind, failure.reason);
  }

  private async complete(attempt: ClaimAttempt, share: CreatedShare, reconciled: boolean): Promise<CreateShareOutcome> {
    let record: ShareRecord;
    try {
      record = await this.deps.shareRecords.complete({ requestId: this.requestId, attemptId: attempt.attemptId, share, now: this.deps.clock.now() });
    } catch (error) {
      if (!(error instanceof ClaimLostError)) throw error;
      // Only possible when this attempt outlived its claim (claimTtlMs too short for the function
      // timeout). The attempt that took over searches from this one's start and adopts the share
      // when it is still unfinished; when the request was finished meanwhile, this share is extra.
      const current = error.current;
      const extra = current?.status === 'created' && current.shareId !== share.shareId && current.shortUrl !== share.shortUrl;
      this.deps.log?.error(extra ? 'made a second share for a request another attempt finished' : 'lost the claim before storing the share', {
        requestId: this.requestId,
        shareId: share.shareId,
        shortUrl: share.shortUrl,
        recordStatus: current?.status,
      });
      return this.retry('claim-lost', error.message);
    }
    await this.announceCreated(record);
    return { status: 'created', retry: false, requestId: this.requestId, record, reconciled };
  }

  /**
   * Searches the shares for one an earlier attempt made, back to `sinceMs - slack`. The list is
   * asked for newest first, and the search stops at the first share older than that boundary only
   * when the listing has proven that order so far (`onPage`'s orderProven): then nothing newer can
   * follow. Without the proof it reads on to the end of the list (or the cap): a search cut short
   * is "inconclusive" (retry later), never "none", since "none" leads to a second create.
   * A share is adopted only when it is not older than the boundary, matches the request exactly
   * (items, visibility, password, period) and no other request owns it.
   */
  private async searchEarlierShare(sinceMs: number): Promise<SearchResult> {
    const boundary = sinceMs - this.settings.reconcileSlackMs;
    const candidates: Share[] = [];
    let scanned = 0;
    let orderProven = false;
    // Complete when the list ended, or reached the boundary in proven order; not when the cap cut it short.
    let complete = true;
    const listing = this.deps.terabox.paginateShares({ pageSize: 100, onPage: (info) => (orderProven = info.orderProven === true) });
    for await (const share of listing) {
      const older = share.createdAtMs !== undefined && share.createdAtMs < boundary;
      if (older && orderProven) break;
      if (scanned >= this.settings.reconcileMaxShares) {
        complete = false;
        break;
      }
      scanned += 1;
      // A share without a creation time cannot be placed after the attempt: never adopted.
      if (share.createdAtMs !== undefined && !older && matchesRequest(share, this.request)) candidates.push(share);
    }
    // Oldest first: the share of the earliest uncertain attempt is the one to keep.
    candidates.sort((a, b) => (a.createdAtMs ?? 0) - (b.createdAtMs ?? 0));
    const owned: string[] = [];
    for (const share of candidates) {
      if (await this.ownedByAnotherRequest(share)) {
        owned.push(share.shareId);
        continue;
      }
      const others = candidates.filter((c) => c !== share && !owned.includes(c.shareId)).map((c) => c.shareId);
      if (others.length > 0) {
        // Several attempts each made one: keep the first, report the rest (never cancelled automatically).
        this.deps.log?.warn('several shares match the request; adopting the oldest', { requestId: this.requestId, adopted: share.shareId, others });
      }
      return { kind: 'found', share, created: toCreatedShare(share, this.request) };
    }
    if (!complete) {
      const why = orderProven ? 'without reaching the time of the earlier uncertain attempt' : 'without reaching the end of a list whose newest-first order is not proven';
      return { kind: 'inconclusive', reason: `searched ${scanned} shares ${why}` };
    }
    return { kind: 'none' };
  }

  private async ownedByAnotherRequest(share: Share): Promise<boolean> {
    try {
      const record = await this.deps.shareRecords.findByShareId(share.shareId);
      return record !== undefined && record.requestId !== this.requestId;
    } catch (error) {
      // Best effort: the index read is an extra guard against adopting another request's share.
      this.deps.log?.warn('could not check whether a matching share belongs to another request', {
        requestId: this.requestId,
        shareId: share.shareId,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return false;
    }
  }

  /**
   * The seed-shape create answer carries no share id: look for the new share by its short url
   * among the newest shares. Best effort: without it the record is stored without an id, and the
   * sweep attaches it later (it matches short urls too).
   *
   * Within a batch, the read is shared (`BatchShareIdLookup`); a share that read did not see (the
   * list lagging behind the create, or other invocations' shares pushing it past the page) is
   * looked up once more on its own. A failed shared read is not repeated per record.
   */
  private async withShareIdLookedUp(created: CreatedShare): Promise<CreatedShare> {
    let answer: ShareIdLookupAnswer | undefined = await this.lookup?.find(created.shortUrl);
    if (answer === undefined || answer.kind === 'not-found') {
      answer = await findNewestByShortUrl(this.deps.terabox, [created.shortUrl], this.settings.shareIdLookupShares)
        .then((found): ShareIdLookupAnswer => {
          const share = found.get(created.shortUrl);
          return share === undefined ? { kind: 'not-found' } : { kind: 'found', share };
        })
        .catch((error: unknown): ShareIdLookupAnswer => ({ kind: 'failed', error }));
    }
    if (answer.kind === 'found') {
      const { share } = answer;
      return { ...created, shareId: share.shareId, ...(created.createdAtMs === undefined && share.createdAtMs !== undefined ? { createdAtMs: share.createdAtMs } : {}) };
    }
    if (answer.kind === 'failed') {
      this.deps.log?.warn('could not look up the id of the new share; the sweep will attach it', {
        requestId: this.requestId,
        shortUrl: created.shortUrl,
        reason: this.deps.classifyFailure(answer.error).reason,
      });
    }
    return created;
  }

  private async release(attempt: ClaimAttempt, uncertainSinceMs?: number, error?: string): Promise<void> {
    try {
      await this.deps.shareRecords.releaseClaim({
        requestId: this.requestId,
        attemptId: attempt.attemptId,
        now: this.deps.clock.now(),
        ...(error !== undefined ? { error } : {}),
        ...(uncertainSinceMs !== undefined ? { uncertainSinceMs } : {}),
      });
    } catch (storeError) {
      // Not fatal: the claim expires after claimTtlMs, and the attempt that takes it over then
      // searches from this attempt's claim time (a takeover counts as uncertain).
      this.deps.log?.warn('could not release the claim; it will expire', {
        requestId: this.requestId,
        error: storeError instanceof Error ? `${storeError.name}: ${storeError.message}` : String(storeError),
      });
    }
  }

  private async announceCreated(record: ShareRecord): Promise<void> {
    if (record.shortUrl === undefined || record.link === undefined) return;
    const period = record.period ?? this.request.period;
    const start = record.teraboxCreatedAtMs ?? record.createdAtMs;
    const expiresAtMs = period === 0 || start === undefined ? null : start + period * 86_400_000;
    await this.deps.events.publish([
      shareCreatedEvent(
        {
          requestId: record.requestId,
          requester: record.requester ?? this.request.requester,
          ...(record.shareId !== undefined ? { shareId: record.shareId } : {}),
          shortUrl: record.shortUrl,
          link: record.link,
          period,
          expiresAtMs,
        },
        this.deps.clock.now(),
      ),
    ]);
  }

  private async announceRejected(requester: string, reason: string, at = this.deps.clock.now()): Promise<void> {
    await this.deps.events.publish([shareRequestRejectedEvent({ requestId: this.requestId, requester, reasons: [reason] }, at)]);
  }

  private retry(kind: RetryKind, reason: string): CreateShareOutcome {
    return { status: 'retry', retry: true, requestId: this.requestId, reason, kind };
  }
}

export { BatchShareIdLookup, type BatchShareIdLookupOptions, type ShareIdLookupAnswer, type ShareIdLookupTicket } from './share-id-lookup';
function earliest(...times: Array<number | undefined>): number | undefined {
  const defined = times.filter((t): t is number => t !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
}

const DAY_MS = 86_400_000;
// expiresAtMs comes from "seconds left" measured at the answer: allow for that and for clock skew,
// well below the 6 days that separate the nearest periods (1 and 7).
const PERIOD_TOLERANCE_MS = 12 * 3_600_000;
const PASSWORD_KEYS = ['passwd', 'pwd', 'password'] as const;

/**
 * Whether a listed share is what the request asked for. Only what the list says is compared, and
 * only positive evidence counts: the share's items must be exactly the requested ones as far as
 * the list shows them, and its visibility, password and period must not contradict the request.
 * TeraBox lists every fs id of a share (paths resolved to ids) but only one "typical" path.
 */
export function matchesRequest(share: Share, request: ShareRequest): boolean {
  if (share.shortUrl === undefined || share.link === undefined) return false;
  const ids = request.fsIds ?? [];
  const paths = request.paths ?? [];
  if (!matchesItems(share, ids, paths)) return false;
  const wantsPrivate = request.password !== undefined;
  if (share.visibility !== undefined && (share.visibility === 'private') !== wantsPrivate) return false;
  for (const key of PASSWORD_KEYS) {
    const value = share.raw[key];
    // Baidu writes "no password" as "0" (a real one has 4 characters).
    if (typeof value === 'string' && value !== '' && value !== '0' && value !== request.password) return false;
    if (value === '0' && wantsPrivate) return false;
  }
  if (!share.expired && share.expiresAtMs !== undefined) {
    if (share.expiresAtMs === null) return request.period === 0;
    if (request.period === 0) return false;
    if (share.createdAtMs !== undefined && Math.abs(share.expiresAtMs - share.createdAtMs - request.period * DAY_MS) > PERIOD_TOLERANCE_MS) return false;
  }
  return true;
}

function matchesItems(share: Share, ids: readonly string[], paths: readonly string[]): boolean {
  const listedIds = new Set(share.fsIds);
  if (ids.length > 0) {
    // Every requested id must be listed, and nothing beyond what the request can account for.
    if (!ids.every((id) => listedIds.has(id))) return false;
    return listedIds.size <= ids.length + paths.length && (paths.length > 0 || listedIds.size === ids.length);
  }
  // Paths only: the listed path(s) must be requested ones, and the item count must agree.
  if (share.paths.length === 0 || !share.paths.every((p) => paths.includes(p))) return false;
  return listedIds.size === 0 || listedIds.size === paths.length;
}

function toCreatedShare(share: Share, request: ShareRequest): CreatedShare {
  return {
    shareId: share.shareId,
    shortUrl: share.shortUrl as string,
    link: share.link as string,
    period: request.period,
    ...(request.password !== undefined ? { password: request.password } : {}),
    ...(share.createdAtMs !== undefined ? { createdAtMs: share.createdAtMs } : {}),
  };
}
