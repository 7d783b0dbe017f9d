/** The requester directory and the notice ledger on DynamoDB Local. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../../lib/stores/dynamo';
import { DynamoDbNoticeLedger } from '../../../lib/stores/notice-ledger-store';
import { DynamoDbRequesterDirectory, directoryPartition } from '../../../lib/stores/requester-store';
import { useTestTables } from './tables';

const tables = useTestTables('notice-stores');
const T0 = Date.parse('2031-05-01T10:00:00.000Z');

describe('DynamoDbNoticeLedger', () => {
  const ledger = () => new DynamoDbNoticeLedger({ client: tables.client, tableName: tables.names.runs, accountId: 'ledger' });
  const claim = (l: DynamoDbNoticeLedger, nowMs: number, recipient = 'requester#a') => l.claim({ runId: 'run-1', recipient, marks: ['1/p', '2/p'], nowMs, staleAfterMs: 60_000 });

  it('claims a digest once: a second claim is busy while the first is live, and sees it sent afterwards', async () => {
    const l = ledger();
    const first = await claim(l, T0);
    expect(first.kind).toBe('claimed');
    expect(await claim(l, T0 + 1_000)).toEqual({ kind: 'busy' });
    expect(await l.markSent({ runId: 'run-1', recipient: 'requester#a', token: (first as { token: string }).token, messageId: 'mid', to: ['a@example.com'], nowMs: T0 + 2_000 })).toBe(true);
    expect(await claim(l, T0 + 10 * 60_000)).toEqual({ kind: 'sent', marks: ['1/p', '2/p'], messageId: 'mid' });
  });

  it('takes over a stale claim, after which the old holder can neither mark it sent nor release it', async () => {
    const l = ledger();
    const old = (await claim(l, T0, 'requester#b')) as { token: string };
    const taken = await claim(l, T0 + 61_000, 'requester#b');
    expect(taken.kind).toBe('claimed');
    expect(await l.markSent({ runId: 'run-1', recipient: 'requester#b', token: old.token, messageId: 'x', to: [], nowMs: T0 + 62_000 })).toBe(false);
    await l.release({ runId: 'run-1', recipient: 'requester#b', token: old.token });
    expect(await claim(l, T0 + 62_000, 'requester#b')).toEqual({ kind: 'busy' });
  });

  it('lets a released claim be claimed again (a failed send is retried)', async () => {
    const l = ledger();
    const first = (await claim(l, T0, 'requester#c')) as { token: string };
    await l.release({ runId: 'run-1', recipient: 'requester#c', token: first.token });
    expect((await claim(l, T0 + 1, 'requester#c')).kind).toBe('claimed');
  });
});

describe('DynamoDbRequesterDirectory', () => {
  it('keeps entries per account, keeps createdAtMs on a replace, and reports an item edited into something invalid', async () => {
    const dir = new DynamoDbRequesterDirectory({ client: tables.client, tableName: tables.names.policies, accountId: 'dir' });
    const other = new DynamoDbRequesterDirectory({ client: tables.client, tableName: tables.names.policies, accountId: 'dir-2' });
    await dir.set({ requester: 'marketing', emails: ['a@example.com'] }, T0);
    const replaced = await dir.set({ requester: 'marketing', emails: ['b@example.com'], displayName: 'Marketing' }, T0 + 5);
    expect(replaced).toEqual({ requester: 'marketing', emails: ['b@example.com'], displayName: 'Marketing', createdAtMs: T0, updatedAtMs: T0 + 5 });
    expect(await other.get('marketing')).toBeUndefined();
    await documentClient(tables.client).send(
      new PutCommand({ TableName: tables.names.policies, Item: { accountId: directoryPartition('dir'), itemId: 'requester#ops', kind: 'requester', requester: 'ops', emails: ['not an address'] } }),
    );
    const listed = await dir.list();
    expect(listed.entries.map((e) => e.requester)).toEqual(['marketing']);
    expect(listed.invalid).toEqual([{ itemId: 'requester#ops', errors: [expect.stringContaining('emails[0]: must be an email address')] }]);
    await expect(dir.get('ops')).rejects.toMatchObject({ name: 'StoreError' });
  });
});
