/**
 * The evaluation engine, one share at a time: `add` each share of a complete listing (in any
 * order), `finish` once, then ask for decisions. What it keeps of a share it was given is small:
 * its id, a few numbers, its findings if a per-share rule had something to say, and for the set
 * rules (quotas) the facts they rank by. A share nothing was found about costs a few bytes, so a
 * sweep of a million shares can stream its listing through the engine page by page.
 *
 * The rules of the evaluation are in evaluate.ts (which runs this over an array). In short:
 * per-share rules run as each share arrives; set rules run at `finish`, in policy id order, each
 * seeing what the per-share rules and earlier set rules cancel; then every share is decided (the
 * strongest finding wins), the guardrails are checked, and the plan is built in share id order.
 */
import type { Decision, DecisionCounts, DecisionKind, EvaluationResult, GraceMark, GraceNotice, PolicyFinding, PolicySummary } from './decision';
import { activeExemptions, compileExemption, compileGlobalExemptions, type CompiledExemption } from './exemptions';
import { insertByPolicy, OUTCOME_CODE, OUTCOME_OF, RunFindings, type Marks, type NoticeRef, type PolicyRun, type Verdict } from './findings';
import { checkGuardrailLimits, checkGuardrails } from './guardrails';
import { compareShareIds, inventoryShare, type AgeClock, type InventoryShare, type Tri } from './inventory';
import { EvaluationInputError, PolicyValidationError } from './policy-errors';
import type { Exemption, GuardrailLimits, Policy } from './policy-types';
import { kindOf } from './rules/registry';
import type { CompiledRule, SetRule, SetRuleSelection, SetVerdict, ShareRule } from './rules/rule-kind';
import { compileScope } from './scope';
import type { ShareFacts, ShareId } from './share';
import { ByteColumn, Float64Column, Int32Column } from '../shared/columns';
import { compareText } from '../shared/text';

export interface EvaluationSettings {
  /** Validated policies (see `validatePolicyItems`); disabled ones are reported and ignored. */
  policies: readonly Policy[];
  /** Validated global exemptions; expired ones are ignored. */
  exemptions?: readonly Exemption[];
  /** Epoch ms. */
  now: number;
  /** Defaults to DEFAULT_GUARDRAILS (500 cancellations, 20% of the inventory). */
  guardrails?: GuardrailLimits;
  /** Plan only: nothing to cancel, no marks written. */
  globalDryRun?: boolean;
}

/** The plan of a finished evaluation: everything but the decisions, which are built when asked for. */
export type EvaluationPlan = Omit<EvaluationResult, 'decisions' | 'shareIds'>;

type CompiledPolicy = PolicyRun & { readonly rule: CompiledRule };
type SetPolicy = CompiledPolicy & { readonly rule: SetRule };
type SharePolicy = CompiledPolicy & { readonly rule: ShareRule };

const TRI_CODE: Record<Tri, number> = { no: 0, yes: 1, unknown: 2 };
const TRI_OF: readonly Tri[] = ['no', 'yes', 'unknown'];
const CLOCK_CODE: Record<AgeClock, number> = { 'terabox-created': 1, 'product-created': 2, 'first-seen': 3 };
const CLOCK_OF: readonly (AgeClock | undefined)[] = [undefined, 'terabox-created', 'product-created', 'first-seen'];
const VERDICT_OF: Record<SetVerdict, Verdict> = { break: 'flag', exempt: 'exempt', unknown: 'unevaluable' };
/** The slot of a duplicated id (see addDuplicate). */
const DUPLICATE = 255;

/** What a set policy knows of each share: its scope and exemption (code 0: out of scope), and the texts of its doubts. */
class SetFacts {
  /** 0: out of scope; else 1 + 3 * (scope unknown ? 1 : 0) + exemption code. */
  readonly codes = new ByteColumn();
  readonly scopeWhy = new Map<number, string>();
  readonly exemptWhy = new Map<number, string>();
  selection: SetRuleSelection | undefined;
  /** Per slot: its outcome's index in the selection (-1: none), and the outcome code. */
  readonly outcomeAt = new Int32Column();
  readonly outcomeCode: number[] = [];

  constructor(readonly c: SetPolicy) {}

  scope(slot: number): Tri {
    const code = this.codes.get(slot);
    return code === 0 ? 'no' : code > 3 ? 'unknown' : 'yes';
  }

  exempt(slot: number): Tri {
    const code = this.codes.get(slot);
    return code === 0 ? 'no' : TRI_OF[(code - 1) % 3]!;
  }
}

function rejectDuplicateIds(ids: readonly string[], what: 'policy' | 'exemption'): void {
  const sorted = [...ids].sort(compareText);
  for (let k = 1; k < sorted.length; k += 1) {
    if (sorted[k] === sorted[k - 1]) {
      const field = what === 'policy' ? 'policyId' : 'exemptionId';
      throw new PolicyValidationError(sorted[k], [`${what} "${sorted[k]}": ${field}: appears more than once`]);
    }
  }
}

function emptySummary(p: Policy): PolicySummary {
  return { enabled: p.enabled, mode: p.mode, inScope: 0, flagged: 0, cancel: 0, wouldCancel: 0, marked: 0, unevaluable: 0, exempt: 0, guardrailTripped: false };
}

/** The enabled policies, compiled, in policy id order. */
function compilePolicies(policies: readonly Policy[], perPolicy: Record<string, PolicySummary>, settings: EvaluationSettings): CompiledPolicy[] {
  const global = compileGlobalExemptions(activeExemptions(settings.exemptions ?? [], settings.now));
  // One compiled exemption for the policies without their own, so that a share's is tested once (see keepForSets).
  const globalOnly = compileExemption(undefined, global);
  return policies
    .filter((p) => p.enabled)
    .map((p) => {
      const kind = kindOf(p.rule);
      let rule: CompiledRule;
      try {
        rule = kind.compile(p.rule, settings.now);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new PolicyValidationError(p.policyId, [`policy "${p.policyId}": rule: ${message}`], { cause: error });
      }
      return { policy: p, scope: compileScope(p.scope), exempt: p.exempt === undefined ? globalOnly : compileExemption(p.exempt, global), rule, usesClock: kind.usesClock, summary: perPolicy[p.policyId]! };
    });
}

/** The strongest finding wins: cancel > marked (decision `keep`) > would-cancel > unevaluable > exempt. */
function decisionKind(top: number, globalDryRun: boolean): DecisionKind {
  const outcome = OUTCOME_OF[top]!;
  if (outcome === 'cancel') return globalDryRun ? 'would-cancel' : 'cancel';
  return outcome === 'marked' ? 'keep' : outcome;
}

const COUNTED_AS = { keep: 'keep', cancel: 'cancel', 'would-cancel': 'wouldCancel', exempt: 'exempt', unevaluable: 'unevaluable' } as const satisfies Record<DecisionKind, keyof DecisionCounts>;

export class EvaluationRun {
  private readonly now: number;
  private readonly globalDryRun: boolean;
  private readonly limits: GuardrailLimits;
  private readonly perPolicy: Record<string, PolicySummary> = {};
  private readonly compiled: CompiledPolicy[];
  private readonly perShare: SharePolicy[];
  private readonly sets: SetFacts[];
  private readonly findings: RunFindings;
  private readonly ids: ShareId[] = [];
  private readonly clocks = new ByteColumn();
  private readonly clockMs = new Float64Column();
  private readonly requesters: (string | undefined)[] = [];
  private readonly marks = new Map<number, Marks>();
  private readonly duplicates = new Map<number, number>();
  private plan: EvaluationPlan | undefined;

  /** Throws on settings it must not guess about (a non-finite `now`, unusable guardrail limits, duplicate ids, an uncompilable pattern). */
  constructor(settings: EvaluationSettings) {
    const { now } = settings;
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new EvaluationInputError(`now must be a finite epoch ms (got ${String(now)})`);
    this.now = now;
    this.limits = checkGuardrailLimits(settings.guardrails);
    this.globalDryRun = settings.globalDryRun === true;
    rejectDuplicateIds(settings.policies.map((p) => p.policyId), 'policy');
    rejectDuplicateIds((settings.exemptions ?? []).map((e) => e.exemptionId), 'exemption');
    const policies = [...settings.policies].sort((a, b) => compareText(a.policyId, b.policyId));
    for (const p of policies) this.perPolicy[p.policyId] = emptySummary(p);
    this.compiled = compilePolicies(policies, this.perPolicy, settings);
    this.perShare = this.compiled.filter((c): c is SharePolicy => c.rule.mode === 'per-share');
    this.sets = this.compiled.filter((c): c is SetPolicy => c.rule.mode === 'set').map((c) => new SetFacts(c));
    this.findings = new RunFindings(now, this.globalDryRun);
  }

  /**
   * Evaluates one share against the per-share policies and keeps what the set policies need.
   * Ids must be distinct (a repeated id goes to `addDuplicate` instead); returns the share's slot.
   */
  add(facts: ShareFacts): number {
    this.assertOpen();
    const slot = this.ids.length;
    const share = inventoryShare(facts, slot);
    this.ids.push(share.id);
    if (share.clock !== undefined) this.clocks.set(slot, CLOCK_CODE[share.clock]);
    const marks = facts.violatingSince !== undefined ? { violatingSince: facts.violatingSince, notifiedAt: facts.notifiedAt } : undefined;
    if (marks) this.marks.set(slot, marks);
    for (const c of this.perShare) this.judgeShare(c, share, marks);
    if (this.sets.length > 0) this.keepForSets(share);
    return slot;
  }

  /** A share id that appears `count` times in the listing: unevaluable, left out of every policy. */
  addDuplicate(shareId: ShareId, count: number): number {
    this.assertOpen();
    const slot = this.ids.length;
    this.ids.push(shareId);
    this.duplicates.set(slot, count);
    this.findings.top.set(slot, DUPLICATE);
    return slot;
  }

  private assertOpen(): void {
    if (this.plan) throw new EvaluationInputError('the evaluation is finished: no more shares can be added');
  }

  /** One policy whose rule is decided share by share. */
  private judgeShare(c: SharePolicy, share: InventoryShare, marks: Marks | undefined): void {
    const scope = c.scope.test(share);
    if (scope === 'no') return;
    if (scope === 'yes') c.summary.inScope += 1;
    const rule = c.rule;
    const verdict = rule.test(share);
    if (verdict === 'no') return;
    if (c.usesClock) this.findings.usedClock.set(share.index, 1);
    let exempt = c.exempt.test(share);
    let judged: Verdict;
    let doubtScope = scope;
    if (exempt === 'yes') {
      // Exempt: worth a finding only when the share certainly broke the rule.
      if (verdict !== 'yes' || scope !== 'yes') return;
      judged = 'exempt';
    } else if (verdict === 'unknown') {
      // The rule itself cannot judge: its explanation is the whole story.
      judged = 'unevaluable';
      doubtScope = 'yes';
      exempt = 'no';
    } else {
      judged = scope === 'unknown' || exempt === 'unknown' ? 'unevaluable' : 'flag';
    }
    const why = rule.explain(share);
    const run = this.findings;
    const outcome = run.judge(share.index, c, judged, marks, why);
    // The text reads the exemption's explanation for `exempt`, the doubts' for `unevaluable`.
    const doubt = outcome === 'unevaluable';
    const scopeWhy = doubt && doubtScope === 'unknown' ? c.scope.explainUnknown(share) : '';
    const exemptWhy = outcome === 'exempt' || (doubt && exempt === 'unknown') ? c.exempt.explain(share) : '';
    run.record(share.index, run.write(c, outcome, why, { marks, scope: doubtScope, exempt, scopeWhy, exemptWhy }));
  }

  /** What the set policies read of a share, and the texts of their doubts (only when there are any). */
  private keepForSets(share: InventoryShare): void {
    const slot = share.index;
    this.clockMs.set(slot, share.clockMs ?? Number.NaN);
    if (share.requester !== undefined) this.requesters[slot] = share.requester;
    // Policies without exemptions of their own share one compiled exemption: tested (and explained) once.
    let tested: CompiledExemption | undefined;
    let exempt: Tri = 'no';
    let why = '';
    for (const s of this.sets) {
      const scope = s.c.scope.test(share);
      if (scope === 'no') continue;
      if (s.c.exempt !== tested) {
        tested = s.c.exempt;
        exempt = tested.test(share);
        why = exempt === 'no' ? '' : tested.explain(share);
      }
      s.codes.set(slot, 1 + (scope === 'unknown' ? 3 : 0) + TRI_CODE[exempt]);
      if (scope === 'unknown') s.scopeWhy.set(slot, s.c.scope.explainUnknown(share));
      if (exempt !== 'no') s.exemptWhy.set(slot, why);
    }
  }

  /** Runs the set policies, decides every share, checks the guardrails; returns the plan. */
  finish(): EvaluationPlan {
    if (this.plan) return this.plan;
    for (const s of this.sets) this.judgeSet(s);
    const counts: DecisionCounts = { shares: this.ids.length, keep: 0, cancel: 0, wouldCancel: 0, exempt: 0, unevaluable: 0, marked: 0 };
    const planned: ShareId[] = [];
    const top = this.findings.top;
    for (let slot = 0; slot < this.ids.length; slot += 1) {
      const code = top.get(slot);
      if (code === DUPLICATE) counts.unevaluable += 1;
      else if (code === 0) counts.keep += 1;
      else {
        counts[COUNTED_AS[decisionKind(code, this.globalDryRun)]] += 1;
        if (code === OUTCOME_CODE.marked) counts.marked += 1;
        if (code === OUTCOME_CODE.cancel) planned.push(this.ids[slot]!);
      }
    }
    planned.sort(compareShareIds);
    this.plan = this.planOf(planned, counts);
    return this.plan;
  }

  /** One set policy over the shares in its scope, without those already cancelled this run. */
  private judgeSet(s: SetFacts): void {
    const inScope: number[] = [];
    const undecided: number[] = [];
    const planned = this.findings.planned;
    for (let slot = 0; slot < this.ids.length; slot += 1) {
      const code = s.codes.get(slot);
      if (code === 0 || planned.get(slot) === 1 || this.duplicates.has(slot)) continue;
      (code > 3 ? undecided : inScope).push(slot);
    }
    const selection = s.c.rule.select({
      inScope,
      undecided,
      clocks: this.clockMs.view(),
      requester: (slot) => this.requesters[slot],
      compareIds: (a, b) => compareShareIds(this.ids[a]!, this.ids[b]!),
      exempt: (slot) => s.exempt(slot),
    });
    s.selection = selection;
    s.c.summary.inScope = selection.inScope;
    // Only an enforce policy with a grace period sends notices, whose text needs the reason.
    const notices = s.c.policy.mode === 'enforce' && s.c.policy.graceHours > 0;
    for (let k = 0; k < selection.slots.length; k += 1) {
      const slot = selection.slots[k]!;
      this.findings.usedClock.set(slot, 1);
      const outcome = this.findings.judge(slot, s.c, VERDICT_OF[selection.verdicts[k]!], this.marks.get(slot), notices ? () => selection.reason(k) : '');
      s.outcomeAt.set(slot, k);
      s.outcomeCode[k] = OUTCOME_CODE[outcome];
    }
  }

  private planOf(plannedCancels: ShareId[], counts: DecisionCounts): EvaluationPlan {
    const { limits, perPolicy, compiled } = this;
    const trips = checkGuardrails({
      limits,
      inventorySize: this.ids.length,
      planned: plannedCancels.length,
      perPolicy: compiled
        .filter((c) => c.policy.maxCancellationsPerRun !== undefined)
        .map((c) => ({ policyId: c.policy.policyId, limit: c.policy.maxCancellationsPerRun!, planned: c.summary.cancel })),
    });
    for (const t of trips) if (t.policyId !== undefined) perPolicy[t.policyId]!.guardrailTripped = true;
    const tripped = trips.length > 0;
    // A tripped guardrail or a dry run takes no step toward a cancellation: no marks, no notices.
    const acting = !tripped && !this.globalDryRun;
    return {
      toCancel: acting ? plannedCancels.slice() : [],
      plannedCancels,
      newMarks: acting ? this.inOrder(this.findings.newMarks).map((m) => ({ shareId: this.ids[m.slot]!, policyId: m.policyId })) : [],
      noticesDue: acting ? this.inOrder(this.findings.notices).map((n) => this.noticeOf(n)) : [],
      clearedMarks: this.globalDryRun ? [] : this.clearedMarks(),
      guardrail: { tripped, trips, planned: plannedCancels.length, maxCancellations: limits.maxCancellations, maxCancellationPercent: limits.maxCancellationPercent },
      perPolicy,
      counts,
      globalDryRun: this.globalDryRun,
      now: this.now,
    };
  }

  private noticeOf(n: NoticeRef): GraceNotice {
    return { shareId: this.ids[n.slot]!, policyId: n.policyId, graceHours: n.graceHours, reason: typeof n.reason === 'string' ? n.reason : n.reason() };
  }

  /** Refs in share id order, then policy id order. */
  private inOrder<T extends { slot: number; policyId: string }>(refs: T[]): T[] {
    return refs.sort((a, b) => compareShareIds(this.ids[a.slot]!, this.ids[b.slot]!) || compareText(a.policyId, b.policyId));
  }

  /**
   * A mark stays while its enforce policy still flags the share or cannot judge it; any other mark
   * goes (removing one only restarts a grace period later, it never hastens a cancel).
   */
  private clearedMarks(): GraceMark[] {
    const enforcing = new Set(this.compiled.filter((c) => c.policy.mode === 'enforce').map((c) => c.policy.policyId));
    const out: { slot: number; policyId: string }[] = [];
    for (const [slot, marks] of this.marks) {
      const since: unknown = marks.violatingSince;
      if (typeof since !== 'object' || since === null || this.duplicates.has(slot)) continue;
      for (const policyId of Object.keys(since)) {
        const outcome = enforcing.has(policyId) ? this.outcomeOf(slot, policyId) : undefined;
        if (!(outcome === 'cancel' || outcome === 'marked' || outcome === 'unevaluable')) out.push({ slot, policyId });
      }
    }
    return this.inOrder(out).map((m) => ({ shareId: this.ids[m.slot]!, policyId: m.policyId }));
  }

  /** What one policy concluded about a slot (undefined: nothing). */
  private outcomeOf(slot: number, policyId: string): PolicyFinding['outcome'] | undefined {
    const written = this.findings.writtenAt(slot)?.find((f) => f.policyId === policyId);
    if (written) return written.outcome;
    const s = this.sets.find((x) => x.c.policy.policyId === policyId);
    const k = s ? s.outcomeAt.get(slot) : -1;
    return k >= 0 ? OUTCOME_OF[s!.outcomeCode[k]!] : undefined;
  }

  /** Whether some policy had something to say about the slot (its decision is more than a plain keep). */
  hasDecision(slot: number): boolean {
    return this.findings.top.get(slot) !== 0;
  }

  /** The decision about one slot after `finish`; undefined for a plain keep. */
  decisionOf(slot: number): Decision | undefined {
    const plan = this.finish();
    const code = this.findings.top.get(slot);
    if (code === 0 || slot >= this.ids.length) return undefined;
    const shareId = this.ids[slot]!;
    const dup = this.duplicates.get(slot);
    if (dup !== undefined) {
      const reason = `share id appears ${dup} times in the inventory, so the listing is ambiguous; not evaluated`;
      return { shareId, decision: 'unevaluable', policyIds: [], reasons: [reason], findings: [] };
    }
    const findings = [...(this.findings.writtenAt(slot) ?? [])];
    for (const s of this.sets) {
      const k = s.outcomeAt.get(slot);
      if (k < 0) continue;
      const outcome = OUTCOME_OF[s.outcomeCode[k]!]!;
      const context = { marks: this.marks.get(slot), scope: s.scope(slot), exempt: s.exempt(slot), scopeWhy: s.scopeWhy.get(slot) ?? '', exemptWhy: s.exemptWhy.get(slot) ?? '' };
      insertByPolicy(findings, this.findings.write(s.c, outcome, s.selection!.reason(k), context));
    }
    const kind = decisionKind(code, this.globalDryRun);
    const decision: Decision = { shareId, decision: kind, policyIds: findings.map((f) => f.policyId), reasons: findings.map((f) => f.reason), findings };
    const clock = CLOCK_OF[this.clocks.get(slot)];
    if (this.findings.usedClock.get(slot) === 1 && clock) decision.clock = clock;
    if (kind === 'cancel' && plan.guardrail.tripped) decision.heldByGuardrail = true;
    return decision;
  }

  /** Every share id added, in share id order. */
  sortedIds(): ShareId[] {
    return [...this.ids].sort(compareShareIds);
  }

  /** The slots with a decision, in share id order. */
  decidedSlots(): number[] {
    const slots: number[] = [];
    for (let slot = 0; slot < this.ids.length; slot += 1) if (this.findings.top.get(slot) !== 0) slots.push(slot);
    return slots.sort((a, b) => compareShareIds(this.ids[a]!, this.ids[b]!));
  }
}
