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
import { EvaluationInputError, type GuardrailTrip } from './policy-errors';
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
  const { planned, inventorySize } = input;
  const { maxCancellations, maxCancellationPercent } = input.limits;
  const trips: GuardrailTrip[] = input.perPolicy
    .filter((p) => p.planned > p.limit)
    .map((p) => {
      const message = `policy "${p.policyId}" planned ${p.planned} cancellations, its maxCancellationsPerRun is ${p.limit} (${p.planned - p.limit} over)`;
      return { limit: 'policy', policyId: p.policyId, limitValue: p.limit, allowed: p.limit, planned: p.planned, excess: p.planned - p.limit, message };
    });
  if (planned > maxCancellations) {
    const excess = planned - maxCancellations;
    const message = `the run planned ${planned} cancellations, the limit is ${maxCancellations} (${excess} over)`;
    trips.push({ limit: 'global-count', limitValue: maxCancellations, allowed: maxCancellations, planned, excess, message });
  }
  // Compare planned/total > percent/100 without dividing (no rounding at the boundary).
  if (planned * 100 > maxCancellationPercent * inventorySize) {
    const allowed = Math.floor((maxCancellationPercent * inventorySize) / 100);
    const message = `the run planned ${planned} cancellations of ${inventorySize} shares, the limit is ${maxCancellationPercent}% (${allowed}; ${planned - allowed} over)`;
    trips.push({ limit: 'global-percent', limitValue: maxCancellationPercent, allowed, planned, excess: planned - allowed, message });
  }
  return trips;
}
