/**
 * The share inventory as sweeps saw it (the `Inventory` table): one item per share,
 * `{ accountId, shareId, firstSeenAtMs, lastSeenAtMs, violatingSince?: { <policyId>: epochMs },
 * notifiedAt?: { <policyId>: epochMs }, goneAtMs? }`. `violatingSince` is when a sweep first saw
 * the share breaking the policy (the mark); `notifiedAt` when the mark's ShareMarkedForCancel
 * notice was accepted by the event bus (the start of its grace). A `notifiedAt` entry without its
 * mark means nothing; both go together when a mark is cleared.
 *
 * Built for 100,000 shares a sweep: one paged Query reads it all, and writes go out in
 * BatchWriteItem calls of 25, several in flight, with `putChanged` skipping items that did not change.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GraceMark, InventoryItem, InventoryLookup, InventoryStore } from '../app/store-ports';
import type { ShareId } from '../domain/share';
import {
  batchWriteAll,
  compact,
  documentClient,
  lastWinsByKey,
  num,
  numRecord,
  queryAll,
  resolveAccountId,
  str,
  type BatchOptions,
  type Item,
  type StoreOptions,
  sendConditional,
} from './dynamo';
import { toStoreError } from './errors';
import { forEachLimit } from '../shared/concurrency';

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
    for await (const item of this.scan()) out.set(item.shareId, item);
    return out;
  }

  async *scan(): AsyncIterable<InventoryItem> {
    for await (const item of queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'accountId = :a',
      ExpressionAttributeValues: { ':a': this.accountId },
    })) {
      const parsed = toInventoryItem(item);
      if (parsed) yield parsed;
    }
  }

  async putMany(items: Iterable<InventoryItem>): Promise<number> {
    const unique = lastWinsByKey(items, (i) => i.shareId);
    return batchWriteAll(
      this.doc,
      this.tableName,
      unique,
      (i) => ({ PutRequest: { Item: this.toItem(i) } }),
      this.batch,
    );
  }

  putChanged(
    items: Iterable<InventoryItem>,
    previous: InventoryLookup,
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
    await forEachLimit([...byShare], this.batch.concurrency ?? 4, async ([shareId, policies]) => {
      for (let round = 0; round < 3; round++) {
        if (await this.addToExistingMarks(shareId, policies)) return;
        if (await this.writeFirstMarks(shareId, policies, now)) return;
      }
      throw toStoreError(new Error(`marks of share ${shareId} kept conflicting`), 'UpdateItem', this.tableName);
    });
  }

  /**
   * Records the notice time of each mark, one conditional UpdateItem per mark (marks are few).
   * The condition is the whole rule: the mark exists (`violatingSince.#p`), and there is no notice
   * yet, or only one older than the mark (from an earlier mark of the pair: it does not count).
   * So a notice time is never moved, and a mark cleared meanwhile gets none. As in setMarks, a
   * key can only be set inside a map that exists: the first notice of a share writes the map.
   */
  async setNotified(marks: readonly Omit<GraceMark, 'sinceMs'>[], atMs: number): Promise<number> {
    const byShare = new Map<ShareId, Set<string>>();
    for (const m of marks) byShare.set(m.shareId, (byShare.get(m.shareId) ?? new Set<string>()).add(m.policyId));
    let written = 0;
    await forEachLimit([...byShare], this.batch.concurrency ?? 4, async ([shareId, policyIds]) => {
      // One share's marks in turn: the first one may create the map the next one writes into.
      for (const policyId of policyIds) if (await this.notifyOne(shareId, policyId, atMs)) written += 1;
    });
    return written;
  }

  private async notifyOne(shareId: ShareId, policyId: string, atMs: number): Promise<boolean> {
    const names = { '#v': 'violatingSince', '#n': 'notifiedAt', '#p': policyId };
    const intoMap = () =>
      this.conditionalUpdate(
        shareId,
        'SET #n.#p = :t',
        'attribute_exists(#v.#p) AND attribute_exists(#n) AND (attribute_not_exists(#n.#p) OR #n.#p < #v.#p)',
        names,
        { ':t': atMs },
      );
    if (await intoMap()) return true;
    const firstMap = await this.conditionalUpdate(shareId, 'SET #n = :n', 'attribute_exists(#v.#p) AND attribute_not_exists(#n)', names, {
      ':n': { [policyId]: atMs },
    });
    if (firstMap) return true;
    // Both refused: no such mark, or already notified; or the map appeared between the two calls,
    // which the first form settles.
    return intoMap();
  }

  /** One UpdateItem per share that has marks to clear (marks are few; see setMarks). */
  async clearMarks(marks: readonly Omit<GraceMark, 'sinceMs'>[]): Promise<void> {
    const byShare = new Map<ShareId, Set<string>>();
    for (const m of marks) byShare.set(m.shareId, (byShare.get(m.shareId) ?? new Set<string>()).add(m.policyId));
    await forEachLimit([...byShare], this.batch.concurrency ?? 4, ([shareId, policyIds]) =>
      this.removeMarks(shareId, [...policyIds]),
    );
  }

  async clearAllMarks(shareId: ShareId): Promise<void> {
    // Without marks or notices there is nothing to clear (and an update must not create an empty item).
    await this.conditionalUpdate(shareId, 'REMOVE #v, #n', 'attribute_exists(#v) OR attribute_exists(#n)', { '#v': 'violatingSince', '#n': 'notifiedAt' }, undefined);
  }

  /**
   * Removes the marks and their notice times. DynamoDB refuses to REMOVE a key of a map that does
   * not exist (a ValidationException, not a no-op), and a share may have marks without notices:
   * each form below names only the maps its condition says exist, tried in the order of how
   * common they are. When every condition fails the share has neither map: nothing to clear.
   */
  private async removeMarks(shareId: ShareId, policyIds: readonly string[]): Promise<void> {
    const names: Record<string, string> = { '#v': 'violatingSince', '#n': 'notifiedAt' };
    policyIds.forEach((p, i) => (names[`#p${i}`] = p));
    const paths = (map: string) => policyIds.map((_, i) => `${map}.#p${i}`);
    const forms: [expression: string, condition: string][] = [
      [`REMOVE ${[...paths('#v'), ...paths('#n')].join(', ')}`, 'attribute_exists(#v) AND attribute_exists(#n)'],
      [`REMOVE ${paths('#v').join(', ')}`, 'attribute_exists(#v) AND attribute_not_exists(#n)'],
      [`REMOVE ${paths('#n').join(', ')}`, 'attribute_not_exists(#v) AND attribute_exists(#n)'],
    ];
    for (const [expression, condition] of forms) {
      if (await this.conditionalUpdate(shareId, expression, condition, names, undefined)) return;
    }
  }

  /**
   * One UpdateItem per share (the shares of one run's cancel batches: at most the guardrail's
   * limit), setting only the two attributes, so that marks written meanwhile are never overwritten.
   */
  async recordCancelRequests(shareIds: readonly ShareId[], runId: string, atMs: number): Promise<number> {
    let written = 0;
    await forEachLimit([...new Set(shareIds)], this.batch.concurrency ?? 4, async (shareId) => {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(shareId),
            UpdateExpression:
              'SET cancelRunId = :r, cancelRequestedAtMs = :t, firstSeenAtMs = if_not_exists(firstSeenAtMs, :t), lastSeenAtMs = if_not_exists(lastSeenAtMs, :t)',
            ExpressionAttributeValues: { ':r': runId, ':t': atMs },
          }),
        );
        written += 1;
      } catch (err) {
        throw toStoreError(err, 'UpdateItem', this.tableName);
      }
    });
    return written;
  }

  async deleteMany(shareIds: Iterable<ShareId>): Promise<number> {
    const unique = [...new Set(shareIds)];
    return batchWriteAll(
      this.doc,
      this.tableName,
      unique,
      (shareId) => ({ DeleteRequest: { Key: this.key(shareId) } }),
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

  /**
   * Writes the whole map on a share without marks (creating the item if the sweep never stored it).
   * Without marks no notice time means anything, so any left over goes with it.
   */
  private writeFirstMarks(shareId: ShareId, policies: Map<string, number>, now: number): Promise<boolean> {
    return this.conditionalUpdate(
      shareId,
      'SET #v = :marks, firstSeenAtMs = if_not_exists(firstSeenAtMs, :now), lastSeenAtMs = if_not_exists(lastSeenAtMs, :now) REMOVE #n',
      'attribute_not_exists(#v)',
      { '#v': 'violatingSince', '#n': 'notifiedAt' },
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
    const written = await sendConditional(
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(shareId),
            UpdateExpression: expression,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      'UpdateItem',
      this.tableName,
    );
    return written !== undefined;
  }

  private key(shareId: ShareId): Item {
    return { accountId: this.accountId, shareId };
  }

  private toItem(item: InventoryItem): Item {
    const marks = item.violatingSince && Object.keys(item.violatingSince).length > 0 ? item.violatingSince : undefined;
    const notices = item.notifiedAt && Object.keys(item.notifiedAt).length > 0 ? item.notifiedAt : undefined;
    return compact({
      accountId: this.accountId,
      shareId: item.shareId,
      firstSeenAtMs: item.firstSeenAtMs,
      lastSeenAtMs: item.lastSeenAtMs,
      violatingSince: marks,
      notifiedAt: notices,
      goneAtMs: item.goneAtMs,
      cancelRunId: item.cancelRunId,
      cancelRequestedAtMs: item.cancelRequestedAtMs,
      cancelMisses: item.cancelMisses !== undefined && item.cancelMisses > 0 ? item.cancelMisses : undefined,
      cancelGaveUpAtMs: item.cancelGaveUpAtMs,
    });
  }
}

/**
 * Whether `next` must be written over `before`. `lastSeenAtMs` alone counts only when it moved by
 * at least `lastSeenResolutionMs` (0: any move counts).
 */
export function inventoryItemChanged(before: InventoryItem, next: InventoryItem, lastSeenResolutionMs = 0): boolean {
  if (before.firstSeenAtMs !== next.firstSeenAtMs || before.goneAtMs !== next.goneAtMs) return true;
  if (
    before.cancelRunId !== next.cancelRunId ||
    before.cancelRequestedAtMs !== next.cancelRequestedAtMs ||
    (before.cancelMisses ?? 0) !== (next.cancelMisses ?? 0) ||
    before.cancelGaveUpAtMs !== next.cancelGaveUpAtMs
  ) {
    return true;
  }
  if (!sameMarks(before.violatingSince, next.violatingSince) || !sameMarks(before.notifiedAt, next.notifiedAt)) return true;
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
  const notices = numRecord(item.notifiedAt);
  return compact<InventoryItem>({
    shareId,
    firstSeenAtMs: num(item.firstSeenAtMs) ?? num(item.lastSeenAtMs) ?? 0,
    lastSeenAtMs: num(item.lastSeenAtMs) ?? num(item.firstSeenAtMs) ?? 0,
    violatingSince: marks && Object.keys(marks).length > 0 ? marks : undefined,
    notifiedAt: notices && Object.keys(notices).length > 0 ? notices : undefined,
    goneAtMs: num(item.goneAtMs),
    cancelRunId: str(item.cancelRunId),
    cancelRequestedAtMs: num(item.cancelRequestedAtMs),
    cancelMisses: num(item.cancelMisses),
    cancelGaveUpAtMs: num(item.cancelGaveUpAtMs),
  });
}
