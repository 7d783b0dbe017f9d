/**
 * What a run records while its policies look at the shares: the findings per share, the planned
 * cancellations, the grace marks to write and the notices due. The engine (evaluate.ts) decides
 * which finding a policy has; this file turns it into text, counts and marks.
 */
import type { PolicyFinding, PolicySummary } from './decision';
import type { CompiledExemption } from './exemptions';
import { isFiniteNumber, type InventoryShare, type Tri } from './inventory';
import type { Policy } from './policy-types';
import type { CompiledScope } from './scope';

const HOUR_MS = 3_600_000;

/** A policy ready to run: its compiled parts and the summary the run fills in. */
export interface PolicyRun {
  readonly policy: Policy;
  readonly scope: CompiledScope;
  readonly exempt: CompiledExemption;
  /** Whether its rule judges by the age clock (see RuleKind.usesClock). */
  readonly usesClock: boolean;
  readonly summary: PolicySummary;
}

/** A grace mark or notice of a share, by its position in the inventory. */
export interface MarkRef {
  index: number;
  policyId: string;
}

export interface NoticeRef extends MarkRef {
  graceHours: number;
  reason: string;
}

function toIso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}


export class RunFindings {
  /** Per share (by inventory index): the findings of the policies that had something to say. */
  readonly byShare: (PolicyFinding[] | undefined)[];
  /** 1 for the shares a policy cancels. */
  readonly planned: Uint8Array;
  /** 1 for the shares an age or quota rule judged: their decision names the clock. */
  readonly usedClock: Uint8Array;
  readonly newMarks: MarkRef[] = [];
  readonly notices: NoticeRef[] = [];

  constructor(
    size: number,
    private readonly now: number,
    private readonly globalDryRun: boolean,
  ) {
    this.byShare = new Array<PolicyFinding[] | undefined>(size);
    this.planned = new Uint8Array(size);
    this.usedClock = new Uint8Array(size);
  }

  /** Keeps each share's findings in policy id order (quotas run after the per-share policies). */
  private add(share: InventoryShare, finding: PolicyFinding): void {
    const list = this.byShare[share.index];
    if (list === undefined) {
      this.byShare[share.index] = [finding];
      return;
    }
    let k = list.length;
    list.push(finding);
    for (; k > 0 && list[k - 1]!.policyId > finding.policyId; k -= 1) list[k] = list[k - 1]!;
    list[k] = finding;
  }

  /** A share the policy flags with certainty: mode and grace decide what happens. */
  flag(share: InventoryShare, c: PolicyRun, why: string): void {
    const { policy, summary } = c;
    const id = policy.policyId;
    summary.flagged += 1;
    if (policy.mode === 'dry-run') {
      summary.wouldCancel += 1;
      const grace = policy.graceHours > 0 ? `; a grace of ${policy.graceHours} h would apply` : '';
      this.add(share, { policyId: id, outcome: 'would-cancel', reason: `${why}${grace} (${id}, dry-run)` });
      return;
    }
    const cancelWhy = policy.graceHours > 0 ? this.graceOver(share, c, why) : why;
    if (cancelWhy === undefined) return;
    this.planned[share.index] = 1;
    summary.cancel += 1;
    this.add(share, { policyId: id, outcome: 'cancel', reason: `${cancelWhy} (${id})` });
  }

  /**
   * An enforce policy with a grace period flags the share: the reason to cancel it when its grace
   * is over, else undefined after recording it `marked` (a new mark, or one whose notice is
   * pending or whose grace is running). The grace counts from the mark's notice, not the mark.
   */
  private graceOver(share: InventoryShare, c: PolicyRun, why: string): string | undefined {
    const id = c.policy.policyId;
    const hours = c.policy.graceHours;
    const since = share.facts.violatingSince?.[id];
    const marked = (reason: string, graceEndsAt?: number): undefined => {
      this.add(share, graceEndsAt === undefined ? { policyId: id, outcome: 'marked', reason } : { policyId: id, outcome: 'marked', reason, graceEndsAt: toIso(graceEndsAt) });
      c.summary.marked += 1;
      return undefined;
    };
    if (!isFiniteNumber(since)) {
      // No (readable) mark yet: mark now; the grace starts when the mark's notice is sent.
      const verb = this.globalDryRun ? 'would be marked' : 'marked';
      this.newMarks.push({ index: share.index, policyId: id });
      this.notices.push({ index: share.index, policyId: id, graceHours: hours, reason: `${why} (${id})` });
      return marked(`${why}; ${verb} for cancellation, the grace of ${hours} h starts when its notice is sent (${id})`);
    }
    const noticed = share.facts.notifiedAt?.[id];
    // A notice counts only for the mark it was sent for; one older than the mark was sent for an
    // earlier mark of the same pair (since cleared) and starts nothing.
    if (!isFiniteNumber(noticed) || noticed < since) {
      // Marked, but the notice never went out (a failed publish, a run that stopped after the
      // mark): the grace has not started, however old the mark is. The notice is due again.
      this.notices.push({ index: share.index, policyId: id, graceHours: hours, reason: `${why} (${id})` });
      return marked(`${why}; marked for cancellation since ${toIso(since)}, notice not sent yet: the grace of ${hours} h starts when it is (${id})`);
    }
    const ends = noticed + hours * HOUR_MS;
    if (this.now < ends) {
      return marked(`${why}; marked for cancellation since ${toIso(since)}, notice sent ${toIso(noticed)}, grace ends ${toIso(ends)} (${id})`, ends);
    }
    return `${why}; grace of ${hours} h ended ${toIso(ends)}`;
  }

  /** A share the rule flags but an exemption protects. */
  exempted(share: InventoryShare, c: PolicyRun, why: string): void {
    const id = c.policy.policyId;
    c.summary.exempt += 1;
    this.add(share, { policyId: id, outcome: 'exempt', reason: `${why}, but ${c.exempt.explain(share)} (${id})` });
  }

  /** `why` says what the rule found (or why it could not judge); the doubts about scope and exemption are added. */
  unevaluable(share: InventoryShare, c: PolicyRun, why: string, scope: Tri, exempt: Tri): void {
    const id = c.policy.policyId;
    c.summary.unevaluable += 1;
    const scopeDoubt = scope === 'unknown' ? c.scope.explainUnknown(share) : '';
    const exemptDoubt = exempt === 'unknown' ? c.exempt.explain(share) : '';
    const doubt = scopeDoubt && exemptDoubt ? `${scopeDoubt}; ${exemptDoubt}` : scopeDoubt || exemptDoubt;
    const text = doubt === '' ? why : `${why}, but cannot tell whether the policy applies: ${doubt}`;
    this.add(share, { policyId: id, outcome: 'unevaluable', reason: `${text} (${id})` });
  }
}
