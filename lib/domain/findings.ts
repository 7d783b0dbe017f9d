/**
 * What a run records while its policies look at the shares: the findings per share, the planned
 * cancellations, the grace marks to write and the notices due. The engine (evaluation-run.ts)
 * decides which verdict a policy has; this file turns it into an outcome, counts, marks and text.
 *
 * A finding is judged at once (its outcome, the counts, the marks and notices) and written out as
 * text either at once (per-share rules) or when its decision is asked for (set rules, which can
 * flag most of a large account: see SetRuleSelection).
 */
import type { FindingOutcome, PolicyFinding, PolicySummary } from './decision';
import type { CompiledExemption } from './exemptions';
import { isFiniteNumber, type Tri } from './inventory';
import type { Policy } from './policy-types';
import type { CompiledScope } from './scope';
import type { ShareFacts } from './share';
import { ByteColumn } from '../shared/columns';

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

/** A share's grace marks, as the inventory holds them. */
export type Marks = Pick<ShareFacts, 'violatingSince' | 'notifiedAt'>;

/** A grace mark or notice of a share, by its slot. */
export interface MarkRef {
  slot: number;
  policyId: string;
}

export interface NoticeRef extends MarkRef {
  graceHours: number;
  /** The reason, or how to build it (a set rule's findings are written out late). */
  reason: string | (() => string);
}

/** What a policy says of a share before mode, grace and exemption text are applied. */
export type Verdict = 'flag' | 'exempt' | 'unevaluable';

/** Where a mark's grace stands (see graceOf). */
type Grace =
  | { kind: 'new' }
  | { kind: 'pending'; since: number }
  | { kind: 'running'; since: number; noticed: number; ends: number }
  | { kind: 'over'; ends: number };

function toIso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/**
 * The grace of a mark counts from its notice, not from the mark. A notice counts only for the
 * mark it was sent for: one older than the mark was sent for an earlier mark of the same pair
 * (since cleared) and starts nothing.
 */
function graceOf(marks: Marks | undefined, policyId: string, hours: number, now: number): Grace {
  const since = marks?.violatingSince?.[policyId];
  if (!isFiniteNumber(since)) return { kind: 'new' };
  const noticed = marks?.notifiedAt?.[policyId];
  if (!isFiniteNumber(noticed) || noticed < since) return { kind: 'pending', since };
  const ends = noticed + hours * HOUR_MS;
  return now < ends ? { kind: 'running', since, noticed, ends } : { kind: 'over', ends };
}

export const OUTCOME_CODE: Record<FindingOutcome, number> = { exempt: 1, unevaluable: 2, 'would-cancel': 3, marked: 4, cancel: 5 };
export const OUTCOME_OF: readonly (FindingOutcome | undefined)[] = [undefined, 'exempt', 'unevaluable', 'would-cancel', 'marked', 'cancel'];

/** The facts a finding's text needs beyond the rule's own reason. */
export interface FindingContext {
  marks: Marks | undefined;
  scope: Tri;
  exempt: Tri;
  /** c.scope.explainUnknown / c.exempt.explain of the share, where the text needs them. */
  scopeWhy: string;
  exemptWhy: string;
}

export class RunFindings {
  /** Per slot: the findings written out so far (per-share rules), in policy id order. */
  private readonly written: (PolicyFinding[] | undefined)[] = [];
  /** Per slot: the strongest outcome so far (OUTCOME_CODE; 0: none). */
  readonly top = new ByteColumn();
  /** 1 for the shares a policy cancels. */
  readonly planned = new ByteColumn();
  /** 1 for the shares an age or quota rule judged: their decision names the clock. */
  readonly usedClock = new ByteColumn();
  readonly newMarks: MarkRef[] = [];
  readonly notices: NoticeRef[] = [];

  constructor(
    private readonly now: number,
    private readonly globalDryRun: boolean,
  ) {}

  /** The findings written out for a slot (undefined: none). */
  writtenAt(slot: number): readonly PolicyFinding[] | undefined {
    return this.written[slot];
  }

  /**
   * Judges one verdict: the outcome (mode, grace), the counts, the marks and notices.
   * `why` is the rule's reason, or how to build it when a notice needs it.
   */
  judge(slot: number, c: PolicyRun, verdict: Verdict, marks: Marks | undefined, why: string | (() => string)): FindingOutcome {
    const { summary } = c;
    let outcome: FindingOutcome;
    if (verdict === 'exempt') {
      summary.exempt += 1;
      outcome = 'exempt';
    } else if (verdict === 'unevaluable') {
      summary.unevaluable += 1;
      outcome = 'unevaluable';
    } else {
      summary.flagged += 1;
      outcome = this.flagOutcome(slot, c, marks, why);
    }
    if (outcome === 'cancel') {
      this.planned.set(slot, 1);
      summary.cancel += 1;
    } else if (outcome === 'would-cancel') summary.wouldCancel += 1;
    else if (outcome === 'marked') summary.marked += 1;
    if (OUTCOME_CODE[outcome] > this.top.get(slot)) this.top.set(slot, OUTCOME_CODE[outcome]);
    return outcome;
  }

  /** A flag's outcome: a dry-run policy would cancel; an enforce one cancels, unless its grace is not over. */
  private flagOutcome(slot: number, c: PolicyRun, marks: Marks | undefined, why: string | (() => string)): FindingOutcome {
    const { policy } = c;
    if (policy.mode === 'dry-run') return 'would-cancel';
    if (policy.graceHours <= 0) return 'cancel';
    const id = policy.policyId;
    const grace = graceOf(marks, id, policy.graceHours, this.now);
    if (grace.kind === 'over') return 'cancel';
    if (grace.kind === 'new') this.newMarks.push({ slot, policyId: id });
    // A new mark, or one whose notice never went out (a failed publish, a run that stopped after
    // the mark): the grace has not started, however old the mark is. The notice is due.
    if (grace.kind !== 'running') {
      const reason = typeof why === 'string' ? `${why} (${id})` : () => `${why()} (${id})`;
      this.notices.push({ slot, policyId: id, graceHours: policy.graceHours, reason });
    }
    return 'marked';
  }

  /** Records a finding written out (per-share rules), keeping the slot's findings in policy id order. */
  record(slot: number, finding: PolicyFinding): void {
    const list = this.written[slot];
    if (list === undefined) this.written[slot] = [finding];
    else insertByPolicy(list, finding);
  }

  /** The text of a judged finding. */
  write(c: PolicyRun, outcome: FindingOutcome, why: string, f: FindingContext): PolicyFinding {
    const id = c.policy.policyId;
    if (outcome === 'exempt') return { policyId: id, outcome, reason: `${why}, but ${f.exemptWhy} (${id})` };
    if (outcome === 'unevaluable') {
      const scopeDoubt = f.scope === 'unknown' ? f.scopeWhy : '';
      const exemptDoubt = f.exempt === 'unknown' ? f.exemptWhy : '';
      const doubt = scopeDoubt && exemptDoubt ? `${scopeDoubt}; ${exemptDoubt}` : scopeDoubt || exemptDoubt;
      const text = doubt === '' ? why : `${why}, but cannot tell whether the policy applies: ${doubt}`;
      return { policyId: id, outcome, reason: `${text} (${id})` };
    }
    if (outcome === 'would-cancel') {
      const grace = c.policy.graceHours > 0 ? `; a grace of ${c.policy.graceHours} h would apply` : '';
      return { policyId: id, outcome, reason: `${why}${grace} (${id}, dry-run)` };
    }
    return this.graceText(c, outcome, why, f.marks);
  }

  private graceText(c: PolicyRun, outcome: 'cancel' | 'marked', why: string, marks: Marks | undefined): PolicyFinding {
    const { policyId: id, graceHours: hours } = c.policy;
    if (hours <= 0) return { policyId: id, outcome, reason: `${why} (${id})` };
    const grace = graceOf(marks, id, hours, this.now);
    const finding = (text: string): PolicyFinding => ({ policyId: id, outcome, reason: `${why}; ${text} (${id})` });
    switch (grace.kind) {
      case 'over':
        return finding(`grace of ${hours} h ended ${toIso(grace.ends)}`);
      case 'new':
        return finding(`${this.globalDryRun ? 'would be marked' : 'marked'} for cancellation, the grace of ${hours} h starts when its notice is sent`);
      case 'pending':
        return finding(`marked for cancellation since ${toIso(grace.since)}, notice not sent yet: the grace of ${hours} h starts when it is`);
      case 'running': {
        const ends = toIso(grace.ends);
        return { ...finding(`marked for cancellation since ${toIso(grace.since)}, notice sent ${toIso(grace.noticed)}, grace ends ${ends}`), graceEndsAt: ends };
      }
    }
  }
}

/** Inserts a finding into a list kept in policy id order. */
export function insertByPolicy(list: PolicyFinding[], finding: PolicyFinding): void {
  let k = list.length;
  list.push(finding);
  for (; k > 0 && list[k - 1]!.policyId > finding.policyId; k -= 1) list[k] = list[k - 1]!;
  list[k] = finding;
}
