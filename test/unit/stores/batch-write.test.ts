import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { StoreError } from '../../../lib/app/store-ports';
import { DynamoDbInventoryStore } from '../../../lib/stores/inventory-store';
import { DynamoDbRunStore } from '../../../lib/stores/run-store';
import { anAuditEntry, anInventoryItem } from '../../factories/store-items';

const ddb = mockClient(DynamoDBDocumentClient);
const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
afterAll(() => client.destroy());
beforeEach(() => ddb.reset());

const fast = { baseDelayMs: 1, maxDelayMs: 2 };
const inventory = (batch = {}): DynamoDbInventoryStore =>
  new DynamoDbInventoryStore({ client, tableName: 'inv', accountId: 'acct', batch: { ...fast, ...batch } });
const items = (n: number) => Array.from({ length: n }, (_, i) => anInventoryItem({ shareId: String(i) }));
const put = (shareId: string) => ({ PutRequest: { Item: expect.objectContaining({ accountId: 'acct', shareId }) } });

describe('batched writes', () => {
  it('splits 60 items into calls of 25, 25 and 10', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    expect(await inventory({ concurrency: 1 }).putMany(items(60))).toBe(60);
    expect(ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.inv?.length)).toEqual([25, 25, 10]);
  });

  it('resends the unprocessed items until DynamoDB takes them all', async () => {
    const unprocessed = [put('3'), put('4')];
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { inv: [{ PutRequest: { Item: { accountId: 'acct', shareId: '3' } } }, { PutRequest: { Item: { accountId: 'acct', shareId: '4' } } }] } })
      .resolvesOnce({ UnprocessedItems: { inv: [{ PutRequest: { Item: { accountId: 'acct', shareId: '4' } } }] } })
      .resolves({});
    expect(await inventory().putMany(items(5))).toBe(5);
    const sent = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.inv);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toHaveLength(5);
    expect(sent[1]).toEqual(unprocessed);
    expect(sent[2]).toEqual([put('4')]);
  });

  it('gives up with a retryable StoreError when items stay unprocessed', async () => {
    ddb.on(BatchWriteCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => ({
      UnprocessedItems: input.RequestItems,
    }));
    const attempt = inventory({ maxAttempts: 3 }).putMany(items(2));
    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ retryable: true, code: 'UnprocessedItems' });
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });

  it('starts no new batch after one failed', async () => {
    ddb.on(BatchWriteCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ThrottlingException' }));
    const attempt = inventory({ concurrency: 1 }).putMany(items(100));
    await expect(attempt).rejects.toMatchObject({ name: 'StoreError', retryable: true, code: 'ThrottlingException' });
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(1);
  });

  it('writes audit entries with their run key and expiry', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    const runs = new DynamoDbRunStore({ client, tableName: 'runs', auditRetentionDays: 1, batch: fast });
    await runs.putAuditEntries('20260501T100000000Z-abcd0123', [anAuditEntry({ shareId: '7', recordedAtMs: 0 })]);
    expect(ddb.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.runs).toEqual([
      {
        PutRequest: {
          Item: {
            ...anAuditEntry({ shareId: '7', recordedAtMs: 0 }),
            pk: 'AUDIT#20260501T100000000Z-abcd0123',
            sk: '7',
            kind: 'audit',
            runId: '20260501T100000000Z-abcd0123',
            expiresAt: 86_400,
          },
        },
      },
    ]);
  });
});
