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
 *
 * `evaluate` runs the engine (evaluation-run.ts, which takes the shares one at a time) over an
 * array and returns every decision at once; the sweep streams its listing through the engine.
 */
import type { EvaluationResult } from './decision';
import { EvaluationRun, type EvaluationSettings } from './evaluation-run';
import { compareShareIds } from './inventory';
import type { ShareFacts } from './share';

export interface EvaluateInput extends EvaluationSettings {
  /** The whole inventory of one account, from a listing that finished. */
  shares: readonly ShareFacts[];
}

const idOf = (f: ShareFacts): string => {
  const raw: unknown = f.share.shareId;
  return typeof raw === 'string' ? raw : String(raw);
};

/**
 * Evaluates every share against every policy and plans the run. Throws only on input it must
 * not guess about (a non-finite `now`, unusable guardrail limits, duplicate policy or exemption ids,
 * an uncompilable pattern in a policy that skipped validation).
 */
export function evaluate(input: EvaluateInput): EvaluationResult {
  const run = new EvaluationRun(input);
  // In share id order (a stable sort: the input order decides nothing), so that repeats are neighbours.
  const sorted = input.shares.map((facts) => ({ facts, id: idOf(facts) })).sort((a, b) => compareShareIds(a.id, b.id));
  const shareIds: string[] = [];
  for (let start = 0; start < sorted.length; ) {
    let end = start + 1;
    while (end < sorted.length && sorted[end]!.id === sorted[start]!.id) end += 1;
    if (end - start > 1) run.addDuplicate(sorted[start]!.id, end - start);
    else run.add(sorted[start]!.facts);
    shareIds.push(sorted[start]!.id);
    start = end;
  }
  const plan = run.finish();
  const decisions = run.decidedSlots().map((slot) => run.decisionOf(slot)!);
  return { ...plan, decisions, shareIds };
}
