/** The flagged sets of runs on DynamoDB Local: a few compact items per run, read back whole. */
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbFlaggedSetStore } from '../../../lib/stores/flagged-set-store';
import { StoreError } from '../../../lib/stores/errors';
import { T0 } from '../../factories/store-items';
import { useTestTables } from './tables';

const tables = useTestTables('flagged');
let accounts = 0;
const freshStore = (): DynamoDbFlaggedSetStore => new DynamoDbFlaggedSetStore({ client: tables.client, tableName: tables.names.runs, accountId: `flag-${++accounts}` });
const ids = (n: number, from = 10_000_000_000_000_000n): string[] => Array.from({ length: n }, (_, i) => (from + BigInt(i) * 7_919n).toString());

describe('DynamoDbFlaggedSetStore', () => {
  it('stores and reads back a run\'s flagged set, and knows a run without one', async () => {
    const store = freshStore();
    await store.putFlaggedSet('run-1', { age: ['3', '1', '9007199254740993'], name: ['2'] }, T0);
    expect(await store.getFlaggedSet('run-1')).toEqual({ age: ['1', '3', '9007199254740993'], name: ['2'] });
    await store.putFlaggedSet('run-empty', {}, T0);
    expect(await store.getFlaggedSet('run-empty')).toEqual({});
    expect(await store.getFlaggedSet('run-never')).toBeUndefined();
  });

  it('keeps 100,000 flagged shares in a few items under 400 KB, which expire with the audit trail', async () => {
    const store = freshStore();
    const flagged = { 'public-90d': ids(100_000), 'no-secrets': ids(5_000, 20_000_000_000_000_000n) };
    await store.putFlaggedSet('run-big', flagged, T0);
    expect(await store.getFlaggedSet('run-big')).toEqual(flagged);
    const doc = DynamoDBDocumentClient.from(tables.client);
    const out = await doc.send(new QueryCommand({ TableName: tables.names.runs, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `FLAGGED#flag-${accounts}#run-big` } }));
    const items = out.Items ?? [];
    expect(items.length).toBeGreaterThanOrEqual(1);
    expect(items.length).toBeLessThanOrEqual(3);
    for (const item of items) {
      expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(400_000);
      expect(item.expiresAt).toBe(Math.floor((T0 + 90 * 86_400_000) / 1000));
    }
  });

  it('replaces the set of a retried step, a longer earlier attempt included', async () => {
    const store = freshStore();
    await store.putFlaggedSet('run-retried', { p: ids(100_000) }, T0); // two parts
    await store.putFlaggedSet('run-retried', { p: ['5'] }, T0 + 1);
    expect(await store.getFlaggedSet('run-retried')).toEqual({ p: ['5'] });
  });

  it('says which part is missing rather than returning part of a set', async () => {
    const store = freshStore();
    const accountId = `flag-${accounts}`;
    await store.putFlaggedSet('run-torn', { p: ids(100_000) }, T0); // two parts
    const doc = DynamoDBDocumentClient.from(tables.client);
    await doc.send(new DeleteCommand({ TableName: tables.names.runs, Key: { pk: `FLAGGED#${accountId}#run-torn`, sk: 'PART#0001' } }));
    const read = store.getFlaggedSet('run-torn');
    await expect(read).rejects.toBeInstanceOf(StoreError);
    await expect(read).rejects.toThrow('the flagged set of run run-torn misses part 1 of 2');
  });
});
