/**
 * The share inventory as sweeps saw it (the `Inventory` table): one item per share,
 * `{ accountId, shareId, firstSeenAtMs, lastSeenAtMs, violatingSince?: { <policyId>: epochMs }, goneAtMs? }`.
 *
 * Built for 100,000 shares a sweep: one paged Query reads it all, and writes go out in
 * BatchWriteItem calls of 25, several in flight, with `putChanged` skipping items that did not change.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GraceMark, InventoryItem, InventoryStore } from '../app/store-ports';
import type { ShareId } from '../domain/share';
import {
  batchWriteAll,
  compact,
  documentClient,
  forEachConcurrent,
  lastWinsByKey,
  num,
  numRecord,
  queryAll,
  resolveAccountId,
  str,
  type BatchOptions,
  type Item,
  type StoreOptions,
} from './dynamo';
import { isConditionalCheckFailed, toStoreError } from './errors';

/** DynamoDB repository of the share inventory and its grace marks. */
export class DynamoDbInventoryStore implements InventoryStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly accountId: string;
  private readonly batch: BatchOptions;

  constructor(options: StoreOptions) {
    this.doc = documentClient(options.client);
    this.tableName = options.tableName;
    this.accountId = resolveAccountId(options.accountId);
    this.batch = options.batch ?? {};
  }

  /** The whole inventory of the account, following pages past 1 MB. */
  async loadAll(): Promise<Map<ShareId, InventoryItem>> {
    const out = new Map<ShareId, InventoryItem>();
    for await (const item of queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'accountId = :a',
      ExpressionAttributeValues: { ':a': this.accountId },
    })) {
      const parsed = toInventoryItem(item);
      if (parsed) out.set(parsed.shareId, parsed);
    }
    return out;
  }

  async putMany(items: Iterable<InventoryItem>): Promise<number> {
    const unique = lastWinsByKey(items, (i) => i.shareId);
    return batchWriteAll(
      this.doc,
      this.tableName,
      unique.map((i) => ({ PutRequest: { Item: this.toItem(i) } })),
      this.batch,
    );
  }

  putChanged(
    items: Iterable<InventoryItem>,
    previous: ReadonlyMap<ShareId, InventoryItem>,
    options: { lastSeenResolutionMs?: number } = {},
  ): Promise<number> {
    const resolution = options.lastSeenResolutionMs ?? 0;
    const changed: InventoryItem[] = [];
    for (const item of items) {
      const before = previous.get(item.shareId);
      if (!before || inventoryItemChanged(before, item, resolution)) changed.push(item);
    }
    return this.putMany(changed);
  }

  /**
   * Adds grace marks, one UpdateItem per share (marks are few: only shares breaking a policy with a
   * grace period). `if_not_exists` keeps the time of an existing mark, so the grace period counts
   * from the first sweep that saw the violation. DynamoDB cannot set a key inside a map that does
   * not exist yet, so the first mark of a share writes the whole map instead (each path guarded by
   * a condition; a race between the two just retries the other path).
   */
  async setMarks(marks: readonly GraceMark[], now: number): Promise<void> {
    const byShare = new Map<ShareId, Map<string, number>>();
    for (const m of marks) {
      const policies = byShare.get(m.shareId) ?? new Map<string, number>();
      if (!policies.has(m.policyId)) policies.set(m.policyId, m.sinceMs ?? now);
      byShare.set(m.shareId, policies);
    }
    await forEachConcurrent([...byShare], this.batch.concurrency ?? 4, async ([shareId, policies]) => {
      for (let round = 0; round < 3; round++) {
        if (await this.addToExistingMarks(shareId, policies)) return;
        if (await this.writeFirstMarks(shareId, policies, now)) return;
      }
      throw toStoreError(new Error(`marks of share ${shareId} kept conflicting`), 'UpdateItem', this.tableName);
    });
  }

  /** One UpdateItem per share that has marks to clear (marks are few; see setMarks). */
  async clearMarks(marks: readonly Omit<GraceMark, 'sinceMs'>[]): Promise<void> {
    const byShare = new Map<ShareId, Set<string>>();
    for (const m of marks) byShare.set(m.shareId, (byShare.get(m.shareId) ?? new Set<string>()).add(m.policyId));
    await forEachConcurrent([...byShare], this.batch.concurrency ?? 4, ([shareId, policyIds]) =>
      this.removeMarks(shareId, [...policyIds]),
    );
  }

  clearAllMarks(shareId: ShareId): Promise<void> {
    return this.removeMarks(shareId);
  }

  private async removeMarks(shareId: ShareId, policyIds?: readonly string[]): Promise<void> {
    const names: Record<string, string> = { '#v': 'violatingSince' };
    let expression = 'REMOVE #v';
    if (policyIds) {
      policyIds.forEach((p, i) => (names[`#p${i}`] = p));
      expression = `REMOVE ${policyIds.map((_, i) => `#v.#p${i}`).join(', ')}`;
    }
    // Without marks there is nothing to clear (and an update must not create an empty item).
    await this.conditionalUpdate(shareId, expression, 'attribute_exists(#v)', names, undefined);
  }

  async deleteMany(shareIds: Iterable<ShareId>): Promise<number> {
    const unique = [...new Set(shareIds)];
    return batchWriteAll(
      this.doc,
      this.tableName,
      unique.map((shareId) => ({ DeleteRequest: { Key: this.key(shareId) } })),
      this.batch,
    );
  }

  /** `SET violatingSince.#p = if_not_exists(...)`, only when the map exists. false when it does not. */
  private async addToExistingMarks(shareId: ShareId, policies: Map<string, number>): Promise<boolean> {
    const names: Record<string, string> = { '#v': 'violatingSince' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    [...policies].forEach(([policyId, since], i) => {
      names[`#p${i}`] = policyId;
      values[`:t${i}`] = since;
      sets.push(`#v.#p${i} = if_not_exists(#v.#p${i}, :t${i})`);
    });
    return this.conditionalUpdate(shareId, `SET ${sets.join(', ')}`, 'attribute_exists(#v)', names, values);
  }

  /** Writes the whole map on a share without marks (creating the item if the sweep never stored it). */
  private writeFirstMarks(shareId: ShareId, policies: Map<string, number>, now: number): Promise<boolean> {
    return this.conditionalUpdate(
      shareId,
      'SET #v = :marks, firstSeenAtMs = if_not_exists(firstSeenAtMs, :now), lastSeenAtMs = if_not_exists(lastSeenAtMs, :now)',
      'attribute_not_exists(#v)',
      { '#v': 'violatingSince' },
      { ':marks': Object.fromEntries(policies), ':now': now },
    );
  }

  private async conditionalUpdate(
    shareId: ShareId,
    expression: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown> | undefined,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(shareId),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw toStoreError(err, 'UpdateItem', this.tableName);
    }
  }

  private key(shareId: ShareId): Item {
    return { accountId: this.accountId, shareId };
  }

  private toItem(item: InventoryItem): Item {
    const marks = item.violatingSince && Object.keys(item.violatingSince).length > 0 ? item.violatingSince : undefined;
    return compact({
      accountId: this.accountId,
      shareId: item.shareId,
      firstSeenAtMs: item.firstSeenAtMs,
      lastSeenAtMs: item.lastSeenAtMs,
      violatingSince: marks,
      goneAtMs: item.goneAtMs,
    });
  }
}

/**
 * Whether `next` must be written over `before`. `lastSeenAtMs` alone counts only when it moved by
 * at least `lastSeenResolutionMs` (0: any move counts).
 */
export function inventoryItemChanged(before: InventoryItem, next: InventoryItem, lastSeenResolutionMs = 0): boolean {
  if (before.firstSeenAtMs !== next.firstSeenAtMs || before.goneAtMs !== next.goneAtMs) return true;
  if (!sameMarks(before.violatingSince, next.violatingSince)) return true;
  const moved = Math.abs(next.lastSeenAtMs - before.lastSeenAtMs);
  return moved !== 0 && moved >= lastSeenResolutionMs;
}

function sameMarks(a: Record<string, number> | undefined, b: Record<string, number> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  return ka.every((k) => (a ?? {})[k] === (b ?? {})[k]);
}

/** Reads a stored item; an item without a share id (a hand-made mistake) is skipped. */
export function toInventoryItem(item: Item): InventoryItem | undefined {
  const shareId = str(item.shareId);
  if (!shareId) return undefined;
  const marks = numRecord(item.violatingSince);
  return compact<InventoryItem>({
    shareId,
    firstSeenAtMs: num(item.firstSeenAtMs) ?? num(item.lastSeenAtMs) ?? 0,
    lastSeenAtMs: num(item.lastSeenAtMs) ?? num(item.firstSeenAtMs) ?? 0,
    violatingSince: marks && Object.keys(marks).length > 0 ? marks : undefined,
    goneAtMs: num(item.goneAtMs),
  });
}
