/**
 * Benchmark: the daily sweep of a 100,000-share account, through the real sweep-shares and
 * cancel-shares handlers, on the TeraBox emulator with 20 ms of latency per request and dynalite
 * (pure-JS DynamoDB in its own process: fast to start, no Java; why not DynamoDB Local: bench/NOTES.md).
 *
 * Processes: this one hosts the emulator; dynalite runs in a second; each sweep runs in a fresh
 * third one (bench/sweep-child.ts), so that its peak memory is the sweep's alone, as in a Lambda.
 *
 * Steps:
 * 1. Seed: a first sweep in dry-run mode without latency writes the inventory of the 100,000 shares
 *    (what any account's first sweep does; reported, no target: it is bound by DynamoDB writes).
 * 2. Measured: an enforcing sweep at the function's configured listing concurrency, then the cancel
 *    queue drained by cancel-shares as the stack's event source does it (batches of 5 messages,
 *    2 invocations at a time).
 * 3. Baseline: the cancelled shares are put back into the emulator and the same sweep runs one
 *    request at a time (listing concurrency 1, one cancel message per invocation, one invocation).
 *
 * Policies: shares older than 114 days are cancelled (about 5% of an account whose shares are
 * spread over 120 days), a dry-run name policy on /Private/keys/, an account quota that never
 * trips and one exemption. The guardrails are raised for the bench (MAX_CANCELLATIONS_PER_RUN
 * 10,000 instead of 500; MAX_CANCELLATION_PERCENT 10 instead of 20), otherwise the default cap of
 * 500 would stop the run before it cancels anything, as designed.
 */
import { DEFAULT_CANCEL_BATCH_SIZE, DEFAULT_PAGE_SIZE } from '../lib/terabox';
import { startEmulator, type EmulatorShare, type RunningEmulator } from '../lib/terabox/emulator';
import { loadSweepConfig } from '../lib/config/env';
import { createStores } from '../lib/stores/create-stores';
import { createTables, tableNames, type TableNames } from '../lib/stores/create-tables';
import type { Policy } from '../lib/domain/policy-types';
import type { SweepChildInput, SweepChildResult } from './sweep-child';
import { runInChild, startDynaliteProcess, type DynaliteProcess } from './support';

export interface SweepBenchOptions {
  shares?: number;
  latencyMs?: number;
  /** Skip the one-request-at-a-time baseline (quick runs). */
  baseline?: boolean;
  log?: (line: string) => void;
}

export interface SweepBenchResult {
  shares: number;
  latencyMs: number;
  pageSize: number;
  listConcurrency: number;
  cancelBatchSize: number;
  /** The stack's cancel-shares event source: messages per invocation and invocations at once. */
  cancelBatchMessages: number;
  cancelPollers: number;
  dynamodb: 'dynalite';
  guardrails: { maxCancellations: number; maxCancellationPercent: number };
  policies: string[];
  minimum: { listCalls: number; cancelCalls: number };
  lowerBoundMs: { list: number; cancel: number; total: number };
  seed: SweepChildResult;
  measured: SweepChildResult & { listCalls: number; cancelCalls: number; mainCalls: number; totalCalls: number; remainingShares: number };
  baseline?: SweepChildResult & { listCalls: number; cancelCalls: number; totalMs: number };
}

const NDUS = 'bench-sweep-ndus-0b5e';
const ACCOUNT = 'bench-sweep';
const DAY = 86_400_000;

/** The bench's policy set (validated types; the store writes them as the CLI would). */
export function sweepBenchPolicies(): Policy[] {
  return [
    {
      policyId: 'stale-links-114-days',
      description: 'Links live at most 114 days',
      enabled: true,
      mode: 'enforce',
      rule: { type: 'max-age', maxAgeDays: 114 },
      exempt: { pathPrefixes: ['/Public/evergreen/'] },
      graceHours: 0,
    },
    {
      policyId: 'no-key-files',
      enabled: true,
      mode: 'dry-run',
      scope: { pathPrefixes: ['/Private/keys/'] },
      rule: { type: 'name', deny: ['**/*.pem', '**/*.key', '**/*.env'] },
      graceHours: 0,
    },
    {
      policyId: 'account-quota',
      enabled: true,
      mode: 'enforce',
      rule: { type: 'quota', maxShares: 250_000, per: 'account', keep: 'newest' },
      graceHours: 0,
    },
  ];
}

/** The stack's cancel-shares event source: messages per invocation and invocations at once. */
const CANCEL_EVENT_SOURCE = { cancelBatchMessages: 5, cancelPollers: 2 }; // infra: SqsEventSource batchSize 5, maxConcurrency 2

type ChildSettings = Pick<SweepChildInput, 'listConcurrency' | 'cancelPollers' | 'cancelBatchMessages'>;
type RunSweepChild = (label: string, dryRun: boolean, settings: ChildSettings) => Promise<SweepChildResult>;

/** Runs the three sweeps and returns the counts and timings (nothing printed but progress). */
export async function runSweepBench(options: SweepBenchOptions = {}): Promise<SweepBenchResult> {
  const shares = options.shares ?? 100_000;
  const latencyMs = options.latencyMs ?? 20;
  const log = options.log ?? (() => undefined);
  const { listConcurrency, cancelBatchSize } = sweepFunctionDefaults();
  const guardrails = { maxCancellations: 10_000, maxCancellationPercent: 10 };
  const stackSettings = { listConcurrency, ...CANCEL_EVENT_SOURCE };

  const dynalite = await startDynaliteProcess();
  const emulator = await startEmulator({ ndus: NDUS, seed: { shares, files: Math.max(1000, Math.ceil(shares / 20)), maxAgeDays: 120, seed: 7 } });
  try {
    const { names, policies } = await prepareTables(dynalite);
    const base: Omit<SweepChildInput, 'label' | 'dryRun' | keyof ChildSettings> = {
      dynamoEndpoint: dynalite.endpoint,
      names,
      accountId: ACCOUNT,
      emulatorUrl: emulator.url,
      ndus: NDUS,
      ...guardrails,
    };
    const child: RunSweepChild = (label, dryRun, settings) =>
      runInChild<SweepChildInput, SweepChildResult>(require.resolve('./sweep-child'), { ...base, label, dryRun, ...settings }, { label, bundle: { exportName: 'runOne' } });

    log(`sweep: seeding the inventory of ${shares} shares (a first sweep, dry run, no latency)...`);
    const seed = await child('seed (first sweep, dry run)', true, stackSettings);
    if (seed.status !== 'completed') throw new Error(`the seeding sweep did not complete: ${seed.errors.join('; ')}`);

    const before = new Map<string, EmulatorShare>(emulator.state.shares);
    emulator.setFaults({ latencyMs });
    emulator.state.resetCounts();
    log(`sweep: measured run (listing concurrency ${listConcurrency}, ${latencyMs} ms per request)...`);
    const run = await child(`enforce, concurrency ${listConcurrency}`, false, stackSettings);
    const counts = { ...emulator.state.counts };
    const measured = { ...run, ...callCounts(counts), mainCalls: counts['/main'] ?? 0, totalCalls: counts.total ?? 0, remainingShares: emulator.state.shares.size };
    const bounds = sweepBounds({ shares, latencyMs, listConcurrency, enqueued: run.enqueued, cancelBatchSize, ...CANCEL_EVENT_SOURCE });
    const baseline = options.baseline !== false ? await baselineRun(emulator, before, child, log) : undefined;
    return {
      shares,
      latencyMs,
      pageSize: DEFAULT_PAGE_SIZE,
      listConcurrency,
      cancelBatchSize: cancelBatchSize ?? DEFAULT_CANCEL_BATCH_SIZE,
      ...CANCEL_EVENT_SOURCE,
      dynamodb: 'dynalite',
      guardrails,
      policies: policies.map((p) => p.policyId),
      ...bounds,
      seed,
      measured,
      ...(baseline ? { baseline } : {}),
    };
  } finally {
    await emulator.close();
    await dynalite.close();
  }
}

/** The sweep function's own listing concurrency and cancel batch size, read the way the Lambda reads them. */
function sweepFunctionDefaults(): { listConcurrency: number; cancelBatchSize: number } {
  const defaults = loadSweepConfig({
    POLICIES_TABLE: 'p-x',
    SHARES_TABLE: 's-x',
    INVENTORY_TABLE: 'i-x',
    RUNS_TABLE: 'r-x',
    TERABOX_SECRET_ID: 'x',
    CANCEL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/q',
    EVENT_BUS_NAME: 'b',
    GLOBAL_DRY_RUN: 'false',
  });
  return { listConcurrency: defaults.listConcurrency, cancelBatchSize: defaults.cancelBatchSize };
}

/** Creates the tables on dynalite and writes the bench's policies and exemption. */
async function prepareTables(dynalite: DynaliteProcess): Promise<{ names: TableNames; policies: Policy[] }> {
  const client = dynalite.client();
  const names = tableNames('bench');
  await createTables(client, names, { timeoutMs: 30_000 });
  const stores = createStores({ client, names, accountId: ACCOUNT });
  const now = Date.now();
  const policies = sweepBenchPolicies();
  await stores.policies.putPolicies(policies, now);
  await stores.policies.putExemption({ exemptionId: 'legal-hold', pathPrefixes: ['/Archive/legal/'], reason: 'legal hold', expiresAt: new Date(now + 365 * DAY).toISOString() }, now);
  return { names, policies };
}

function callCounts(counts: Record<string, number>): { listCalls: number; cancelCalls: number } {
  return { listCalls: counts['/share/teratransfer/sharelist'] ?? 0, cancelCalls: counts['/share/cancel'] ?? 0 };
}

export interface SweepBoundsInput {
  shares: number;
  latencyMs: number;
  listConcurrency: number;
  /** Shares the measured run sent for cancellation. */
  enqueued: number;
  cancelBatchSize: number;
  cancelPollers: number;
  cancelBatchMessages: number;
}

/** The fewest TeraBox calls the sweep can make, and the time they take at the given latency and concurrency. */
export function sweepBounds(input: SweepBoundsInput): Pick<SweepBenchResult, 'minimum' | 'lowerBoundMs'> {
  const { latencyMs, listConcurrency, cancelPollers, cancelBatchMessages } = input;
  const pages = Math.ceil(input.shares / DEFAULT_PAGE_SIZE);
  const cancelCalls = Math.ceil(input.enqueued / input.cancelBatchSize);
  // Session set-up (/main) + page 1 alone (it decides the plan) + the other pages c at a time.
  const listBound = latencyMs * (2 + Math.ceil((pages - 1) / listConcurrency));
  // cancel-shares' own session (/main) + the cancel calls, (pollers x messages) at a time.
  const cancelBound = cancelCalls === 0 ? 0 : latencyMs * (1 + Math.ceil(cancelCalls / (cancelPollers * cancelBatchMessages)));
  return { minimum: { listCalls: pages, cancelCalls }, lowerBoundMs: { list: listBound, cancel: cancelBound, total: listBound + cancelBound } };
}

/** Puts the cancelled shares back (same ids, times and files) and runs the same sweep one request at a time. */
async function baselineRun(
  emulator: RunningEmulator,
  before: ReadonlyMap<string, EmulatorShare>,
  child: RunSweepChild,
  log: (line: string) => void,
): Promise<NonNullable<SweepBenchResult['baseline']>> {
  const gone = [...before.values()].filter((s) => !emulator.state.shares.has(s.shareId));
  emulator.state.addShares(gone.map(({ shareId, fsIds, paths, shorturl, ctime, period, public: isPublic, pwd, status }) => ({ shareId, fsIds, paths, shorturl, ctime, period, public: isPublic, pwd, status })));
  emulator.state.resetCounts();
  log('sweep: baseline run (one request at a time)...');
  const b = await child('enforce, one request at a time', false, { listConcurrency: 1, cancelPollers: 1, cancelBatchMessages: 1 });
  return { ...b, ...callCounts(emulator.state.counts), totalMs: b.sweepWallMs + b.cancelDrainMs };
}

if (require.main === module) {
  runSweepBench({ shares: Number(process.env.BENCH_SHARES ?? 100_000), log: (l) => console.log(l) })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
