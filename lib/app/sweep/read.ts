/**
 * The sweep's reading phases: the policies, the listing (with its shape), and what a complete
 * listing lets the run judge (drift of the response shape, created shares missing, earlier
 * cancels that did not take), then the engine. A failure here fails the run with nothing done.
 */
import type { Decision, EvaluationResult } from '../../domain/decision';
import { EvaluationRun, type EvaluationPlan } from '../../domain/evaluation-run';
import { PolicyValidationError } from '../../domain/policy-errors';
import type { Exemption, Policy } from '../../domain/policy-types';
import type { ShareId } from '../../domain/share';
import { validatePolicyItems } from '../../domain/validate';
import {
  DEFAULT_CANCEL_SETTLE_MS,
  judgeAnswers,
  planVerification,
  type Judgement,
  type VerificationCandidates,
  type VerificationPlan,
} from '../cancel-verification';
import { judgeDrift } from '../listing-drift';
import { DEFAULT_MISSING_GRACE_MS, findMissingCreatedShares, missingSharesMessage } from '../missing-shares';
import type { ResponseShape } from '../response-shape';
import type { ShareRecord, StoredApiShape } from '../store-ports';
import { policyVersionsOf } from '../audit-entry';
import { policiesForAccount } from '../policy-accounts';
import type { SweepContext } from './context';
import type { StreamedListing } from './streamed-listing';
import { MAX_REPORTED_INEFFECTIVE, SWEEP_METRICS, SweepPhaseError } from './types';


/**
 * The valid policies and exemptions that apply to the run's account; invalid and unrecognized
 * items are run errors, skipped. Those scoped to other accounts are left out before the engine
 * sees them (counted in `result.scopedOut`, not errors).
 */
export async function loadPolicies(ctx: SweepContext): Promise<{ policies: Policy[]; exemptions: Exemption[] }> {
  const { deps, result } = ctx;
  let items;
  try {
    items = await deps.policies.load();
  } catch (error) {
    throw new SweepPhaseError('policies', `could not load the policies (${deps.policies.description}): ${ctx.describe(error)}; nothing was done`, { cause: error });
  }
  // Exemptions are validated as exemptions whether or not their item repeats the kind.
  const exemptionItems = items.exemptions.map((e) =>
    typeof e === 'object' && e !== null && !Array.isArray(e) ? { ...(e as Record<string, unknown>), kind: 'exemption' } : e,
  );
  const validated = validatePolicyItems([...items.policies, ...exemptionItems]);
  result.invalidPolicies = validated.invalid;
  for (const u of items.unrecognized) ctx.addError(`${deps.policies.description}: item ${JSON.stringify(u.itemId)} skipped: ${u.reason}`);
  for (const bad of validated.invalid) ctx.addError(`invalid ${bad.kind} skipped: ${bad.errors.join('; ')}`);
  const invalidCount = validated.invalid.length + items.unrecognized.length;
  if (invalidCount > 0) deps.logger?.warn('invalid policies skipped', { runId: result.runId, count: invalidCount });
  ctx.metric(SWEEP_METRICS.invalidPolicies, invalidCount);
  const mine = policiesForAccount(validated, deps.settings.accountId);
  if (mine.leftOut.policies + mine.leftOut.exemptions > 0) {
    result.scopedOut = mine.leftOut;
    deps.logger?.info('policies scoped to other accounts left out', { runId: result.runId, accountId: deps.settings.accountId, ...mine.leftOut });
  }
  result.policyIds = mine.policies.map((p) => p.policyId);
  result.policyVersions = policyVersionsOf(result.policyIds, items.versions) ?? {};
  return { policies: mine.policies, exemptions: mine.exemptions };
}

/** Compares the complete listing's shape with the baseline (listing-drift.ts): a warning, never a failure. */
export async function judgeShape(ctx: SweepContext, shape: ResponseShape, baselineP: Promise<StoredApiShape | undefined>, now: number): Promise<void> {
  const { result } = ctx;
  let baseline: StoredApiShape | undefined;
  try {
    baseline = await baselineP;
  } catch (error) {
    // Without the baseline nothing can be compared, and it must not be replaced as if this were the first run.
    ctx.addError(`could not read the list response shape of the last run: ${ctx.describe(error)}; drift was not checked`);
    return;
  }
  const verdict = judgeDrift({ shape, baseline, runId: result.runId, now });
  if (verdict === undefined) return; // an empty account has no shape
  ctx.drift = verdict;
  result.apiShape = verdict.summary;
  if (verdict.warning !== undefined) {
    result.warnings.push(ctx.redact(verdict.warning));
    ctx.deps.logger?.warn('the list response changed shape', { runId: result.runId, change: verdict.summary.change });
  }
  ctx.metric(SWEEP_METRICS.apiShapeChanged, verdict.warning !== undefined ? 1 : 0);
}

/** Fails the run when a share the product created is missing from the complete listing (missing-shares.ts). */
export function checkMissing(ctx: SweepContext, listed: readonly { shareId: ShareId; shortUrl?: string }[], records: readonly ShareRecord[]): void {
  const { deps, result } = ctx;
  const missing = findMissingCreatedShares({
    records,
    listed,
    listingStartedAtMs: result.startedAtMs,
    graceMs: deps.settings.missingShareGraceMs ?? DEFAULT_MISSING_GRACE_MS,
  });
  ctx.metric(SWEEP_METRICS.createdSharesMissing, missing.length);
  if (missing.length === 0) return;
  result.missingShares = missing;
  throw new SweepPhaseError('join', missingSharesMessage(missing));
}

export interface JudgedCancels {
  judgements: Judgement[];
  givenUp: ShareId[];
}

/** What the audit trail says of the earlier cancels of shares this complete listing still shows. */
export async function judgeCancels(ctx: SweepContext, candidates: VerificationCandidates): Promise<JudgedCancels> {
  const { deps, result } = ctx;
  const { toCheck, givenUp } = candidates;
  if (toCheck.length === 0) return { judgements: [], givenUp };
  try {
    const entries = await deps.runs.getAuditEntries(toCheck);
    return { judgements: judgeAnswers(toCheck, entries, result.startedAtMs, deps.settings.cancelSettleMs ?? DEFAULT_CANCEL_SETTLE_MS), givenUp };
  } catch (error) {
    // Nothing is concluded: the shares stay pending and the next run judges them.
    ctx.addError(`could not read the answers of ${toCheck.length} earlier cancel(s): ${ctx.describe(error)}; they were not verified`);
    return { judgements: [], givenUp };
  }
}

/** The evaluation's cancels after the verification: ineffective ones retried once or given up on. */
export function planCancels(ctx: SweepContext, judged: JudgedCancels, listing: StreamedListing, plan: EvaluationPlan, now: number): VerificationPlan {
  const { deps, result } = ctx;
  const decisions = new Map<ShareId, Decision>();
  for (const j of judged.judgements) {
    const slot = listing.slotOf(j.shareId);
    const d = slot === undefined ? undefined : listing.engine.decisionOf(slot);
    if (d) decisions.set(j.shareId, d);
  }
  const verification = planVerification({
    judgements: judged.judgements,
    givenUp: judged.givenUp,
    previous: listing.previous,
    decisions,
    toCancel: plan.toCancel,
    mode: result.mode,
    guardrailTripped: plan.guardrail.tripped,
    now,
  });
  ctx.verification = verification;
  const givenUpNow = verification.ineffective.filter((c) => c.action === 'given-up').length;
  result.cancelVerification = {
    checked: judged.judgements.filter((j) => j.kind !== 'pending').length,
    ineffective: verification.ineffective.slice(0, MAX_REPORTED_INEFFECTIVE),
    givenUpEarlier: judged.givenUp.slice(0, MAX_REPORTED_INEFFECTIVE),
  };
  ctx.metric(SWEEP_METRICS.cancelsIneffective, verification.ineffective.length);
  ctx.metric(SWEEP_METRICS.cancelsGivenUp, givenUpNow);
  if (verification.ineffective.length > 0) {
    deps.logger?.warn('cancels answered done did not take', { runId: result.runId, shares: verification.ineffective.length, givenUp: givenUpNow, listed: listing.listed });
  }
  return verification;
}

/**
 * The engine, ready for the listing. It refuses a policy it cannot compile (one that skipped
 * validation): that policy is reported and left out, and the engine is built with the others.
 */
export function startEvaluation(ctx: SweepContext, policies: Policy[], exemptions: Exemption[], now: number): EvaluationRun {
  const { deps, result } = ctx;
  let remaining = policies;
  for (;;) {
    try {
      return new EvaluationRun({ policies: remaining, exemptions, now, guardrails: deps.settings.guardrails, globalDryRun: result.mode === 'dry-run' });
    } catch (error) {
      const bad = error instanceof PolicyValidationError ? error.policyId : undefined;
      if (bad === undefined || !remaining.some((p) => p.policyId === bad)) {
        throw new SweepPhaseError('evaluate', `the policies could not be evaluated: ${ctx.describe(error)}; nothing was cancelled`, { cause: error });
      }
      ctx.addError(`invalid policy skipped: ${error instanceof Error ? error.message : String(error)}`);
      remaining = remaining.filter((p) => p.policyId !== bad);
      result.policyIds = remaining.map((p) => p.policyId);
    }
  }
}

/**
 * The evaluation as the run's result and reports carry it: the plan, and the decisions in share
 * id order, at most `limit` of them (the audit trail holds them all). With no limit, every
 * evaluated share id too (a report that lists the plain keeps walks them).
 */
export function reportedEvaluation(engine: EvaluationRun, plan: EvaluationPlan, limit = Infinity): EvaluationResult {
  const slots = engine.decidedSlots();
  const decisions = slots.slice(0, limit).map((slot) => engine.decisionOf(slot)!);
  return { ...plan, decisions, shareIds: Number.isFinite(limit) ? [] : engine.sortedIds() };
}
