/**
 * Cancels verified: a cancel TeraBox answered as done is proved only by the share's absence from
 * a later complete listing. Pure planning; the sweep reads and writes (lib/app/sweep/).
 *
 * Where "cancel answered done at T" lives: the sweep records in the inventory which run queued a
 * cancel of each share (`cancelRunId`, `cancelRequestedAtMs`, set after the batches were sent),
 * and cancel-shares writes TeraBox's answer into that run's audit entry (`outcome`,
 * `outcomeAtMs`). So shares the product did not create are verified too, and
 * cancel-shares needs no change.
 *
 * The next sweep whose listing is COMPLETE (a failed listing concludes nothing: the sweep fails
 * before this) looks, for every share it still lists that has a `cancelRunId`, at that entry:
 * - no answer yet (`enqueued`), or an answer given less than `settleMs` before this listing
 *   started: nothing is concluded (the cancel may still be under way); the share stays pending.
 * - `failed` or `skipped`: the cancel never claimed success; nothing to verify (pending cleared).
 * - `cancelled`, `unconfirmed` or `already-gone` (an answer that counts as done) and the share is
 *   still listed: a **miss**. `cancelMisses` + 1, and:
 *   - first miss: the share is cancelled again through the normal cancel path IF this run's
 *     engine decides `cancel` for it (so an exemption added since, a policy relaxed or disabled,
 *     a dry run or a tripped guardrail all win: the owner's intent is what the policies say
 *     now, and the retry counts against the guardrails like any cancel). Otherwise it is recorded
 *     as not retried, with why.
 *   - second miss: the product gives up (`cancelGaveUpAtMs`): it is never cancelled again by a
 *     sweep (a policy that still flags it gets the audit outcome `given-up`, no cancel), a
 *     `ShareCancelIneffective` event and the `CancelsGivenUp` metric ask a person to look.
 * Every miss is a `cancel-ineffective` audit entry of the run that found it and counts in the
 * `CancelsIneffective` metric. A share given up on stays so until it leaves the listing (it is
 * then forgotten with its inventory item after the gone retention).
 */
import type { Decision } from '../domain/decision';
import type { ShareId } from '../domain/share';
import type { AuditEntry, IneffectiveCancel, InventoryItem, InventoryLookup, RunMode } from './store-ports';
import { auditEntry, type ShareSubject } from './audit-entry';

/** Misses after which the product stops cancelling a share. */
export const MAX_CANCEL_MISSES = 2;
/** An answer younger than this when the listing started is not judged yet (TeraBox may lag). Default 10 min. */
export const DEFAULT_CANCEL_SETTLE_MS = 10 * 60_000;
/** Audit outcomes that say TeraBox answered the cancel as done. */
export const ANSWERED_DONE: ReadonlySet<string> = new Set(['cancelled', 'unconfirmed', 'already-gone']);

export interface VerificationCandidates {
  /** Listed shares with a cancel to judge: the (run, share) keys of their audit entries. */
  toCheck: { runId: string; shareId: ShareId }[];
  /** Listed shares the product gave up on earlier. */
  givenUp: ShareId[];
}

/** Adds a listed share (once) to the candidates when its earlier cancel can be judged, or when it was given up on earlier. */
export function addVerificationCandidate(out: VerificationCandidates, shareId: ShareId, prev: InventoryItem | undefined): void {
  if (prev?.cancelGaveUpAtMs !== undefined) out.givenUp.push(shareId);
  else if (prev?.cancelRunId !== undefined) out.toCheck.push({ runId: prev.cancelRunId, shareId });
}

export type Judgement =
  | { shareId: ShareId; cancelRunId: string; kind: 'pending' }
  | { shareId: ShareId; cancelRunId: string; kind: 'not-done'; answer: string }
  | { shareId: ShareId; cancelRunId: string; kind: 'miss'; answer: string; answeredAtMs?: number };

/** What each candidate's audit entry says (see the module comment). */
export function judgeAnswers(
  toCheck: VerificationCandidates['toCheck'],
  entries: readonly AuditEntry[],
  listingStartedAtMs: number,
  settleMs: number,
): Judgement[] {
  const byKey = new Map(entries.map((e) => [`${e.runId}\u0000${e.shareId}`, e] as const));
  return toCheck.map(({ runId, shareId }): Judgement => {
    const entry = byKey.get(`${runId}\u0000${shareId}`);
    const outcome = entry?.outcome;
    if (entry === undefined || outcome === undefined || outcome === 'enqueued') return { shareId, cancelRunId: runId, kind: 'pending' };
    if (!ANSWERED_DONE.has(outcome)) return { shareId, cancelRunId: runId, kind: 'not-done', answer: outcome };
    const at = entry.outcomeAtMs;
    // Without its time the answer cannot be placed before the listing: judged only once it is old.
    if (at === undefined ? entry.recordedAtMs + settleMs > listingStartedAtMs : at + settleMs > listingStartedAtMs) {
      return { shareId, cancelRunId: runId, kind: 'pending' };
    }
    return { shareId, cancelRunId: runId, kind: 'miss', answer: outcome, ...(at !== undefined ? { answeredAtMs: at } : {}) };
  });
}

/** The inventory fields of cancel verification to write for one share (undefined: remove). */
export type VerificationUpdate = Pick<InventoryItem, 'cancelRunId' | 'cancelRequestedAtMs' | 'cancelMisses' | 'cancelGaveUpAtMs'>;

export interface VerificationPlan {
  /** The engine's `toCancel` without the shares given up on (now or earlier). */
  toCancel: ShareId[];
  /** One per miss found by this run, for the run summary, the audit and the metrics. */
  ineffective: IneffectiveCancel[];
  /** Shares given up on earlier that a policy still wanted to cancel: held, outcome `given-up`. */
  heldGivenUp: ShareId[];
  /** Inventory fields to change, by share (judged shares only). */
  updates: Map<ShareId, VerificationUpdate>;
}

/** Why a first miss is not cancelled again in this run (undefined: it is). */
function notRetriedBecause(decision: Decision | undefined, toCancel: ReadonlySet<ShareId>, shareId: ShareId, mode: RunMode, guardrailTripped: boolean): string | undefined {
  if (toCancel.has(shareId)) return undefined;
  if (mode === 'dry-run') return 'a dry run cancels nothing';
  if (decision?.decision === 'cancel' && guardrailTripped) return 'held by the guardrail with the rest of the run';
  if (decision?.decision === 'exempt') return 'an exemption protects it now';
  if (decision === undefined || decision.decision === 'keep') return 'no enforce policy cancels it now';
  return `the policies decide ${decision.decision} for it now`;
}

/**
 * What this run does about the judged cancels and the shares given up on (see the module
 * comment). `decisions` are the engine's, by share id; `toCancel` the engine's.
 */
export function planVerification(input: {
  judgements: readonly Judgement[];
  givenUp: readonly ShareId[];
  previous: InventoryLookup;
  decisions: ReadonlyMap<ShareId, Decision>;
  toCancel: readonly ShareId[];
  mode: RunMode;
  guardrailTripped: boolean;
  now: number;
}): VerificationPlan {
  const engineCancels = new Set(input.toCancel);
  const drop = new Set<ShareId>();
  const ineffective: IneffectiveCancel[] = [];
  const updates = new Map<ShareId, VerificationUpdate>();
  for (const j of input.judgements) {
    if (j.kind === 'pending') continue;
    const prev = input.previous.get(j.shareId);
    const cleared: VerificationUpdate = { cancelRunId: undefined, cancelRequestedAtMs: undefined, cancelMisses: prev?.cancelMisses, cancelGaveUpAtMs: undefined };
    if (j.kind === 'not-done') {
      updates.set(j.shareId, cleared);
      continue;
    }
    const misses = (prev?.cancelMisses ?? 0) + 1;
    const base = { shareId: j.shareId, cancelRunId: j.cancelRunId, answer: j.answer, misses, ...(j.answeredAtMs !== undefined ? { answeredAtMs: j.answeredAtMs } : {}) };
    if (misses >= MAX_CANCEL_MISSES) {
      drop.add(j.shareId);
      updates.set(j.shareId, { ...cleared, cancelMisses: misses, cancelGaveUpAtMs: input.now });
      ineffective.push({ ...base, action: 'given-up', note: `${misses} cancels answered done did not take: left for a person` });
      continue;
    }
    updates.set(j.shareId, { ...cleared, cancelMisses: misses });
    const why = notRetriedBecause(input.decisions.get(j.shareId), engineCancels, j.shareId, input.mode, input.guardrailTripped);
    ineffective.push(why === undefined ? { ...base, action: 'retried' } : { ...base, action: 'not-retried', note: why });
  }
  const heldGivenUp = input.givenUp.filter((id) => engineCancels.has(id));
  for (const id of heldGivenUp) drop.add(id);
  return { toCancel: input.toCancel.filter((id) => !drop.has(id)), ineffective, heldGivenUp, updates };
}

/** The item with the verification fields of `update` applied (an undefined field is removed). */
export function withVerification(item: InventoryItem, update: VerificationUpdate | undefined): InventoryItem {
  if (update === undefined) return item;
  const next: InventoryItem = { ...item, ...update };
  for (const key of ['cancelRunId', 'cancelRequestedAtMs', 'cancelMisses', 'cancelGaveUpAtMs'] as const) {
    if (next[key] === undefined) delete next[key];
  }
  return next;
}

/** The reason line of a miss's audit entry. */
export function ineffectiveReason(c: IneffectiveCancel): string {
  const when = c.answeredAtMs !== undefined ? ` at ${new Date(c.answeredAtMs).toISOString()}` : '';
  const what =
    c.action === 'retried'
      ? 'cancelled again'
      : c.action === 'given-up'
        ? 'the product stops cancelling it: a person must look (ShareCancelIneffective)'
        : `not cancelled again: ${c.note ?? 'no policy cancels it now'}`;
  return `the cancel of run ${c.cancelRunId} was answered ${c.answer}${when}, yet a complete listing still shows the share (miss ${c.misses} of ${MAX_CANCEL_MISSES}): ${what}`;
}

/**
 * The run's audit entries with the verification's findings: each miss becomes (or adds) a
 * `cancel-ineffective` entry whose first reason says what happened; a share given up on gets the
 * outcome `given-up`. Entries are changed in place; missing ones are appended.
 */
export function applyVerificationToAudit(
  entries: Omit<AuditEntry, 'runId'>[],
  plan: VerificationPlan,
  subjects: ReadonlyMap<ShareId, ShareSubject>,
  now: number,
): void {
  const byShare = new Map(entries.map((e) => [e.shareId, e] as const));
  const entryOf = (shareId: ShareId): Omit<AuditEntry, 'runId'> => {
    let entry = byShare.get(shareId);
    if (entry === undefined) {
      entry = auditEntry(shareId, 'cancel-ineffective', { policyIds: [], reasons: [] }, subjects.get(shareId), now);
      entries.push(entry);
      byShare.set(shareId, entry);
    }
    return entry;
  };
  for (const c of plan.ineffective) {
    const entry = entryOf(c.shareId);
    entry.decision = 'cancel-ineffective';
    entry.reasons = [ineffectiveReason(c), ...entry.reasons];
    if (c.action === 'given-up') {
      entry.outcome = 'given-up';
      entry.error = c.note ?? 'left for a person';
    } else if (c.action === 'not-retried' && entry.outcome !== 'skipped') {
      entry.outcome = 'skipped';
      entry.error = c.note ?? 'not cancelled again';
    }
  }
  for (const shareId of plan.heldGivenUp) {
    const entry = entryOf(shareId);
    entry.outcome = 'given-up';
    entry.error = `not cancelled: two cancels answered done did not take earlier, and the product stopped cancelling this share (a person must look)`;
  }
}
