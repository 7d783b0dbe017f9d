/**
 * Benchmark: the checkpointed sweep of a large account, step by step as the state machine drives
 * it, each step (Start, every ListChunk, Evaluate) in a fresh Node process as one Lambda
 * invocation (bench/chunked-child.ts, with the heap limits Lambda's runtime gives the sweep
 * function's memory), against the emulator at `latencyMs` per request with the
 * client paced at `rate` requests a second, stores on dynalite.
 *
 * The inventory is seeded with every share, seen a day before: the evaluating step holds the
 * previous inventory beside the listing and writes every item again, as a daily sweep does.
 *
 * Figures: list calls against pages (+1 re-read per continuing chunk), the longest invocation,
 * the peak RSS of the list invocations and of the evaluating one, the listing's wall time against
 * pages / rate, and the most TeraBox requests started in any one second against the rate.
 */
import type { SweepStepEvent, SweepStepReport, SweepStepState } from '../lib/contracts/sweep-steps';
import { FUNCTION_SIZES, lambdaHeapFlags, type FunctionSize } from '../lib/config/function-sizes';
import { createStores } from '../lib/stores/create-stores';
import { createTables, tableNames } from '../lib/stores/create-tables';
import { startEmulator } from '../lib/terabox/emulator';
import type { ChunkedStepInput, ChunkedStepResult } from './chunked-child';
import { maxInAnySecond } from './pace';
import { runInChild, startDynaliteProcess, type Figure } from './support';
import { sweepBenchPolicies } from './sweep';

export interface ChunkedBenchOptions {
  shares: number;
  rate: number;
  latencyMs: number;
  pagesPerChunk: number;
  /** Each step runs with the heap limits Lambda gives a function of this size (default: the sweep function's). */
  size?: FunctionSize;
  log?: (line: string) => void;
}

export interface ChunkedStepFigure {
  step: SweepStepEvent['step'];
  wallMs: number;
  maxRssMb: number;
  requests: number;
}

export interface ChunkedBenchResult {
  shares: number;
  rate: number;
  latencyMs: number;
  pagesPerChunk: number;
  memoryMb: number;
  /** The old space NODE_OPTIONS gives the function, MB (undefined: Lambda's default split). */
  heapMb: number | undefined;
  pages: number;
  chunks: number;
  listCalls: number;
  status: string;
  listed: number;
  steps: ChunkedStepFigure[];
  /** First list request to the last chunk's end, ms. */
  listWallMs: number;
  /** pages / rate, ms: no paced listing is faster. */
  listBoundMs: number;
  maxPerSecond: number;
}

const NDUS = 'bench-chunked-ndus-7c1d';
const ACCOUNT = 'bench-chunked';
const LIST = '/share/teratransfer/sharelist';

export async function runChunkedBench(options: ChunkedBenchOptions): Promise<ChunkedBenchResult> {
  const log = options.log ?? (() => undefined);
  const size = options.size ?? FUNCTION_SIZES['sweep-shares'];
  const memoryMb = size.memoryMb;
  const dynalite = await startDynaliteProcess();
  const emulator = await startEmulator({ ndus: NDUS, seed: { shares: options.shares, files: Math.max(1000, Math.ceil(options.shares / 20)), maxAgeDays: 120, seed: 11 }, faults: { latencyMs: options.latencyMs } });
  try {
    const client = dynalite.client();
    const names = tableNames('chunked');
    await createTables(client, names, { timeoutMs: 30_000 });
    const stores = createStores({ client, names, accountId: ACCOUNT });
    await stores.policies.putPolicies(sweepBenchPolicies(), Date.now());
    // The steady state of a daily sweep: every share already in the inventory, seen a day ago.
    const dayAgo = Date.now() - 86_400_000;
    const seeded = await stores.inventory.putMany([...emulator.state.shares.keys()].map((shareId) => ({ shareId, firstSeenAtMs: dayAgo - 86_400_000, lastSeenAtMs: dayAgo })));
    log(`  inventory seeded with ${fmt(seeded)} items (a steady-state sweep)`);
    const base: Omit<ChunkedStepInput, 'event'> = { dynamoEndpoint: dynalite.endpoint, names, accountId: ACCOUNT, emulatorUrl: emulator.url, ndus: NDUS, rate: options.rate, pagesPerChunk: options.pagesPerChunk };
    const steps: ChunkedStepFigure[] = [];
    const starts: number[] = [];
    const step = async (event: SweepStepEvent): Promise<ChunkedStepResult> => {
      const r = await runInChild<ChunkedStepInput, ChunkedStepResult>(require.resolve('./chunked-child'), { ...base, event }, { label: `chunked ${event.step}`, nodeFlags: lambdaHeapFlags(size) });
      steps.push({ step: event.step, wallMs: r.wallMs, maxRssMb: r.memory.maxRssMb, requests: r.requestStarts.length });
      starts.push(...r.requestStarts);
      return r;
    };
    // A dry run: the figures are the listing's and the evaluating invocation's, not the cancels'.
    let state = (await step({ step: 'start', input: { dryRun: true, trigger: 'bench' } })).output as SweepStepState;
    const listStart = Date.now();
    while (!state.listing.done) {
      state = (await step({ step: 'list', state })).output as SweepStepState;
      log(`  chunk ${state.listing.chunks}: ${state.listing.pages} pages, ${state.listing.shares} shares`);
    }
    const listWallMs = Date.now() - listStart;
    const report = (await step({ step: 'evaluate', state })).output as SweepStepReport;
    const pages = state.listing.pages;
    return {
      shares: options.shares,
      rate: options.rate,
      latencyMs: options.latencyMs,
      pagesPerChunk: options.pagesPerChunk,
      memoryMb,
      heapMb: size.heapMb,
      pages,
      chunks: state.listing.chunks,
      listCalls: emulator.state.counts[LIST] ?? 0,
      status: report.status,
      listed: report.counts?.['inventory'] ?? 0,
      steps,
      listWallMs,
      listBoundMs: Math.round((pages * 1000) / options.rate),
      maxPerSecond: maxInAnySecond(starts),
    };
  } finally {
    await emulator.close();
    await dynalite.close();
  }
}

/** The issue 14 targets of the chunked sweep. */
export const CHUNKED_TARGETS = { invocationMs: 600_000, peakMb: 512, wallFactor: 1.3 } as const;

const r2 = (n: number): number => Math.round(n * 100) / 100;
const fmt = (n: number): string => n.toLocaleString('en-US');

/** Calls against pages, the longest invocation, peak memory per invocation, the listing's time against pages / rate, the busiest second. */
export function chunkedFigures(c: ChunkedBenchResult): Figure[] {
  const what = `chunked sweep ${fmt(c.shares)} (${c.rate}/s, ${c.latencyMs} ms, ${fmt(c.pagesPerChunk)} pages a chunk, a ${fmt(c.memoryMb)} MB function${c.heapMb !== undefined ? ` with a ${fmt(c.heapMb)} MB heap` : ''})`;
  const lists = c.steps.filter((s) => s.step === 'list');
  const evaluate = c.steps.find((s) => s.step === 'evaluate');
  const maxCalls = c.pages + c.chunks - 1;
  const longest = Math.max(...c.steps.map((s) => s.wallMs));
  const listRss = Math.max(...lists.map((s) => s.maxRssMb));
  const listMs = lists.reduce((sum, s) => sum + s.wallMs, 0);
  const figures: Figure[] = [
    { id: 'chunked.list-calls', figure: `${what}: sharelist calls`, target: `<= ${fmt(maxCalls)} (pages ${fmt(c.pages)} + 1 per continuing chunk)`, measured: c.listCalls, unit: 'calls', ratio: r2(c.listCalls / c.pages), pass: c.listCalls <= maxCalls && c.listCalls >= c.pages },
    { id: 'chunked.longest-invocation', figure: `${what}: longest invocation`, target: `< ${fmt(CHUNKED_TARGETS.invocationMs)} ms`, measured: longest, unit: 'ms', ratio: r2(longest / CHUNKED_TARGETS.invocationMs), pass: longest < CHUNKED_TARGETS.invocationMs },
    { id: 'chunked.list-peak-rss', figure: `${what}: peak RSS of a list invocation`, target: `< ${CHUNKED_TARGETS.peakMb} MB`, measured: listRss, unit: 'MB', ratio: r2(listRss / CHUNKED_TARGETS.peakMb), pass: listRss < CHUNKED_TARGETS.peakMb },
    {
      id: 'chunked.list-wall',
      figure: `${what}: time of the list invocations`,
      target: `<= ${CHUNKED_TARGETS.wallFactor}x bound ${fmt(c.listBoundMs)} ms (pages / rate)`,
      measured: listMs,
      unit: 'ms',
      ratio: r2(listMs / c.listBoundMs),
      pass: listMs <= CHUNKED_TARGETS.wallFactor * c.listBoundMs,
      note: `${c.chunks} chunks; ${fmt(c.listWallMs)} ms from the first chunk's start to the last one's end, Node process starts included`,
    },
    { id: 'chunked.max-per-second', figure: `${what}: most TeraBox requests in one second`, target: `<= ${c.rate}`, measured: c.maxPerSecond, unit: 'requests', ratio: r2(c.maxPerSecond / c.rate), pass: c.maxPerSecond <= c.rate },
  ];
  if (evaluate) {
    figures.push({
      id: 'chunked.evaluate-peak-rss',
      figure: `${what}: peak RSS of the evaluating invocation`,
      target: `< ${CHUNKED_TARGETS.peakMb} MB`,
      measured: evaluate.maxRssMb,
      unit: 'MB',
      ratio: r2(evaluate.maxRssMb / CHUNKED_TARGETS.peakMb),
      pass: evaluate.maxRssMb < CHUNKED_TARGETS.peakMb,
      note: `status ${c.status}, ${fmt(c.listed)} shares evaluated in ${fmt(evaluate.wallMs)} ms`,
    });
    figures.push({
      id: 'chunked.evaluate-fits-function',
      figure: `${what}: peak RSS of the evaluating invocation against the function's memory`,
      target: `< ${fmt(c.memoryMb)} MB (Lambda stops a function that passes its memory)`,
      measured: evaluate.maxRssMb,
      unit: 'MB',
      ratio: r2(evaluate.maxRssMb / c.memoryMb),
      pass: evaluate.maxRssMb < c.memoryMb,
    });
  }
  return figures;
}
