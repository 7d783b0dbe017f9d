/**
 * Benchmark: list 10,000 shares from the emulator with 20 ms of latency per request, once with
 * the client's default listing concurrency and once one request at a time, in one run.
 *
 *   npx tsx bench/list-shares.ts            (or through `npm run bench`, via benchmarkListShares)
 *
 * Prints the requests made and the wall time of each, next to the theoretical lower bound: every
 * page must be fetched once (ceil(shares / pageSize) list calls), and page 1 must arrive before
 * the other pages can be planned, so with concurrency c the wall time is at least
 * latency * (1 + ceil((pages - 1) / c)).
 */
import { createTeraboxClient, DEFAULT_LIST_CONCURRENCY, DEFAULT_PAGE_SIZE } from '../lib/terabox';
import { startEmulator, type ResponseShape } from '../lib/terabox/emulator';

export interface ListSharesBenchOptions {
  shares?: number;
  latencyMs?: number;
  pageSize?: number;
  shape?: ResponseShape;
  /** Concurrency values to compare; default [DEFAULT_LIST_CONCURRENCY, 1]. */
  concurrencies?: number[];
}

export interface ListSharesBenchRow {
  concurrency: number;
  sharesListed: number;
  listRequests: number;
  /** Every request, session set-up (check/login, /main) included. */
  totalRequests: number;
  wallMs: number;
  lowerBoundRequests: number;
  lowerBoundMs: number;
}

export interface ListSharesBenchResult {
  shares: number;
  latencyMs: number;
  pageSize: number;
  shape: ResponseShape;
  rows: ListSharesBenchRow[];
}

/** Runs the benchmark and returns its measurements (nothing printed). */
export async function benchmarkListShares(options: ListSharesBenchOptions = {}): Promise<ListSharesBenchResult> {
  const shares = options.shares ?? 10_000;
  const latencyMs = options.latencyMs ?? 20;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const shape = options.shape ?? 'seed';
  const concurrencies = options.concurrencies ?? [DEFAULT_LIST_CONCURRENCY, 1];
  const ndus = 'bench-ndus-value';
  const emulator = await startEmulator({ ndus, seed: { shares, files: Math.max(100, Math.ceil(shares / 20)) }, shape, faults: { latencyMs } });
  const pages = Math.max(1, Math.ceil(shares / pageSize));
  const rows: ListSharesBenchRow[] = [];
  try {
    for (const concurrency of concurrencies) {
      const client = createTeraboxClient({ credentials: { ndus, baseUrl: emulator.url }, listConcurrency: concurrency });
      emulator.state.resetCounts();
      const started = performance.now();
      let listed = 0;
      for await (const _share of client.paginateShares({ pageSize })) listed++;
      const wallMs = performance.now() - started;
      client.close();
      rows.push({
        concurrency,
        sharesListed: listed,
        listRequests: emulator.state.counts['/share/teratransfer/sharelist'] ?? 0,
        totalRequests: emulator.state.counts.total ?? 0,
        wallMs: Math.round(wallMs),
        lowerBoundRequests: pages,
        lowerBoundMs: latencyMs * (1 + Math.ceil((pages - 1) / concurrency)),
      });
    }
  } finally {
    await emulator.close();
  }
  return { shares, latencyMs, pageSize, shape, rows };
}

/** Human-readable report of a result. */
export function formatListSharesBench(result: ListSharesBenchResult): string {
  const lines = [
    `list-shares: ${result.shares} shares, ${result.latencyMs} ms latency per request, page size ${result.pageSize}, ${result.shape} shape`,
    'concurrency | listed | list requests (min) | all requests | wall ms | lower bound ms',
  ];
  for (const r of result.rows) {
    lines.push(
      `${String(r.concurrency).padStart(11)} | ${String(r.sharesListed).padStart(6)} | ${`${r.listRequests} (${r.lowerBoundRequests})`.padStart(19)} | ${String(r.totalRequests).padStart(12)} | ${String(r.wallMs).padStart(7)} | ${String(r.lowerBoundMs).padStart(14)}`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  benchmarkListShares()
    .then((result) => console.log(formatListSharesBench(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
