/**
 * Fault soak: a sweep of 20,000 shares, then its cancel batches, through the real sweep-shares and
 * cancel-shares handlers while the TeraBox emulator answers 10% of API requests with HTTP 5xx,
 * leaves 5% unanswered (timeouts), answers 2% with the rate-limit errno and rotates the jsToken
 * every 500 requests. What was cancelled is read from the emulator itself.
 *
 * The promise under test: the set cancelled equals what a fault-free run cancels on an identical
 * account (same emulator seed, same policies), or the run stops and cancels nothing. Never a
 * partial enforcement from a partial list.
 */
import nodeFetch from 'node-fetch';
import type { FetchLike } from '../../lib/terabox';
import { createStores } from '../../lib/stores/create-stores';
import { DynamoDbInventoryStore } from '../../lib/stores/inventory-store';
import { DEFAULT_LIST_CONCURRENCY } from '../../lib/terabox/client-options';
import { startEmulator, type RunningEmulator } from '../../lib/terabox/emulator';
import { aMaxAgePolicy, aSecretFilesPolicy } from '../factories/reliability';
import { useTestTables } from '../integration/stores/tables';
import { FAST_TERABOX, ManualClock, T0, cancelHandler, drain, removed, shareIds, sweepRig, type SweepRig, type Wiring } from './support/world';

const tables = useTestTables('rel-soak');
const NDUS = 'soak-ndus-5c1e9a';
const SEED = 'files=2000,shares=20000,seed=21,maxAgeDays=120';
// About 2.5% of the shares are older than 117 days; the name policy only reports (dry run).
const POLICIES = [aMaxAgePolicy(117), aSecretFilesPolicy({ mode: 'dry-run' })];
// Raised from 500 so that this account's ~500 planned cancellations fit with room to spare. Pages
// are read at the production concurrency: the client yields pages in order, so a page waiting out
// a timeout holds back the pages behind it, and the window size decides how much of that wait
// overlaps with other pages.
const ENV = { MAX_CANCELLATIONS_PER_RUN: '5000', MAX_CANCELLATION_PERCENT: '20', TERABOX_LIST_CONCURRENCY: String(DEFAULT_LIST_CONCURRENCY) };
const SOAK_FAULTS = { http5xx: 0.1, timeout: 0.05, rateLimit: 0.02, rotateEvery: 500 };
const LIST = '/share/teratransfer/sharelist';
// Pages of 20 (TeraBox serves up to 100): 1,000 list requests, so that the jsToken rotates
// (every 500 requests) while the listing runs, not only after it.
const PAGE_SIZE = 20;

interface Account {
  wiring: Wiring;
  emulator: RunningEmulator;
  sweep: SweepRig;
  before: Set<string>;
}

const emulators: RunningEmulator[] = [];
afterAll(async () => {
  await Promise.all(emulators.map((e) => e.close()));
});

async function anAccount(label: string, options: { fetch?: (emulator: RunningEmulator) => FetchLike } = {}): Promise<Account> {
  const clock = new ManualClock(T0);
  const emulator = await startEmulator({ ndus: NDUS, seed: SEED, now: () => clock.now() });
  emulators.push(emulator);
  const accountId = `soak-${label}`;
  await createStores({ client: tables.client, names: tables.names, accountId }).policies.putPolicies(POLICIES, T0);
  const wiring: Wiring = {
    client: tables.client,
    names: tables.names,
    accountId,
    emulator,
    clock,
    // A timeout fault never answers: each of the listing's ~60 costs a whole request timeout, and
    // holds back the pages behind it (pages are yielded in order), so the timeout sets most of the
    // soak's time (1,000 ms: 80 s of listing; 250 ms: 18 s). On a loaded machine a slow event loop
    // turns some answered requests into timeouts too; they are only more faults, and 10 attempts
    // per call keep them from ending the listing (which would leave only the weaker "stopped,
    // cancelled nothing" outcome to check).
    terabox: {
      requestTimeoutMs: 250,
      retry: { ...FAST_TERABOX.retry, maxAttempts: 10 },
      ...(options.fetch ? { fetch: options.fetch(emulator) } : {}),
    },
  };
  return { wiring, emulator, sweep: sweepRig(wiring, ENV, { settings: { pageSize: PAGE_SIZE } }), before: shareIds(emulator) };
}

/** Sweeps, then lets cancel-shares work the cancel queue until it is empty (redelivery, then DLQ). */
async function sweepAndCancel(account: Account) {
  const result = await account.sweep.invoke();
  const queued = account.sweep.cancelQueue.approximateNumberOfMessages;
  const cancel = cancelHandler(account.wiring);
  const drained = await drain(account.sweep.cancelQueue, cancel.handler, account.wiring.clock);
  cancel.handler.runtime.close();
  account.sweep.runtime.close();
  return { ...result, queued, drained, cancelled: removed(account.before, shareIds(account.emulator)) };
}

type Run = Awaited<ReturnType<typeof sweepAndCancel>>;
let reference: Run;
let faulty: Account;
let faultyRun: Run;

// The fault-free reference and the faulty run are independent accounts: run them side by side.
beforeAll(async () => {
  const clean = await anAccount('fault-free');
  faulty = await anAccount('faulty');
  faulty.emulator.setFaults(SOAK_FAULTS);
  [reference, faultyRun] = await Promise.all([sweepAndCancel(clean), sweepAndCancel(faulty)]);
}, 120_000);

describe('sweep under TeraBox faults', () => {
  it('the fault-free reference run completes and cancels a realistic, non-trivial set (about 2.5%)', () => {
    expect(reference.report.status).toBe('completed');
    expect(reference.cancelled.length).toBeGreaterThan(350);
    expect(reference.cancelled.length).toBeLessThan(700);
    expect(reference.drained.deadLettered).toBe(0);
  });

  it('enforces exactly the fault-free set, or stops and cancels nothing, under 5xx, timeouts, rate limits and token rotation', () => {
    const run = faultyRun;
    const counts = faulty.emulator.state.counts;
    if (run.report.status === 'completed') {
      // The faults really happened: pages were asked for again, and tokens were fetched again after rotations.
      expect(counts[LIST]).toBeGreaterThan(20_000 / PAGE_SIZE + 50);
      expect(counts['/main']).toBeGreaterThan(3);
      expect(run.report.inventory).toMatchObject({ shares: 20_000, complete: true });
      expect(run.cancelled).toEqual(reference.cancelled);
      expect(faulty.sweep.cancelDlq.snapshot()).toEqual([]);
    } else {
      // The other acceptable outcome: a listing that could not be finished cancels nothing.
      expect(run.report.status).toBe('failed');
      // Faults ended it: the page it stopped at was asked for again. At most a window of pages is
      // started beyond the pages read, so more requests than that are repeats. (A stopped listing
      // reads fewer pages and may stop before a rotation: the completed run's counts do not apply.)
      expect(counts[LIST]).toBeGreaterThan(run.report.inventory.pages + DEFAULT_LIST_CONCURRENCY);
      expect(run.report.errors.join(' ')).toMatch(/listing did not finish/);
      expect(run.queued).toBe(0);
      expect(run.cancelled).toEqual([]);
    }
  });

  it('stops and cancels nothing, and writes no inventory, when TeraBox fails for good in the middle of the listing', async () => {
    let listCalls = 0;
    const outage = await anAccount('outage', {
      fetch: (emulator) => (url, init) => {
        // From the 120th page request on, every sharelist request fails (HTTP 5xx) until the end.
        if (url.includes(LIST) && ++listCalls === 120) emulator.setFaults({ http5xx: 1, paths: [LIST] });
        return nodeFetch(url, init) as ReturnType<FetchLike>;
      },
    });
    const run = await sweepAndCancel(outage);

    expect(run.report.status).toBe('failed');
    expect(run.error?.name).toBe('SweepFailedError');
    expect(run.report.errors.join(' ')).toMatch(/listing did not finish \(stopped after \d+ pages/);
    expect(run.report.inventory.complete).toBe(false);
    expect(run.queued).toBe(0);
    expect(run.cancelled).toEqual([]);
    expect(outage.emulator.state.shares.size).toBe(20_000);
    const inventory = await new DynamoDbInventoryStore({ client: tables.client, tableName: tables.names.inventory, accountId: outage.wiring.accountId }).loadAll();
    expect(inventory.size).toBe(0);
  }, 120_000);
});
