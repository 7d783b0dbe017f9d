/** Exponential backoff with full jitter: the one backoff every retry loop of the project uses. */

export interface BackoffOptions {
  /** Bound of the first pause (ms); doubles per attempt. */
  baseDelayMs: number;
  /** Largest bound of one pause (ms). */
  maxDelayMs: number;
}

/**
 * The pause after the `attempt`-th failed attempt (counting from 1): uniform in
 * [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))). Full jitter spreads out callers that failed
 * together (a throttled burst) instead of having them retry in lockstep.
 */
export function fullJitterDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const bound = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * bound);
}

/** A plain timer sleep. */
export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
