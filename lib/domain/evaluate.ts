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
 * Grace periods count from the mark's notice, not from the mark: a share is first marked (a new
 * mark, and a notice due), stays `marked` while the notice is pending (no grace end yet; the
 * notice is due again each run), and is cancelled only once `now >= notifiedAt + graceHours`.
 * So a notice that was lost delays a cancellation; it never lets one happen unannounced.
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
import type {
  Decision,
  DecisionCounts,
  DecisionKind,
  EvaluationResult,
  GraceMark,
  GraceNotice,
  PolicyFinding,
  PolicySummary,
} from './decision';
import { activeExemptions, compileExemption, resolveGlobalExemptions, type CompiledExemption } from './exemptions';
import { checkGuardrailLimits, checkGuardrails } from './guardrails';
import { TRI, AGE_CLOCKS, prepareInventory, type PreparedInventory, type Tri } from './inventory';
import { EvaluationInputError, PolicyValidationError } from './policy-errors';
import type { Exemption, GuardrailLimits, Policy } from './policy-types';
import { compileRule } from './rules/registry';
import type { CompiledRule, SetRuleContext, ShareRule } from './rules/rule-kind';
import { compileScope, type CompiledScope } from './scope';
import type { ShareFacts } from './share';

const { NO, YES, UNKNOWN } = TRI;

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

interface CompiledPolicy {
  policy: Policy;
  scope: CompiledScope;
  exempt: CompiledExemption;
  rule: CompiledRule;
  usesClock: boolean;
  summary: PolicySummary;
  /** `[policyId]`, shared by every decision this policy alone has a finding for. */
  ids: readonly string[];
  /**
   * The rule's explanations repeat (see ShareRule.explanationsRepeat), so findings are built once
   * per explanation and shared, like those whose reason does not depend on the share at all.
   */
  repeats: boolean;
  /** Shared `unevaluable` findings: by explanation, then by the doubt about scope or exemption. */
  memo: Map<string, Map<string, SharedFinding>>;
  /** Shared `cancel` / `would-cancel` findings (no grace period involved), by explanation. */
  flagMemo: Map<string, SharedFinding>;
  /**
   * Shared `marked` findings: by explanation, then by the mark's state (`new`; the mark's time
   * while its notice is pending; the mark's and the notice's times once it was sent).
   */
  markMemo: Map<string, Map<string, SharedFinding>>;
  /** Doubts about both scope and exemption, joined once: by the scope's doubt, then the exemption's. */
  doubts: Map<string, Map<string, string>>;
}

/** A finding shared by many shares, with the one-element arrays a decision needs. */
interface SharedFinding {
  finding: PolicyFinding;
  findings: readonly PolicyFinding[];
  reasons: readonly string[];
}

/** Per share: nothing, one finding (the common case, no array), or several. */
type FindingSlot = PolicyFinding | PolicyFinding[] | undefined;

const HOUR_MS = 3_600_000;
/** Shares per block of the per-share rules (see step 1 of evaluate). */
const BLOCK = 512;
const EMPTY: readonly never[] = Object.freeze([]);

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Insertion sort by policy id: a share has a handful of findings, mostly in order already, and
 * Array.prototype.sort allocates a work array per call (a hundred thousand calls add up).
 */
function sortByPolicyId(list: PolicyFinding[]): void {
  for (let k = 1; k < list.length; k += 1) {
    const f = list[k]!;
    let j = k - 1;
    while (j >= 0 && list[j]!.policyId > f.policyId) {
      list[j + 1] = list[j]!;
      j -= 1;
    }
    list[j + 1] = f;
  }
}

function toIso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/**
 * ISO 8601 for the grace dates of one run. Formatting a date costs over a microsecond and a run
 * formats one or two per marked share, from a handful of distinct values (now + each policy's
 * grace, and the mark times of earlier runs), so each value is formatted once.
 */
function isoCache(): (ms: number) => string {
  const seen = new Map<number, string>();
  return (ms) => {
    let text = seen.get(ms);
    if (text === undefined) {
      text = toIso(ms);
      if (seen.size < 100_000) seen.set(ms, text);
    }
    return text;
  };
}

function emptySummary(policy: Policy): PolicySummary {
  return {
    enabled: policy.enabled,
    mode: policy.mode,
    inScope: 0,
    flagged: 0,
    cancel: 0,
    wouldCancel: 0,
    marked: 0,
    unevaluable: 0,
    exempt: 0,
    guardrailTripped: false,
  };
}

function rejectDuplicateIds(ids: readonly string[], what: 'policy' | 'exemption'): void {
  const sorted = [...ids].sort(byString);
  for (let k = 1; k < sorted.length; k += 1) {
    if (sorted[k] === sorted[k - 1]) {
      const field = what === 'policy' ? 'policyId' : 'exemptionId';
      throw new PolicyValidationError(sorted[k], [`${what} "${sorted[k]}": ${field}: appears more than once`]);
    }
  }
}

/** Share indices newest first (ties: higher share id first); every index must have a clock. */
function rankNewestFirst(inv: PreparedInventory, indices: number[]): number[] {
  const { clockMs } = inv;
  // From the highest index down: when ids grow with time (TeraBox's do) this is nearly sorted,
  // and V8's TimSort on a plain array is near-linear on that (its typed-array sort is not).
  const ranked = indices.slice().reverse();
  ranked.sort((a, b) => clockMs[b]! - clockMs[a]! || b - a);
  return ranked;
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

  const inv = prepareInventory(input.shares, now);
  const n = inv.size;
  const { facts, ids, duplicateCount } = inv;
  const { global, resolve: resolveGlobal } = resolveGlobalExemptions(activeExemptions(input.exemptions ?? [], now), inv);

  const policies = [...input.policies].sort((a, b) => byString(a.policyId, b.policyId));
  const perPolicy: Record<string, PolicySummary> = {};
  for (const p of policies) perPolicy[p.policyId] = emptySummary(p);

  const compiled: CompiledPolicy[] = [];
  for (const p of policies) {
    if (!p.enabled) continue;
    let rule: CompiledRule;
    try {
      rule = compileRule(p.rule, inv);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new PolicyValidationError(p.policyId, [`policy "${p.policyId}": rule: ${message}`], { cause: error });
    }
    compiled.push({
      policy: p,
      scope: compileScope(p.scope, inv),
      exempt: compileExemption(p.exempt, global, inv),
      rule,
      usesClock: p.rule.type !== 'name',
      summary: perPolicy[p.policyId]!,
      ids: Object.freeze([p.policyId]),
      repeats: rule.mode === 'per-share' && rule.explanationsRepeat,
      memo: new Map(),
      flagMemo: new Map(),
      markMemo: new Map(),
      doubts: new Map(),
    });
  }

  // Allocation matters here: over a million shares the garbage collector is the largest cost,
  // so findings whose reason does not depend on the share are built once per policy and shared.
  const findings = new Array<FindingSlot>(n);
  const sharedArrays = new Map<PolicyFinding, SharedFinding>();
  const planned = new Uint8Array(n);
  const usedClock = new Uint8Array(n);
  const newMarkRefs: { index: number; policyId: string }[] = [];
  const noticeRefs: { index: number; policyId: string; graceHours: number; reason: string }[] = [];

  const iso = isoCache();

  const add = (i: number, finding: PolicyFinding): void => {
    const slot = findings[i];
    if (slot === undefined) findings[i] = finding;
    else if (Array.isArray(slot)) slot.push(finding);
    else findings[i] = [slot, finding];
  };

  /**
   * `scope; exemption` as one string, built once per pair: a run joins the same few doubts for
   * tens of thousands of shares (paths unknown), and a string built anew must be copied flat
   * before it can serve as a key.
   */
  const bothDoubts = (c: CompiledPolicy, scopeDoubt: string, exemptDoubt: string): string => {
    let byExempt = c.doubts.get(scopeDoubt);
    if (!byExempt) c.doubts.set(scopeDoubt, (byExempt = new Map()));
    let text = byExempt.get(exemptDoubt);
    if (text === undefined) {
      text = `${scopeDoubt}; ${exemptDoubt}`;
      if (byExempt.size < 1_000) byExempt.set(exemptDoubt, text);
    }
    return text;
  };

  /** A frozen finding to share between decisions, with the one-element arrays a decision needs. */
  const share = (policyId: string, outcome: PolicyFinding['outcome'], reason: string, graceEndsAt?: string): SharedFinding => {
    const finding: PolicyFinding = Object.freeze(graceEndsAt === undefined ? { policyId, outcome, reason } : { policyId, outcome, reason, graceEndsAt });
    const entry = { finding, findings: Object.freeze([finding]), reasons: Object.freeze([reason]) };
    sharedArrays.set(finding, entry);
    return entry;
  };

  /**
   * A `cancel` or `would-cancel` finding: shared by explanation when the rule's explanations
   * repeat (the outcome is the policy's, one per policy), else built for the share.
   */
  const flagged = (c: CompiledPolicy, why: string, outcome: 'cancel' | 'would-cancel', text: () => string): PolicyFinding => {
    const id = c.policy.policyId;
    if (!c.repeats) return { policyId: id, outcome, reason: text() };
    let entry = c.flagMemo.get(why);
    if (!entry) c.flagMemo.set(why, (entry = share(id, outcome, text())));
    return entry.finding;
  };

  /**
   * A `marked` finding: shared by explanation and mark state (see CompiledPolicy.markMemo) when
   * the rule's explanations repeat, else built for the share. `ends` is undefined while the
   * mark's notice has not been sent: its grace has not started.
   */
  const marked = (c: CompiledPolicy, why: string, state: string, text: () => string, ends: number | undefined): PolicyFinding => {
    const id = c.policy.policyId;
    if (!c.repeats) {
      return ends === undefined ? { policyId: id, outcome: 'marked', reason: text() } : { policyId: id, outcome: 'marked', reason: text(), graceEndsAt: iso(ends) };
    }
    let byState = c.markMemo.get(why);
    if (!byState) c.markMemo.set(why, (byState = new Map()));
    let entry = byState.get(state);
    if (!entry) byState.set(state, (entry = share(id, 'marked', text(), ends === undefined ? undefined : iso(ends))));
    return entry.finding;
  };

  const sharedFinding = (c: CompiledPolicy, why: string, doubt: string): SharedFinding => {
    let byDoubt = c.memo.get(why);
    if (!byDoubt) c.memo.set(why, (byDoubt = new Map()));
    let entry = byDoubt.get(doubt);
    if (!entry) {
      const id = c.policy.policyId;
      const text = doubt === '' ? why : `${why}, but cannot tell whether the policy applies: ${doubt}`;
      entry = share(id, 'unevaluable', `${text} (${id})`);
      byDoubt.set(doubt, entry);
    }
    return entry;
  };

  /** A share the policy flags with certainty: mode and grace decide what happens. */
  const flag = (i: number, c: CompiledPolicy, why: string): void => {
    const { policy, summary } = c;
    const id = policy.policyId;
    summary.flagged += 1;
    if (policy.mode === 'dry-run') {
      summary.wouldCancel += 1;
      const grace = policy.graceHours > 0 ? `; a grace of ${policy.graceHours} h would apply` : '';
      add(i, flagged(c, why, 'would-cancel', () => `${why}${grace} (${id}, dry-run)`));
      return;
    }
    if (policy.graceHours > 0) {
      const hours = policy.graceHours;
      const f = facts[i]!;
      const since = f.violatingSince?.[id];
      if (typeof since === 'number' && Number.isFinite(since)) {
        const noticed = f.notifiedAt?.[id];
        // A notice counts only for the mark it was sent for; one older than the mark was sent
        // for an earlier mark of the same pair (since cleared) and starts nothing.
        if (typeof noticed === 'number' && Number.isFinite(noticed) && noticed >= since) {
          const ends = noticed + hours * HOUR_MS;
          if (now < ends) {
            const text = () => `${why}; marked for cancellation since ${iso(since)}, notice sent ${iso(noticed)}, grace ends ${iso(ends)} (${id})`;
            add(i, marked(c, why, `${since}:${noticed}`, text, ends));
            summary.marked += 1;
            return;
          }
          why = `${why}; grace of ${hours} h ended ${iso(ends)}`;
        } else {
          // Marked, but the notice never went out (a failed publish, a run that stopped after the
          // mark): the grace has not started, however old the mark is. The notice is due again.
          const text = () => `${why}; marked for cancellation since ${iso(since)}, notice not sent yet: the grace of ${hours} h starts when it is (${id})`;
          add(i, marked(c, why, `${since}`, text, undefined));
          summary.marked += 1;
          noticeRefs.push({ index: i, policyId: id, graceHours: hours, reason: `${why} (${id})` });
          return;
        }
      } else {
        // No (readable) mark yet: mark now; the grace starts when the mark's notice is sent.
        const verb = globalDryRun ? 'would be marked' : 'marked';
        add(i, marked(c, why, 'new', () => `${why}; ${verb} for cancellation, the grace of ${hours} h starts when its notice is sent (${id})`, undefined));
        summary.marked += 1;
        newMarkRefs.push({ index: i, policyId: id });
        noticeRefs.push({ index: i, policyId: id, graceHours: hours, reason: `${why} (${id})` });
        return;
      }
    }
    planned[i] = 1;
    summary.cancel += 1;
    add(i, flagged(c, why, 'cancel', () => `${why} (${id})`));
  };

  const exempted = (i: number, c: CompiledPolicy, why: string): void => {
    const id = c.policy.policyId;
    c.summary.exempt += 1;
    add(i, { policyId: id, outcome: 'exempt', reason: `${why}, but ${c.exempt.explain(i)} (${id})` });
  };

  /**
   * `why` says what the rule found (or why it could not judge); scope and exemption doubts are
   * added. `constant`: `why` is the same for every share, so the finding can be shared.
   */
  const unevaluable = (i: number, c: CompiledPolicy, why: string, sc: Tri, ex: Tri, constant: boolean): void => {
    const id = c.policy.policyId;
    c.summary.unevaluable += 1;
    const scopeDoubt = sc === UNKNOWN ? c.scope.explainUnknown(i) : '';
    const exemptDoubt = ex === UNKNOWN ? c.exempt.explain(i) : '';
    const doubt = scopeDoubt && exemptDoubt ? bothDoubts(c, scopeDoubt, exemptDoubt) : scopeDoubt || exemptDoubt;
    if (constant || c.repeats) {
      add(i, sharedFinding(c, why, doubt).finding);
      return;
    }
    const text = doubt === '' ? why : `${why}, but cannot tell whether the policy applies: ${doubt}`;
    add(i, { policyId: id, outcome: 'unevaluable', reason: `${text} (${id})` });
  };

  // 1. Rules decided share by share, a block of shares at a time and within it a policy at a
  // time: its scope and its rule each fill a column over the block in a loop of their own (a
  // tight loop of one shape; a call per share and policy cost more than the tests themselves),
  // and only the shares the rule does not pass are looked at one by one. The block's paths stay
  // in the processor's cache for all the policies (and its literal tests are answered by the
  // run's literal index). Duplicated ids are out of every scope.
  const perShare = compiled.filter((c) => c.rule.mode === 'per-share');
  const scopeColumn = new Uint8Array(BLOCK);
  const verdictColumn = new Uint8Array(BLOCK);
  // A function of its own, so that V8 optimizes the loop apart from the rest of evaluate.
  const runPerShareRules = (): void => {
    for (let from = 0; from < n; from += BLOCK) {
      const to = Math.min(n, from + BLOCK);
      resolveGlobal(from, to);
      for (const c of perShare) {
        const rule = c.rule as ShareRule;
        c.summary.inScope += c.scope.testRange(from, to, scopeColumn, duplicateCount);
        if (rule.testRange(from, to, scopeColumn, verdictColumn) === 0) continue;
        for (let i = from; i < to; i += 1) {
          const verdict = verdictColumn[i - from]! as Tri;
          if (verdict === NO) continue;
          const sc = scopeColumn[i - from]! as Tri;
          if (c.usesClock) usedClock[i] = 1;
          const ex = c.exempt.test(i);
          if (ex === YES) {
            if (verdict === YES && sc === YES) exempted(i, c, rule.explain(i));
            continue;
          }
          if (sc === UNKNOWN || verdict === UNKNOWN || ex === UNKNOWN) {
            // When the rule itself cannot judge, its explanation (the same for every such share) is the whole story.
            if (verdict === UNKNOWN) unevaluable(i, c, rule.explain(i), YES, NO, true);
            else unevaluable(i, c, rule.explain(i), sc, ex, false);
            continue;
          }
          flag(i, c, rule.explain(i));
        }
      }
    }
  };
  runPerShareRules();

  // 2. Rules decided over sets (quotas), after the others, each seeing what earlier ones cancel.
  // A function of its own (see runPerShareRules).
  const runSetRules = (): void => {
    for (const c of compiled) {
      const rule = c.rule;
      if (rule.mode !== 'set') continue;
      const { scope, exempt, summary } = c;
      const scopeColumn = new Uint8Array(n);
      scope.testRange(0, n, scopeColumn, duplicateCount);
      for (let i = 0; i < n; i += 1) if (planned[i] === 1) scopeColumn[i] = NO;
      const context: SetRuleContext = {
        inventory: inv,
        scope: scopeColumn,
        exempt: (i) => exempt.test(i),
        rankNewestFirst: (indices) => rankNewestFirst(inv, indices),
      };
      const { outcomes, inScope } = rule.select(context);
      summary.inScope = inScope;
      // Applied in share order so that findings and marks do not depend on the rule's internal order.
      outcomes.sort((a, b) => a.index - b.index);
      for (const o of outcomes) {
        usedClock[o.index] = 1;
        if (o.verdict === 'break') flag(o.index, c, o.reason);
        else if (o.verdict === 'exempt') exempted(o.index, c, o.reason);
        else unevaluable(o.index, c, o.reason, scopeColumn[o.index]! as Tri, exempt.test(o.index), true);
      }
    }
  };
  runSetRules();

  // 3. One decision per distinct share.
  const compiledById = new Map(compiled.map((c) => [c.policy.policyId, c]));
  const enforcing = new Set(compiled.filter((c) => c.policy.mode === 'enforce').map((c) => c.policy.policyId));
  const decisions: Decision[] = [];
  // The distinct ids (the inventory's own array when there are no duplicates, as is usual).
  const shareIds = inv.distinct === n ? ids : ids.filter((id, i) => i === 0 || ids[i - 1] !== id);
  const plannedCancels: string[] = [];
  const clearedMarks: GraceMark[] = [];
  const counts: DecisionCounts = { shares: inv.distinct, keep: 0, cancel: 0, wouldCancel: 0, exempt: 0, unevaluable: 0, marked: 0 };
  // A function of its own (see runPerShareRules).
  const decideAll = (): void => {
    for (let i = 0; i < n; i += 1) {
      const shareId = ids[i]!;
      const dup = duplicateCount[i]!;
      if (dup !== 0) {
        if (i > 0 && ids[i - 1] === shareId) continue;
        const reason = `share id appears ${dup} times in the inventory, so the listing is ambiguous; not evaluated`;
        decisions.push({ shareId, decision: 'unevaluable', policyIds: EMPTY, reasons: [reason], findings: EMPTY });
        counts.unevaluable += 1;
        continue;
      }
      const slot = findings[i];
      let list: readonly PolicyFinding[] | undefined;
      if (slot === undefined) {
        // A plain keep: counted, listed in shareIds, no decision object (see EvaluationResult.decisions).
        counts.keep += 1;
      } else {
        let policyIds: readonly string[];
        let reasons: readonly string[];
        if (Array.isArray(slot)) {
          sortByPolicyId(slot);
          list = slot;
          policyIds = slot.map((f) => f.policyId);
          reasons = slot.map((f) => f.reason);
        } else {
          const entry = sharedArrays.get(slot);
          list = entry ? entry.findings : [slot];
          reasons = entry ? entry.reasons : [slot.reason];
          policyIds = compiledById.get(slot.policyId)!.ids;
        }
        let cancel = false;
        let marked = false;
        let would = false;
        let uneval = false;
        let exempt = false;
        for (let k = 0; k < list.length; k += 1) {
          const f = list[k]!;
          if (f.outcome === 'cancel') cancel = true;
          else if (f.outcome === 'marked') marked = true;
          else if (f.outcome === 'would-cancel') would = true;
          else if (f.outcome === 'unevaluable') uneval = true;
          else exempt = true;
        }
        let kind: DecisionKind;
        if (cancel) {
          kind = globalDryRun ? 'would-cancel' : 'cancel';
          plannedCancels.push(shareId);
        } else if (marked) kind = 'keep';
        else if (would) kind = 'would-cancel';
        else if (uneval) kind = 'unevaluable';
        else if (exempt) kind = 'exempt';
        else kind = 'keep';
        const decision: Decision = { shareId, decision: kind, policyIds, reasons, findings: list };
        const clock = usedClock[i] === 1 ? AGE_CLOCKS[inv.clockKind[i]!] : undefined;
        if (clock) decision.clock = clock;
        decisions.push(decision);
        if (kind === 'cancel') counts.cancel += 1;
        else if (kind === 'would-cancel') counts.wouldCancel += 1;
        else if (kind === 'unevaluable') counts.unevaluable += 1;
        else if (kind === 'exempt') counts.exempt += 1;
        else {
          counts.keep += 1;
          if (marked) counts.marked += 1;
        }
      }
      // A mark stays while its enforce policy still flags the share or cannot judge it; any other
      // mark goes (removing one only restarts a grace period later, it never hastens a cancel).
      const since = inv.hasMarks[i] === 1 ? facts[i]!.violatingSince : undefined;
      if (!globalDryRun && since) {
        for (const policyId of Object.keys(since).sort(byString)) {
          const f = enforcing.has(policyId) ? list?.find((x) => x.policyId === policyId) : undefined;
          const stays = f !== undefined && (f.outcome === 'cancel' || f.outcome === 'marked' || f.outcome === 'unevaluable');
          if (!stays) clearedMarks.push({ shareId, policyId });
        }
      }
    }
  };
  decideAll();

  // 4. Guardrails, before any action.
  const trips = checkGuardrails({
    limits,
    inventorySize: inv.distinct,
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
  newMarkRefs.sort((a, b) => a.index - b.index || byString(a.policyId, b.policyId));
  const newMarks: GraceMark[] = acting ? newMarkRefs.map((m) => ({ shareId: ids[m.index]!, policyId: m.policyId })) : [];
  noticeRefs.sort((a, b) => a.index - b.index || byString(a.policyId, b.policyId));
  const noticesDue: GraceNotice[] = acting
    ? noticeRefs.map((m) => ({ shareId: ids[m.index]!, policyId: m.policyId, graceHours: m.graceHours, reason: m.reason }))
    : [];

  return {
    decisions,
    shareIds,
    toCancel: tripped || globalDryRun ? [] : plannedCancels.slice(),
    plannedCancels,
    newMarks,
    noticesDue,
    clearedMarks,
    guardrail: {
      tripped,
      trips,
      planned: plannedCancels.length,
      maxCancellations: limits.maxCancellations,
      maxCancellationPercent: limits.maxCancellationPercent,
    },
    perPolicy,
    counts,
    globalDryRun,
    now,
  };
}
