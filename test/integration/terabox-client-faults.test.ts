/**
 * Every fault the emulator injects is either recovered by the client (retries, token refresh) or
 * surfaced as a typed error; creates are never repeated once they may have reached TeraBox; no
 * token value shows up in an error or a log line.
 */
import nodeFetch from 'node-fetch';
import { TeraboxError, type FetchLike } from '../../lib/terabox';
import type { FaultSpec } from '../../lib/terabox/emulator';
import { collect, createHarness, errorText, expectNoSecrets, type Harness } from './terabox-client-support';

const LIST = '/share/teratransfer/sharelist';
const PSET = '/share/pset';
const CANCEL = '/share/cancel';
const T0 = 1_700_000_000_000;
let h: Harness;

beforeEach(() => {
  h = createHarness();
});
afterEach(async () => {
  expectNoSecrets(JSON.stringify(h.events), h.secrets);
  await h.close();
});

type FaultCase = [string, Partial<FaultSpec>];
const recoverable: FaultCase[] = [
  ['HTTP 5xx', { http5xx: 0.3 }],
  ['dropped connections', { drop: 0.25 }],
  ['hung requests', { timeout: 0.15 }],
  ['an HTML login page instead of JSON', { html: 0.3 }],
  ['rate-limit errnos', { rateLimit: 0.3 }],
  ['token rotation every 5 requests', { rotateEvery: 5 }],
  ['random latency', { latencyMs: 2, jitterMs: 10 }],
  ['all of them at once', { http5xx: 0.1, drop: 0.1, timeout: 0.05, html: 0.1, rateLimit: 0.1, rotateEvery: 9 }],
];

describe('faults on listing', () => {
  it.each(recoverable)('recovers from %s and lists every share', async (_n, faults) => {
    const emu = await h.emulator({ seed: { files: 100, shares: 1_500 }, faults: { ...faults, paths: [LIST] } });
    // Generous attempts: with every fault at once about half of all attempts fail, and the machine
    // is shared (a slow answer may hit the timeout too); 0.5^16 per page keeps this deterministic.
    const client = h.client(emu, { requestTimeoutMs: 300, retry: { baseDelayMs: 2, maxDelayMs: 20, maxAttempts: 16 } });
    const shares = await collect(client.paginateShares());
    expect(new Set(shares.map((s) => s.shareId))).toEqual(new Set(emu.state.shares.keys()));
    expect(h.events.some((e) => e.event === 'retry' || e.event === 'token-refresh') || faults.latencyMs !== undefined).toBe(true);
  });

  it.each<[string, string, Partial<FaultSpec>, Record<string, unknown>]>([
    ['HTTP 5xx', 'TeraboxHttpError', { http5xx: 1 }, { status: expect.any(Number) }],
    ['dropped connections', 'TeraboxNetworkError', { drop: 1 }, { mayHaveReachedServer: true }],
    ['hung requests', 'TeraboxTimeoutError', { timeout: 1 }, { kind: 'request' }],
    ['an HTML page', 'TeraboxResponseError', { html: 1 }, { problem: 'html' }],
    ['rate-limit errnos', 'TeraboxApiError', { rateLimit: 1 }, { errno: 110 }],
  ])('surfaces %s that never stop as %s', async (_n, name, faults, fields) => {
    const emu = await h.emulator({ seed: { files: 10, shares: 50 }, faults: { ...faults, paths: [LIST] } });
    // Only the hang needs a short timeout; elsewhere a long one keeps a slow machine from turning a fault into a timeout.
    const requestTimeoutMs = faults.timeout ? 100 : 5_000;
    const client = h.client(emu, { requestTimeoutMs, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } });
    const error = await collect(client.paginateShares()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxError);
    expect(error).toMatchObject({ name, endpoint: LIST, ...fields });
    expect(emu.state.counts[LIST]).toBe(3);
    expectNoSecrets(errorText(error), h.secrets);
  });

  it('surfaces a spent time budget as TeraboxTimeoutError', async () => {
    const emu = await h.emulator({ seed: { files: 10, shares: 50 }, faults: { timeout: 1, paths: [LIST] } });
    // The budget runs on the client's clock. Here each list attempt costs 100 ms of it (its request
    // timeout) and each pause what it says, however long the machine takes: 250 ms hold 3 attempts.
    let now = T0;
    const fetch: FetchLike = (url, init) => {
      if (new URL(url).pathname === LIST) now += 100;
      return nodeFetch(url, init);
    };
    const sleep = async (ms: number): Promise<void> => void (now += ms);
    const client = h.client(emu, {
      fetch,
      clock: { now: () => now },
      sleep,
      random: () => 0.5,
      requestTimeoutMs: 100,
      retry: { budgetMs: 250, baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 50 },
    });
    const error = await collect(client.paginateShares()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TeraboxTimeoutError', endpoint: LIST });
    expect(emu.state.counts[LIST]).toBe(3); // the budget ended it, not the 50 attempts
  });
});

describe('faults on create (never a second share)', () => {
  it.each<[string, Partial<FaultSpec>, string, number]>([
    ['a dropped connection after TeraBox created the share', { drop: 1 }, 'TeraboxNetworkError', 1],
    ['a hang after TeraBox created the share', { timeout: 1 }, 'TeraboxTimeoutError', 1],
    ['HTTP 5xx', { http5xx: 1 }, 'TeraboxHttpError', 0],
    ['an HTML page', { html: 1 }, 'TeraboxResponseError', 0],
  ])('does not repeat a create after %s', async (_n, faults, name, created) => {
    const emu = await h.emulator({ seed: { files: 10 }, faults: { ...faults, paths: [PSET] } });
    const client = h.client(emu, { requestTimeoutMs: faults.timeout ? 150 : 5_000 });
    const fsIds = [...emu.state.files.values()].filter((f) => !f.isdir).slice(0, 1).map((f) => f.fsId);
    const error = await client.createShare({ fsIds, period: 7 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name, endpoint: PSET });
    expect(emu.state.counts[PSET]).toBe(1);
    expect(emu.state.shares.size).toBe(created);
    expectNoSecrets(errorText(error), h.secrets);
  });

  it('repeats a create refused with a rate-limit errno (TeraBox did not act)', async () => {
    const emu = await h.emulator({ seed: { files: 10 }, faults: { rateLimit: 1, paths: [PSET] } });
    // The pause before the second attempt lifts the fault: the second attempt must succeed.
    const client = h.client(emu, { sleep: async () => emu.setFaults({ rateLimit: 0 }) });
    const fsIds = [...emu.state.files.values()].filter((f) => !f.isdir).slice(0, 1).map((f) => f.fsId);
    await expect(client.createShare({ fsIds, period: 7 })).resolves.toMatchObject({ period: 7 });
    expect(emu.state.shares.size).toBe(1);
    expect(emu.state.counts[PSET]).toBe(2);
  });

  it('repeats a create behind an idempotency claim (retryUnsafe) after a 5xx', async () => {
    const emu = await h.emulator({ seed: { files: 10 }, faults: { http5xx: 0.5, paths: [PSET] } });
    const client = h.client(emu);
    const fsIds = [...emu.state.files.values()].filter((f) => !f.isdir).slice(0, 1).map((f) => f.fsId);
    for (let i = 0; i < 5; i++) await client.createShare({ fsIds, period: 0 }, { retryUnsafe: true });
    expect(emu.state.shares.size).toBe(5);
    expect(emu.state.counts[PSET]).toBeGreaterThan(5); // some attempts met a 5xx and were repeated
  });

  it('recovers a create across a jsToken rotation', async () => {
    const emu = await h.emulator({ seed: { files: 10 } });
    const client = h.client(emu);
    const fsIds = [...emu.state.files.values()].filter((f) => !f.isdir).slice(0, 1).map((f) => f.fsId);
    await client.createShare({ fsIds, period: 1 });
    emu.state.rotateJsToken();
    await client.createShare({ fsIds, period: 1 });
    expect(emu.state.shares.size).toBe(2);
    expect(emu.state.counts['/main']).toBe(2);
  });
});

describe('faults on cancel', () => {
  it('recovers cancels from mixed faults, reporting every id done', async () => {
    const emu = await h.emulator({ seed: { files: 50, shares: 400 }, faults: { http5xx: 0.2, drop: 0.2, html: 0.1, rateLimit: 0.1, paths: [CANCEL] } });
    const client = h.client(emu, { cancelBatchSize: 25, retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 12 } });
    const ids = [...emu.state.shares.keys()];
    const outcomes = await client.cancelShares(ids);
    expect(outcomes.every((o) => o.outcome === 'cancelled')).toBe(true);
    expect(emu.state.shares.size).toBe(0);
  });

  it('reports a cancel that keeps failing as failed outcomes, without a token in them', async () => {
    const emu = await h.emulator({ seed: { files: 50, shares: 30 }, faults: { drop: 1, paths: [CANCEL] } });
    const client = h.client(emu, { cancelBatchSize: 10, retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 } });
    const outcomes = await client.cancelShares([...emu.state.shares.keys()]);
    expect(outcomes.map((o) => o.outcome)).toEqual(Array(30).fill('failed'));
    expect(emu.state.counts[CANCEL]).toBe(2); // the first batch twice, then the run stops
    expectNoSecrets(JSON.stringify(outcomes), h.secrets);
  });
});
