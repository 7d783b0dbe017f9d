/**
 * The requester directory in the `Policies` table, in a partition of its own per account that no
 * account id can name (account ids have no `#`):
 * ```
 * { "accountId": "#requesters#default", "itemId": "requester#marketing", "kind": "requester",
 *   "requester": "marketing", "displayName": "Marketing team", "emails": ["mkt@example.com"],
 *   "createdAtMs": 1796300000000, "updatedAtMs": 1796300000000 }
 * { "accountId": "#requesters#default", "itemId": "fallback", "kind": "requester-fallback",
 *   "emails": ["links-admin@example.com"], "updatedAtMs": 1796300000000 }
 * ```
 * Items are validated when read: an item edited into something invalid is reported, never used.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { validateFallbackEntry, validateRequesterEntry, type FallbackEntry, type RequesterEntryInput } from '../contracts/requester-entry';
import type { DirectoryEntry, InvalidDirectoryItem, RequesterDirectory } from '../app/store-ports';
import { documentClient, num, queryAll, resolveAccountId, str, type Item } from './dynamo';
import { StoreError, toStoreError } from './errors';

/** The directory's partition of one account in the policies table. */
export function directoryPartition(accountId: string): string {
  return `#requesters#${accountId}`;
}
const ITEM_PREFIX = 'requester#';
const FALLBACK_ITEM = 'fallback';

export class DynamoDbRequesterDirectory implements RequesterDirectory {
  private readonly doc: DynamoDBDocumentClient;
  private readonly partition: string;

  constructor(private readonly options: { client?: DynamoDBClient; tableName: string; accountId?: string }) {
    this.doc = documentClient(options.client);
    this.partition = directoryPartition(resolveAccountId(options.accountId));
  }

  async get(requester: string): Promise<DirectoryEntry | undefined> {
    const item = await this.getItem(`${ITEM_PREFIX}${requester}`);
    if (item === undefined) return undefined;
    const read = entryFromItem(item);
    if ('errors' in read) throw new StoreError(`the directory item of requester ${JSON.stringify(requester)} is invalid: ${read.errors.join('; ')}`, { code: 'InvalidDirectoryItem' });
    return read;
  }

  async list(): Promise<{ entries: DirectoryEntry[]; fallback?: FallbackEntry; invalid: InvalidDirectoryItem[] }> {
    const entries: DirectoryEntry[] = [];
    const invalid: InvalidDirectoryItem[] = [];
    let fallback: FallbackEntry | undefined;
    for await (const item of queryAll(this.doc, {
      TableName: this.options.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'accountId' },
      ExpressionAttributeValues: { ':pk': this.partition },
      ConsistentRead: true,
    })) {
      if (item.itemId === FALLBACK_ITEM) {
        const read = fallbackFromItem(item);
        if ('errors' in read) invalid.push(read);
        else fallback = read;
        continue;
      }
      const read = entryFromItem(item);
      if ('errors' in read) invalid.push(read);
      else entries.push(read);
    }
    return { entries, ...(fallback ? { fallback } : {}), invalid };
  }

  async set(entry: RequesterEntryInput, nowMs: number): Promise<DirectoryEntry> {
    const checked = validateRequesterEntry(entry);
    if (!checked.ok) throw new StoreError(checked.errors.join('; '), { code: 'InvalidRequesterEntry' });
    const previous = await this.getItem(`${ITEM_PREFIX}${checked.entry.requester}`);
    const createdAtMs = num(previous?.createdAtMs) ?? nowMs;
    await this.put({ ...this.key(`${ITEM_PREFIX}${checked.entry.requester}`), kind: 'requester', ...checked.entry, createdAtMs, updatedAtMs: nowMs });
    return { ...checked.entry, createdAtMs, updatedAtMs: nowMs };
  }

  async remove(requester: string): Promise<boolean> {
    return this.delete(`${ITEM_PREFIX}${requester}`);
  }

  async getFallback(): Promise<FallbackEntry | undefined> {
    const item = await this.getItem(FALLBACK_ITEM);
    if (item === undefined) return undefined;
    const read = fallbackFromItem(item);
    if ('errors' in read) throw new StoreError(`the directory's fallback item is invalid: ${read.errors.join('; ')}`, { code: 'InvalidDirectoryItem' });
    return read;
  }

  async setFallback(entry: FallbackEntry, nowMs: number): Promise<void> {
    const checked = validateFallbackEntry(entry);
    if (!checked.ok) throw new StoreError(checked.errors.join('; '), { code: 'InvalidRequesterEntry' });
    await this.put({ ...this.key(FALLBACK_ITEM), kind: 'requester-fallback', ...checked.entry, updatedAtMs: nowMs });
  }

  async removeFallback(): Promise<boolean> {
    return this.delete(FALLBACK_ITEM);
  }

  private key(itemId: string): Item {
    return { accountId: this.partition, itemId };
  }

  private async getItem(itemId: string): Promise<Item | undefined> {
    try {
      return (await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: this.key(itemId), ConsistentRead: true }))).Item;
    } catch (err) {
      throw toStoreError(err, 'GetItem', this.options.tableName);
    }
  }

  private async put(item: Item): Promise<void> {
    try {
      await this.doc.send(new PutCommand({ TableName: this.options.tableName, Item: item }));
    } catch (err) {
      throw toStoreError(err, 'PutItem', this.options.tableName);
    }
  }

  private async delete(itemId: string): Promise<boolean> {
    try {
      const out = await this.doc.send(new DeleteCommand({ TableName: this.options.tableName, Key: this.key(itemId), ReturnValues: 'ALL_OLD' }));
      return out.Attributes !== undefined;
    } catch (err) {
      throw toStoreError(err, 'DeleteItem', this.options.tableName);
    }
  }
}

/** An item as an entry, or what is wrong with it (a key that disagrees with its requester included). */
function entryFromItem(item: Item): DirectoryEntry | InvalidDirectoryItem {
  const itemId = str(item.itemId) ?? '';
  const { accountId: _partition, itemId: _itemId, kind: _kind, createdAtMs, updatedAtMs, ...fields } = item;
  const checked = validateRequesterEntry(fields);
  if (!checked.ok) return { itemId, errors: checked.errors };
  if (itemId !== `${ITEM_PREFIX}${checked.entry.requester}`) return { itemId, errors: [`requester ${JSON.stringify(checked.entry.requester)}: its key says ${JSON.stringify(itemId)}`] };
  return { ...checked.entry, createdAtMs: num(createdAtMs) ?? 0, updatedAtMs: num(updatedAtMs) ?? 0 };
}

function fallbackFromItem(item: Item): FallbackEntry | InvalidDirectoryItem {
  const checked = validateFallbackEntry({ emails: item.emails });
  return checked.ok ? checked.entry : { itemId: FALLBACK_ITEM, errors: checked.errors };
}
