/**
 * The evaluation engine: shares x policies -> one decision per share, the cancellations to make,
 * the grace marks to write or clear, and the guardrail report. Pure and deterministic: no I/O, no
 * clock of its own (`now` comes in), and the same result whatever the order of the inputs.
 *
 * Per policy and share (policies in id order; quotas after the per-share rules, so that a quota
 * does not count shares another policy already cancels):
 * 1. out of scope (certainly) -> nothing;
 * 2. the rule certainly passes -> nothing (an undecided scope does not matter then);
 * 3. exempt (certainly) -> `exempt` finding if the rule flagged a share certainly in scope;
 * 4. scope, rule or exemption undecided -> `unevaluable` finding: never cancelled by this policy;
 * 5. otherwise flagged: `would-cancel` (dry-run policy), `marked` (enforce with a grace period
 *    not yet over) or `cancel`.
 *
 * Grace periods count from the mark's notice, not from the mark (findings.ts): a notice that was
 * lost delays a cancellation; it never lets one happen unannounced.
 *
 * Per share, the strongest finding wins: cancel > marked (decision `keep`) > would-cancel >
 * unevaluable > exempt > keep. So a share one policy flags with certainty is cancelled even if
 * another policy could not judge it (that policy neither protects nor condemns it), while an
 * exemption only shields a share from the policies it covers (a global exemption covers all).
 * A global dry run turns `cancel` into `would-cancel` and writes no marks and sends no notices.
 *
 * Shares whose id appears more than once are `unevaluable` and left out of every policy: the
 * listing is ambiguous and nothing is cancelled on the strength of it.
 */
import type { Decision, DecisionCounts, DecisionKind, EvaluationResult, FindingOutcome, GraceMark, PolicyFinding, PolicySummary } from './decision';
import { activeExemptions, compileExemption, compileGlobalExemptions } from './exemptions';
import { RunFindings, type PolicyRun } from './findings';
import { checkGuardrailLimits, checkGuardrails } from './guardrails';
import { prepareInventory, type Inventory, type InventoryShare } from './inventory';
import { EvaluationInputError, PolicyValidationError } from './policy-errors';
import type { Exemption, GuardrailLimits, Policy } from './policy-types';
import { kindOf } from './rules/registry';
import type { CompiledRule, SetRule, ShareRule } from './rules/rule-kind';
import { compileScope } from './scope';
import type { ShareFacts } from './share';
import { compareText } from '../shared/text';

export interface EvaluateInput {
  /** The whole inventory of one account, from a listing that finished. */
  shares: readonly ShareFacts[];
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

type CompiledPolicy = PolicyRun & { readonly rule: CompiledRule };

function rejectDuplicateIds(ids: readonly string[], what: 'policy' | 'exemption'): void {
  const sorted = [...ids].sort(compareText);
  for (let k = 1; k < sorted.length; k += 1) {
    if (sorted[k] === sorted[k - 1]) {
      const field = what === 'policy' ? 'policyId' : 'exemptionId';
      throw new PolicyValidationError(sorted[k], [`${what} "${sorted[k]}": ${field}: appears more than once`]);
    }
  }
}

/** The enabled policies, compiled, in policy id order. */
function compilePolicies(policies: readonly Policy[], perPolicy: Record<string, PolicySummary>, input: EvaluateInput): CompiledPolicy[] {
  const global = compileGlobalExemptions(activeExemptions(input.exemptions ?? [], input.now));
  return policies
    .filter((p) => p.enabled)
    .map((p) => {
      const kind = kindOf(p.rule);
      let rule: CompiledRule;
      try {
        rule = kind.compile(p.rule, input.now);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new PolicyValidationError(p.policyId, [`policy "${p.policyId}": rule: ${message}`], { cause: error });
      }
      const scope = compileScope(p.scope);
      const exempt = compileExemption(p.exempt, global);
      return { policy: p, scope, exempt, rule, usesClock: kind.usesClock, summary: perPolicy[p.policyId]! };
    });
}

/** One policy whose rule is decided share by share, on one share (never a duplicated id). */
function judgeShare(run: RunFindings, c: CompiledPolicy, rule: ShareRule, share: InventoryShare): void {
  const scope = c.scope.test(share);
  if (scope === 'no') return;
  if (scope === 'yes') c.summary.inScope += 1;
  const verdict = rule.test(share);
  if (verdict === 'no') return;
  if (c.usesClock) run.usedClock[share.index] = 1;
  const exempt = c.exempt.test(share);
  if (exempt === 'yes') {
    // Exempt: worth a finding only when the share certainly broke the rule.
    if (verdict === 'yes' && scope === 'yes') run.exempted(share, c, rule.explain(share));
  } else if (verdict === 'unknown') {
    // The rule itself cannot judge: its explanation is the whole story.
    run.unevaluable(share, c, rule.explain(share), 'yes', 'no');
  } else if (scope === 'unknown' || exempt === 'unknown') {
    run.unevaluable(share, c, rule.explain(share), scope, exempt);
  } else {
    run.flag(share, c, rule.explain(share));
  }
}

/** One policy whose rule is decided over the set (a quota), seeing what earlier policies cancel. */
function judgeSet(run: RunFindings, c: CompiledPolicy, rule: SetRule, inventory: Inventory): void {
  const inScope: InventoryShare[] = [];
  const undecided: InventoryShare[] = [];
  const shares = inventory.shares;
  for (let k = 0; k < shares.length; k += 1) {
    const share = shares[k]!;
    if (share.duplicates > 0 || run.planned[share.index] === 1) continue;
    const scope = c.scope.test(share);
    if (scope === 'yes') inScope.push(share);
    else if (scope === 'unknown') undecided.push(share);
  }
  const { outcomes, inScope: count } = rule.select({ inScope, undecided, exempt: (share) => c.exempt.test(share) });
  c.summary.inScope = count;
  // In share order, so that findings and marks do not depend on the rule's own order.
  outcomes.sort((a, b) => a.share.index - b.share.index);
  for (const { share, verdict, reason } of outcomes) {
    run.usedClock[share.index] = 1;
    if (verdict === 'break') run.flag(share, c, reason);
    else if (verdict === 'exempt') run.exempted(share, c, reason);
    else run.unevaluable(share, c, reason, c.scope.test(share), c.exempt.test(share));
  }
}

const STRENGTH: Record<FindingOutcome, number> = { exempt: 1, unevaluable: 2, 'would-cancel': 3, marked: 4, cancel: 5 };

/** The strongest finding wins: cancel > marked (decision `keep`) > would-cancel > unevaluable > exempt. */
function strongest(findings: readonly PolicyFinding[]): FindingOutcome {
  let best = findings[0]!.outcome;
  for (let k = 1; k < findings.length; k += 1) if (STRENGTH[findings[k]!.outcome] > STRENGTH[best]) best = findings[k]!.outcome;
  return best;
}

const COUNTED_AS = { keep: 'keep', cancel: 'cancel', 'would-cancel': 'wouldCancel', exempt: 'exempt', unevaluable: 'unevaluable' } as const satisfies Record<DecisionKind, keyof DecisionCounts>;

const policyIdOf = (f: PolicyFinding): string => f.policyId;
const reasonOf = (f: PolicyFinding): string => f.reason;

/**
 * A mark stays while its enforce policy still flags the share or cannot judge it; any other mark
 * goes (removing one only restarts a grace period later, it never hastens a cancel).
 */
function clearMarks(share: InventoryShare, findings: readonly PolicyFinding[] | undefined, enforcing: ReadonlySet<string>, out: GraceMark[]): void {
  const since: unknown = share.facts.violatingSince;
  if (typeof since !== 'object' || since === null) return;
  for (const policyId of Object.keys(since).sort(compareText)) {
    const f = enforcing.has(policyId) ? findings?.find((x) => x.policyId === policyId) : undefined;
    if (!(f !== undefined && (f.outcome === 'cancel' || f.outcome === 'marked' || f.outcome === 'unevaluable'))) out.push({ shareId: share.id, policyId });
  }
}

interface Decided {
  decisions: Decision[];
  shareIds: string[];
  plannedCancels: string[];
  clearedMarks: GraceMark[];
  counts: DecisionCounts;
}

/** One decision per distinct share that some policy had something to say about (plain keeps are only counted), and the distinct ids. */
function decideAll(inventory: Inventory, run: RunFindings, enforcing: ReadonlySet<string>, globalDryRun: boolean): Decided {
  const out: Decided = { decisions: [], shareIds: [], plannedCancels: [], clearedMarks: [], counts: { shares: inventory.distinct, keep: 0, cancel: 0, wouldCancel: 0, exempt: 0, unevaluable: 0, marked: 0 } };
  const shares = inventory.shares;
  for (let k = 0; k < shares.length; k += 1) {
    const share = shares[k]!;
    if (share.duplicates > 0) {
      if (share.index > 0 && shares[share.index - 1]!.id === share.id) continue;
      out.shareIds.push(share.id);
      const reason = `share id appears ${share.duplicates} times in the inventory, so the listing is ambiguous; not evaluated`;
      out.decisions.push({ shareId: share.id, decision: 'unevaluable', policyIds: [], reasons: [reason], findings: [] });
      out.counts.unevaluable += 1;
      continue;
    }
    out.shareIds.push(share.id);
    const findings = run.byShare[share.index];
    if (findings === undefined) {
      out.counts.keep += 1;
    } else {
      const top = strongest(findings);
      const kind: DecisionKind = top === 'cancel' ? (globalDryRun ? 'would-cancel' : 'cancel') : top === 'marked' ? 'keep' : top;
      const decision: Decision = { shareId: share.id, decision: kind, policyIds: findings.map(policyIdOf), reasons: findings.map(reasonOf), findings };
      if (run.usedClock[share.index] === 1 && share.clock) decision.clock = share.clock;
      if (top === 'cancel') out.plannedCancels.push(share.id);
      out.decisions.push(decision);
      out.counts[COUNTED_AS[kind]] += 1;
      if (top === 'marked') out.counts.marked += 1;
    }
    if (!globalDryRun) clearMarks(share, findings, enforcing, out.clearedMarks);
  }
  return out;
}

/**
 * Evaluates every share against every policy and plans the run. Throws only on input it must
 * not guess about (a non-finite `now`, unusable guardrail limits, duplicate policy or exemption ids,
 * an uncompilable pattern in a policy that skipped validation).
 */
export function evaluate(input: EvaluateInput): EvaluationResult {
  const { now } = input;
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new EvaluationInputError(`now must be a finite epoch ms (got ${String(now)})`);
  const limits = checkGuardrailLimits(input.guardrails);
  const globalDryRun = input.globalDryRun === true;
  rejectDuplicateIds(input.policies.map((p) => p.policyId), 'policy');
  rejectDuplicateIds((input.exemptions ?? []).map((e) => e.exemptionId), 'exemption');

  const policies = [...input.policies].sort((a, b) => compareText(a.policyId, b.policyId));
  const perPolicy: Record<string, PolicySummary> = {};
  for (const p of policies) {
    perPolicy[p.policyId] = { enabled: p.enabled, mode: p.mode, inScope: 0, flagged: 0, cancel: 0, wouldCancel: 0, marked: 0, unevaluable: 0, exempt: 0, guardrailTripped: false };
  }
  const compiled = compilePolicies(policies, perPolicy, input);
  const inventory = prepareInventory(input.shares, now);
  const run = new RunFindings(inventory.shares.length, now, globalDryRun);

  // Rules decided share by share first; then quotas, in id order, each seeing what is already cancelled.
  const perShare = compiled.filter((c): c is CompiledPolicy & { rule: ShareRule } => c.rule.mode === 'per-share');
  for (let s = 0; s < inventory.shares.length; s += 1) {
    const share = inventory.shares[s]!;
    if (share.duplicates > 0) continue;
    for (let k = 0; k < perShare.length; k += 1) judgeShare(run, perShare[k]!, perShare[k]!.rule, share);
  }
  for (const c of compiled) if (c.rule.mode === 'set') judgeSet(run, c, c.rule, inventory);

  const enforcing = new Set(compiled.filter((c) => c.policy.mode === 'enforce').map((c) => c.policy.policyId));
  const { decisions, shareIds, plannedCancels, clearedMarks, counts } = decideAll(inventory, run, enforcing, globalDryRun);

  // Guardrails, before any action.
  const trips = checkGuardrails({
    limits,
    inventorySize: inventory.distinct,
    planned: plannedCancels.length,
    perPolicy: compiled
      .filter((c) => c.policy.maxCancellationsPerRun !== undefined)
      .map((c) => ({ policyId: c.policy.policyId, limit: c.policy.maxCancellationsPerRun!, planned: c.summary.cancel })),
  });
  for (const t of trips) if (t.policyId !== undefined) perPolicy[t.policyId]!.guardrailTripped = true;
  const tripped = trips.length > 0;
  if (tripped) for (const d of decisions) if (d.decision === 'cancel') d.heldByGuardrail = true;

  // A tripped guardrail or a dry run takes no step toward a cancellation: no marks, no notices.
  const acting = !tripped && !globalDryRun;
  const ids = inventory.shares;
  const inOrder = <T extends { index: number; policyId: string }>(refs: T[]): T[] => refs.sort((a, b) => a.index - b.index || compareText(a.policyId, b.policyId));
  return {
    decisions,
    shareIds,
    toCancel: acting ? plannedCancels.slice() : [],
    plannedCancels,
    newMarks: acting ? inOrder(run.newMarks).map((m) => ({ shareId: ids[m.index]!.id, policyId: m.policyId })) : [],
    noticesDue: acting ? inOrder(run.notices).map((m) => ({ shareId: ids[m.index]!.id, policyId: m.policyId, graceHours: m.graceHours, reason: m.reason })) : [],
    clearedMarks,
    guardrail: { tripped, trips, planned: plannedCancels.length, maxCancellations: limits.maxCancellations, maxCancellationPercent: limits.maxCancellationPercent },
    perPolicy,
    counts,
    globalDryRun,
    now,
  };
}
