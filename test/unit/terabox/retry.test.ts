import {
  TeraboxAbortedError,
  TeraboxApiError,
  TeraboxAuthError,
  TeraboxHttpError,
  TeraboxNetworkError,
  TeraboxResponseError,
  TeraboxTimeoutError,
} from '../../../lib/terabox/errors';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  isRetryableError,
  isSafeToRepeatCreate,
  withRetry,
  type RetryPolicy,
} from '../../../lib/terabox/retry';

const E = '/x';
const cases: Array<[string, unknown, boolean, boolean]> = [
  // [name, error, retryable for reads, safe to repeat a create]
  ['connection refused', new TeraboxNetworkError(E, 'ECONNREFUSED', false), true, true],
  ['DNS failure', new TeraboxNetworkError(E, 'ENOTFOUND', false), true, true],
  ['connection reset', new TeraboxNetworkError(E, 'ECONNRESET', true), true, false],
  ['request timeout', new TeraboxTimeoutError('request', 100, E), true, false],
  ['budget spent', new TeraboxTimeoutError('budget', 100, E), false, false],
  ['HTTP 500', new TeraboxHttpError(500, E), true, false],
  ['HTTP 503', new TeraboxHttpError(503, E), true, false],
  ['HTTP 429', new TeraboxHttpError(429, E), true, false],
  ['HTTP 404', new TeraboxHttpError(404, E), false, false],
  ['HTML body', new TeraboxResponseError('html', 'x', { endpoint: E }), true, false],
  ['garbled body', new TeraboxResponseError('syntax', 'x', { endpoint: E }), true, false],
  ['empty body', new TeraboxResponseError('empty', 'x', { endpoint: E }), true, false],
  ['odd shape', new TeraboxResponseError('shape', 'x', { endpoint: E }), false, false],
  ['errno 110 (rate limit)', new TeraboxApiError(110, E), true, true],
  ['errno 31034 (frequency limit)', new TeraboxApiError(31034, E), true, true],
  ['errno 9019 (needs a human)', new TeraboxApiError(9019, E), false, false],
  ['errno 2 (bad parameter)', new TeraboxApiError(2, E), false, false],
  ['errno -9 (no such file)', new TeraboxApiError(-9, E), false, false],
  ['auth error', new TeraboxAuthError('x'), false, false],
  ['caller abort', new TeraboxAbortedError('x'), false, false],
  ['a foreign error', new Error('x'), false, false],
];

describe('retry policy', () => {
  it.each(cases)('%s: retryable=%p, create repeatable=%p', (_name, error, retryable, createSafe) => {
    expect(isRetryableError(error, DEFAULT_RETRY_POLICY)).toBe(retryable);
    expect(isSafeToRepeatCreate(error, DEFAULT_RETRY_POLICY)).toBe(createSafe);
  });

  it.each([
    [1, 0.5, 100],
    [2, 0.5, 200],
    [3, 0.999, 799],
    [10, 0.5, 2500], // capped at maxDelayMs
    [1, 0, 0],
  ])('full jitter: attempt %p with random %p waits %p ms', (attempt, random, expected) => {
    expect(backoffDelayMs(attempt, { baseDelayMs: 200, maxDelayMs: 5000 }, () => random)).toBe(expected);
  });
});

describe('withRetry', () => {
  function env(start = 0) {
    let now = start;
    const sleeps: number[] = [];
    return {
      sleeps,
      env: {
        now: () => now,
        random: () => 0.5,
        sleep: async (ms: number) => {
          sleeps.push(ms);
          now += ms;
        },
      },
      advance: (ms: number) => (now += ms),
    };
  }
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 10_000 };

  it('repeats a retryable failure with growing pauses until it succeeds', async () => {
    const t = env();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new TeraboxHttpError(502, E);
        return 'ok';
      },
      { policy, env: t.env, endpoint: E },
    );
    expect(result).toBe('ok');
    expect(t.sleeps).toEqual([50, 100]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const t = env();
    const fn = jest.fn(async () => {
      throw new TeraboxApiError(110, E);
    });
    await expect(withRetry(fn, { policy, env: t.env, endpoint: E })).rejects.toMatchObject({ errno: 110 });
    expect(fn).toHaveBeenCalledTimes(4);
    expect(t.sleeps).toEqual([50, 100, 200]);
  });

  it('does not repeat a non-retryable failure', async () => {
    const t = env();
    const fn = jest.fn(async () => {
      throw new TeraboxApiError(2, E);
    });
    await expect(withRetry(fn, { policy, env: t.env, endpoint: E })).rejects.toBeInstanceOf(TeraboxApiError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('stops when the next pause would overrun the budget, and hands each attempt what is left', async () => {
    const t = env();
    const remaining: number[] = [];
    const fn = jest.fn(async ({ remainingMs }: { remainingMs: number }) => {
      remaining.push(remainingMs);
      t.advance(400);
      throw new TeraboxTimeoutError('request', 400, E);
    });
    await expect(
      withRetry(fn, { policy: { ...policy, budgetMs: 1000 }, env: t.env, endpoint: E }),
    ).rejects.toMatchObject({ kind: 'request' });
    // 0: try (400) + pause 50; 450: try (400) + pause 100; 950: try with 50 ms left; the next pause (200) would overrun.
    expect(remaining).toEqual([1000, 550, 50]);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('uses a custom shouldRetry (a create that may have reached TeraBox is not repeated)', async () => {
    const t = env();
    const fn = jest.fn(async () => {
      throw new TeraboxHttpError(500, E);
    });
    await expect(
      withRetry(fn, { policy, env: t.env, endpoint: E, shouldRetry: (e) => isSafeToRepeatCreate(e, policy) }),
    ).rejects.toBeInstanceOf(TeraboxHttpError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('refuses to start when the caller already aborted', async () => {
    const t = env();
    const controller = new AbortController();
    controller.abort();
    const fn = jest.fn(async () => 'never');
    await expect(withRetry(fn, { policy, env: t.env, endpoint: E, signal: controller.signal })).rejects.toBeInstanceOf(TeraboxAbortedError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('reports each retry', async () => {
    const t = env();
    const onRetry = jest.fn();
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ === 0) throw new TeraboxNetworkError(E, 'ECONNRESET', true);
        return 1;
      },
      { policy, env: t.env, endpoint: E, onRetry },
    );
    expect(onRetry).toHaveBeenCalledWith(expect.objectContaining({ attempt: 1, delayMs: 50 }));
  });
});
