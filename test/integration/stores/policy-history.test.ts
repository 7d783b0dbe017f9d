/**
 * The policy history on DynamoDB Local: one entry per change, written in the change's transaction,
 * in a partition of its own that loadItems and listPolicies never read.
 */
import { PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PolicyConflictError, type PolicyActor } from '../../../lib/app/store-ports';
import { DynamoDbPolicyStore } from '../../../lib/stores/policy-store';
import { aPolicy, anExemption, T0 } from '../../factories/store-items';
import { testDynamoClient } from '../../support/dynamodb';
import { useTestTables } from './tables';

const tables = useTestTables('policy-hist');
let accounts = 0;

function freshStore(client = tables.client): { store: DynamoDbPolicyStore; accountId: string } {
  const accountId = `hist-${++accounts}`;
  return { store: new DynamoDbPolicyStore({ client, tableName: tables.names.policies, accountId }), accountId };
}
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const ana: PolicyActor = { id: 'arn:aws:iam::123456789012:user/ana', source: 'sts' };
const bob: PolicyActor = { id: 'bob', source: 'os-user', note: 'the OS user name: local DynamoDB' };

describe('policy history', () => {
  it('records apply, re-apply changed and delete as three entries, newest first, with versions and diffs', async () => {
    const { store } = freshStore();
    const v1 = aPolicy({ policyId: 'p', description: 'first' });
    const v2 = aPolicy({ policyId: 'p', description: 'second', rule: { type: 'max-age', maxAgeDays: 60 } });
    await store.putPolicies([v1], T0, { actor: ana });
    await store.putPolicies([v2], T0 + 1000, { actor: bob });
    expect(await store.deletePolicy('p', T0 + 2000, { actor: ana })).toBe(true);

    const history = await store.listHistory('p');
    expect(history).toEqual([
      {
        policyId: 'p',
        change: 'delete',
        atMs: T0 + 2000,
        at: '2031-05-01T10:00:02.000Z',
        actor: ana,
        versionBefore: 2,
        before: asJson(v2),
        diff: Object.keys(asJson(v2))
          .sort()
          .map((field) => ({ field, old: (asJson(v2) as unknown as Record<string, unknown>)[field] })),
      },
      {
        policyId: 'p',
        change: 'update',
        atMs: T0 + 1000,
        at: '2031-05-01T10:00:01.000Z',
        actor: bob,
        versionBefore: 1,
        versionAfter: 2,
        before: asJson(v1),
        after: asJson(v2),
        diff: [
          { field: 'description', old: 'first', new: 'second' },
          { field: 'rule', old: asJson(v1.rule), new: { type: 'max-age', maxAgeDays: 60 } },
        ],
      },
      expect.objectContaining({ change: 'create', versionAfter: 1, after: asJson(v1), actor: ana }),
    ]);
    expect(history[2]).not.toHaveProperty('versionBefore');
    expect(history[2]?.diff.map((d) => d.field)).toEqual(Object.keys(asJson(v1)).sort());
  });

  it('keeps history out of what the sweep and `policies list` read', async () => {
    const { store } = freshStore();
    await store.putPolicies([aPolicy({ policyId: 'kept' }), aPolicy({ policyId: 'gone' })], T0, { actor: ana });
    await store.putPolicies([aPolicy({ policyId: 'kept', description: 'edited' })], T0 + 1, { actor: ana });
    await store.deletePolicy('gone', T0 + 2, { actor: ana });
    await store.putExemption(anExemption(), T0);
    expect(await store.loadItems()).toEqual({
      policies: [aPolicy({ policyId: 'kept', description: 'edited' })],
      exemptions: [anExemption()],
      unrecognized: [],
      versions: { kept: 2 },
    });
    expect((await store.listPolicies()).map((p) => [p.policyId, p.version])).toEqual([['kept', 2]]);
    expect((await store.listHistory('kept')).map((e) => e.versionAfter)).toEqual([2, 1]);
    expect((await store.listHistory('gone')).map((e) => e.change)).toEqual(['delete', 'create']);
  });

  it('continues the versions of a policy created again after a delete (a version names one document)', async () => {
    const { store } = freshStore();
    await store.putPolicies([aPolicy({ policyId: 'again' })], T0);
    await store.putPolicies([aPolicy({ policyId: 'again', description: 'two' })], T0 + 1);
    await store.deletePolicy('again', T0 + 2);
    await store.putPolicies([aPolicy({ policyId: 'again', description: 'three' })], T0 + 3);
    expect((await store.listPolicies()).map((p) => p.version)).toEqual([3]);
    const history = await store.listHistory('again');
    expect(history.map((e) => [e.change, e.versionBefore ?? null, e.versionAfter ?? null])).toEqual([
      ['create', null, 3],
      ['delete', 2, null],
      ['update', 1, 2],
      ['create', null, 1],
    ]);
    expect(history[0]?.actor).toEqual({ id: 'unknown', source: 'unknown', note: 'the caller did not say who made the change' });
    expect(await store.listHistory('again', { limit: 1 })).toHaveLength(1);
  });

  it('writes no history when a concurrent edit makes the apply conflict', async () => {
    const client = testDynamoClient();
    const { store, accountId } = freshStore(client);
    await store.putPolicies([aPolicy({ policyId: 'contested' })], T0, { actor: ana });
    const doc = DynamoDBDocumentClient.from(tables.client);
    let edits = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          await doc.send(
            new PutCommand({
              TableName: tables.names.policies,
              Item: { ...aPolicy({ policyId: 'contested', description: 'theirs' }), accountId, itemId: 'policy#contested', kind: 'policy', version: 7 + ++edits },
            }),
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'concurrentAdminEdit' },
    );
    const apply = store.putPolicies([aPolicy({ policyId: 'contested', description: 'mine' }), aPolicy({ policyId: 'fresh' })], T0 + 1, { actor: bob });
    await expect(apply).rejects.toBeInstanceOf(PolicyConflictError);
    await expect(apply).rejects.toMatchObject({ policyIds: ['contested'] });
    const del = store.deletePolicy('contested', T0 + 2, { actor: bob });
    await expect(del).rejects.toBeInstanceOf(PolicyConflictError);
    expect(edits).toBe(2);
    expect((await store.listHistory('contested')).map((e) => e.versionAfter)).toEqual([1]);
    expect((await store.listPolicies()).map((p) => [p.policyId, p.version])).toEqual([['contested', 9]]);
    expect(await store.listHistory('fresh')).toEqual([]);
    client.destroy();
  });

  it('records the delete of a hand-made item without a version, and reports a policy that is not there', async () => {
    const { store, accountId } = freshStore();
    const doc = DynamoDBDocumentClient.from(tables.client);
    await doc.send(new PutCommand({ TableName: tables.names.policies, Item: { accountId, itemId: 'policy#hand', policyId: 'hand', enabled: true } }));
    expect(await store.deletePolicy('hand', T0, { actor: ana })).toBe(true);
    expect(await store.deletePolicy('hand', T0 + 1, { actor: ana })).toBe(false);
    expect(await store.listHistory('hand')).toEqual([
      expect.objectContaining({ change: 'delete', before: { policyId: 'hand', enabled: true }, diff: [{ field: 'enabled', old: true }, { field: 'policyId', old: 'hand' }] }),
    ]);
    expect(await store.listHistory('never')).toEqual([]);
  });
});
