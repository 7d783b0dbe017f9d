/**
 * The pace of one process's TeraBox requests: at most `requestsPerSecond` request starts in any
 * second, shared by listing, cancels and creates (every request of the session takes a turn).
 * Turns are taken in call order, each starting at least `1000 / requestsPerSecond` ms after the
 * previous one started (measured when it started, so a late start never crowds the next one into
 * the same second). TeraBox saying it is
 * overloaded (HTTP 429 or 503, a rate-limit errno) slows the pace down: the gap doubles (up to
 * 8 times) for a minute after the last such answer, and a `Retry-After` holds every turn until it
 * has passed. A pace that waits only ever makes a run slower, never different.
 */

export interface RequestPacerOptions {
  requestsPerSecond: number;
  now: () => number;
  /** Waits `ms`; rejects when the signal aborts (the retry policy's sleep fits). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** How long a slow-down lasts after the last overload answer (default 60 s). */
  coolDownMs?: number;
}

/** The longest `Retry-After` honoured; a longer one is the retry budget's business. */
export const MAX_RETRY_AFTER_MS = 120_000;
const MAX_SLOW_FACTOR = 8;

/** Sleeps one turn may take to reach its time (see take). */
const MAX_WAITS = 4;

export class RequestPacer {
  readonly requestsPerSecond: number;
  private readonly gapMs: number;
  private readonly coolDownMs: number;
  private lastStartMs = -Infinity;
  private holdUntilMs = -Infinity;
  private factor = 1;
  private slowUntilMs = -Infinity;
  /** The previous turn: each turn starts after it has settled. */
  private previous: Promise<void> = Promise.resolve();

  constructor(private readonly options: RequestPacerOptions) {
    const rate = options.requestsPerSecond;
    if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`requestsPerSecond must be a positive number (got ${String(rate)})`);
    this.requestsPerSecond = rate;
    this.gapMs = 1000 / rate;
    this.coolDownMs = options.coolDownMs ?? 60_000;
  }

  /** Waits for this request's turn. An aborted wait rejects and takes no turn. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.previous.then(async () => {
      let now = this.options.now();
      const at = Math.max(now, this.lastStartMs + this.gapMs * this.slowFactor(), this.holdUntilMs);
      // An aborted signal rejects the wait (the request's own send refuses it otherwise). A timer
      // may fire a little early (Node counts from the loop's cached time): wait out the rest, a
      // few times at most (a clock that does not move must not hold a request forever).
      for (let waits = 0; at > now && waits < MAX_WAITS; waits += 1) {
        await this.options.sleep(at - now, signal);
        now = this.options.now();
      }
      this.lastStartMs = now;
    });
    this.previous = turn.catch(() => undefined);
    return turn;
  }

  /** TeraBox answered that it is overloaded; `retryAfterMs` when it said how long to wait. */
  slowDown(retryAfterMs?: number): void {
    const now = this.options.now();
    this.factor = Math.min(MAX_SLOW_FACTOR, this.slowFactor() * 2);
    this.slowUntilMs = now + this.coolDownMs;
    if (retryAfterMs !== undefined && retryAfterMs > 0) this.holdUntilMs = Math.max(this.holdUntilMs, now + Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
  }

  /** How many times slower than the configured pace the requests go now (1 normally). */
  slowFactor(): number {
    return this.options.now() >= this.slowUntilMs ? 1 : this.factor;
  }
}

/** A `Retry-After` header in ms (seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (header === undefined || header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
