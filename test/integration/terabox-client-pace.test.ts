/**
 * The request pace over real HTTP against the emulator: the starts of every request of the
 * process (two clients sharing one pacer) never exceed the rate in any
 * one-second window, and rate-limit answers slow the pace down. The assertions read the recorded
 * start times; nothing waits for a fixed time.
 */
import { maxInAnySecond } from '../../bench/pace';
import nodeFetch from 'node-fetch';
import { RequestPacer, type FetchLike } from '../../lib/terabox';
import { defaultSleep } from '../../lib/terabox/retry';
import { collect, createHarness, type Harness } from './terabox-client-support';

const LIST = '/share/teratransfer/sharelist';
let h: Harness;

beforeEach(() => {
  h = createHarness();
});
afterEach(async () => {
  await h.close();
});

/** A fetch that records when each request started (ms, monotonic). */
function recordingFetch(starts: number[]): FetchLike {
  return (url, init) => {
    starts.push(performance.now());
    return nodeFetch(url, init);
  };
}

describe('request pace', () => {
  it('keeps the requests of one process (two listings, then cancels) under the rate in every second', async () => {
    const emu = await h.emulator({ seed: { files: 50, shares: 3_000 } });
    const starts: number[] = [];
    const pacer = new RequestPacer({ requestsPerSecond: 25, now: () => performance.now(), sleep: defaultSleep });
    const first = h.client(emu, { pacer, listConcurrency: 6, fetch: recordingFetch(starts) });
    const second = h.client(emu, { pacer, listConcurrency: 6, cancelBatchSize: 20, fetch: recordingFetch(starts) });
    const [a, b] = await Promise.all([collect(first.paginateShares()), collect(second.paginateShares())]);
    expect([a.length, b.length]).toEqual([3_000, 3_000]);
    const outcomes = await second.cancelShares([...emu.state.shares.keys()].slice(0, 200));
    expect(outcomes.map((o) => o.outcome)).toEqual(Array(200).fill('cancelled'));
    expect(starts.length).toBeGreaterThanOrEqual(2 * 30 + 10);
    expect(maxInAnySecond(starts)).toBeLessThanOrEqual(25);
  });

  it('slows down when TeraBox answers with a rate-limit errno, and still lists everything', async () => {
    const emu = await h.emulator({ seed: { files: 20, shares: 1_000 }, faults: { rateLimit: 0.3, paths: [LIST] } });
    const client = h.client(emu, { requestsPerSecond: 200, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 16 } });
    const shares = await collect(client.paginateShares());
    expect(new Set(shares.map((s) => s.shareId))).toEqual(new Set(emu.state.shares.keys()));
    const paces = h.events.filter((e) => e.event === 'pace');
    expect(paces.length).toBeGreaterThan(0);
    expect(paces.every((e) => e.endpoint === LIST && (e.slowFactor ?? 0) >= 2)).toBe(true);
  });

  it('holds the next request until a 429 Retry-After has passed', async () => {
    const emu = await h.emulator({ seed: { files: 10, shares: 150 } });
    const listStarts: number[] = [];
    let refused = false;
    const fetch: FetchLike = async (url, init) => {
      if (new URL(url).pathname === LIST) {
        listStarts.push(performance.now());
        if (!refused) {
          refused = true;
          return { status: 429, headers: { get: (name) => (name.toLowerCase() === 'retry-after' ? '1' : null) }, text: async () => '' };
        }
      }
      return nodeFetch(url, init);
    };
    const client = h.client(emu, { requestsPerSecond: 100, fetch, retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 4 } });
    const shares = await collect(client.paginateShares());
    expect(shares).toHaveLength(150);
    expect(listStarts[1]! - listStarts[0]!).toBeGreaterThanOrEqual(990);
    expect(h.events.filter((e) => e.event === 'pace')).toEqual([expect.objectContaining({ endpoint: LIST, delayMs: 1000, slowFactor: 2 })]);
  });

  it('refuses a rate that is not a positive number', () => {
    return h.emulator({ seed: { files: 1, shares: 1 } }).then((emu) => {
      expect(() => h.client(emu, { requestsPerSecond: 0 })).toThrow(/requestsPerSecond/);
    });
  });
});
