/**
 * The flagged set of each run, in the `Runs` table: pk `FLAGGED#<accountId>#<runId>`, sk
 * `PART#<part, 4 digits>`, one item per part of the compact encoding (flagged-encoding.ts):
 * `{ kind: "flagged", runId, part, parts, policies: { "<policyId>": "d<base-36 deltas>" }, expiresAt }`.
 * At 100,000 flagged shares that is 2 or 3 items instead of one item per share; the parts expire
 * with the audit trail (TTL `expiresAt`). Part 0 says how many parts there are and is written
 * last, so that a reader never takes a set that is still being written (or the longer set of an
 * earlier attempt of the same step) for the run's.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FlaggedSet } from '../app/run-diff';
import type { FlaggedSetStore } from '../app/store-ports';
import { batchWriteAll, documentClient, num, queryAll, resolveAccountId, type BatchOptions, type Item, type StoreOptions } from './dynamo';
import { StoreError } from './errors';
import { decodeFlagged, encodeFlagged } from './flagged-encoding';
import { DEFAULT_AUDIT_RETENTION_DAYS } from './run-store';

const DAY_MS = 86_400_000;

export class DynamoDbFlaggedSetStore implements FlaggedSetStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly accountId: string;
  private readonly batch: BatchOptions;
  private readonly retentionMs: number;

  constructor(options: StoreOptions & { auditRetentionDays?: number }) {
    this.doc = documentClient(options.client);
    this.tableName = options.tableName;
    this.accountId = resolveAccountId(options.accountId);
    this.batch = options.batch ?? {};
    this.retentionMs = (options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * DAY_MS;
  }

  async putFlaggedSet(runId: string, flagged: FlaggedSet, now: number): Promise<void> {
    const encoded = encodeFlagged(flagged);
    const expiresAt = Math.floor((now + this.retentionMs) / 1000);
    const items = encoded.map((policies, part): Item => ({
      pk: this.pk(runId),
      sk: `PART#${String(part).padStart(4, '0')}`,
      kind: 'flagged',
      runId,
      part,
      parts: encoded.length,
      policies,
      expiresAt,
    }));
    const put = (item: Item) => ({ PutRequest: { Item: item } });
    await batchWriteAll(this.doc, this.tableName, items.slice(1), put, this.batch);
    await batchWriteAll(this.doc, this.tableName, items.slice(0, 1), put, this.batch);
  }

  async getFlaggedSet(runId: string): Promise<FlaggedSet | undefined> {
    const parts = new Map<number, Item>();
    for await (const item of queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': this.pk(runId) },
      ConsistentRead: true,
    })) {
      parts.set(num(item.part) ?? -1, item);
    }
    const count = num(parts.get(0)?.parts);
    if (count === undefined) return undefined;
    const ordered: Item[] = [];
    for (let i = 0; i < count; i += 1) {
      const item = parts.get(i);
      if (item === undefined) throw new StoreError(`the flagged set of run ${runId} misses part ${i} of ${count}`, { code: 'FlaggedSetIncomplete' });
      ordered.push((item.policies ?? {}) as Item);
    }
    try {
      return decodeFlagged(ordered);
    } catch (err) {
      throw new StoreError(`the flagged set of run ${runId} cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err, code: 'FlaggedSetInvalid' });
    }
  }

  private pk(runId: string): string {
    return `FLAGGED#${this.accountId}#${runId}`;
  }
}
