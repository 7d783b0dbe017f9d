/** The account registry on DynamoDB Local: entries validated on the way in and on the way out. */
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountEntryInput } from '../../../lib/contracts/account-entry';
import { validateAccountEntry } from '../../../lib/contracts/account-entry';
import { DynamoDbAccountRegistry } from '../../../lib/stores/account-store';
import { DynamoDbPolicyStore } from '../../../lib/stores/policy-store';
import { aPolicy, T0 } from '../../factories/store-items';
import { useTestTables } from './tables';

const tables = useTestTables('accounts');
let registries = 0;
/** The tests share one table: each gets account ids of its own. */
const ids = (): { id: (name: string) => string } => {
  registries += 1;
  return { id: (name) => `${name}-${registries}` };
};
const registry = (): DynamoDbAccountRegistry => new DynamoDbAccountRegistry({ client: tables.client, tableName: tables.names.policies });
const entry = (input: AccountEntryInput) => {
  const checked = validateAccountEntry(input);
  if (!checked.ok) throw new Error(checked.errors.join('; '));
  return checked.entry;
};

describe('DynamoDbAccountRegistry', () => {
  it('adds an account with its defaults, refuses the same id twice, and reads it back', async () => {
    const { id } = ids();
    const brand = entry({ accountId: id('brand'), displayName: 'Brand', secretName: `terabox-share-lifecycle/accounts/${id('brand')}` });
    expect(await registry().add(brand, T0)).toBe(true);
    expect(await registry().add({ ...brand, displayName: 'Other' }, T0 + 1)).toBe(false);
    expect(await registry().get(id('brand'))).toEqual({
      accountId: id('brand'),
      displayName: 'Brand',
      secretName: `terabox-share-lifecycle/accounts/${id('brand')}`,
      baseUrl: 'https://www.terabox.com',
      enabled: true,
      timeZone: 'UTC',
      createdAtMs: T0,
      updatedAtMs: T0,
    });
    const raw = await DynamoDBDocumentClient.from(tables.client).send(new GetCommand({ TableName: tables.names.policies, Key: { accountId: '#registry', itemId: `account#${id('brand')}` } }));
    expect(raw.Item).toMatchObject({ kind: 'account', account: id('brand'), displayName: 'Brand' });
  });

  it('disables, enables and removes an account; each says when there is none', async () => {
    const { id } = ids();
    await registry().add(entry({ accountId: id('support'), displayName: 'Support', secretName: 'terabox-share-lifecycle/support', timeZone: 'Europe/Berlin', requestsPerSecond: 2, guardrails: { maxCancellations: 50 } }), T0);
    expect(await registry().setEnabled(id('support'), false, T0 + 5)).toMatchObject({ enabled: false, updatedAtMs: T0 + 5, createdAtMs: T0, timeZone: 'Europe/Berlin', requestsPerSecond: 2, guardrails: { maxCancellations: 50 } });
    expect(await registry().setEnabled(id('support'), true, T0 + 6)).toMatchObject({ enabled: true });
    expect(await registry().setEnabled(id('nobody'), false, T0)).toBeUndefined();
    expect(await registry().remove(id('support'))).toBe(true);
    expect(await registry().remove(id('support'))).toBe(false);
    expect(await registry().get(id('support'))).toBeUndefined();
  });

  it('lists every account and reports an item edited into an invalid entry without using it', async () => {
    const { id } = ids();
    for (const name of ['b', 'a']) await registry().add(entry({ accountId: id(name), displayName: name, secretName: `terabox-share-lifecycle/${name}` }), T0);
    const doc = DynamoDBDocumentClient.from(tables.client);
    await doc.send(new PutCommand({ TableName: tables.names.policies, Item: { accountId: '#registry', itemId: `account#${id('bad')}`, kind: 'account', account: id('bad'), displayName: 'Bad', secretName: 'not a name', timeZone: 'Mars/Olympus' } }));
    const { accounts, invalid } = await registry().list();
    const mine = accounts.filter((a) => a.accountId.endsWith(`-${registries}`)).map((a) => a.accountId);
    expect(mine).toEqual([id('a'), id('b')]);
    const bad = invalid.find((i) => i.itemId === `account#${id('bad')}`);
    expect(bad?.errors).toEqual([
      `account "${id('bad')}": secretName: must be a Secrets Manager name (letters, digits and /_+=.@-)`,
      `account "${id('bad')}": timeZone: must be an IANA time zone such as Europe/Berlin`,
    ]);
    await expect(registry().get(id('bad'))).rejects.toMatchObject({ name: 'StoreError', code: 'InvalidAccountItem' });
  });

  it("never mixes with an account's policies in the same table", async () => {
    const { id } = ids();
    await registry().add(entry({ accountId: id('p'), displayName: 'P', secretName: 'terabox-share-lifecycle/p' }), T0);
    const policies = new DynamoDbPolicyStore({ client: tables.client, tableName: tables.names.policies, accountId: id('p') });
    await policies.putPolicies([aPolicy()], T0);
    expect((await policies.loadItems()).unrecognized).toEqual([]);
    expect((await policies.loadItems()).policies).toHaveLength(1);
  });
});
