/**
 * The sweep's plan-building: pure functions from what the run read (the listing, the inventory,
 * the share records) and what the engine decided to what the run writes and sends (inventory
 * items, audit entries, cancel inputs, events, the summary's counts). No port, no clock: the run
 * (run.ts) passes `now` and performs the writes.
 */
import type { Decision, EvaluationResult, GraceNotice } from '../../domain/decision';
import type { Share, ShareFacts, ShareId } from '../../domain/share';
import { canonicalShortUrl } from '../../domain/short-url';
import type { CancelDecisionInput } from '../../contracts/cancel-batch';
import {
  shareCancelIneffectiveEvent,
  shareMarkedForCancelEvent,
  type GuardrailTrip as EventGuardrailTrip,
  type ProductEvent,
} from '../../contracts/events';
import { truncate } from '../../shared/text';
import { auditEntry, type RunAuditEntry, type ShareSubject } from '../audit-entry';
import { ineffectiveReason, withVerification, type VerificationPlan, type VerificationUpdate } from '../cancel-verification';
import type { IneffectiveCancel, InventoryItem, ShareRecord } from '../store-ports';
import { HOUR_MS, MAX_CANCEL_POLICIES, MAX_CANCEL_REASON, MAX_ERROR_TEXT, NO_RECORD_AGE_MS, type SweepResult } from './types';

/**
 * The share records, for matching listed shares: by share id (the older of two claiming one
 * share) and, for records created without one, by canonical short url (one record, one share).
 */
export class RecordIndex {
  private readonly byShareId = new Map<ShareId, ShareRecord>();
  private readonly byShortUrl = new Map<string, ShareRecord | null>(); // null: two records claim it

  constructor(records: readonly ShareRecord[]) {
    for (const r of records) {
      if (r.shareId !== undefined && r.shareId !== '') {
        const other = this.byShareId.get(r.shareId);
        if (!other || (r.createdAtMs ?? Infinity) < (other.createdAtMs ?? Infinity)) this.byShareId.set(r.shareId, r);
      } else {
        // Keyed in canonical form: a record may hold a full link or the code without its leading 1.
        const code = canonicalShortUrl(r.shortUrl);
        if (code !== undefined) this.byShortUrl.set(code, this.byShortUrl.has(code) ? null : r);
      }
    }
  }

  /** The record of a listed share; `attach` when it was found by short url (its share id is to be recorded). Each share once. */
  match(share: Pick<Share, 'shareId' | 'shortUrl'>): { record: ShareRecord; attach: boolean } | undefined {
    const record = this.byShareId.get(share.shareId);
    if (record !== undefined) return { record, attach: false };
    const code = canonicalShortUrl(share.shortUrl);
    const candidate = code !== undefined ? this.byShortUrl.get(code) : undefined;
    if (code === undefined || !candidate) return undefined;
    this.byShortUrl.delete(code);
    return { record: candidate, attach: true };
  }
}

/** A listed share's facts: its record, and its inventory history. */
export function joinShare(share: Share, prev: InventoryItem | undefined, record: ShareRecord | undefined, now: number): ShareFacts {
  return {
    share,
    requester: record?.requester,
    recordedCreatedAtMs: record?.createdAtMs,
    firstSeenAtMs: prev?.firstSeenAtMs ?? now,
    violatingSince: prev?.violatingSince,
    notifiedAt: prev?.notifiedAt,
  };
}

/** The share's subject for reports and audit entries. */
export function subjectOf(facts: ShareFacts): ShareSubject {
  const paths = Array.isArray(facts.share.paths) ? facts.share.paths.filter((p): p is string => typeof p === 'string') : [];
  const subject: ShareSubject = { paths };
  if (facts.share.shortUrl !== undefined) subject.shortUrl = facts.share.shortUrl;
  if (facts.requester !== undefined) subject.requester = facts.requester;
  return subject;
}

/** A listed share's sighting: marks and cancel bookkeeping carried unchanged, except what the verification changes. */
export function sightingOf(shareId: ShareId, prev: InventoryItem | undefined, update: VerificationUpdate | undefined, now: number): InventoryItem {
  const item: InventoryItem = { shareId, firstSeenAtMs: prev?.firstSeenAtMs ?? now, lastSeenAtMs: now };
  if (prev?.violatingSince !== undefined) item.violatingSince = prev.violatingSince;
  if (prev?.notifiedAt !== undefined) item.notifiedAt = prev.notifiedAt;
  if (prev?.cancelRunId !== undefined) item.cancelRunId = prev.cancelRunId;
  if (prev?.cancelRequestedAtMs !== undefined) item.cancelRequestedAtMs = prev.cancelRequestedAtMs;
  if (prev?.cancelMisses !== undefined) item.cancelMisses = prev.cancelMisses;
  if (prev?.cancelGaveUpAtMs !== undefined) item.cancelGaveUpAtMs = prev.cancelGaveUpAtMs;
  return withVerification(item, update);
}

/** What becomes of a stored share a complete listing no longer shows: its first miss, its expiry, or nothing yet. */
export function unlistedOf(prev: InventoryItem, now: number, retentionMs: number): { gone: InventoryItem } | { expired: ShareId } | undefined {
  if (prev.goneAtMs === undefined) return { gone: { ...prev, goneAtMs: now } };
  return now - prev.goneAtMs >= retentionMs ? { expired: prev.shareId } : undefined;
}

/** How the run treats cancels in its audit: `enqueued` when it enforces, `skipped` with why when the guardrail held them. */
export interface AuditTreatment {
  enforcing: boolean;
  heldBy: string | undefined;
}

export function auditTreatment(plan: Pick<EvaluationResult, 'toCancel' | 'guardrail'>): AuditTreatment {
  const g = plan.guardrail;
  return { enforcing: plan.toCancel.length > 0, heldBy: g.tripped ? `held by the guardrail: ${g.trips.map((t) => t.message).join('; ')}` : undefined };
}

/** A decision's audit entry; undefined for a plain keep (a keep with a grace mark is `marked`). */
export function auditEntryOfDecision(d: Decision, subject: ShareSubject | undefined, treatment: AuditTreatment, now: number): RunAuditEntry | undefined {
  const marked = d.decision === 'keep' && d.findings.some((f) => f.outcome === 'marked');
  if (d.decision === 'keep' && !marked) return undefined;
  const entry = auditEntry(d.shareId, marked ? 'marked' : d.decision, d, subject, now);
  if (d.decision === 'cancel' && treatment.enforcing) entry.outcome = 'enqueued';
  else if (d.decision === 'cancel' && treatment.heldBy !== undefined) {
    entry.outcome = 'skipped';
    entry.error = truncate(treatment.heldBy, MAX_ERROR_TEXT);
  }
  return entry;
}

/** The entries of cancels that could not be queued, rewritten as `skipped` with the reason. */
export function unsentAuditEntries(entries: readonly RunAuditEntry[], unsent: ReadonlySet<ShareId>, reason: string): RunAuditEntry[] {
  const error = truncate(reason, MAX_ERROR_TEXT);
  return entries.filter((e) => unsent.has(e.shareId)).map((e) => ({ ...e, outcome: 'skipped', error }));
}

/** What a cancel input reads of a share to cancel. */
export interface CancelFacts {
  decisionOf(shareId: ShareId): Decision | undefined;
  requestIdOf(shareId: ShareId): string | undefined;
  createdAtOf(shareId: ShareId): number | undefined;
}

/**
 * One cancel input per share to cancel: the policies and reasons that cancel it, and what
 * cancel-shares needs of its share record so that it need not look it up (see NO_RECORD_AGE_MS).
 */
export function cancelInputsOf(toCancel: readonly ShareId[], facts: CancelFacts, listingStartedAtMs: number): CancelDecisionInput[] {
  return toCancel.map((shareId) => {
    const findings = facts.decisionOf(shareId)?.findings.filter((f) => f.outcome === 'cancel') ?? [];
    const input: CancelDecisionInput = { shareId };
    const requestId = facts.requestIdOf(shareId);
    const createdAtMs = facts.createdAtOf(shareId);
    if (requestId !== undefined) input.requestId = requestId;
    else if (createdAtMs !== undefined && createdAtMs < listingStartedAtMs - NO_RECORD_AGE_MS) input.requestId = null;
    if (findings.length > 0) {
      input.reason = truncate(findings.map((f) => f.reason).join('; '), MAX_CANCEL_REASON);
      input.policyIds = findings.map((f) => f.policyId).slice(0, MAX_CANCEL_POLICIES);
    }
    return input;
  });
}

/** The guardrail's trips in the GuardrailTripped event's words (a percentage with two decimals). */
export function guardrailEventTrips(evaluation: Pick<EvaluationResult, 'counts' | 'guardrail'>): EventGuardrailTrip[] {
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

/** The subject and request fields every share event carries. */
function shareEventFields(subject: ShareSubject | undefined, requestId: string | undefined): { paths: readonly string[]; shortUrl?: string; requester?: string; requestId?: string } {
  return {
    paths: subject?.paths ?? [],
    ...(subject?.shortUrl !== undefined ? { shortUrl: subject.shortUrl } : {}),
    ...(subject?.requester !== undefined ? { requester: subject.requester } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
  };
}

/** One `ShareCancelIneffective` per share given up on in this run. */
export function givenUpEvents(
  ineffective: readonly IneffectiveCancel[],
  subjects: ReadonlyMap<ShareId, ShareSubject>,
  requestIds: { get(shareId: ShareId): string | undefined },
  runId: string,
  now: number,
): ProductEvent[] {
  return ineffective
    .filter((c) => c.action === 'given-up')
    .map((c) =>
      shareCancelIneffectiveEvent(
        {
          shareId: c.shareId,
          runId,
          cancelRunId: c.cancelRunId,
          answer: c.answer,
          misses: c.misses,
          reason: ineffectiveReason(c),
          ...shareEventFields(subjects.get(c.shareId), requestIds.get(c.shareId)),
        },
        now,
      ),
    );
}

/**
 * A grace notice's `ShareMarkedForCancel` of run `runId`: its grace ends `graceHours` after
 * `sentAt`. Throws when the event is invalid.
 */
export function graceNoticeEvent(
  notice: GraceNotice,
  subject: ShareSubject | undefined,
  requestId: string | undefined,
  sentAt: number,
  runId: string,
): ProductEvent {
  return shareMarkedForCancelEvent(
    {
      shareId: notice.shareId,
      policyId: notice.policyId,
      graceEndsAtMs: sentAt + notice.graceHours * HOUR_MS,
      reason: notice.reason,
      ...shareEventFields(subject, requestId),
      runId,
      graceHours: notice.graceHours,
    },
    sentAt,
  );
}

/** The run summary's counts (also what SweepCompleted carries). */
export function runCounts(result: SweepResult, verification: VerificationPlan | undefined): Record<string, number> {
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
    noticesAwaitingDelivery: result.awaitingDelivery.length,
    errors: result.errors.length,
    warnings: result.warnings.length,
    cancelsIneffective: verification?.ineffective.length ?? 0,
    cancelsGivenUp: verification?.ineffective.filter((c) => c.action === 'given-up').length ?? 0,
    missingShares: result.missingShares.length,
  };
  // Only when some were: a one-account deployment's summary stays as it was.
  if (result.scopedOut) Object.assign(counts, { policiesOtherAccounts: result.scopedOut.policies, exemptionsOtherAccounts: result.scopedOut.exemptions });
  const e = result.evaluation;
  if (e) {
    Object.assign(counts, {
      evaluated: e.counts.shares,
      keep: e.counts.keep,
      cancel: e.counts.cancel,
      'would-cancel': e.counts.wouldCancel,
      exempt: e.counts.exempt,
      unevaluable: e.counts.unevaluable,
      marked: e.counts.marked,
      planned: e.guardrail.planned,
      guardrailTripped: e.guardrail.tripped ? 1 : 0,
    });
  }
  return counts;
}
