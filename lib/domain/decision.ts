/**
 * What the engine decides, per share and per run. Plain data: the sweep writes it to the audit
 * trail and the run summary as it is.
 */
import { lowerBoundByShareId, type AgeClock } from './inventory';
import type { GuardrailTrip } from './policy-errors';
import type { PolicyMode } from './policy-types';
import type { ShareId } from './share';

/**
 * One share's fate in a run, strongest first:
 * - `cancel`: an enforce policy flagged it with certainty (and its grace period, if any, is over);
 * - `keep` with a `marked` finding: an enforce policy with a grace period flagged it; it will be
 *   cancelled by a later run if it still breaks the policy when the grace ends. The grace starts
 *   when the mark's notice (`ShareMarkedForCancel`) has been published, not when the mark was
 *   written: a mark whose notice is still pending stays `keep` however old it is;
 * - `would-cancel`: only dry-run policies flagged it, or the run is a global dry run;
 * - `unevaluable`: a policy could not judge it (unknown paths, visibility or age); never cancelled
 *   on that policy's account;
 * - `exempt`: a policy would have flagged it but an exemption protects it;
 * - `keep`: nothing to do.
 */
export type DecisionKind = 'keep' | 'cancel' | 'would-cancel' | 'exempt' | 'unevaluable';

/** What one policy concluded about one share (only shares a policy has something to say about). */
export type FindingOutcome = 'cancel' | 'would-cancel' | 'marked' | 'exempt' | 'unevaluable';

export interface PolicyFinding {
  policyId: string;
  outcome: FindingOutcome;
  /** Human-readable, ends with the policy id: `created 41.2 days ago, limit 30 days (public-30d)`. */
  reason: string;
  /**
   * For `marked`: when the grace period ends (ISO 8601), its notice's time plus the policy's
   * grace. Absent while the notice has not been sent (a new mark, or one whose notice failed):
   * the grace has not started then.
   */
  graceEndsAt?: string;
}

export interface Decision {
  shareId: ShareId;
  decision: DecisionKind;
  /** Every policy with a finding for this share (flagged, exempted or could not judge), sorted. */
  policyIds: readonly string[];
  /** The findings' reasons, in policy id order. */
  reasons: readonly string[];
  findings: readonly PolicyFinding[];
  /** The age clock used, when an age or quota rule judged the share. */
  clock?: AgeClock;
  /** Set on `cancel` decisions when a guardrail tripped: planned, but not cancelled in this run. */
  heldByGuardrail?: boolean;
}

/**
 * A grace mark: policy id -> share id, stored by the inventory as `violatingSince` (and, once its
 * notice went out, `notifiedAt`).
 */
export interface GraceMark {
  shareId: ShareId;
  policyId: string;
}

/** A mark whose `ShareMarkedForCancel` notice is due: its grace starts when the notice is sent. */
export interface GraceNotice extends GraceMark {
  /** The policy's grace period; the notice says it ends at the notice's time plus this. */
  graceHours: number;
  /** What the share breaks, ending with the policy id: `created 41.2 days ago, limit 30 days (public-30d)`. */
  reason: string;
}

export interface PolicySummary {
  enabled: boolean;
  mode: PolicyMode;
  /** Shares certainly in the policy's scope. */
  inScope: number;
  /** Shares the policy flagged (cancel + wouldCancel + marked). */
  flagged: number;
  cancel: number;
  wouldCancel: number;
  marked: number;
  unevaluable: number;
  exempt: number;
  /** Planned cancellations of this policy were more than its `maxCancellationsPerRun`. */
  guardrailTripped: boolean;
}

export interface GuardrailReport {
  tripped: boolean;
  trips: GuardrailTrip[];
  /** Cancellations the run planned before the guardrails (and before a global dry run). */
  planned: number;
  maxCancellations: number;
  maxCancellationPercent: number;
}

export interface DecisionCounts {
  /** Distinct shares. */
  shares: number;
  keep: number;
  cancel: number;
  wouldCancel: number;
  exempt: number;
  unevaluable: number;
  /** `keep` decisions that carry a grace mark (new or pending). */
  marked: number;
}

export interface EvaluationResult {
  /**
   * One per share that some policy had something to say about (every decision but a plain
   * `keep`: flagged, marked, exempted, unevaluable), sorted by share id (numeric order). A share
   * of `shareIds` that is not here was kept with nothing to say; {@link decisionFor} answers for
   * any share. (An account of a million shares is mostly plain keeps: no object for each.)
   */
  decisions: Decision[];
  /** Every distinct share id evaluated, sorted by share id (numeric order). */
  shareIds: readonly ShareId[];
  /** Share ids to cancel now, sorted; empty when a guardrail tripped or in a global dry run. */
  toCancel: ShareId[];
  /** Share ids the run planned to cancel, sorted, whatever the guardrails and dry run said. */
  plannedCancels: ShareId[];
  /** Grace marks to write (`violatingSince[policyId] = now`); empty in a dry run or when a guardrail tripped. */
  newMarks: GraceMark[];
  /**
   * Marks whose notice is due, in share order: the new marks, and the marks already stored whose
   * notice was never sent (a failed publish, a run that stopped after writing them) while their
   * policy still flags the share. Empty in a dry run or when a guardrail tripped: such a run takes
   * no step toward a cancellation, and a notice starts a grace period.
   */
  noticesDue: GraceNotice[];
  /** Grace marks to remove: the share no longer (certainly) breaks that enforce policy; empty in a dry run. */
  clearedMarks: GraceMark[];
  guardrail: GuardrailReport;
  /** Every policy given (disabled ones included, with zero counts). */
  perPolicy: Record<string, PolicySummary>;
  counts: DecisionCounts;
  globalDryRun: boolean;
  now: number;
}

/** The decision of a share no policy had anything to say about (never listed in `decisions`). */
export function plainKeep(shareId: ShareId): Decision {
  return { shareId, decision: 'keep', policyIds: [], reasons: [], findings: [] };
}

/**
 * The decision about one share: its entry in `decisions`, else a plain `keep` when the run
 * evaluated the share, else undefined.
 */
export function decisionFor(result: Pick<EvaluationResult, 'decisions' | 'shareIds'>, shareId: ShareId): Decision | undefined {
  const { decisions, shareIds } = result;
  const k = lowerBoundByShareId(decisions, shareId, (d) => d.shareId);
  if (k < decisions.length && decisions[k]!.shareId === shareId) return decisions[k];
  const j = lowerBoundByShareId(shareIds, shareId, (id) => id);
  if (j < shareIds.length && shareIds[j] === shareId) return plainKeep(shareId);
  return undefined;
}
