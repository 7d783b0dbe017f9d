/**
 * Cancels verified end to end: the real sweep-shares and cancel-shares handlers over DynamoDB
 * Local, the TeraBox emulator over HTTP (its `cancelIneffective` fault answers errno 0 and keeps
 * the share) and the in-memory cancel queue between them. A cancel that did not take is found by
 * the next complete listing, cancelled once more, and after a second miss left for a person.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import nodeFetch from 'node-fetch';
import { createCancelSharesHandler, type CancelSharesHandler } from '../../../functions/cancel-shares/handler';
import type { AuditEntry } from '../../../lib/app/store-ports';
import { localLambdaContext } from '../../../lib/messages/in-memory-queue';
import type { FetchLike } from '../../../lib/terabox';
import { useTestTables } from '../stores/tables';
import { anEmulatorShare, DAY, NDUS, publicLinksPolicy, sweepWorld, T0, type SweepWorld } from './sweep-shares-support';

const tables = useTestTables('cancel-verify');

const OLD = '7100000001'; // 40 days old under /Public/: the policy cancels it
const YOUNG = '7100000002';
const SHARES = [anEmulatorShare(OLD, '/Public/old.pdf', 40), anEmulatorShare(YOUNG, '/Public/young.pdf', 3)];

let world: SweepWorld | undefined;
let cancel: CancelSharesHandler | undefined;

afterEach(async () => {
  cancel?.runtime.close();
  await world?.close();
  world = undefined;
  cancel = undefined;
});

async function setUp(cancelIneffective: 'always' | 'once'): Promise<SweepWorld> {
  const w = await sweepWorld(tables, { shares: SHARES, policies: [publicLinksPolicy()], emulator: { cancelIneffective } });
  world = w;
  const fetch: FetchLike = (url, init) => nodeFetch(url, init) as ReturnType<FetchLike>;
  cancel = createCancelSharesHandler({
    config: {
      accountId: w.accountId,
      sharesTable: tables.names.shares,
      runsTable: tables.names.runs,
      teraboxSecretId: 'terabox-share-lifecycle/ndus',
      eventBusName: 'share-lifecycle',
      globalDryRun: false,
      secretCacheSeconds: 300,
      cancelBatchSize: 100,
    },
    overrides: {
      functionName: 'cancel-shares',
      logger: new Logger({ serviceName: 'cancel-shares', logLevel: 'SILENT' }),
      metrics: silentMetrics(),
      clock: w.clock,
      dynamoClient: tables.client,
      credentials: { get: async () => ({ ndus: NDUS, baseUrl: w.emulator.url }), invalidate: () => undefined },
      terabox: { fetch, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: 2_000 },
      events: w.bus,
    },
  });
  return w;
}

function silentMetrics(): Metrics {
  const metrics = new Metrics({ serviceName: 'cancel-shares', namespace: 'TeraboxShareLifecycle' });
  jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  return metrics;
}

/** A scheduled sweep at `at`, then cancel-shares drains the cancel queue (at the same time). */
async function sweepAndCancel(w: SweepWorld, at: number): Promise<{ runId: string; enqueued: string[] }> {
  w.clock.ms = at;
  const report = await w.invoke({ trigger: 'schedule' });
  const summary = await w.cancelQueue.drain(cancel!, { context: localLambdaContext('cancel-shares', { clock: w.clock, timeoutMs: 60_000 }) });
  expect(summary.failed).toBe(0);
  return { runId: report.runId, enqueued: report.cancelled };
}

async function entryOf(w: SweepWorld, runId: string, shareId: string): Promise<AuditEntry | undefined> {
  for await (const e of w.stores.runs.listAudit(runId)) if (e.shareId === shareId) return e;
  return undefined;
}

describe('cancel verification across sweeps (sweep-shares, cancel-shares, DynamoDB Local, emulator)', () => {
  it('records cancel-ineffective, cancels once more, then raises ShareCancelIneffective and stops', async () => {
    const w = await setUp('always');

    const run1 = await sweepAndCancel(w, T0);
    expect(run1.enqueued).toEqual([OLD]);
    expect(await entryOf(w, run1.runId, OLD)).toMatchObject({ decision: 'cancel', outcome: 'cancelled', outcomeAtMs: T0 });
    expect(w.emulator.state.getShare(OLD)).toBeDefined(); // answered errno 0, kept

    const run2 = await sweepAndCancel(w, T0 + DAY);
    expect(run2.enqueued).toEqual([OLD]);
    expect(await entryOf(w, run2.runId, OLD)).toMatchObject({ decision: 'cancel-ineffective', outcome: 'cancelled' });
    const summary2 = await w.stores.runs.getRun(run2.runId);
    expect(summary2!.cancelVerification).toEqual({
      checked: 1,
      ineffective: [{ shareId: OLD, cancelRunId: run1.runId, answer: 'cancelled', answeredAtMs: T0, misses: 1, action: 'retried' }],
      givenUpEarlier: [],
    });
    expect(w.bus.detailsOf('ShareCancelIneffective')).toEqual([]);

    const run3 = await sweepAndCancel(w, T0 + 2 * DAY);
    expect(run3.enqueued).toEqual([]);
    expect(await entryOf(w, run3.runId, OLD)).toMatchObject({ decision: 'cancel-ineffective', outcome: 'given-up' });
    expect(w.bus.detailsOf('ShareCancelIneffective')).toEqual([
      expect.objectContaining({ shareId: OLD, runId: run3.runId, cancelRunId: run2.runId, answer: 'cancelled', misses: 2, paths: ['/Public/old.pdf'] }),
    ]);
    expect((await w.stores.inventory.loadAll()).get(OLD)).toMatchObject({ cancelMisses: 2, cancelGaveUpAtMs: T0 + 2 * DAY });

    // The product stops trying: no cancel, no second event, and runs show says why.
    const run4 = await sweepAndCancel(w, T0 + 3 * DAY);
    expect(run4.enqueued).toEqual([]);
    expect(await entryOf(w, run4.runId, OLD)).toMatchObject({ decision: 'cancel', outcome: 'given-up' });
    expect((await w.stores.runs.getRun(run4.runId))!.cancelVerification!.givenUpEarlier).toEqual([OLD]);
    expect(w.bus.detailsOf('ShareCancelIneffective')).toHaveLength(1);
    expect(w.metrics.get('CancelsIneffective')).toEqual([0, 1, 1, 0]);
    expect(w.metrics.get('CancelsGivenUp')).toEqual([0, 0, 1, 0]);
  });

  it('stops at the retry when the second cancel takes', async () => {
    const w = await setUp('once');
    await sweepAndCancel(w, T0);
    const run2 = await sweepAndCancel(w, T0 + DAY);
    expect(run2.enqueued).toEqual([OLD]);
    expect(w.emulator.state.getShare(OLD)).toBeUndefined();
    const run3 = await sweepAndCancel(w, T0 + 2 * DAY);
    expect((await w.stores.runs.getRun(run3.runId))!.cancelVerification).toEqual({ checked: 0, ineffective: [], givenUpEarlier: [] });
    expect(w.bus.detailsOf('ShareCancelIneffective')).toEqual([]);
  });
});
