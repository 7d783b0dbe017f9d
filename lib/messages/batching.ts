/**
 * Shared pieces of the batch-sending adapters: size-aware chunking and the retry policy for
 * entries that a batch API (PutEvents, SendMessageBatch) reports as failed inside a successful
 * response. The SDK's own retry strategy already retries whole requests (throttling, 5xx,
 * network); it never retries single failed entries, so that is what this policy is for.
 */
import { fullJitterDelayMs, sleepMs } from '../shared/backoff';

export interface EntryRetryOptions {
  /** Total attempts per entry, the first included (default 4). */
  maxAttempts?: number;
  /** Base of the exponential backoff (default 100 ms). */
  baseDelayMs?: number;
  /** Cap of one backoff delay (default 2 s): keeps a retry loop well inside a Lambda timeout. */
  maxDelayMs?: number;
  /** Injected in tests; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected in tests; defaults to Math.random (full jitter). */
  random?: () => number;
}

export interface ResolvedRetry {
  maxAttempts: number;
  delayFor(attempt: number): number;
  sleep(ms: number): Promise<void>;
}

/** Fills in the retry defaults. `delayFor(n)` is the wait after the n-th failed attempt. */
export function resolveRetry(options: EntryRetryOptions = {}): ResolvedRetry {
  const maxAttempts = options.maxAttempts ?? 4;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be an integer >= 1');
  const base = options.baseDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 2000;
  const random = options.random ?? Math.random;
  return {
    maxAttempts,
    delayFor: (attempt) => fullJitterDelayMs(attempt, { baseDelayMs: base, maxDelayMs: cap }, random),
    sleep: options.sleep ?? sleepMs,
  };
}

/** UTF-8 length in bytes: the unit both SQS and EventBridge limits are given in. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Splits items into chunks of at most `maxCount` items and `maxBytes` total size, in order.
 * An item larger than `maxBytes` on its own gets a chunk of its own (callers reject those first).
 */
export function chunkBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxCount: number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A short `Name: message` for an SDK or other error (SDK errors carry no credentials). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}
