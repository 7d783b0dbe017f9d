import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, RunSummary } from '../../../lib/app/store-ports';
import { DynamoDbRunStore, newRunId, runIdTime } from '../../../lib/stores/run-store';
import { anAuditEntry, aRunStart, aTrippedGuardrail, HOUR, padding, T0 } from '../../factories/store-items';
import { useTestTables } from './tables';

const tables = useTestTables('runs');
let accounts = 0;
function freshStore(auditRetentionDays?: number): DynamoDbRunStore {
  return new DynamoDbRunStore({
    client: tables.client,
    tableName: tables.names.runs,
    accountId: `acct-${++accounts}`,
    auditRetentionDays,
  });
}
async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('run ids', () => {
  it('are time-sortable and carry their start time', () => {
    const ids = [T0 + 5, T0, T0 + HOUR].map((t, i) => newRunId(t, () => `0000000${i}`));
    expect(ids).toEqual(['20310501T100000005Z-00000000', '20310501T100000000Z-00000001', '20310501T110000000Z-00000002']);
    expect([...ids].sort()).toEqual([ids[1], ids[0], ids[2]]);
    expect(ids.map(runIdTime)).toEqual([T0 + 5, T0, T0 + HOUR]);
    expect(runIdTime('not-a-run-id')).toBeUndefined();
  });
});

describe('DynamoDbRunStore runs', () => {
  it('starts and finishes a run, readable in one GetItem by its id', async () => {
    const store = freshStore();
    const runId = store.newRunId(T0);
    const started = await store.startRun(aRunStart(runId));
    expect(await store.getRun(runId)).toEqual(started);
    const finished = await store.finishRun(runId, {
      status: 'completed',
      finishedAtMs: T0 + 42_000,
      counts: { inventory: 1000, cancel: 612, keep: 388 },
      guardrail: aTrippedGuardrail(),
      errors: [],
      timings: { listMs: 30_000, evaluateMs: 120 },
    });
    const expected: RunSummary = {
      accountId: started.accountId,
      runId,
      status: 'completed',
      mode: 'enforce',
      trigger: 'schedule',
      startedAtMs: T0,
      finishedAtMs: T0 + 42_000,
      counts: { inventory: 1000, cancel: 612, keep: 388 },
      guardrail: aTrippedGuardrail(),
      errors: [],
      timings: { listMs: 30_000, evaluateMs: 120 },
    };
    expect(finished).toEqual(expected);
    expect(await store.getRun(runId)).toEqual(expected);
  });

  it('keeps the summary small whatever the number of errors', async () => {
    const store = freshStore();
    const runId = store.newRunId(T0);
    await store.startRun(aRunStart(runId));
    const errors = Array.from({ length: 5000 }, (_, i) => `error ${i}: ${padding(2000)}`);
    const finished = await store.finishRun(runId, { status: 'failed', errors });
    expect(finished.errors).toHaveLength(101);
    expect(finished.errors?.[100]).toBe('... and 4900 more errors');
    expect(finished.errors?.[0]?.length).toBeLessThanOrEqual(1003);
  });

  it.each([
    ['an unknown run id', () => newRunId(T0 + 1, () => 'deadbeef')],
    ['an id not made by newRunId', () => 'run-1'],
  ])('finds nothing for %s', async (_label, makeId) => {
    const store = freshStore();
    expect(await store.getRun(makeId())).toBeUndefined();
  });

  it('refuses to start a run twice or to finish one that never started', async () => {
    const store = freshStore();
    const runId = store.newRunId(T0);
    await store.startRun(aRunStart(runId));
    await expect(store.startRun(aRunStart(runId))).rejects.toMatchObject({ name: 'StoreError', message: `run ${runId} already exists` });
    await expect(store.finishRun(store.newRunId(T0 + 1), { status: 'completed' })).rejects.toMatchObject({ name: 'StoreError' });
  });

  it('lists runs newest first by default, limited', async () => {
    const store = freshStore();
    const ids = [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR].map((t) => store.newRunId(t));
    for (const [i, runId] of ids.entries()) await store.startRun(aRunStart(runId, { startedAtMs: T0 + i * HOUR }));
    expect((await store.listRuns({ limit: 3 })).map((r) => r.runId)).toEqual([ids[3], ids[2], ids[1]]);
    expect((await store.listRuns({ newestFirst: false })).map((r) => r.runId)).toEqual(ids);
  });
});

describe('DynamoDbRunStore audit', () => {
  it('writes audit entries in batches with a TTL and records outcomes', async () => {
    const store = freshStore(30);
    const runId = store.newRunId(T0);
    const entries = Array.from({ length: 60 }, (_, i) => anAuditEntry({ shareId: String(5000 + i) }));
    expect(await store.putAuditEntries(runId, entries)).toBe(60);
    await store.updateAuditOutcome(runId, '5000', 'cancelled', T0 + 1000);
    await store.updateAuditOutcome(runId, '5001', 'failed', T0 + 1000, 'errno 105');
    await store.updateAuditOutcome(runId, '9999', 'already-gone', T0 + 1000); // never written by the sweep

    const listed = await collect(store.listAudit(runId));
    expect(listed).toHaveLength(61);
    const byShare = new Map(listed.map((e) => [e.shareId, e]));
    expect(byShare.get('5000')).toEqual<AuditEntry>({ ...anAuditEntry({ shareId: '5000' }), runId, outcome: 'cancelled', outcomeAtMs: T0 + 1000 });
    expect(byShare.get('5001')).toMatchObject({ outcome: 'failed', error: 'errno 105' });
    expect(byShare.get('9999')).toEqual<AuditEntry>({
      runId,
      shareId: '9999',
      decision: 'cancel',
      policyIds: [],
      reasons: [],
      outcome: 'already-gone',
      recordedAtMs: 0,
      outcomeAtMs: T0 + 1000,
    });

    const raw = await DynamoDBDocumentClient.from(tables.client).send(
      new GetCommand({ TableName: tables.names.runs, Key: { pk: `AUDIT#${runId}`, sk: '5002' } }),
    );
    expect(raw.Item?.expiresAt).toBe(Math.floor((T0 + 30 * 24 * HOUR) / 1000));
  });

  it('pages past 1 MB when listing a run’s audit trail', async () => {
    const store = freshStore();
    const runId = store.newRunId(T0);
    const entries = Array.from({ length: 300 }, (_, i) =>
      anAuditEntry({ shareId: String(10_000 + i), reasons: [padding(4000, 'r')] }),
    );
    await store.putAuditEntries(runId, entries);
    const raw = await tables.client.send(
      new QueryCommand({
        TableName: tables.names.runs,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `AUDIT#${runId}` } },
        Select: 'COUNT',
      }),
    );
    expect(raw.LastEvaluatedKey).toBeDefined(); // one page is not enough
    const listed = await collect(store.listAudit(runId));
    expect(listed.map((e) => e.shareId)).toEqual(entries.map((e) => e.shareId));
    expect(listed[299]).toEqual({ ...entries[299], runId });
  });
});
