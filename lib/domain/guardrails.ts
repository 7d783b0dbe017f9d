/**
 * Blast-radius limits, checked before any action: a policy's `maxCancellationsPerRun`, and the
 * run-wide limits on the number of cancellations and on their share of the inventory. One trip
 * stops the whole run from cancelling anything (and from writing new grace marks); the report
 * says which limit tripped and by how much. Exactly reaching a limit is allowed.
 *
 * The percentage is of the distinct shares in the inventory; it allows floor(total * percent /
 * 100) cancellations, so a small account with a 20% limit may cancel nothing in one run until
 * the limit is raised. That is the point of the limit.
 */
import { CancellationLimitExceededError, EvaluationInputError, type GuardrailTrip } from './policy-errors';
import { DEFAULT_GUARDRAILS, type GuardrailLimits } from './policy-types';

/** Checks guardrail limits given by configuration; throws {@link EvaluationInputError} when one is unusable. */
export function checkGuardrailLimits(limits: GuardrailLimits | undefined): GuardrailLimits {
  const l = limits ?? DEFAULT_GUARDRAILS;
  if (!Number.isInteger(l.maxCancellations) || l.maxCancellations < 0) {
    throw new EvaluationInputError(`guardrail maxCancellations must be a whole number >= 0 (got ${String(l.maxCancellations)})`);
  }
  if (!Number.isFinite(l.maxCancellationPercent) || l.maxCancellationPercent < 0 || l.maxCancellationPercent > 100) {
    throw new EvaluationInputError(
      `guardrail maxCancellationPercent must be between 0 and 100 (got ${String(l.maxCancellationPercent)})`,
    );
  }
  return l;
}

export interface GuardrailInput {
  limits: GuardrailLimits;
  /** Distinct shares in the inventory. */
  inventorySize: number;
  /** Planned cancellations of the whole run (distinct shares). */
  planned: number;
  /** Per policy with a `maxCancellationsPerRun`: its limit and its planned cancellations. */
  perPolicy: readonly { policyId: string; limit: number; planned: number }[];
}

/** Every limit the planned cancellations exceed (empty when none). */
export function checkGuardrails(input: GuardrailInput): GuardrailTrip[] {
  const trips: GuardrailTrip[] = [];
  for (const p of input.perPolicy) {
    if (p.planned > p.limit) {
      trips.push({
        limit: 'policy',
        policyId: p.policyId,
        limitValue: p.limit,
        allowed: p.limit,
        planned: p.planned,
        excess: p.planned - p.limit,
        message: `policy "${p.policyId}" planned ${p.planned} cancellations, its maxCancellationsPerRun is ${p.limit} (${p.planned - p.limit} over)`,
      });
    }
  }
  const { maxCancellations, maxCancellationPercent } = input.limits;
  if (input.planned > maxCancellations) {
    trips.push({
      limit: 'global-count',
      limitValue: maxCancellations,
      allowed: maxCancellations,
      planned: input.planned,
      excess: input.planned - maxCancellations,
      message: `the run planned ${input.planned} cancellations, the limit is ${maxCancellations} (${input.planned - maxCancellations} over)`,
    });
  }
  // Compare planned/total > percent/100 without dividing (no rounding at the boundary).
  if (input.planned * 100 > maxCancellationPercent * input.inventorySize) {
    const allowed = Math.floor((maxCancellationPercent * input.inventorySize) / 100);
    trips.push({
      limit: 'global-percent',
      limitValue: maxCancellationPercent,
      allowed,
      planned: input.planned,
      excess: input.planned - allowed,
      message: `the run planned ${input.planned} cancellations of ${input.inventorySize} shares, the limit is ${maxCancellationPercent}% (${allowed}; ${input.planned - allowed} over)`,
    });
  }
  return trips;
}

/**
 * The error for callers that prefer an exception when a guardrail tripped (the engine reports
 * trips in its result and never throws for them); undefined when nothing tripped.
 */
export function guardrailError(report: { tripped: boolean; trips: readonly GuardrailTrip[] }): CancellationLimitExceededError | undefined {
  return report.tripped ? new CancellationLimitExceededError(report.trips) : undefined;
}
