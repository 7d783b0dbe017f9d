/**
 * The staging of a checkpointed sweep's listing, in the `Runs` table:
 * - checkpoint:  pk `RUN#<accountId>`, sk `LISTING#<runId>`
 *   `{ kind: "listing-checkpoint", runId, accountId, chunks, pages, shares, updatedAtMs, cursor, shape, expiresAt }`,
 *   `cursor` and `shape` as JSON strings (an exact round trip: ids, field names and nesting as given).
 * - staged page: pk `STAGE#<runId>`, sk `PAGE#<page, 7 digits>#<0|1 re-read>[#<part, 3 digits>]`
 *   `{ kind: "staged-page", runId, page, reread, shareCount, parts, digest, sharesJson, expiresAt }`
 *   (parts 1.. of a split page carry no `shareCount`, `parts` or `digest`; the layout: staged-pages.ts).
 * Both expire through the table's TTL (`expiresAt`, epoch seconds) a day after their last write.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ListingCursor } from '../app/ports';
import type { ResponseShape } from '../app/response-shape';
import type { ListingStagingStore, StagedPage, SweepCheckpoint } from '../app/store-ports';
import { batchWriteAll, documentClient, num, queryAll, str, type BatchOptions, type Item, type StoreOptions } from './dynamo';
import { StoreError, isConditionalCheckFailed, toStoreError } from './errors';
import { PageAssembler, encodePage, pageSk, pageSkEnd, parsePageSk } from './staged-pages';

/** How long staged items live after their last write (the table's TTL deletes them, up to days late). */
export const STAGING_TTL_MS = 86_400_000;

/** DynamoDB implementation of the listing staging. The account comes with each checkpoint, not from the options. */
export class DynamoDbListingStagingStore implements ListingStagingStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly batch: BatchOptions;
  private readonly ttlMs: number;

  constructor(options: Omit<StoreOptions, 'accountId'> & { ttlMs?: number }) {
    this.doc = documentClient(options.client);
    this.tableName = options.tableName;
    this.batch = options.batch ?? {};
    this.ttlMs = options.ttlMs ?? STAGING_TTL_MS;
  }

  /**
   * Parts 1.. are written before part 0, which names their count: a reader never meets a count
   * whose parts are not there yet. Part 0 comes back as it was (ALL_OLD), so the parts a larger
   * earlier write left beyond the new count are known without a read, and deleted.
   */
  async putPage(runId: string, page: StagedPage, nowMs: number): Promise<void> {
    const { parts, digest } = encodePage(page);
    const common = { pk: stagePk(runId), kind: 'staged-page', runId, page: page.page, reread: page.reread, expiresAt: this.expiresAt(nowMs) };
    const rest = parts.slice(1).map((sharesJson, i) => ({ PutRequest: { Item: { ...common, sk: pageSk(page.page, page.reread, i + 1), sharesJson } } }));
    if (rest.length > 0) await batchWriteAll(this.doc, this.tableName, rest, (r) => r, this.batch);
    let old: Item | undefined;
    try {
      const out = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...common, sk: pageSk(page.page, page.reread), shareCount: page.shares.length, parts: parts.length, digest, sharesJson: parts[0] },
          ReturnValues: 'ALL_OLD',
        }),
      );
      old = out.Attributes;
    } catch (err) {
      throw toStoreError(err, 'PutItem', this.tableName);
    }
    const oldParts = num(old?.parts) ?? 1;
    if (oldParts <= parts.length) return;
    const stale = Array.from({ length: oldParts - parts.length }, (_, i) => ({
      DeleteRequest: { Key: { pk: common.pk, sk: pageSk(page.page, page.reread, parts.length + i) } },
    }));
    await batchWriteAll(this.doc, this.tableName, stale, (r) => r, this.batch);
  }

  /**
   * A conditional put on the chunk count. When the condition fails, the stored checkpoint is read:
   * finding exactly this one there means this writer's own earlier attempt was applied (the SDK
   * resends a write whose answer was lost), which is a success, not a lost race.
   */
  async saveCheckpoint(checkpoint: SweepCheckpoint, nowMs: number): Promise<boolean> {
    const item = this.checkpointItem(checkpoint, nowMs);
    const first = checkpoint.chunks <= 1;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: first ? 'attribute_not_exists(pk)' : '#chunks = :previous',
          ...(first ? {} : { ExpressionAttributeNames: { '#chunks': 'chunks' }, ExpressionAttributeValues: { ':previous': checkpoint.chunks - 1 } }),
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw toStoreError(err, 'PutItem', this.tableName);
    }
    const stored = await this.getCheckpointItem(checkpoint.accountId, checkpoint.runId);
    return stored !== undefined && sameItem(stored, item);
  }

  async getCheckpoint(accountId: string, runId: string): Promise<SweepCheckpoint | undefined> {
    const item = await this.getCheckpointItem(accountId, runId);
    return item ? toCheckpoint(item) : undefined;
  }

  /** One strongly consistent Query (paged by DynamoDB's 1 MB) from the first page to `lastPage`: a page in memory at a time. */
  async *readPages(runId: string, lastPage: number): AsyncGenerator<StagedPage, void, undefined> {
    const assembler = new PageAssembler();
    for await (const item of queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
      ExpressionAttributeValues: { ':pk': stagePk(runId), ':first': 'PAGE#', ':last': pageSkEnd(lastPage) },
      ConsistentRead: true,
    })) {
      const key = parsePageSk(str(item.sk) ?? '');
      if (!key) continue;
      const page = assembler.add({ ...key, data: str(item.sharesJson) ?? '', parts: num(item.parts), digest: str(item.digest) });
      if (page) yield page;
    }
    assembler.finish();
  }

  private async getCheckpointItem(accountId: string, runId: string): Promise<Item | undefined> {
    try {
      const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: checkpointKey(accountId, runId), ConsistentRead: true }));
      return out.Item;
    } catch (err) {
      throw toStoreError(err, 'GetItem', this.tableName);
    }
  }

  private checkpointItem(checkpoint: SweepCheckpoint, nowMs: number): Item {
    const { runId, accountId, chunks, pages, shares, updatedAtMs } = checkpoint;
    return {
      ...checkpointKey(accountId, runId),
      kind: 'listing-checkpoint',
      runId,
      accountId,
      chunks,
      pages,
      shares,
      updatedAtMs,
      cursor: JSON.stringify(checkpoint.cursor),
      shape: JSON.stringify(checkpoint.shape),
      expiresAt: this.expiresAt(nowMs),
    };
  }

  private expiresAt(nowMs: number): number {
    return Math.floor((nowMs + this.ttlMs) / 1000);
  }
}

const stagePk = (runId: string): string => `STAGE#${runId}`;
const checkpointKey = (accountId: string, runId: string): Item => ({ pk: `RUN#${accountId}`, sk: `LISTING#${runId}` });

/** Same attributes, same values (a checkpoint item holds scalars only). */
function sameItem(a: Item, b: Item): boolean {
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((k) => a[k] === b[k]);
}

function toCheckpoint(item: Item): SweepCheckpoint {
  const runId = str(item.runId);
  const accountId = str(item.accountId);
  const chunks = num(item.chunks);
  const cursor = parseJson(item.cursor);
  const shape = parseJson(item.shape);
  if (runId === undefined || accountId === undefined || chunks === undefined || !isCursor(cursor) || !isShape(shape)) {
    throw new StoreError(`the listing checkpoint ${str(item.sk) ?? '?'} is not readable`, { code: 'CheckpointCorrupt' });
  }
  return { runId, accountId, chunks, cursor, pages: num(item.pages) ?? 0, shares: num(item.shares) ?? 0, shape, updatedAtMs: num(item.updatedAtMs) ?? 0 };
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function isCursor(value: unknown): value is ListingCursor {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.nextPage === 'number' && typeof v.pageSize === 'number' && typeof v.orderProven === 'boolean' && typeof v.ended === 'boolean';
}

function isShape(value: unknown): value is ResponseShape {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.items === 'number' && typeof v.fields === 'object' && v.fields !== null;
}
