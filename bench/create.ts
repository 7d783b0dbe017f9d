/**
 * Benchmark: 1,000 queued share requests through the real create-shares handler, 10 messages per
 * invocation (the stack's SQS batch size), on the TeraBox emulator with 20 ms of latency per
 * request and dynalite (in its own process) for the share records. Baseline in the same run: the
 * same handler given one message per invocation, i.e. one request at a time.
 *
 * The figure that matters: the median invocation time of a batch of 10 against the median time of
 * one request alone. A handler that works a batch's records concurrently stays near 1x; one that
 * works them one after the other costs about 10x.
 *
 * Each create is, per request: a conditional claim (DynamoDB), `POST /share/pset`, the record
 * update (DynamoDB) and a ShareCreated event; and per invocation one `sharelist` page (the
 * seed-shape answer has no share id: the batch's new shares are looked up by short url in one
 * read, see BatchShareIdLookup), so `teraboxCalls` shows 0.1 list calls per request in batches
 * of 10 and 1 alone. What remains between a batch and one request is mostly the handler's CPU
 * per record (SDK, HTTP) on one thread and dynalite, a single-threaded server, working the
 * batch's 20 writes one after the other (DynamoDB itself would take them in parallel).
 */
import { startEmulator } from '../lib/terabox/emulator';
import type { CreateShareSettings } from '../lib/app/create-share';
import type { ShareRequestMessage } from '../lib/contracts/share-request';
import { createTables, tableNames } from '../lib/stores/create-tables';
import type { CreateChildInput, CreateChildResult } from './create-child';
import { median, percentile, round1, runInChild, startDynaliteProcess } from './support';

export interface CreateBenchOptions {
  requests?: number;
  baselineRequests?: number;
  batchSize?: number;
  latencyMs?: number;
  /** Use case settings to try instead of the defaults (a what-if run). */
  settings?: Partial<CreateShareSettings>;
  log?: (line: string) => void;
}

export interface CreateRunSummary {
  batchSize: number;
  requests: number;
  invocations: number;
  medianInvocationMs: number;
  p90InvocationMs: number;
  totalMs: number;
  created: number;
  failedMessages: number;
  /** CPU of the handler's process per request, ms: what a batch's records cannot overlap on one core. */
  cpuMsPerRequest: number;
  /** TeraBox requests per create (pset, sharelist lookups, /main). */
  teraboxCalls: Record<string, number>;
}

export interface CreateBenchResult {
  latencyMs: number;
  dynamodb: 'dynalite';
  batched: CreateRunSummary;
  sequential: CreateRunSummary;
  /** Median batch of 10 / median single request. */
  ratio: number;
}

const NDUS = 'bench-create-ndus-7d21';

function summarize(r: CreateChildResult, calls: Record<string, number>): CreateRunSummary {
  return {
    batchSize: r.batchSize,
    requests: r.requests,
    invocations: r.invocations,
    medianInvocationMs: round1(median(r.invocationMs)),
    p90InvocationMs: round1(percentile(r.invocationMs, 90)),
    totalMs: r.totalMs,
    created: r.created,
    failedMessages: r.failedMessages,
    cpuMsPerRequest: r.cpuMsPerRequest,
    teraboxCalls: calls,
  };
}

/** Runs the batched creates and the one-at-a-time baseline. */
export async function runCreateBench(options: CreateBenchOptions = {}): Promise<CreateBenchResult> {
  const requests = options.requests ?? 1_000;
  const baselineRequests = options.baselineRequests ?? 200;
  const batchSize = options.batchSize ?? 10;
  const latencyMs = options.latencyMs ?? 20;
  const log = options.log ?? (() => undefined);
  const warmups = 10;
  const needed = requests + baselineRequests + 2 * warmups;

  const dynalite = await startDynaliteProcess();
  // Enough files for one share each; 500 existing shares, so that a lookup reads a full page.
  const emulator = await startEmulator({ ndus: NDUS, seed: { files: needed + 100, shares: 500, seed: 11 } });
  try {
    const client = dynalite.client();
    const names = tableNames('bench-create');
    await createTables(client, names, { timeoutMs: 30_000 });
    const files = [...emulator.state.files.values()].filter((f) => !f.isdir).map((f) => f.path);
    if (files.length < needed) throw new Error(`the emulator has ${files.length} files, ${needed} needed`);
    let next = 0;
    const make = (label: string, count: number): ShareRequestMessage[] =>
      Array.from({ length: count }, (_, i) => ({ requestId: `bench-${label}-${String(i).padStart(5, '0')}`, requester: 'bench', paths: [files[next++]!], period: 7 }));
    const batchedInput = { warmup: make('warm-a', warmups), requests: make('batch', requests) };
    const sequentialInput = { warmup: make('warm-b', warmups), requests: make('single', baselineRequests) };

    const base = {
      dynamoEndpoint: dynalite.endpoint,
      names,
      accountId: 'bench-create',
      emulatorUrl: emulator.url,
      ndus: NDUS,
      ...(options.settings ? { settings: options.settings } : {}),
    };
    const run = async (label: string, input: Omit<CreateChildInput, keyof typeof base>): Promise<CreateRunSummary> => {
      emulator.setFaults({ latencyMs });
      emulator.state.resetCounts();
      const result = await runInChild<CreateChildInput, CreateChildResult>(require.resolve('./create-child'), { ...base, ...input }, { label, bundle: { exportName: 'runCreates' } });
      const total = result.requests + input.warmup.length;
      const calls: Record<string, number> = {};
      for (const endpoint of ['/share/pset', '/share/teratransfer/sharelist', '/main']) calls[endpoint] = round1((emulator.state.counts[endpoint] ?? 0) / total);
      return summarize(result, calls);
    };
    log(`create: ${requests} requests in batches of ${batchSize} (${latencyMs} ms per TeraBox request)...`);
    const batched = await run('create, batched', { ...batchedInput, batchSize });
    log(`create: baseline, ${baselineRequests} requests one at a time...`);
    const sequential = await run('create, one at a time', { ...sequentialInput, batchSize: 1 });
    return {
      latencyMs,
      dynamodb: 'dynalite',
      batched,
      sequential,
      ratio: Math.round((batched.medianInvocationMs / sequential.medianInvocationMs) * 100) / 100,
    };
  } finally {
    await emulator.close();
    await dynalite.close();
  }
}

if (require.main === module) {
  // CREATE_SETTINGS='{"shareIdLookupShares":10}' npx tsx bench/create.ts  tries other use case settings.
  const settings = process.env.CREATE_SETTINGS ? (JSON.parse(process.env.CREATE_SETTINGS) as Partial<CreateShareSettings>) : undefined;
  runCreateBench({ log: (l) => console.log(l), requests: Number(process.env.CREATE_REQUESTS ?? 1_000), ...(settings ? { settings } : {}) })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
