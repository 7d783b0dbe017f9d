/**
 * The account registry in the `Policies` table, in a partition of its own that no account id
 * can name (account ids have no `#`). One item per account:
 * ```
 * { "accountId": "#registry", "itemId": "account#brand", "kind": "account", "account": "brand",
 *   "displayName": "Brand", "secretName": "ShareLifecycle/accounts/brand",
 *   "baseUrl": "https://www.terabox.com", "enabled": true, "timeZone": "Europe/Berlin",
 *   "createdAtMs": 1796300000000, "updatedAtMs": 1796300000000 }
 * ```
 * The entry's id is `account` (the key attribute `accountId` is the registry's partition).
 * Items are validated when read: an item edited into something invalid is reported, never used.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { validateAccountEntry, type AccountEntry } from '../contracts/account-entry';
import type { AccountRegistry, InvalidAccountItem, RegisteredAccount } from '../app/store-ports';
import { documentClient, num, queryAll, sendConditional, str, type Item } from './dynamo';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StoreError, toStoreError } from './errors';

/** The registry's partition in the policies table. */
export const REGISTRY_PARTITION = '#registry';
const ITEM_PREFIX = 'account#';

export class DynamoDbAccountRegistry implements AccountRegistry {
  private readonly doc: DynamoDBDocumentClient;

  constructor(private readonly options: { client?: DynamoDBClient; tableName: string }) {
    this.doc = documentClient(options.client);
  }

  async list(): Promise<{ accounts: RegisteredAccount[]; invalid: InvalidAccountItem[] }> {
    const accounts: RegisteredAccount[] = [];
    const invalid: InvalidAccountItem[] = [];
    for await (const item of queryAll(this.doc, {
      TableName: this.options.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'accountId' },
      ExpressionAttributeValues: { ':pk': REGISTRY_PARTITION },
      ConsistentRead: true,
    })) {
      const read = fromItem(item);
      if ('errors' in read) invalid.push(read);
      else accounts.push(read);
    }
    return { accounts, invalid };
  }

  async get(accountId: string): Promise<RegisteredAccount | undefined> {
    let item: Item | undefined;
    try {
      item = (await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: this.key(accountId), ConsistentRead: true }))).Item;
    } catch (err) {
      throw toStoreError(err, 'GetItem', this.options.tableName);
    }
    if (item === undefined) return undefined;
    const read = fromItem(item);
    if ('errors' in read) throw new StoreError(`the registry item of account ${JSON.stringify(accountId)} is invalid: ${read.errors.join('; ')}`, { code: 'InvalidAccountItem' });
    return read;
  }

  async add(entry: AccountEntry, nowMs: number): Promise<boolean> {
    const checked = validateAccountEntry(entry);
    if (!checked.ok) throw new StoreError(checked.errors.join('; '), { code: 'InvalidAccountEntry' });
    const { accountId, ...fields } = checked.entry;
    const written = await sendConditional(
      () =>
        this.doc.send(
          new PutCommand({
            TableName: this.options.tableName,
            Item: { ...this.key(accountId), kind: 'account', account: accountId, ...fields, createdAtMs: nowMs, updatedAtMs: nowMs },
            ConditionExpression: 'attribute_not_exists(itemId)',
          }),
        ),
      'PutItem',
      this.options.tableName,
    );
    return written !== undefined;
  }

  async setEnabled(accountId: string, enabled: boolean, nowMs: number): Promise<RegisteredAccount | undefined> {
    const updated = await sendConditional(
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: this.key(accountId),
            UpdateExpression: 'SET #enabled = :enabled, #updated = :now',
            ConditionExpression: 'attribute_exists(itemId)',
            ExpressionAttributeNames: { '#enabled': 'enabled', '#updated': 'updatedAtMs' },
            ExpressionAttributeValues: { ':enabled': enabled, ':now': nowMs },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      'UpdateItem',
      this.options.tableName,
    );
    if (updated === undefined) return undefined;
    const read = updated.Attributes === undefined ? undefined : fromItem(updated.Attributes);
    if (read === undefined || 'errors' in read) throw new StoreError(`account ${JSON.stringify(accountId)} was updated but its item is invalid: ${read?.errors.join('; ') ?? 'no item'}`, { code: 'InvalidAccountItem' });
    return read;
  }

  async remove(accountId: string): Promise<boolean> {
    try {
      const out = await this.doc.send(new DeleteCommand({ TableName: this.options.tableName, Key: this.key(accountId), ReturnValues: 'ALL_OLD' }));
      return out.Attributes !== undefined;
    } catch (err) {
      throw toStoreError(err, 'DeleteItem', this.options.tableName);
    }
  }

  private key(accountId: string): Item {
    return { accountId: REGISTRY_PARTITION, itemId: `${ITEM_PREFIX}${accountId}` };
  }
}

/** An item as a registered account, or what is wrong with it (a key that disagrees with its id included). */
function fromItem(item: Item): RegisteredAccount | InvalidAccountItem {
  const itemId = str(item.itemId) ?? '';
  const { accountId: _partition, itemId: _itemId, kind: _kind, account, createdAtMs, updatedAtMs, ...fields } = item;
  const checked = validateAccountEntry({ accountId: account, ...fields });
  if (!checked.ok) return { itemId, errors: checked.errors };
  if (itemId !== `${ITEM_PREFIX}${checked.entry.accountId}`) return { itemId, errors: [`account "${checked.entry.accountId}": its key says ${JSON.stringify(itemId)}`] };
  return { ...checked.entry, createdAtMs: num(createdAtMs) ?? 0, updatedAtMs: num(updatedAtMs) ?? 0 };
}
