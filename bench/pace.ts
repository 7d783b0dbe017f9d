/**
 * Benchmark: the request pace. Lists an account from the emulator at 200 ms of latency per
 * request through a client paced at `rate` requests a second (with the listing concurrency of
 * the sweep), records when every request started, and reports the most requests that started
 * in any one second and the wall time against the pace's own bound (requests / rate, plus the
 * last answer's latency).
 */
import { createTeraboxClient, type FetchLike } from '../lib/terabox';
import { startEmulator } from '../lib/terabox/emulator';
import nodeFetch from 'node-fetch';

export interface PaceBenchOptions {
  shares: number;
  rate: number;
  latencyMs: number;
  concurrency?: number;
}

export interface PaceBenchResult {
  shares: number;
  rate: number;
  latencyMs: number;
  concurrency: number;
  sharesListed: number;
  requests: number;
  wallMs: number;
  /**
   * The pace's own bound: one gap of 1000 / rate ms between request starts (the first goes at
   * once), plus the latency of the last answer. No paced listing can be faster.
   */
  boundMs: number;
  /** The most requests that started in any one-second window. */
  maxPerSecond: number;
}

/** The most of `times` (ms) that fall in any half-open window of 1,000 ms. */
export function maxInAnySecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i]! - sorted[j]! >= 1000) j += 1;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

export async function runPaceBench(options: PaceBenchOptions): Promise<PaceBenchResult> {
  const ndus = 'bench-ndus-value';
  const concurrency = options.concurrency ?? 4;
  const emulator = await startEmulator({ ndus, seed: { shares: options.shares, files: Math.max(100, Math.ceil(options.shares / 20)) }, faults: { latencyMs: options.latencyMs } });
  const starts: number[] = [];
  const fetch: FetchLike = (url, init) => {
    starts.push(performance.now());
    return nodeFetch(url, init);
  };
  const client = createTeraboxClient({ credentials: { ndus, baseUrl: emulator.url }, fetch, listConcurrency: concurrency, requestsPerSecond: options.rate });
  try {
    const started = performance.now();
    let listed = 0;
    for await (const _share of client.paginateShares()) listed += 1;
    const wallMs = Math.round(performance.now() - started);
    return {
      shares: options.shares,
      rate: options.rate,
      latencyMs: options.latencyMs,
      concurrency,
      sharesListed: listed,
      requests: starts.length,
      wallMs,
      boundMs: Math.round(((starts.length - 1) * 1000) / options.rate + options.latencyMs),
      maxPerSecond: maxInAnySecond(starts),
    };
  } finally {
    client.close();
    await emulator.close();
  }
}
