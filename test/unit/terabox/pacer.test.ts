import { maxInAnySecond } from '../../../bench/pace';
import { MAX_RETRY_AFTER_MS, RequestPacer, retryAfterMs } from '../../../lib/terabox/pacer';

/** A clock that only moves when a turn waits: the pacer's waits are its whole timeline. */
function fakeTime() {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw new Error('aborted');
      waits.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    waits,
  };
}

/** The start time of each of `count` requests made one after another. */
async function starts(pacer: RequestPacer, time: ReturnType<typeof fakeTime>, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) {
    await pacer.take();
    out.push(time.now());
  }
  return out;
}

describe('RequestPacer', () => {
  it('starts requests 1000 / rate ms apart, the first at once', async () => {
    const time = fakeTime();
    const pacer = new RequestPacer({ requestsPerSecond: 5, now: time.now, sleep: time.sleep });
    const at = await starts(pacer, time, 6);
    expect(at).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(maxInAnySecond(at)).toBe(5);
  });

  it('takes turns in call order for requests made at once, each a gap after the last start', async () => {
    const time = fakeTime();
    const pacer = new RequestPacer({ requestsPerSecond: 20, now: time.now, sleep: time.sleep });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map(async (k) => {
      await pacer.take();
      order.push(k);
    }));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(time.waits).toEqual([50, 50, 50]);
  });

  it('counts the gap from when the previous request really started', async () => {
    let now = 0;
    const pacer = new RequestPacer({
      requestsPerSecond: 10,
      now: () => now,
      sleep: async (ms) => {
        now += ms + 30; // every wait overshoots
      },
    });
    const at: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      await pacer.take();
      at.push(now);
    }
    expect(at).toEqual([0, 130, 260]);
  });

  it('does not wait when requests come slower than the pace', async () => {
    const time = fakeTime();
    const pacer = new RequestPacer({ requestsPerSecond: 2, now: time.now, sleep: time.sleep });
    await pacer.take();
    time.advance(800);
    await pacer.take();
    expect(time.waits).toEqual([]);
  });

  it('slows down twice per overload answer, at most 8 times, and recovers after the cool-down', async () => {
    const time = fakeTime();
    const pacer = new RequestPacer({ requestsPerSecond: 10, now: time.now, sleep: time.sleep, coolDownMs: 5000 });
    await pacer.take();
    pacer.slowDown();
    expect(pacer.slowFactor()).toBe(2);
    for (let i = 0; i < 5; i += 1) pacer.slowDown();
    expect(pacer.slowFactor()).toBe(8);
    const slow = await starts(pacer, time, 3);
    expect([slow[1]! - slow[0]!, slow[2]! - slow[1]!]).toEqual([800, 800]);
    time.advance(5000);
    expect(pacer.slowFactor()).toBe(1);
    const normal = await starts(pacer, time, 3);
    expect(normal[2]! - normal[1]!).toBe(100);
  });

  it('holds every turn until a Retry-After has passed (capped)', async () => {
    const time = fakeTime();
    const pacer = new RequestPacer({ requestsPerSecond: 10, now: time.now, sleep: time.sleep });
    await pacer.take();
    pacer.slowDown(3000);
    await pacer.take();
    expect(time.now()).toBe(3000);
    pacer.slowDown(10 * MAX_RETRY_AFTER_MS);
    await pacer.take();
    expect(time.now()).toBe(3000 + MAX_RETRY_AFTER_MS);
  });

  it('takes no turn for an aborted wait and does not stop later requests', async () => {
    const time = fakeTime();
    const pacer = new RequestPacer({ requestsPerSecond: 1, now: time.now, sleep: time.sleep });
    await pacer.take();
    const controller = new AbortController();
    controller.abort();
    await expect(pacer.take(controller.signal)).rejects.toThrow('aborted');
    await pacer.take();
    expect(time.now()).toBe(1000);
  });

  it('refuses a rate that is not a positive number', () => {
    const time = fakeTime();
    for (const rate of [0, -1, Number.NaN, Infinity]) {
      expect(() => new RequestPacer({ requestsPerSecond: rate, now: time.now, sleep: time.sleep })).toThrow(RangeError);
    }
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    const now = Date.UTC(2026, 11, 3, 12, 0, 0);
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('1.5', now)).toBe(1500);
    expect(retryAfterMs('Thu, 03 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Thu, 03 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
  });
});
