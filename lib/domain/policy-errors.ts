/**
 * Errors of the policy language and the evaluation engine. Every error carries a `name` (so that
 * logs and `instanceof`-free callers can tell them apart) and, where one exists, a `cause`.
 */

/** Base of every error raised by the policy language and the engine. */
export class PolicyError extends Error {
  override readonly name: string = 'PolicyError';
}

/**
 * A policy (or global exemption) item that does not follow the policy language. `issues` are
 * complete, human-readable lines that already name the item and the field, for example
 * `policy "public-30d": rule.maxAgeDays: must be greater than 0`.
 */
export class PolicyValidationError extends PolicyError {
  override readonly name = 'PolicyValidationError';
  readonly policyId: string | undefined;
  readonly issues: readonly string[];
  constructor(policyId: string | undefined, issues: readonly string[], options?: { cause?: unknown }) {
    super(issues.length === 1 ? issues[0]! : `${issues.length} problems:\n${issues.join('\n')}`, options);
    this.policyId = policyId;
    this.issues = issues;
  }
}

/** A glob or regular expression that cannot be compiled (the message says why). */
export class PatternError extends PolicyError {
  override readonly name = 'PatternError';
  readonly pattern: string;
  constructor(pattern: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.pattern = pattern;
  }
}

/** The engine was called with input it must not guess about (bad clock, bad guardrail limits). */
export class EvaluationInputError extends PolicyError {
  override readonly name = 'EvaluationInputError';
}

/** Which blast-radius limit tripped, and by how much (the model is Cloud Custodian's `max-resources`). */
export interface GuardrailTrip {
  /** `policy`: a policy's `maxCancellationsPerRun`; `global-count` / `global-percent`: the run-wide limits. */
  limit: 'policy' | 'global-count' | 'global-percent';
  /** Set for `policy` trips. */
  policyId?: string;
  /** The configured value: a count, or a percentage for `global-percent`. */
  limitValue: number;
  /** How many cancellations the limit allows (for `global-percent`: floor(inventory * percent / 100)). */
  allowed: number;
  /** How many cancellations were planned (for `policy`: by that policy alone). */
  planned: number;
  /** planned - allowed (> 0). */
  excess: number;
  message: string;
}
