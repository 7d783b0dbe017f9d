/**
 * The batched audit outcome write (DynamoDbRunStore.updateAuditOutcomes) on its error paths, with
 * a mocked DynamoDB client: unprocessed keys and items are retried, and whatever cannot be written
 * is named share by share, never dropped. Its real behaviour is tested on DynamoDB Local
 * (test/integration/stores/run-store.test.ts).
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  type AttributeValue,
  type BatchGetItemCommandInput,
  type BatchWriteItemCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { AuditOutcomesNotWrittenError, type AuditOutcomeUpdate } from '../../../lib/app/store-ports';
import { DynamoDbRunStore } from '../../../lib/stores/run-store';

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
afterAll(() => client.destroy());
beforeEach(() => ddb.reset());

const RUN = '20260501T100000000Z-0a0b0c0d';
const T = Date.parse('2026-05-01T12:00:00.000Z');
const store = (batch = {}): DynamoDbRunStore =>
  new DynamoDbRunStore({ client, tableName: 'runs', batch: { baseDelayMs: 1, maxDelayMs: 2, concurrency: 1, ...batch } });
const cancelledUpdates = (n: number): AuditOutcomeUpdate[] => Array.from({ length: n }, (_, i) => ({ shareId: String(1000 + i), outcome: 'cancelled' }));

/** An audit item as the sweep stored it. */
const storedItem = (shareId: string): Record<string, AttributeValue> => ({
  pk: { S: `AUDIT#${RUN}` },
  sk: { S: shareId },
  kind: { S: 'audit' },
  decision: { S: 'cancel' },
  outcome: { S: 'enqueued' },
  paths: { L: [{ S: '/Public/a.pdf' }] },
  expiresAt: { N: '1900000000' },
});

/** Answers every BatchGetItem with the stored items of the keys asked for. */
function storedEverywhere(): void {
  ddb.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => ({
    Responses: { runs: (input.RequestItems?.runs?.Keys ?? []).map((k) => storedItem(k.sk?.S ?? '')) },
  }));
}

const sharesOf = (requests: WriteRequest[] | undefined): string[] => (requests ?? []).map((r) => r.PutRequest?.Item?.sk?.S ?? '');
const written = (): string[] => ddb.commandCalls(BatchWriteItemCommand).flatMap((c) => sharesOf(c.args[0].input.RequestItems?.runs));

describe('DynamoDbRunStore.updateAuditOutcomes', () => {
  it('reads 100 entries a call and writes 25 a call, setting the outcome on each entry as stored', async () => {
    storedEverywhere();
    ddb.on(BatchWriteItemCommand).resolves({});
    await store().updateAuditOutcomes(RUN, cancelledUpdates(130), T);

    const reads = ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems?.runs);
    expect(reads.map((r) => [r?.Keys?.length, r?.ConsistentRead])).toEqual([
      [100, true],
      [30, true],
    ]);
    expect(ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems?.runs?.length)).toEqual([25, 25, 25, 25, 25, 5]);
    const first = ddb.commandCalls(BatchWriteItemCommand)[0]!.args[0].input.RequestItems?.runs?.[0]?.PutRequest?.Item;
    expect(first).toEqual({
      ...storedItem('1000'),
      outcome: { S: 'cancelled' },
      outcomeAtMs: { N: String(T) },
      runId: { S: RUN },
      policyIds: { L: [] },
      reasons: { L: [] },
    });
  });

  it('asks again for the keys DynamoDB left unprocessed, then writes them all', async () => {
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { runs: [storedItem('1000')] }, UnprocessedKeys: { runs: { Keys: [{ pk: { S: `AUDIT#${RUN}` }, sk: { S: '1001' } }], ConsistentRead: true } } })
      .resolves({ Responses: { runs: [storedItem('1001')] } });
    ddb.on(BatchWriteItemCommand).resolves({});
    await store().updateAuditOutcomes(RUN, cancelledUpdates(2), T);
    expect(ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems?.runs?.Keys?.map((k) => k.sk?.S))).toEqual([['1000', '1001'], ['1001']]);
    expect(written()).toEqual(['1000', '1001']);
    expect(ddb.commandCalls(BatchWriteItemCommand)[0]!.args[0].input.RequestItems?.runs?.[1]?.PutRequest?.Item?.paths).toEqual({ L: [{ S: '/Public/a.pdf' }] });
  });

  it('resends the items DynamoDB left unprocessed until it takes them', async () => {
    storedEverywhere();
    let call = 0;
    ddb.on(BatchWriteItemCommand).callsFake((input: BatchWriteItemCommandInput) => {
      call += 1;
      const sent = input.RequestItems?.runs ?? [];
      return call <= 2 ? { UnprocessedItems: { runs: sent.slice(-1) } } : {};
    });
    await store().updateAuditOutcomes(RUN, cancelledUpdates(3), T);
    expect(ddb.commandCalls(BatchWriteItemCommand).map((c) => sharesOf(c.args[0].input.RequestItems?.runs))).toEqual([['1000', '1001', '1002'], ['1002'], ['1002']]);
  });

  it('names exactly the shares whose items stayed unprocessed, after writing all the others', async () => {
    storedEverywhere();
    const stuck = new Set(['1003', '1030']);
    ddb.on(BatchWriteItemCommand).callsFake((input: BatchWriteItemCommandInput) => ({
      UnprocessedItems: { runs: (input.RequestItems?.runs ?? []).filter((r) => stuck.has(r.PutRequest?.Item?.sk?.S ?? '')) },
    }));
    const attempt = store({ maxAttempts: 3 }).updateAuditOutcomes(RUN, cancelledUpdates(40), T);
    await expect(attempt).rejects.toBeInstanceOf(AuditOutcomesNotWrittenError);
    await expect(attempt).rejects.toMatchObject({ shareIds: ['1003', '1030'], retryable: true, message: expect.stringMatching(/^2 of 40 audit outcome\(s\) of run .* were not written: .*still unprocessed after 3 attempts/) });
    // Two chunks, each sent three times with only its stuck item left after the first call.
    expect(ddb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems?.runs?.length)).toEqual([25, 1, 1, 15, 1, 1]);
  });

  it.each([
    ['a BatchWriteItem call fails', BatchWriteItemCommand, 30, 25],
    ['a BatchGetItem call fails', BatchGetItemCommand, 130, 100],
  ] as const)('names the shares of the chunk that could not be written when %s, and writes the other chunks', async (_what, failing, count, lost) => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' });
    let calls = 0;
    // The first call of the failing kind is refused; every other call succeeds.
    const firstFails = <T>(answer: (input: T) => object) => (input: T) => {
      calls += 1;
      if (calls === 1) throw throttled;
      return answer(input);
    };
    const read = (input: BatchGetItemCommandInput) => ({ Responses: { runs: (input.RequestItems?.runs?.Keys ?? []).map((k) => storedItem(k.sk?.S ?? '')) } });
    ddb.on(BatchGetItemCommand).callsFake(failing === BatchGetItemCommand ? firstFails(read) : read);
    ddb.on(BatchWriteItemCommand).callsFake(failing === BatchWriteItemCommand ? firstFails(() => ({})) : () => ({}));
    const updates = cancelledUpdates(count);

    const error = await store()
      .updateAuditOutcomes(RUN, updates, T)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditOutcomesNotWrittenError);
    expect((error as AuditOutcomesNotWrittenError).shareIds).toEqual(updates.slice(0, lost).map((u) => u.shareId));
    expect(error).toMatchObject({ retryable: true, cause: expect.objectContaining({ name: 'StoreError', code: 'ThrottlingException' }) });
    const writes = ddb.commandCalls(BatchWriteItemCommand).map((c) => sharesOf(c.args[0].input.RequestItems?.runs));
    // A failed write is not repeated here: the message is retried as a whole.
    if (failing === BatchWriteItemCommand) expect(writes.slice(1).flat()).toEqual(updates.slice(lost).map((u) => u.shareId));
    else expect(writes.flat()).toEqual(updates.slice(lost).map((u) => u.shareId));
  });
});
