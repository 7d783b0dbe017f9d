import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { InventoryItem } from '../../../lib/app/store-ports';
import { DynamoDbInventoryStore } from '../../../lib/stores/inventory-store';
import { anInventoryItem, HOUR, T0 } from '../../factories/store-items';
import { useTestTables } from './tables';

const tables = useTestTables('inventory');
let accounts = 0;
function freshStore(): DynamoDbInventoryStore {
  return new DynamoDbInventoryStore({ client: tables.client, tableName: tables.names.inventory, accountId: `acct-${++accounts}` });
}
const items = (n: number, extra: (i: number) => Partial<InventoryItem> = () => ({})): InventoryItem[] =>
  Array.from({ length: n }, (_, i) => anInventoryItem({ shareId: String(100_000 + i), ...extra(i) }));

describe('DynamoDbInventoryStore', () => {
  it('round-trips items with and without marks and gone times', async () => {
    const store = freshStore();
    const written = [
      anInventoryItem({ shareId: '1' }),
      anInventoryItem({ shareId: '2', violatingSince: { 'max-age': T0 - HOUR, quota: T0 } }),
      anInventoryItem({ shareId: '3', goneAtMs: T0 }),
    ];
    expect(await store.putMany(written)).toBe(3);
    expect(await store.loadAll()).toEqual(new Map(written.map((i) => [i.shareId, i])));
  });

  it('writes more than 25 items in several batches, the last write of a share winning', async () => {
    const store = freshStore();
    const many = items(137);
    const duplicate = anInventoryItem({ shareId: '100000', lastSeenAtMs: T0 + 1 });
    expect(await store.putMany([...many, duplicate])).toBe(137);
    const loaded = await store.loadAll();
    expect(loaded.size).toBe(137);
    expect(loaded.get('100000')).toEqual(duplicate);
    expect(await store.deleteMany([...many.slice(0, 100).map((i) => i.shareId), 'not-there'])).toBe(101);
    expect([...(await store.loadAll()).keys()]).toEqual(many.slice(100).map((i) => i.shareId));
  });

  it('pages past 1 MB when loading everything', async () => {
    const store = freshStore();
    // 300 items carrying ~4 KB of grace marks each (about 1.3 MB in all).
    const marks = Object.fromEntries(Array.from({ length: 90 }, (_, p) => [`policy-${String(p).padStart(3, '0')}-${'m'.repeat(24)}`, T0]));
    const written = items(300, () => ({ violatingSince: marks }));
    await store.putMany(written);
    const raw = await tables.client.send(
      new QueryCommand({
        TableName: tables.names.inventory,
        KeyConditionExpression: 'accountId = :a',
        ExpressionAttributeValues: { ':a': { S: `acct-${accounts}` } },
        Select: 'COUNT',
      }),
    );
    expect(raw.LastEvaluatedKey).toBeDefined(); // one page is not enough
    const loaded = await store.loadAll();
    expect(loaded.size).toBe(300);
    expect(loaded.get('100299')).toEqual(written[299]);
  });

  it.each([
    { label: 'a new share', before: undefined, after: anInventoryItem(), written: true },
    { label: 'an unchanged share', before: anInventoryItem(), after: anInventoryItem(), written: false },
    { label: 'a new grace mark', before: anInventoryItem(), after: anInventoryItem({ violatingSince: { p: T0 } }), written: true },
    { label: 'a share seen gone', before: anInventoryItem(), after: anInventoryItem({ goneAtMs: T0 }), written: true },
    { label: 'last seen moved less than the resolution', before: anInventoryItem(), after: anInventoryItem({ lastSeenAtMs: T0 + HOUR }), written: false },
    { label: 'last seen moved by the resolution', before: anInventoryItem(), after: anInventoryItem({ lastSeenAtMs: T0 + 24 * HOUR }), written: true },
  ])('putChanged given $label writes it: $written', async ({ before, after, written }) => {
    const store = freshStore();
    if (before) await store.putMany([before]);
    const previous = await store.loadAll();
    expect(await store.putChanged([after], previous, { lastSeenResolutionMs: 24 * HOUR })).toBe(written ? 1 : 0);
    expect((await store.loadAll()).get(after.shareId)).toEqual(written ? after : before);
  });

  it('sets grace marks that keep their first time, and clears them', async () => {
    const store = freshStore();
    await store.putMany([anInventoryItem({ shareId: 'a' })]);
    await store.setMarks(
      [
        { shareId: 'a', policyId: 'max-age', sinceMs: T0 },
        { shareId: 'b', policyId: 'quota', sinceMs: T0 }, // not in the inventory yet
      ],
      T0,
    );
    await store.setMarks(
      [
        { shareId: 'a', policyId: 'max-age', sinceMs: T0 + HOUR }, // already marked: keeps T0
        { shareId: 'a', policyId: 'name' }, // since the `now` of the call
      ],
      T0 + HOUR,
    );
    let loaded = await store.loadAll();
    expect(loaded.get('a')).toEqual(anInventoryItem({ shareId: 'a', violatingSince: { 'max-age': T0, name: T0 + HOUR } }));
    expect(loaded.get('b')).toEqual({ shareId: 'b', firstSeenAtMs: T0, lastSeenAtMs: T0, violatingSince: { quota: T0 } });

    await store.clearMarks([
      { shareId: 'a', policyId: 'max-age' },
      { shareId: 'never-seen', policyId: 'x' }, // nothing to clear, nothing created
    ]);
    await store.clearAllMarks('b');
    loaded = await store.loadAll();
    expect(loaded.get('a')?.violatingSince).toEqual({ name: T0 + HOUR });
    expect(loaded.get('b')?.violatingSince).toBeUndefined();
    expect(loaded.has('never-seen')).toBe(false);
  });
});
