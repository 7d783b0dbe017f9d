/**
 * `npm run bench`: every benchmark, one table of measured figures next to their targets, and
 * bench/results.json (same structure on every run: machine, settings, figures, details).
 *
 *   npm run bench                       the full run (a few minutes)
 *   npm run bench -- --quick            small sizes, a smoke test; writes nothing unless --out is given
 *   npm run bench -- --only sweep,cold-start   a subset (sweep, evaluation, create, cold-start, pace, chunked)
 *   npm run bench -- --out other.json   another result file
 *
 * Speed is measured here, never asserted by a timed test. Each heavy part runs in its own Node
 * process (see bench/support.ts); the emulator and dynalite run outside the measured process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runColdStartBench, type ColdStartResult } from './cold-start';
import { runCreateBench, type CreateBenchResult } from './create';
import type { EvaluationChildInput, EvaluationChildResult } from './evaluation-child';
import { formatTable, machineInfo, runInChild, type Figure, type MachineInfo } from './support';
import { chunkedFigures, runChunkedBench, type ChunkedBenchResult } from './chunked';
import { runPaceBench, type PaceBenchResult } from './pace';
import { runSweepBench, type SweepBenchResult } from './sweep';

export const PARTS = ['sweep', 'evaluation', 'create', 'cold-start', 'pace', 'chunked'] as const;
export type Part = (typeof PARTS)[number];

export interface BenchSizes {
  sweepShares: number;
  evaluationShares: number;
  evaluationRuns: number;
  createRequests: number;
  createBaselineRequests: number;
  coldStartRuns: number;
  latencyMs: number;
  /** The pace bench: shares listed at paceRate requests a second, paceLatencyMs per request. */
  paceShares: number;
  paceRate: number;
  paceLatencyMs: number;
  /** The chunked sweep: shares, list pages a chunk (rate and latency: the pace's). */
  chunkedShares: number;
  chunkedPagesPerChunk: number;
}

export const FULL_SIZES: BenchSizes = {
  sweepShares: 100_000,
  evaluationShares: 1_000_000,
  evaluationRuns: 5,
  createRequests: 1_000,
  createBaselineRequests: 200,
  coldStartRuns: 7,
  latencyMs: 20,
  paceShares: 20_000,
  paceRate: 20,
  paceLatencyMs: 200,
  chunkedShares: 1_000_000,
  chunkedPagesPerChunk: 2_000,
};

const QUICK_SIZES: BenchSizes = {
  sweepShares: 5_000,
  evaluationShares: 50_000,
  evaluationRuns: 1,
  createRequests: 100,
  createBaselineRequests: 30,
  coldStartRuns: 3,
  latencyMs: 20,
  paceShares: 2_000,
  paceRate: 20,
  paceLatencyMs: 200,
  chunkedShares: 20_000,
  chunkedPagesPerChunk: 50,
};

/** Targets from issue 6; the evaluation targets from issue 18; the pace's from issue 14. */
export const TARGETS = {
  extraListCalls: 1,
  sweepWallFactor: 1.5,
  /** Evaluating the sweep's shares (x 20 policies) takes at most this share of listing them. */
  evaluationListingShare: 0.05,
  evaluationMs: 10_000,
  evaluationPeakMb: 1_536,
  createBatchFactor: 2,
  bundleBytes: 1_000_000,
  loadMs: 200,
  sweepPeakMb: 512,
  /** A paced listing takes at most this factor of requests / rate (issue 14). */
  paceWallFactor: 1.3,
} as const;

export interface BenchResults {
  schema: 1;
  machine: MachineInfo;
  sizes: BenchSizes;
  targets: typeof TARGETS;
  durationMs: number;
  figures: Figure[];
  details: {
    sweep: SweepBenchResult | null;
    evaluation: EvaluationChildResult | null;
    /** The evaluation of as many shares as the sweep lists (`sizes.sweepShares`). */
    evaluationAtSweepSize: EvaluationChildResult | null;
    create: CreateBenchResult | null;
    coldStart: ColdStartResult | null;
    pace: PaceBenchResult | null;
    chunked: ChunkedBenchResult | null;
  };
}

const r2 = (n: number): number => Math.round(n * 100) / 100;
const fmt = (n: number): string => n.toLocaleString('en-US');

/** The pace's figures: the busiest second against the rate, the wall time against requests / rate. */
export function paceFigures(p: PaceBenchResult): Figure[] {
  const what = `pace ${p.rate}/s: ${fmt(p.shares)} shares, ${p.latencyMs} ms a request`;
  return [
    {
      id: 'pace.max-per-second',
      figure: `${what}: most requests in one second`,
      target: `<= ${p.rate}`,
      measured: p.maxPerSecond,
      unit: 'requests',
      ratio: r2(p.maxPerSecond / p.rate),
      pass: p.maxPerSecond <= p.rate,
    },
    {
      id: 'pace.wall',
      figure: `${what}: wall time`,
      target: `<= ${TARGETS.paceWallFactor}x bound ${fmt(p.boundMs)} ms (${fmt(p.requests)} requests / rate + latency)`,
      measured: p.wallMs,
      unit: 'ms',
      ratio: r2(p.wallMs / p.boundMs),
      pass: p.wallMs <= TARGETS.paceWallFactor * p.boundMs,
      note: `${fmt(p.sharesListed)} shares listed in ${fmt(p.requests)} requests at concurrency ${p.concurrency}`,
    },
  ];
}

/** The sweep's figures: calls against the minimum, time against the latency bound and the baseline, memory. */
export function sweepFigures(s: SweepBenchResult): Figure[] {
  return [...sweepCallFigures(s), ...sweepTimeFigures(s), ...sweepMemoryFigures(s)];
}

function sweepCallFigures(s: SweepBenchResult): Figure[] {
  const m = s.measured;
  const n = fmt(s.shares);
  return [
    {
      id: 'sweep.list-calls',
      figure: `sweep ${n}: sharelist calls`,
      target: `<= ${fmt(s.minimum.listCalls + TARGETS.extraListCalls)} (min ${fmt(s.minimum.listCalls)})`,
      measured: m.listCalls,
      unit: 'calls',
      ratio: r2(m.listCalls / s.minimum.listCalls),
      pass: m.listCalls <= s.minimum.listCalls + TARGETS.extraListCalls,
    },
    {
      id: 'sweep.cancel-calls',
      figure: `sweep ${n}: cancel calls (${fmt(m.enqueued)} shares)`,
      target: `= ${fmt(s.minimum.cancelCalls)} (batches of ${s.cancelBatchSize})`,
      measured: m.cancelCalls,
      unit: 'calls',
      ratio: s.minimum.cancelCalls === 0 ? 1 : r2(m.cancelCalls / s.minimum.cancelCalls),
      pass: m.cancelCalls <= s.minimum.cancelCalls,
    },
  ];
}

function sweepTimeFigures(s: SweepBenchResult): Figure[] {
  const m = s.measured;
  const n = fmt(s.shares);
  const totalMs = m.sweepWallMs + m.cancelDrainMs;
  const figures: Figure[] = [
    {
      id: 'sweep.list-wall',
      figure: `sweep ${n}: listing, concurrency ${s.listConcurrency}`,
      target: `<= ${TARGETS.sweepWallFactor}x bound ${fmt(s.lowerBoundMs.list)} ms`,
      measured: m.listWallMs,
      unit: 'ms',
      ratio: r2(m.listWallMs / s.lowerBoundMs.list),
      pass: m.listWallMs <= TARGETS.sweepWallFactor * s.lowerBoundMs.list,
    },
    {
      id: 'sweep.total-wall',
      figure: `sweep ${n}: sweep + cancels, end to end`,
      target: `<= ${TARGETS.sweepWallFactor}x bound ${fmt(s.lowerBoundMs.total)} ms`,
      measured: totalMs,
      unit: 'ms',
      ratio: r2(totalMs / s.lowerBoundMs.total),
      pass: totalMs <= TARGETS.sweepWallFactor * s.lowerBoundMs.total,
      note: `phases ${JSON.stringify(m.phases)}; cancel drain ${m.cancelDrainMs} ms`,
    },
  ];
  if (s.baseline) {
    figures.push({
      id: 'sweep.baseline',
      figure: `sweep ${n}: one request at a time (baseline)`,
      target: 'context: speed-up = ratio',
      measured: s.baseline.totalMs,
      unit: 'ms',
      ratio: r2(s.baseline.totalMs / totalMs),
      pass: null,
      note: `listing ${s.baseline.listWallMs} ms, cancel drain ${s.baseline.cancelDrainMs} ms`,
    });
  }
  return figures;
}

function sweepMemoryFigures(s: SweepBenchResult): Figure[] {
  const { memory } = s.measured;
  const n = fmt(s.shares);
  return [
    {
      id: 'sweep.peak-rss',
      figure: `sweep ${n}: peak RSS (sweep process)`,
      target: `< ${TARGETS.sweepPeakMb} MB`,
      measured: memory.maxRssMb,
      unit: 'MB',
      ratio: r2(memory.maxRssMb / TARGETS.sweepPeakMb),
      pass: memory.maxRssMb < TARGETS.sweepPeakMb,
    },
    {
      id: 'sweep.peak-heap',
      figure: `sweep ${n}: peak V8 heap used`,
      target: `< ${TARGETS.sweepPeakMb} MB`,
      measured: memory.peakHeapUsedMb,
      unit: 'MB',
      ratio: r2(memory.peakHeapUsedMb / TARGETS.sweepPeakMb),
      pass: memory.peakHeapUsedMb < TARGETS.sweepPeakMb,
    },
  ];
}

/** The listing time of `shares` shares: this run's sweep bench, else the last one written to bench/results.json. */
export function listingFigure(shares: number, sweep: SweepBenchResult | null, file = path.join(__dirname, 'results.json')): { ms: number; source: string } | undefined {
  if (sweep) return sweep.shares === shares ? { ms: sweep.measured.listWallMs, source: 'this run' } : undefined;
  try {
    const last = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
    const figure = last.figures.find((f) => f.id === 'sweep.list-wall');
    return figure && last.sizes.sweepShares === shares ? { ms: figure.measured, source: `${path.basename(file)} of ${last.machine.date}` } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The evaluation's figures: as many shares as the sweep lists, against the sweep's listing time
 * (left out when there is no such figure), a million shares against a fixed time, and its peak memory.
 */
export function evaluationFigures(e: EvaluationChildResult | null, small: EvaluationChildResult | null, listing: { ms: number; source: string } | undefined): Figure[] {
  const figures: Figure[] = [];
  if (small && listing) {
    const bound = Math.round(listing.ms * TARGETS.evaluationListingShare);
    figures.push({
      id: 'evaluation.vs-listing',
      figure: `evaluate ${fmt(small.shares)} shares x ${small.policies} policies`,
      target: `<= ${TARGETS.evaluationListingShare * 100}% of listing them: ${fmt(bound)} ms`,
      measured: small.ms,
      unit: 'ms',
      ratio: r2(small.ms / bound),
      pass: small.ms <= bound,
      note: `runs ${small.listingOrderMs.join(', ')} ms; shuffled input ${small.shuffledMs} ms; listing ${fmt(listing.ms)} ms (sweep bench, ${listing.source})`,
    });
  }
  if (e) {
    figures.push(
      {
        id: 'evaluation.ms',
        figure: `evaluate ${fmt(e.shares)} shares x ${e.policies} policies`,
        target: `< ${fmt(TARGETS.evaluationMs)} ms`,
        measured: e.ms,
        unit: 'ms',
        ratio: r2(e.ms / TARGETS.evaluationMs),
        pass: e.ms < TARGETS.evaluationMs,
        note: `runs ${e.listingOrderMs.join(', ')} ms; shuffled input ${e.shuffledMs} ms`,
      },
      {
        id: 'evaluation.peak-rss',
        figure: `evaluate ${fmt(e.shares)}: peak RSS (evaluation process)`,
        target: `< ${fmt(TARGETS.evaluationPeakMb)} MB`,
        measured: e.memory.maxRssMb,
        unit: 'MB',
        ratio: r2(e.memory.maxRssMb / TARGETS.evaluationPeakMb),
        pass: e.memory.maxRssMb < TARGETS.evaluationPeakMb,
        note: `synthetic inventory and result included; peak V8 heap ${e.memory.peakHeapUsedMb} MB`,
      },
    );
  }
  return figures;
}

export function createFigures(c: CreateBenchResult): Figure[] {
  return [
    {
      id: 'create.batch-vs-single',
      figure: `create: batch of ${c.batched.batchSize} (median of ${c.batched.invocations})`,
      target: `<= ${TARGETS.createBatchFactor}x one request (${c.sequential.medianInvocationMs} ms)`,
      measured: c.batched.medianInvocationMs,
      unit: 'ms',
      ratio: c.ratio,
      pass: c.ratio <= TARGETS.createBatchFactor,
      note:
        `p90 ${c.batched.p90InvocationMs} ms; ${c.batched.requests} requests in ${c.batched.totalMs} ms; baseline ${c.sequential.requests} requests in ${c.sequential.totalMs} ms; ` +
        `handler CPU ${c.batched.cpuMsPerRequest} ms per request (batched), ${c.sequential.cpuMsPerRequest} ms (alone)`,
    },
  ];
}

export function coldStartFigures(c: ColdStartResult): Figure[] {
  return c.bundles.flatMap((b): Figure[] => [
    {
      id: `cold-start.${b.name}.bytes`,
      figure: `${b.name}: bundle size`,
      target: `< ${fmt(TARGETS.bundleBytes)} B`,
      measured: b.bytes,
      unit: 'B',
      ratio: r2(b.bytes / TARGETS.bundleBytes),
      pass: b.bytes < TARGETS.bundleBytes,
      note: `gzip ${fmt(b.gzipBytes)} B`,
    },
    {
      id: `cold-start.${b.name}.load`,
      figure: `${b.name}: require() in a fresh node (median of ${c.runs})`,
      target: `< ${TARGETS.loadMs} ms`,
      measured: b.requireMs,
      unit: 'ms',
      ratio: r2(b.requireMs / TARGETS.loadMs),
      pass: b.requireMs < TARGETS.loadMs,
      note: `whole process ${b.processMs} ms; bare node ${c.bareNodeMs} ms`,
    },
  ]);
}

function parseArgs(argv: string[]): { quick: boolean; only: Part[]; out: string | undefined } {
  let quick = false;
  let only: Part[] = [...PARTS];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--only') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = names.filter((n) => !(PARTS as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) throw new Error(`--only takes a list of ${PARTS.join(', ')}`);
      only = names as Part[];
    } else if (arg === '--out') out = argv[++i];
    else throw new Error(`unknown argument ${arg} (use --quick, --only <parts>, --out <file>)`);
  }
  return { quick, only, out: out ?? (quick ? undefined : path.join(__dirname, 'results.json')) };
}

/** Runs the chosen parts in a fixed order and collects their figures. */
export async function runBench(options: { sizes?: BenchSizes; only?: readonly Part[]; log?: (line: string) => void } = {}): Promise<BenchResults> {
  const sizes = options.sizes ?? FULL_SIZES;
  const only = new Set(options.only ?? PARTS);
  const log = options.log ?? (() => undefined);
  const machine = machineInfo();
  const t0 = performance.now();
  const details: BenchResults['details'] = { sweep: null, evaluation: null, evaluationAtSweepSize: null, create: null, coldStart: null, pace: null, chunked: null };

  if (only.has('cold-start')) {
    log('cold start: bundling the three functions and loading them...');
    details.coldStart = await runColdStartBench({ runs: sizes.coldStartRuns });
  }
  if (only.has('evaluation')) {
    // Each size in its own process; gc() between the timed runs (see runEvaluationBench); the
    // engine runs bundled, as in the sweep function.
    const evaluateInChild = (count: number, runs: number): Promise<EvaluationChildResult> =>
      runInChild<EvaluationChildInput, EvaluationChildResult>(
        require.resolve('./evaluation-child'),
        { count, runs },
        { label: 'evaluation', nodeFlags: ['--expose-gc'], bundle: { exportName: 'run' } },
      );
    log(`evaluation: ${fmt(sizes.sweepShares)} shares x 20 policies...`);
    details.evaluationAtSweepSize = await evaluateInChild(sizes.sweepShares, sizes.evaluationRuns);
    log(`evaluation: ${fmt(sizes.evaluationShares)} shares x 20 policies...`);
    details.evaluation = await evaluateInChild(sizes.evaluationShares, sizes.evaluationRuns);
  }
  if (only.has('create')) {
    details.create = await runCreateBench({ requests: sizes.createRequests, baselineRequests: sizes.createBaselineRequests, latencyMs: sizes.latencyMs, log });
  }
  if (only.has('sweep')) {
    details.sweep = await runSweepBench({ shares: sizes.sweepShares, latencyMs: sizes.latencyMs, log });
  }

  if (only.has('pace')) {
    log(`pace: ${fmt(sizes.paceShares)} shares at ${sizes.paceRate} requests/s, ${sizes.paceLatencyMs} ms per request...`);
    details.pace = await runPaceBench({ shares: sizes.paceShares, rate: sizes.paceRate, latencyMs: sizes.paceLatencyMs });
  }

  if (only.has('chunked')) {
    log(`chunked sweep: ${fmt(sizes.chunkedShares)} shares at ${sizes.paceRate} requests/s, ${sizes.paceLatencyMs} ms per request, ${fmt(sizes.chunkedPagesPerChunk)} pages a chunk...`);
    details.chunked = await runChunkedBench({ shares: sizes.chunkedShares, rate: sizes.paceRate, latencyMs: sizes.paceLatencyMs, pagesPerChunk: sizes.chunkedPagesPerChunk, log });
  }

  const figures: Figure[] = [
    ...(details.sweep ? sweepFigures(details.sweep) : []),
    ...evaluationFigures(details.evaluation, details.evaluationAtSweepSize, listingFigure(sizes.sweepShares, details.sweep)),
    ...(details.create ? createFigures(details.create) : []),
    ...(details.coldStart ? coldStartFigures(details.coldStart) : []),
    ...(details.pace ? paceFigures(details.pace) : []),
    ...(details.chunked ? chunkedFigures(details.chunked) : []),
  ];
  return { schema: 1, machine, sizes, targets: TARGETS, durationMs: Math.round(performance.now() - t0), figures, details };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const results = await runBench({ sizes: args.quick ? QUICK_SIZES : FULL_SIZES, only: args.only, log: (line) => console.log(line) });
  const m = results.machine;
  console.log(`\n${m.cpus} x ${m.cpuModel}, ${m.totalMemoryMb} MB, Node ${m.node}, load ${m.loadAverage.join(' ')} at start; ${Math.round(results.durationMs / 1000)} s in all\n`);
  console.log(formatTable(results.figures));
  const notes = results.figures.filter((f) => f.note).map((f) => `- ${f.figure}: ${f.note}`);
  if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
  if (args.out) {
    writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`\nwritten: ${path.relative(process.cwd(), args.out)}`);
  }
  // A missed target is a finding to report, not a failed command.
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
