/**
 * The client's retry policy, declared in one place.
 *
 * Retryable (for calls that are safe to repeat: reads, and cancels, which are idempotent in
 * effect because an already-cancelled share counts as done):
 * - network errors (refused, reset, DNS), request timeouts;
 * - HTTP 5xx and 429;
 * - HTML, empty or garbled bodies where JSON was expected (a proxy page or a cut connection; if it
 *   is really the login page, the session turns it into an auth error after the last attempt);
 * - the transient errnos in `TRANSIENT_ERRNOS`.
 * Not retryable: 4xx, other errnos (bad parameter, missing file, limits), auth errors, budget
 * exhaustion, caller aborts, answers of an unexpected shape (repeating would not change them).
 *
 * Creates (`POST /share/pset`) are not idempotent: `isSafeToRepeatCreate` narrows the list to
 * failures where TeraBox certainly did not act (the connection was refused before sending, or
 * TeraBox answered a transient errno, i.e. it refused).
 *
 * Backoff: "full jitter" (delay = random(0, min(cap, base * 2^(attempt-1)))), which spreads
 * concurrent retries best for the least total wait, within a total time budget per operation.
 */
import {
  TeraboxAbortedError,
  TeraboxApiError,
  TeraboxAuthError,
  TeraboxError,
  TeraboxHttpError,
  TeraboxNetworkError,
  TeraboxResponseError,
  TeraboxTimeoutError,
  TeraboxVerificationRequiredError,
} from './errors';
import { TRANSIENT_ERRNOS } from './errnos';
import { fullJitterDelayMs } from '../shared/backoff';

/**
 * errnos worth repeating after a pause (the `transient` class of errnos.ts):
 * - 110: "share count exceeded" on Baidu, which public clients treat as rate limiting (they sleep
 *   ~500 ms between creates); the emulator's rate-limit fault answers it too.
 * - 31034: Baidu's "hit frequency limit" errno, in case TeraBox kept it.
 * - 9001 (server busy) and 111 (an operation is already running): transient on TeraBox (notes,
 *   "Second look").
 * The verification errnos (9019, 400141, 132) are deliberately NOT here: a person must pass a
 * check in the web app, so repeating only burns the time budget. The token errnos are handled by
 * the session (token refresh and one repeat), not by this policy.
 */
export { TRANSIENT_ERRNOS };

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff cap (ms); doubles per attempt. */
  baseDelayMs: number;
  /** Largest backoff cap (ms). */
  maxDelayMs: number;
  /** Total time for one operation, attempts and pauses included (ms). */
  budgetMs: number;
  retryableErrnos: ReadonlySet<number>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  budgetMs: 60_000,
  retryableErrnos: TRANSIENT_ERRNOS,
});

/** Whether a failure of a repeatable call (a read or a cancel) is worth another attempt. */
export function isRetryableError(error: unknown, policy: Pick<RetryPolicy, 'retryableErrnos'>): boolean {
  if (error instanceof TeraboxAuthError || error instanceof TeraboxAbortedError || error instanceof TeraboxVerificationRequiredError) return false;
  if (error instanceof TeraboxNetworkError) return true;
  if (error instanceof TeraboxTimeoutError) return error.kind === 'request';
  if (error instanceof TeraboxHttpError) return error.status >= 500 || error.status === 429;
  if (error instanceof TeraboxResponseError) return error.problem !== 'shape';
  if (error instanceof TeraboxApiError) return policy.retryableErrnos.has(error.errno);
  return false;
}

/**
 * Whether a failed create may be sent again without risking a second share: only when the
 * request never reached TeraBox, or TeraBox answered with a transient errno (it refused).
 */
export function isSafeToRepeatCreate(error: unknown, policy: Pick<RetryPolicy, 'retryableErrnos'>): boolean {
  if (error instanceof TeraboxVerificationRequiredError) return false;
  if (error instanceof TeraboxNetworkError) return !error.mayHaveReachedServer;
  if (error instanceof TeraboxApiError) return policy.retryableErrnos.has(error.errno);
  return false;
}

/** Full-jitter backoff before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelayMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  return fullJitterDelayMs(attempt, policy, random);
}

export interface RetryEnv {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
}

export interface RetryOptions {
  policy: RetryPolicy;
  env: RetryEnv;
  endpoint: string;
  /** Decides if a failure may be repeated; defaults to `isRetryableError`. */
  shouldRetry?: (error: unknown) => boolean;
  signal?: AbortSignal;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** Context handed to each attempt: how much of the budget is left. */
export interface AttemptContext {
  attempt: number;
  remainingMs: number;
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, runs out of attempts, or the
 * next pause would overrun the budget (then the last error is thrown: it says more than "budget").
 */
export async function withRetry<T>(fn: (ctx: AttemptContext) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, env } = options;
  const shouldRetry = options.shouldRetry ?? ((e: unknown) => isRetryableError(e, policy));
  const deadline = env.now() + policy.budgetMs;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new TeraboxAbortedError(`aborted before calling ${options.endpoint}`, { endpoint: options.endpoint });
    const remainingMs = deadline - env.now();
    if (remainingMs <= 0) throw new TeraboxTimeoutError('budget', policy.budgetMs, options.endpoint);
    try {
      return await fn({ attempt, remainingMs });
    } catch (error) {
      if (attempt >= policy.maxAttempts || !shouldRetry(error)) throw error;
      const delayMs = backoffDelayMs(attempt, policy, env.random);
      if (env.now() + delayMs >= deadline) throw error;
      options.onRetry?.({ attempt, delayMs, error });
      await env.sleep(delayMs, options.signal);
    }
  }
}

/** A sleep that ends early (rejecting) when the signal aborts. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new TeraboxAbortedError('aborted while waiting to retry'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new TeraboxAbortedError('aborted while waiting to retry'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** True for errors of this client (for callers that want to rethrow everything else). */
export function isTeraboxError(error: unknown): error is TeraboxError {
  return error instanceof TeraboxError;
}
