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
      anInventoryItem({ shareId: '4', violatingSince: { 'max-age': T0 - HOUR, quota: T0 }, notifiedAt: { 'max-age': T0 } }),
    ];
    expect(await store.putMany(written)).toBe(4);
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
    { label: 'a new notice', before: anInventoryItem({ violatingSince: { p: T0 } }), after: anInventoryItem({ violatingSince: { p: T0 }, notifiedAt: { p: T0 + 1 } }), written: true },
    { label: 'an unchanged notice', before: anInventoryItem({ violatingSince: { p: T0 }, notifiedAt: { p: T0 } }), after: anInventoryItem({ violatingSince: { p: T0 }, notifiedAt: { p: T0 } }), written: false },
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

  // setNotified's conditions: the mark must exist, with no notice yet (or one older than the mark).
  it.each([
    { label: 'a share not in the inventory', before: undefined, written: 0, after: undefined },
    { label: 'a share without marks', before: anInventoryItem({ shareId: 's' }), written: 0, after: anInventoryItem({ shareId: 's' }) },
    {
      label: 'a share marked by another policy only',
      before: anInventoryItem({ shareId: 's', violatingSince: { other: T0 } }),
      written: 0,
      after: anInventoryItem({ shareId: 's', violatingSince: { other: T0 } }),
    },
    {
      label: 'a mark without a notice (no notice map yet)',
      before: anInventoryItem({ shareId: 's', violatingSince: { p: T0 } }),
      written: 1,
      after: anInventoryItem({ shareId: 's', violatingSince: { p: T0 }, notifiedAt: { p: T0 + HOUR } }),
    },
    {
      label: 'a mark without a notice (another policy notified)',
      before: anInventoryItem({ shareId: 's', violatingSince: { p: T0, other: T0 }, notifiedAt: { other: T0 } }),
      written: 1,
      after: anInventoryItem({ shareId: 's', violatingSince: { p: T0, other: T0 }, notifiedAt: { other: T0, p: T0 + HOUR } }),
    },
    {
      label: 'a mark already notified (never moved)',
      before: anInventoryItem({ shareId: 's', violatingSince: { p: T0 }, notifiedAt: { p: T0 + 1 } }),
      written: 0,
      after: anInventoryItem({ shareId: 's', violatingSince: { p: T0 }, notifiedAt: { p: T0 + 1 } }),
    },
    {
      label: 'a mark whose notice is older than the mark (left from an earlier one)',
      before: anInventoryItem({ shareId: 's', violatingSince: { p: T0 }, notifiedAt: { p: T0 - HOUR } }),
      written: 1,
      after: anInventoryItem({ shareId: 's', violatingSince: { p: T0 }, notifiedAt: { p: T0 + HOUR } }),
    },
  ])('setNotified on $label writes $written notice(s)', async ({ before, written, after }) => {
    const store = freshStore();
    if (before) await store.putMany([before]);
    expect(await store.setNotified([{ shareId: 's', policyId: 'p' }], T0 + HOUR)).toBe(written);
    expect((await store.loadAll()).get('s')).toEqual(after);
  });

  it('notifies several marks of one share and of several shares in one call, each once', async () => {
    const store = freshStore();
    await store.setMarks([{ shareId: 'a', policyId: 'p' }, { shareId: 'a', policyId: 'q' }, { shareId: 'b', policyId: 'p' }], T0);
    const marks = [{ shareId: 'a', policyId: 'p' }, { shareId: 'a', policyId: 'q' }, { shareId: 'b', policyId: 'p' }, { shareId: 'b', policyId: 'p' }];
    expect(await store.setNotified(marks, T0 + 1)).toBe(3);
    expect(await store.setNotified(marks, T0 + 2)).toBe(0);
    const loaded = await store.loadAll();
    expect([loaded.get('a')?.notifiedAt, loaded.get('b')?.notifiedAt]).toEqual([{ p: T0 + 1, q: T0 + 1 }, { p: T0 + 1 }]);
  });

  it('clears a notice with its mark, whichever maps the share has, and a new mark starts without one', async () => {
    const store = freshStore();
    await store.putMany([
      anInventoryItem({ shareId: 'both', violatingSince: { p: T0, q: T0 }, notifiedAt: { p: T0, q: T0 } }),
      anInventoryItem({ shareId: 'marks-only', violatingSince: { p: T0 } }),
      anInventoryItem({ shareId: 'notice-only', notifiedAt: { p: T0 } }),
      anInventoryItem({ shareId: 'all', violatingSince: { p: T0 }, notifiedAt: { p: T0 } }),
    ]);
    await store.clearMarks(['both', 'marks-only', 'notice-only'].map((shareId) => ({ shareId, policyId: 'p' })));
    await store.clearAllMarks('all');
    let loaded = await store.loadAll();
    expect(['both', 'marks-only', 'notice-only', 'all'].map((id) => [loaded.get(id)?.violatingSince, loaded.get(id)?.notifiedAt])).toEqual([
      [{ q: T0 }, { q: T0 }],
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
    ]);

    // A leftover notice of a share without marks does not survive its next first mark.
    await store.putMany([anInventoryItem({ shareId: 'leftover', notifiedAt: { p: T0 - HOUR } })]);
    await store.setMarks([{ shareId: 'leftover', policyId: 'p' }], T0);
    loaded = await store.loadAll();
    expect(loaded.get('leftover')).toEqual(anInventoryItem({ shareId: 'leftover', violatingSince: { p: T0 } }));
  });
});
