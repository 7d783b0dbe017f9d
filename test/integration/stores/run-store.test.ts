import { PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditOutcomeUpdate, RunSummary } from '../../../lib/app/store-ports';
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

  it('of an execution are the same for the same execution and start time, and differ for another execution', () => {
    const store = freshStore();
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:SweepStateMachine:a1';
    const one = store.newRunId(T0, arn);
    expect(store.newRunId(T0, arn)).toBe(one);
    expect(one).toMatch(/^20310501T100000000Z-[0-9a-f]{8}$/);
    expect(store.newRunId(T0, `${arn}x`)).not.toBe(one);
    expect(runIdTime(one)).toBe(T0);
    expect(store.newRunId(T0)).not.toBe(store.newRunId(T0));
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
      ages: { dayCounts: [0, 3, 0, 997], unknown: 2, clocks: { 'terabox-created': 990, 'first-seen': 10 } },
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
      ages: { dayCounts: [0, 3, 0, 997], unknown: 2, clocks: { 'terabox-created': 990, 'first-seen': 10 } },
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
  it('stores and reads back unconfirmed as its own audit outcome, one at a time and in batches', async () => {
    const store = freshStore();
    const runId = store.newRunId(T0);
    await store.putAuditEntries(runId, ['6000', '6001', '6002'].map((shareId) => anAuditEntry({ shareId })));
    await store.updateAuditOutcome(runId, '6000', 'unconfirmed', T0 + 1000);
    await store.updateAuditOutcomes(runId, [{ shareId: '6001', outcome: 'unconfirmed' }, { shareId: '6002', outcome: 'already-gone' }], T0 + 2000);
    const byShare = new Map((await collect(store.listAudit(runId))).map((e) => [e.shareId, e]));
    expect(byShare.get('6000')).toEqual<AuditEntry>({ ...anAuditEntry({ shareId: '6000' }), runId, outcome: 'unconfirmed', outcomeAtMs: T0 + 1000 });
    expect(byShare.get('6001')).toMatchObject({ outcome: 'unconfirmed', outcomeAtMs: T0 + 2000 });
    expect(byShare.get('6002')).toMatchObject({ outcome: 'already-gone' });
  });

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

describe('DynamoDbRunStore batched audit outcomes', () => {
  /** Every audit item of a run as DynamoDB holds it (raw attribute values), by share id, without the run's key. */
  async function rawAudit(runId: string): Promise<Map<string, Record<string, AttributeValue>>> {
    const out = new Map<string, Record<string, AttributeValue>>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await tables.client.send(
        new QueryCommand({
          TableName: tables.names.runs,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `AUDIT#${runId}` } },
          ExclusiveStartKey: start,
        }),
      );
      for (const { pk: _pk, runId: _runId, ...rest } of page.Items ?? []) out.set(rest.sk?.S ?? '', rest);
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** 120 entries and one never written (two BatchGet calls, five BatchWrite calls); one already failed once, with an error. */
  const entries = Array.from({ length: 120 }, (_, i) =>
    anAuditEntry({ shareId: String(20_000 + i), outcome: i === 7 ? 'failed' : 'enqueued', ...(i === 7 ? { error: 'errno 105' } : {}) }),
  );
  const updates: AuditOutcomeUpdate[] = [
    ...entries.map((e, i): AuditOutcomeUpdate => (i % 10 === 3 ? { shareId: e.shareId, outcome: 'failed', error: `errno ${i} ${padding(1200, 'e')}` } : { shareId: e.shareId, outcome: i % 2 ? 'cancelled' : 'already-gone' })),
    { shareId: '99999', outcome: 'already-gone' }, // never written by the sweep: created, as the upsert does
  ];

  it('stores exactly what updateAuditOutcome stores, share by share, attribute by attribute', async () => {
    const store = freshStore(30);
    const one = store.newRunId(T0);
    const batched = newRunId(T0 + 1, () => 'batched0');
    for (const runId of [one, batched]) await store.putAuditEntries(runId, entries);

    await Promise.all(updates.map((u) => store.updateAuditOutcome(one, u.shareId, u.outcome, T0 + 5000, u.error)));
    await store.updateAuditOutcomes(batched, updates, T0 + 5000);

    const [expected, actual] = [await rawAudit(one), await rawAudit(batched)];
    expect(actual.size).toBe(121);
    expect(actual).toEqual(expected);
    expect(actual.get('20007')?.error).toBeUndefined(); // the earlier failure's error is gone, as with REMOVE
    expect(actual.get('20003')?.error?.S).toHaveLength(1000); // capped like the single update
    const listed = new Map((await collect(store.listAudit(batched))).map((e) => [e.shareId, e]));
    expect(listed.get('20001')).toEqual<AuditEntry>({ ...entries[1]!, runId: batched, outcome: 'cancelled', outcomeAtMs: T0 + 5000 });
  });

  it('keeps attributes it does not know, with their DynamoDB types (sets, maps, numbers beyond 2^53)', async () => {
    const store = freshStore();
    const runId = store.newRunId(T0);
    const extra: Record<string, AttributeValue> = {
      note: { M: { by: { S: 'ops' }, ticket: { N: '123456789012345678901234567' } } },
      tags: { SS: ['legal', 'hold'] },
      big: { N: '98765432109876543210' },
    };
    await tables.client.send(
      new PutItemCommand({
        TableName: tables.names.runs,
        Item: { pk: { S: `AUDIT#${runId}` }, sk: { S: '777' }, kind: { S: 'audit' }, decision: { S: 'cancel' }, outcome: { S: 'enqueued' }, ...extra },
      }),
    );
    const before = (await rawAudit(runId)).get('777')!;
    await store.updateAuditOutcomes(runId, [{ shareId: '777', outcome: 'cancelled' }], T0 + 1);
    const after = (await rawAudit(runId)).get('777')!;
    expect(after).toMatchObject({ outcome: { S: 'cancelled' }, outcomeAtMs: { N: String(T0 + 1) } });
    expect({ note: after.note, tags: after.tags, big: after.big }).toEqual({ note: before.note, tags: before.tags, big: before.big });
    expect(after.big).toEqual(extra.big);
  });

  it('writes the last of two updates of one share, and nothing for none', async () => {
    const store = freshStore();
    const runId = store.newRunId(T0);
    await store.updateAuditOutcomes(runId, [], T0);
    expect((await rawAudit(runId)).size).toBe(0);
    await store.updateAuditOutcomes(runId, [{ shareId: '1', outcome: 'failed', error: 'x' }, { shareId: '1', outcome: 'cancelled' }], T0);
    expect((await collect(store.listAudit(runId))).map((e) => [e.shareId, e.outcome, e.error])).toEqual([['1', 'cancelled', undefined]]);
  });
});
