/**
 * Waiting in tests by events and conditions, never by a fixed sleep: what a test asserts must not
 * depend on how fast a busy machine runs it (speed is `npm run bench`'s business, not a test's).
 *
 * - `deferred()`: a promise the test (or a fake) resolves: a gate to open, an event to await.
 * - `waitUntil(condition)`: polls a condition; the bound is generous and only there to fail with a
 *   message naming what never happened, instead of at jest's timeout.
 * - `within(promise)`: the same bound for a promise.
 */

// Taken when this module loads, before a test installs jest's fake timers: the waits keep using
// real time then (a fake clock would never move while the test is waiting on it).
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realNow = Date.now;

/** How long a wait may last before the test fails. A bound against a hang, not a speed check. */
export const WAIT_LIMIT_MS = 10_000;

/** A promise resolved from outside. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function gaveUp(what: string, limitMs: number): Error {
  return new Error(`gave up after ${limitMs} ms waiting for ${what}`);
}

/**
 * Resolves once `condition` holds; throws, naming `what`, when it still does not after `limitMs`.
 * The condition is checked between macrotasks, so every promise job queued before (the reactions
 * of code under test to the last answer, event or timer) has run when it is read.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs = WAIT_LIMIT_MS): Promise<void> {
  const deadline = realNow() + limitMs;
  for (;;) {
    if (await condition()) return;
    if (realNow() > deadline) throw gaveUp(what, limitMs);
    await new Promise((resolve) => realSetTimeout(resolve, 5));
  }
}

/** `promise`'s outcome, or a failure naming `what` when it has not settled within `limitMs`. */
export async function within<T>(promise: Promise<T>, what: string, limitMs = WAIT_LIMIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => reject(gaveUp(what, limitMs)), limitMs);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    realClearTimeout(timer);
  }
}
