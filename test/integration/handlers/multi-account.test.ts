/**
 * Several TeraBox accounts in one deployment (issue 15), through the real handlers on Amazon
 * DynamoDB Local and two emulator instances (one account each, over HTTP): account A is the
 * deployment's own (ACCOUNT_ID, not registered), account B is registered; each account's
 * runtime is pointed at its emulator through `accountOverrides`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import nodeFetch from 'node-fetch';
import type { SQSRecord } from 'aws-lambda';
import { createCancelSharesHandler } from '../../../functions/cancel-shares/handler';
import { createCreateSharesHandler } from '../../../functions/create-shares/handler';
import { METRICS_NAMESPACE, type RuntimeOverrides } from '../../../functions/shared';
import { createSweepHandler, SweepEventError } from '../../../functions/sweep-shares/handler';
import type { SweepStepReport, SweepStepState } from '../../../lib/contracts/sweep-steps';
import type { ShareRequestMessage } from '../../../lib/contracts/share-request';
import { loadSweepConfig } from '../../../lib/config/env';
import { InMemoryEventBus } from '../../../lib/messages/in-memory-event-bus';
import { InMemoryCancelQueue, InMemoryQueue, localLambdaContext } from '../../../lib/messages/in-memory-queue';
import { toMessageBody } from '../../../lib/messages/sqs-batch';
import { DynamoDbAccountRegistry } from '../../../lib/stores/account-store';
import { createStores } from '../../../lib/stores/create-stores';
import { DynamoDbRunStore } from '../../../lib/stores/run-store';
import { DynamoDbShareRecordStore } from '../../../lib/stores/share-record-store';
import type { FetchLike } from '../../../lib/terabox';
import { startEmulator, type RunningEmulator } from '../../../lib/terabox/emulator';
import { aShareRequest } from '../../factories/messages';
import { runSweepMachine } from '../../support/sweep-state-machine';
import { aLambdaContext, anSqsEventOf, anSqsRecordWithBody } from '../../factories/sqs-events';
import { useTestTables } from '../stores/tables';
import { anEmulatorShare, publicLinksPolicy, T0, TestClock } from './sweep-shares-support';

const tables = useTestTables('multi-account');
const registry = () => new DynamoDbAccountRegistry({ client: tables.client, tableName: tables.names.policies });
const fetch: FetchLike = (url, init) => nodeFetch(url, init) as ReturnType<FetchLike>;
let seq = 0;

interface Account {
  id: string;
  ndus: string;
  emulator: RunningEmulator;
}

interface World {
  a: Account;
  b: Account;
  clock: TestClock;
  bus: InMemoryEventBus;
  cancelQueue: InMemoryQueue;
  logger: Logger;
  metrics: Metrics;
  /** The per-account metrics (singleMetric) documents, as EMF. */
  single: Array<Record<string, unknown>>;
  overrides: RuntimeOverrides;
  registered: string[];
}

let w: World;

async function anAccount(label: string, clock: TestClock): Promise<Account> {
  const id = `${label}-${process.pid}-${++seq}`;
  const ndus = `ndus-${id}`;
  const emulator = await startEmulator({ ndus, seed: { files: 0, seed: seq }, now: () => clock.now() });
  return { id, ndus, emulator };
}

beforeEach(async () => {
  const clock = new TestClock(T0);
  const [a, b] = [await anAccount('a', clock), await anAccount('b', clock)];
  const logger = new Logger({ serviceName: 'multi-account', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'multi-account' });
  jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  const single: Array<Record<string, unknown>> = [];
  const realSingle = metrics.singleMetric.bind(metrics);
  jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    const one = realSingle();
    jest.spyOn(one, 'publishStoredMetrics').mockImplementation(() => {
      single.push(one.serializeMetrics() as unknown as Record<string, unknown>);
      one.clearMetrics();
      return one;
    });
    return one;
  });
  const bus = new InMemoryEventBus({ clock });
  const cancelQueue = new InMemoryQueue({ name: 'cancel-batches', clock });
  const credentialsOf = (account: Account) => ({ credentials: { get: async () => ({ ndus: account.ndus, baseUrl: account.emulator.url }), invalidate: () => undefined } });
  const overrides: RuntimeOverrides = {
    dynamoClient: tables.client,
    logger,
    metrics,
    clock,
    events: bus,
    cancelQueue: new InMemoryCancelQueue(cancelQueue),
    terabox: { fetch, requestTimeoutMs: 2_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    ...credentialsOf(a),
    accountOverrides: (id) => (id === b.id ? credentialsOf(b) : {}),
  };
  w = { a, b, clock, bus, cancelQueue, logger, metrics, single, overrides, registered: [] };
  await register(b.id, b.emulator.url);
});

afterEach(async () => {
  for (const id of w.registered) await registry().remove(id);
  await w.a.emulator.close();
  await w.b.emulator.close();
  jest.restoreAllMocks();
});

async function register(accountId: string, baseUrl: string, enabled = true): Promise<void> {
  await registry().add({ accountId, displayName: accountId, secretName: `sls/accounts/${accountId}`, baseUrl, enabled, timeZone: 'UTC' }, T0);
  w.registered.push(accountId);
}

const shareRecords = (accountId: string) => new DynamoDbShareRecordStore({ client: tables.client, tableName: tables.names.shares, accountId });
const runsOf = (accountId: string) => new DynamoDbRunStore({ client: tables.client, tableName: tables.names.runs, accountId });

function createHandler() {
  const config = {
    accountId: w.a.id,
    sharesTable: tables.names.shares,
    policiesTable: tables.names.policies,
    teraboxSecretId: 'sls/terabox-session',
    eventBusName: 'bus',
    defaultPeriod: 7 as const,
    secretCacheSeconds: 300,
  };
  return createCreateSharesHandler({ config, overrides: w.overrides });
}

function cancelHandler() {
  const config = {
    accountId: w.a.id,
    sharesTable: tables.names.shares,
    runsTable: tables.names.runs,
    policiesTable: tables.names.policies,
    teraboxSecretId: 'sls/terabox-session',
    eventBusName: 'bus',
    globalDryRun: false,
    secretCacheSeconds: 300,
    cancelBatchSize: 100,
  };
  return createCancelSharesHandler({ config, overrides: w.overrides });
}

function sweepHandler() {
  const config = loadSweepConfig({
    ACCOUNT_ID: w.a.id,
    POLICIES_TABLE: tables.names.policies,
    SHARES_TABLE: tables.names.shares,
    INVENTORY_TABLE: tables.names.inventory,
    RUNS_TABLE: tables.names.runs,
    TERABOX_SECRET_ID: 'sls/terabox-session',
    CANCEL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/cancel-batches',
    EVENT_BUS_NAME: 'bus',
    GLOBAL_DRY_RUN: 'false',
    MAX_CANCELLATION_PERCENT: '100',
  });
  return createSweepHandler({ config, overrides: w.overrides });
}

const context = () => localLambdaContext('sweep-shares', { clock: w.clock, timeoutMs: 15 * 60_000 });

/** start → list (until done) → evaluate, as the state machine runs them; a failed step goes to abandon. */
async function sweepSteps(handler: ReturnType<typeof sweepHandler>, accountId: string): Promise<SweepStepReport> {
  let state = (await handler({ step: 'start', input: { accountId, trigger: 'schedule' } }, context())) as SweepStepState;
  try {
    while (!state.listing.done) state = (await handler({ step: 'list', state }, context())) as SweepStepState;
    return (await handler({ step: 'evaluate', state }, context())) as SweepStepReport;
  } catch (error) {
    const e = error as Error;
    return (await handler({ step: 'abandon', state, error: { Error: e.name, Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message }) } }, context())) as SweepStepReport;
  }
}

function requestFor(account: Account, overrides: Partial<ShareRequestMessage> = {}): ShareRequestMessage {
  const [file] = account.emulator.state.addFiles([{ path: `/Public/${account.id}-${++seq}.pdf`, size: 1000 }]);
  return aShareRequest({ requestId: `req-${account.id}-${seq}`, fsIds: undefined, paths: [file!.path], password: undefined, label: undefined, ...overrides });
}

const recordOf = (message: ShareRequestMessage): SQSRecord => anSqsRecordWithBody(toMessageBody(message));

/** One execution of the deployed sweep state machine, as the schedule starts it, every Task on the real sweep handler. */
async function runScheduledExecution(): Promise<Awaited<ReturnType<typeof runSweepMachine>>> {
  const sweep = sweepHandler();
  try {
    return await runSweepMachine({ trigger: 'schedule' }, (event) => sweep(event, context()));
  } finally {
    sweep.accounts.close();
  }
}

/** Every message on the cancel queue, in one SQS event to cancel-shares. */
async function deliverCancelBatches(): Promise<unknown> {
  const cancel = cancelHandler();
  try {
    return await cancel(anSqsEventOf(...w.cancelQueue.snapshot().map((m) => anSqsRecordWithBody(m.body))), aLambdaContext());
  } finally {
    cancel.accounts.close();
  }
}

describe('several accounts in one deployment', () => {
  it('creates each request on the emulator of its account, with its record in that account partition', async () => {
    const forA = requestFor(w.a, { account: w.a.id });
    const forB = requestFor(w.b, { account: w.b.id });
    const h = createHandler();
    try {
      expect(await h(anSqsEventOf(recordOf(forA), recordOf(forB)), aLambdaContext())).toEqual({ batchItemFailures: [] });
    } finally {
      h.accounts.close();
    }
    expect([...w.a.emulator.state.shares.values()].map((s) => s.paths)).toEqual([forA.paths]);
    expect([...w.b.emulator.state.shares.values()].map((s) => s.paths)).toEqual([forB.paths]);
    expect(await shareRecords(w.a.id).get(forA.requestId)).toMatchObject({ status: 'created', paths: forA.paths });
    expect(await shareRecords(w.b.id).get(forB.requestId)).toMatchObject({ status: 'created', paths: forB.paths });
    expect(await shareRecords(w.a.id).get(forB.requestId)).toBeUndefined();
    expect(await shareRecords(w.b.id).get(forA.requestId)).toBeUndefined();
  });

  it('rejects and records, without retrying, a request for an unknown or disabled account and an unnamed one when several accounts are served', async () => {
    const disabled = `c-${process.pid}-${++seq}`;
    await register(disabled, w.b.emulator.url, false);
    const unnamed = requestFor(w.a);
    const unknown = requestFor(w.a, { account: 'ghost' });
    const off = requestFor(w.b, { account: disabled });
    const h = createHandler();
    try {
      expect(await h(anSqsEventOf(recordOf(unnamed), recordOf(unknown), recordOf(off)), aLambdaContext())).toEqual({ batchItemFailures: [] });
    } finally {
      h.accounts.close();
    }
    const served = [w.a.id, w.b.id].sort().join(', ');
    expect(await shareRecords(w.a.id).get(unnamed.requestId)).toMatchObject({ status: 'rejected', error: `account: name the account: one of ${served}` });
    expect((await shareRecords(w.a.id).get(unknown.requestId))?.error).toMatch(/^account: account "ghost" is not served by this deployment: it is not in the account registry/);
    expect((await shareRecords(w.a.id).get(off.requestId))?.error).toMatch(new RegExp(`^account: account "${disabled}" is disabled`));
    expect(w.a.emulator.state.shares.size + w.b.emulator.state.shares.size).toBe(0);
    expect(w.bus.detailsOf('ShareRequestRejected').map((d) => d.requestId).sort()).toEqual([unnamed, unknown, off].map((r) => r.requestId).sort());
  });

  it("sweeps account B on B's emulator and partition with the deployment's policies, and cancel-shares cancels B's batches on B", async () => {
    // The policies are stored once, in the deployment account's partition.
    await createStores({ client: tables.client, names: tables.names, accountId: w.a.id }).policies.putPolicies([publicLinksPolicy()], T0);
    w.a.emulator.state.addShares([anEmulatorShare('40000000001', '/Public/a-old.pdf', 40)]);
    w.b.emulator.state.addShares([anEmulatorShare('50000000001', '/Public/b-old.pdf', 40), anEmulatorShare('50000000002', '/Public/b-young.pdf', 3)]);
    const sweep = sweepHandler();
    let report: SweepStepReport;
    try {
      report = await sweepSteps(sweep, w.b.id);
    } finally {
      sweep.accounts.close();
    }
    expect(report).toMatchObject({ status: 'completed' });
    expect(await runsOf(w.b.id).getRun(report.runId)).toMatchObject({ status: 'completed', accountId: w.b.id });
    expect(await runsOf(w.a.id).getRun(report.runId)).toBeUndefined();
    const batches = w.cancelQueue.snapshot().map((m) => JSON.parse(m.body) as { accountId: string; shareIds: string[] });
    expect(batches).toEqual([expect.objectContaining({ accountId: w.b.id, shareIds: ['50000000001'] })]);

    expect(await deliverCancelBatches()).toEqual({ batchItemFailures: [] });
    expect([...w.b.emulator.state.shares.keys()]).toEqual(['50000000002']);
    expect([...w.a.emulator.state.shares.keys()]).toEqual(['40000000001']);
    const audit = [];
    for await (const entry of runsOf(w.b.id).listAudit(report.runId)) audit.push(entry);
    expect(audit.map((e) => [e.shareId, e.outcome])).toEqual([['50000000001', 'cancelled']]);
  });

  it("fails B's run alone on its revoked cookie, with the auth metric naming B, while A's run completes", async () => {
    w.b.emulator.state.expireSession();
    w.a.emulator.state.addShares([anEmulatorShare('40000000002', '/Public/a-young.pdf', 2)]);
    const sweep = sweepHandler();
    let reports: SweepStepReport[];
    try {
      reports = [await sweepSteps(sweep, w.b.id), await sweepSteps(sweep, w.a.id)];
    } finally {
      sweep.accounts.close();
    }
    expect(reports.map((r) => r.status)).toEqual(['failed', 'completed']);
    expect(await runsOf(w.b.id).getRun(reports[0]!.runId)).toMatchObject({ status: 'failed' });
    expect(await runsOf(w.a.id).getRun(reports[1]!.runId)).toMatchObject({ status: 'completed' });
    const auth = w.single.filter((doc) => 'TeraboxAuthFailures' in doc);
    expect(auth.length).toBeGreaterThan(0);
    expect(new Set(auth.map((doc) => doc.account))).toEqual(new Set([w.b.id]));
    const dims = (auth[0]!._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][] }> }).CloudWatchMetrics[0]!.Dimensions;
    expect(dims[0]).toContain('account');
  });

  it("one execution of the deployed state machine sweeps both accounts: each cancels exactly its own breaking shares, a policy for A alone never touches B", async () => {
    const stores = createStores({ client: tables.client, names: tables.names, accountId: w.a.id });
    await stores.policies.putPolicies([publicLinksPolicy(), { ...publicLinksPolicy(), policyId: 'a-only-any-age', accounts: [w.a.id], rule: { type: 'name', deny: ['**/a-secret-*'] } }], T0);
    // Each account: old /Public/ links (break the 30-day policy), young ones, and an a-secret-* file (A's own rule only).
    const sharesOf = (prefix: string, label: string) => [
      anEmulatorShare(`${prefix}01`, `/Public/${label}-old-1.pdf`, 40),
      anEmulatorShare(`${prefix}02`, `/Public/${label}-old-2.pdf`, 45),
      anEmulatorShare(`${prefix}03`, `/Public/${label}-young.pdf`, 3),
      anEmulatorShare(`${prefix}04`, `/Public/a-secret-${label}.txt`, 2),
    ];
    w.a.emulator.state.addShares(sharesOf('4100000000', 'a'));
    w.b.emulator.state.addShares(sharesOf('5100000000', 'b'));
    const outcome = await runScheduledExecution();
    expect(outcome).toMatchObject({ status: 'succeeded', output: { anyFailed: false } });
    const results = (outcome as { output: { accounts: Array<{ accountId: string; status: string; runId: string }> } }).output.accounts;
    expect(results.map((r) => [r.accountId, r.status]).sort()).toEqual([[w.a.id, 'completed'], [w.b.id, 'completed']].sort());

    expect(await deliverCancelBatches()).toEqual({ batchItemFailures: [] });
    expect([...w.a.emulator.state.shares.keys()].sort()).toEqual(['410000000003']);
    expect([...w.b.emulator.state.shares.keys()].sort()).toEqual(['510000000003', '510000000004']);
    for (const r of results) expect(await runsOf(r.accountId).getRun(r.runId)).toMatchObject({ status: 'completed', accountId: r.accountId });
  });

  it("an execution with B's cookie revoked fails B alone, with the auth metric naming B: A is swept and cancelled, the execution fails naming B", async () => {
    await createStores({ client: tables.client, names: tables.names, accountId: w.a.id }).policies.putPolicies([publicLinksPolicy()], T0);
    w.a.emulator.state.addShares([anEmulatorShare('420000000001', '/Public/a-old.pdf', 40), anEmulatorShare('420000000002', '/Public/a-young.pdf', 2)]);
    w.b.emulator.state.addShares([anEmulatorShare('520000000001', '/Public/b-old.pdf', 40)]);
    w.b.emulator.state.expireSession();
    const outcome = await runScheduledExecution();
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: expect.stringContaining(JSON.stringify([w.b.id])) });
    expect(outcome.status === 'failed' && outcome.cause).not.toContain(w.a.id);
    const batches = w.cancelQueue.snapshot().map((m) => JSON.parse(m.body) as { accountId: string; shareIds: string[] });
    expect(batches).toEqual([expect.objectContaining({ accountId: w.a.id, shareIds: ['420000000001'] })]);
    expect(await deliverCancelBatches()).toEqual({ batchItemFailures: [] });
    expect([...w.a.emulator.state.shares.keys()]).toEqual(['420000000002']);
    expect([...w.b.emulator.state.shares.keys()]).toEqual(['520000000001']);
    const runsB = await runsOf(w.b.id).listRuns();
    expect(runsB.map((r) => r.status)).toEqual(['failed']);
    expect((await runsOf(w.a.id).listRuns()).map((r) => r.status)).toEqual(['completed']);
    const auth = w.single.filter((doc) => 'TeraboxAuthFailures' in doc);
    expect(auth.length).toBeGreaterThan(0);
    expect(new Set(auth.map((doc) => doc.account))).toEqual(new Set([w.b.id]));
  });

  it('refuses a sweep of an unknown or disabled account at start, with nothing done', async () => {
    const disabled = `c-${process.pid}-${++seq}`;
    await register(disabled, w.b.emulator.url, false);
    const sweep = sweepHandler();
    try {
      for (const accountId of ['ghost', disabled]) {
        await expect(sweep({ step: 'start', input: { accountId } }, context())).rejects.toThrow(SweepEventError);
        expect(await runsOf(accountId).listRuns()).toEqual([]);
      }
    } finally {
      sweep.accounts.close();
    }
  });

  it("refuses a cancel batch of a disabled account: nothing cancelled, the audit entry says why, not retried", async () => {
    const disabled = `c-${process.pid}-${++seq}`;
    await register(disabled, w.b.emulator.url, false);
    const [share] = w.b.emulator.state.addShares([anEmulatorShare('50000000009', '/Public/b-kept.pdf', 40)]);
    const runs = runsOf(disabled);
    const runId = runs.newRunId(T0);
    await runs.startRun({ runId, status: 'running', mode: 'enforce', startedAtMs: T0 });
    await runs.putAuditEntries(runId, [{ shareId: share!.shareId, decision: 'cancel', policyIds: ['public-30d'], reasons: ['too old'], outcome: 'enqueued', recordedAtMs: T0 }]);
    const body = JSON.stringify({ runId, accountId: disabled, shareIds: [share!.shareId], dryRun: false });
    const cancel = cancelHandler();
    try {
      expect(await cancel(anSqsEventOf(anSqsRecordWithBody(body)), aLambdaContext())).toEqual({ batchItemFailures: [] });
    } finally {
      cancel.accounts.close();
    }
    expect(w.b.emulator.state.shares.has(share!.shareId)).toBe(true);
    const audit = [];
    for await (const entry of runs.listAudit(runId)) audit.push(entry);
    expect(audit).toEqual([expect.objectContaining({ outcome: 'failed', error: expect.stringMatching(/^not cancelled: account ".*" is disabled/) })]);
  });
});
