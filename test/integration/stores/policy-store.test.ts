import { PutCommand, GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PolicyBatchTooLargeError, PolicyConflictError, StoreError } from '../../../lib/app/store-ports';
import { DynamoDbPolicyStore } from '../../../lib/stores/policy-store';
import { aPolicy, anExemption, padding, T0 } from '../../factories/store-items';
import { testDynamoClient } from '../../support/dynamodb';
import { useTestTables } from './tables';

const tables = useTestTables('policies');
let accounts = 0;

/** A fresh account per test: the tests share one table. */
function freshStore(client = tables.client): { store: DynamoDbPolicyStore; accountId: string } {
  const accountId = `acct-${++accounts}`;
  return { store: new DynamoDbPolicyStore({ client, tableName: tables.names.policies, accountId }), accountId };
}
const doc = (): DynamoDBDocumentClient => DynamoDBDocumentClient.from(tables.client);
const putRaw = (item: Record<string, unknown>) => doc().send(new PutCommand({ TableName: tables.names.policies, Item: item }));
/** The JSON form of a value: what a policy file holds (no undefined fields). */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const quota = aPolicy({
  policyId: 'quota-per-requester',
  mode: 'dry-run',
  scope: undefined,
  exempt: undefined,
  rule: { type: 'quota', maxShares: 50, per: 'requester', keep: 'newest' },
  maxCancellationsPerRun: undefined,
  graceHours: 24,
});
const naming = aPolicy({ policyId: 'no-env-files', rule: { type: 'name', deny: ['**/*.env'], denyRegex: ['(?i)secret'] } });

describe('DynamoDbPolicyStore items', () => {
  it('stores a policy as the documented JSON plus keys, kind and bookkeeping', async () => {
    const { store, accountId } = freshStore();
    await store.putPolicies([aPolicy()], T0);
    const out = await doc().send(
      new GetCommand({ TableName: tables.names.policies, Key: { accountId, itemId: 'policy#public-links-30-days' } }),
    );
    expect(out.Item).toEqual({
      ...aPolicy(),
      accountId,
      itemId: 'policy#public-links-30-days',
      kind: 'policy',
      updatedAt: '2031-05-01T10:00:00.000Z',
      version: 1,
    });
  });

  it('loads exactly the documented JSON of policies and exemptions, table attributes stripped', async () => {
    const { store } = freshStore();
    await store.putPolicies([aPolicy(), quota, naming], T0);
    await store.putExemption(anExemption(), T0);
    expect(await store.loadItems()).toEqual({
      policies: asJson([naming, aPolicy(), quota]), // in key order
      exemptions: [anExemption()],
      unrecognized: [],
      versions: { 'no-env-files': 1, 'public-links-30-days': 1, 'quota-per-requester': 1 },
    });
  });

  it('reads hand-made items the way an admin meant them, and reports the ones it cannot place', async () => {
    const { store, accountId } = freshStore();
    const handMade = { policyId: 'hand-made', enabled: true, rule: { type: 'max-age', maxAgeDays: 3 } };
    await putRaw({ accountId, itemId: 'policy#hand-made', ...handMade }); // no kind: placed by key prefix
    await putRaw({ accountId, itemId: 'exemption#sets', kind: 'exemption', exemptionId: 'sets', shareIds: new Set(['2', '1']), reason: 'r' });
    await putRaw({ accountId, itemId: 'policy#renamed', kind: 'policy', policyId: 'other-name', enabled: true });
    await putRaw({ accountId, itemId: 'misc#1', kind: 'polcy', policyId: 'typo' });
    expect(await store.loadItems()).toEqual({
      policies: [handMade],
      exemptions: [{ exemptionId: 'sets', shareIds: ['1', '2'], reason: 'r' }],
      unrecognized: [
        { itemId: 'misc#1', reason: 'unknown kind "polcy": expected "policy" or "exemption"' },
        {
          itemId: 'policy#renamed',
          reason: 'itemId policy#renamed does not match policyId "other-name" (expected policy#other-name)',
        },
      ],
      versions: {}, // hand-made items carry no version
    });
  });

  it('never lets a policy field overwrite the keys or the kind', async () => {
    const { store, accountId } = freshStore();
    const sneaky = { ...aPolicy(), accountId: 'someone-else', kind: 'exemption' } as unknown as ReturnType<typeof aPolicy>;
    await store.putPolicies([sneaky], T0);
    const stored = await doc().send(
      new GetCommand({ TableName: tables.names.policies, Key: { accountId, itemId: 'policy#public-links-30-days' } }),
    );
    expect(stored.Item).toMatchObject({ accountId, kind: 'policy' });
  });
});

describe('DynamoDbPolicyStore.putPolicies', () => {
  it('creates, then updates with a new version, and lists what is stored', async () => {
    const { store } = freshStore();
    expect(await store.putPolicies([aPolicy(), quota], T0)).toEqual({ created: ['public-links-30-days', 'quota-per-requester'], updated: [] });
    expect(await store.putPolicies([aPolicy({ description: 'v2' }), naming], T0 + 1000)).toEqual({
      created: ['no-env-files'],
      updated: ['public-links-30-days'],
    });
    expect(await store.listPolicies()).toEqual([
      { policyId: 'no-env-files', policy: asJson(naming), updatedAt: '2031-05-01T10:00:01.000Z', version: 1 },
      { policyId: 'public-links-30-days', policy: aPolicy({ description: 'v2' }), updatedAt: '2031-05-01T10:00:01.000Z', version: 2 },
      { policyId: 'quota-per-requester', policy: asJson(quota), updatedAt: '2031-05-01T10:00:00.000Z', version: 1 },
    ]);
  });

  it('writes nothing when one policy of the set cannot be written (an item over 400 KB)', async () => {
    const { store } = freshStore();
    const tooBig = aPolicy({ policyId: 'too-big', description: padding(420_000) });
    const attempt = store.putPolicies([quota, naming, tooBig], T0);
    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ name: 'StoreError', code: 'ValidationException', retryable: false });
    expect(await store.listPolicies()).toEqual([]);
  });

  it('writes nothing and names the policy when another writer changed it meanwhile', async () => {
    // A second admin's edit lands between the store's version read and its transaction: a
    // middleware on this store's own client performs that edit just before the transaction leaves.
    const client = testDynamoClient();
    const { store, accountId } = freshStore(client);
    await store.putPolicies([naming], T0);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          await putRaw({ accountId, itemId: 'policy#no-env-files', kind: 'policy', policyId: 'no-env-files', version: 5 });
        }
        return next(args);
      },
      { step: 'initialize', name: 'concurrentAdminEdit' },
    );
    const attempt = store.putPolicies([quota, naming], T0 + 1);
    await expect(attempt).rejects.toBeInstanceOf(PolicyConflictError);
    await expect(attempt).rejects.toMatchObject({ policyIds: ['no-env-files'] });
    const stored = await store.listPolicies();
    expect(stored.map((p) => [p.policyId, p.version])).toEqual([['no-env-files', 5]]);
    client.destroy();
  });

  it.each([
    ['more than one transaction holds (50 policies and their history entries)', Array.from({ length: 51 }, (_, i) => aPolicy({ policyId: `p-${i}` })), PolicyBatchTooLargeError],
    ['the same policy id twice', [aPolicy(), aPolicy()], StoreError],
  ])('refuses %s before writing anything', async (_label, policies, errorClass) => {
    const { store } = freshStore();
    await expect(store.putPolicies(policies, T0)).rejects.toBeInstanceOf(errorClass);
    expect(await store.listPolicies()).toEqual([]);
  });

  it('applies exactly 50 policies in one go (100 actions with their history entries)', async () => {
    const { store } = freshStore();
    const fifty = Array.from({ length: 50 }, (_, i) => aPolicy({ policyId: `p-${String(i).padStart(3, '0')}` }));
    expect((await store.putPolicies(fifty, T0)).created).toHaveLength(50);
    expect((await store.loadItems()).policies).toHaveLength(50);
  });
});

describe('DynamoDbPolicyStore deletes', () => {
  it.each([
    ['a policy', (s: DynamoDbPolicyStore) => s.putPolicies([aPolicy({ policyId: 'x' })], T0), (s: DynamoDbPolicyStore) => s.deletePolicy('x', T0 + 1)],
    ['an exemption', (s: DynamoDbPolicyStore) => s.putExemption(anExemption({ exemptionId: 'x' }), T0), (s: DynamoDbPolicyStore) => s.deleteExemption('x')],
  ])('deletes %s and reports one that is not there', async (_kind, put, remove) => {
    const { store } = freshStore();
    await put(store);
    expect(await remove(store)).toBe(true);
    expect(await remove(store)).toBe(false);
    expect(await store.loadItems()).toEqual({ policies: [], exemptions: [], unrecognized: [], versions: {} });
  });
});
