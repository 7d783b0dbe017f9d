/**
 * The store side of drift checks and cancel verification, on DynamoDB Local: the inventory's
 * cancel fields, `recordCancelRequests`, `getAuditEntries` and the account's drift baseline item.
 */
import { shapeOf, MAX_SHAPE_FIELDS } from '../../../lib/app/response-shape';
import { DynamoDbInventoryStore, inventoryItemChanged } from '../../../lib/stores/inventory-store';
import { DynamoDbRunStore } from '../../../lib/stores/run-store';
import { anAuditEntry, anInventoryItem, aRunStart, HOUR, T0 } from '../../factories/store-items';
import { useTestTables } from './tables';

const tables = useTestTables('trust');
let accounts = 0;
const account = (): string => `acct-${++accounts}`;
const inventory = (accountId = account()): DynamoDbInventoryStore => new DynamoDbInventoryStore({ client: tables.client, tableName: tables.names.inventory, accountId });
const runs = (accountId = account()): DynamoDbRunStore => new DynamoDbRunStore({ client: tables.client, tableName: tables.names.runs, accountId });

describe('inventory cancel verification fields', () => {
  it('round-trips them and counts a change of any of them as a change', async () => {
    const store = inventory();
    const item = anInventoryItem({ shareId: '5', cancelRunId: 'run-a', cancelRequestedAtMs: T0, cancelMisses: 1, cancelGaveUpAtMs: T0 + HOUR });
    await store.putMany([item]);
    expect((await store.loadAll()).get('5')).toEqual(item);
    const { cancelRunId: _gone, ...without } = item;
    expect(inventoryItemChanged(item, without)).toBe(true);
    expect(inventoryItemChanged(item, { ...item, cancelMisses: 2 })).toBe(true);
    expect(inventoryItemChanged(item, { ...item })).toBe(false);
  });

  it('records which run cancelled a share without touching its marks, creating a missing item', async () => {
    const store = inventory();
    const marked = anInventoryItem({ shareId: '7', violatingSince: { p: T0 - HOUR }, notifiedAt: { p: T0 } });
    await store.putMany([marked]);
    expect(await store.recordCancelRequests(['7', '8', '7'], 'run-b', T0 + HOUR)).toBe(2);
    const all = await store.loadAll();
    expect(all.get('7')).toEqual({ ...marked, cancelRunId: 'run-b', cancelRequestedAtMs: T0 + HOUR });
    expect(all.get('8')).toEqual({ shareId: '8', firstSeenAtMs: T0 + HOUR, lastSeenAtMs: T0 + HOUR, cancelRunId: 'run-b', cancelRequestedAtMs: T0 + HOUR });
  });
});

describe('run store: audit lookups and the drift baseline', () => {
  it('reads the audit entries at (run, share) keys, across runs, skipping keys with no entry', async () => {
    const store = runs();
    const a = store.newRunId(T0);
    const b = store.newRunId(T0 + HOUR);
    await store.putAuditEntries(a, [anAuditEntry({ shareId: '1' }), anAuditEntry({ shareId: '2' })]);
    await store.putAuditEntries(b, [anAuditEntry({ shareId: '1' })]);
    await store.updateAuditOutcome(a, '1', 'unconfirmed', T0 + 5);
    const keys = [{ runId: a, shareId: '1' }, { runId: b, shareId: '1' }, { runId: b, shareId: '3' }, ...Array.from({ length: 150 }, (_, i) => ({ runId: a, shareId: `x${i}` }))];
    const found = await store.getAuditEntries(keys);
    expect(found.map((e) => [e.runId, e.shareId, e.outcome ?? null, e.outcomeAtMs ?? null]).sort()).toEqual(
      [
        [a, '1', 'unconfirmed', T0 + 5],
        [b, '1', null, null],
      ].sort(),
    );
  });

  it('keeps one baseline per account, replaced by the next, bounded in size', async () => {
    const id = account();
    const store = runs(id);
    expect(await store.getApiShape()).toBeUndefined();
    const shape = shapeOf([{ shareId: 1, shorturl: '1a', passwd: null }]);
    await store.putApiShape({ runId: 'run-1', fingerprint: 'aaaaaaaaaaaaaaaa', recordedAtMs: T0, shape });
    expect(await store.getApiShape()).toEqual({ runId: 'run-1', fingerprint: 'aaaaaaaaaaaaaaaa', recordedAtMs: T0, shape });
    expect(await runs().getApiShape()).toBeUndefined(); // another account

    const wide = Object.fromEntries(Array.from({ length: MAX_SHAPE_FIELDS * 3 }, (_, i) => [`${'f'.repeat(300)}${i}`, i]));
    await store.putApiShape({ runId: 'run-2', fingerprint: 'bbbbbbbbbbbbbbbb', recordedAtMs: T0 + HOUR, shape: shapeOf([wide]) });
    const stored = (await store.getApiShape())!;
    expect([stored.runId, stored.truncated, Object.keys(stored.shape.fields).length <= MAX_SHAPE_FIELDS]).toEqual(['run-2', true, true]);
  });

  it('stores the run summary warnings, api shape and cancel verification', async () => {
    const store = runs();
    const runId = store.newRunId(T0);
    await store.startRun(aRunStart(runId));
    const apiShape = { fingerprint: 'cccccccccccccccc', items: 3, fields: 5, baselineRunId: 'r0', baselineFingerprint: 'dddddddddddddddd', change: { added: ['x'], removed: [], retyped: [] } };
    const cancelVerification = {
      checked: 1,
      ineffective: [{ shareId: '9', cancelRunId: 'r0', answer: 'cancelled', answeredAtMs: T0 - HOUR, misses: 1, action: 'retried' as const }],
      givenUpEarlier: ['10'],
    };
    await store.finishRun(runId, { status: 'completed', warnings: ['changed shape'], apiShape, cancelVerification });
    expect(await store.getRun(runId)).toMatchObject({ warnings: ['changed shape'], apiShape, cancelVerification });
  });
});
