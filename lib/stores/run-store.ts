/**
 * Runs and their audit trail (the `Runs` table, shared with the lease):
 * - run summary: pk `RUN#<accountId>`, sk `<startedAt ISO>#<runId>` (the listing checkpoints,
 *   sk `LISTING#<runId>`, share the partition: listing-staging-store.ts)
 *   `{ kind: "run", accountId, runId, status, mode, trigger, startedAt, startedAtMs, finishedAtMs,
 *      counts, guardrail, errors, timings, reason }`
 * - audit entry: pk `AUDIT#<runId>`, sk `<shareId>`
 *   `{ kind: "audit", runId, shareId, decision, policyIds, policyVersions, reasons, outcome, error, shortUrl, paths,
 *      requester, recordedAtMs, outcomeAtMs, expiresAt }` - `expiresAt` (epoch seconds) is the
 *   table's TTL attribute, so DynamoDB deletes entries after the retention (default 90 days).
 *
 * - drift baseline: pk `SHAPE#<accountId>`, sk `LIST`
 *   `{ kind: "api-shape", runId, fingerprint, recordedAtMs, shape, truncated }`: the list response
 *   shape of the last completed run (lib/app/listing-drift.ts), one small item per account, capped
 *   at MAX_SHAPE_FIELDS fields of at most MAX_SHAPE_FIELD_NAME characters (lib/app/response-shape.ts) (far below
 *   DynamoDB's 400 KB item limit whatever TeraBox sends).
 *
 * Run ids are time-sortable (`20260501T100000123Z-1a2b3c4d`): the start time is part of the id,
 * so the summary's sort key is derived from the id and `getRun(runId)` is a single GetItem.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  type AttributeValue,
  type WriteRequest as RawWriteRequest,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  AuditOutcomesNotWrittenError,
  type AuditEntry,
  type AuditOutcome,
  type AuditOutcomeUpdate,
  type RunStore,
  type RunSummary,
  type RunUpdate,
  type StoredApiShape,
} from '../app/store-ports';
import { boundShape } from '../app/response-shape';
import type { ShareId } from '../domain/share';
import {
  BATCH_WRITE_LIMIT,
  batchResendPolicy,
  batchWriteAll,
  compact,
  documentClient,
  forEachChunk,
  lastWinsByKey,
  queryAll,
  resolveAccountId,
  str,
  writeUntilProcessed,
  type BatchOptions,
  type Item,
  type StoreOptions,
} from './dynamo';
import { sendUntilProcessed } from '../shared/until-processed';
import { StoreError, isConditionalCheckFailed, toStoreError } from './errors';
import { toAuditEntry, toRunSummary, toStoredApiShape } from './run-items';

export const DEFAULT_AUDIT_RETENTION_DAYS = 90;
/** A run summary must stay far below DynamoDB's 400 KB item limit, whatever went wrong in the run. */
export const MAX_RUN_ERRORS = 100;
export const MAX_ERROR_LENGTH = 1000;

/** DynamoDB's limit of keys in one BatchGetItem call. */
const BATCH_GET_LIMIT = 100;

const RUN_ID = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[0-9a-z]+$/;
const DAY_MS = 86_400_000;

/** A new run id: the UTC start time to the millisecond, then 8 random hex digits. */
export function newRunId(now: number, random: () => string = () => randomBytes(4).toString('hex')): string {
  const compactIso = new Date(now).toISOString().replace(/[-:.]/g, '');
  return `${compactIso}-${random()}`;
}

/** The start time encoded in a run id, or undefined when the id is not one of ours. */
export function runIdTime(runId: string): number | undefined {
  const m = RUN_ID.exec(runId);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m;
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  return Number.isNaN(t) ? undefined : t;
}

/** DynamoDB repository of run summaries and audit entries. */
export class DynamoDbRunStore implements RunStore {
  /** The low-level client, for the batched outcome writes that copy stored items attribute for attribute. */
  private readonly client: DynamoDBClient;
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly accountId: string;
  private readonly batch: BatchOptions;
  private readonly retentionMs: number;

  constructor(options: StoreOptions & { auditRetentionDays?: number }) {
    this.client = options.client ?? new DynamoDBClient({});
    this.doc = documentClient(this.client);
    this.tableName = options.tableName;
    this.accountId = resolveAccountId(options.accountId);
    this.batch = options.batch ?? {};
    this.retentionMs = (options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * DAY_MS;
  }

  newRunId(now: number, seed?: string): string {
    return seed === undefined ? newRunId(now) : newRunId(now, () => createHash('sha256').update(seed, 'utf8').digest('hex').slice(0, 8));
  }

  /** Writes the summary; refuses a run id that already exists or that `newRunId` did not make. */
  async startRun(summary: Omit<RunSummary, 'accountId'>): Promise<RunSummary> {
    const key = this.runKey(summary.runId);
    const record: RunSummary = compact({ ...summary, accountId: this.accountId, errors: capErrors(summary.errors) });
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...record, ...key, kind: 'run', startedAt: new Date(summary.startedAtMs).toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new StoreError(`run ${summary.runId} already exists`, { cause: err });
      throw toStoreError(err, 'PutItem', this.tableName);
    }
    return record;
  }

  /** Sets the given fields on an existing summary and returns the whole summary. */
  async finishRun(runId: string, update: RunUpdate): Promise<RunSummary> {
    const fields: Record<string, unknown> = compact({ ...update, errors: capErrors(update.errors), warnings: capErrors(update.warnings) });
    const entries = Object.entries(fields);
    if (entries.length === 0) {
      const current = await this.getRun(runId);
      if (!current) throw new StoreError(`run ${runId} not found`);
      return current;
    }
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:f${i}`] = v;
      return `#f${i} = :f${i}`;
    });
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.runKey(runId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)', // never create a half summary
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRunSummary(out.Attributes ?? {}, this.accountId);
    } catch (err) {
      if (isConditionalCheckFailed(err)) throw new StoreError(`run ${runId} not found`, { cause: err });
      throw toStoreError(err, 'UpdateItem', this.tableName);
    }
  }

  async getRun(runId: string): Promise<RunSummary | undefined> {
    if (runIdTime(runId) === undefined) return undefined;
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: this.runKey(runId), ConsistentRead: true }),
      );
      return out.Item ? toRunSummary(out.Item, this.accountId) : undefined;
    } catch (err) {
      throw toStoreError(err, 'GetItem', this.tableName);
    }
  }

  /** The latest runs first by default (the sort key starts with the start time). */
  async listRuns(options: { limit?: number; newestFirst?: boolean } = {}): Promise<RunSummary[]> {
    const limit = options.limit ?? 20;
    const out: RunSummary[] = [];
    if (limit <= 0) return out;
    for await (const item of queryAll(this.doc, {
      TableName: this.tableName,
      // Summaries' sort keys start with the year; the partition's other items (LISTING#) with a letter, after ':'.
      KeyConditionExpression: 'pk = :pk AND sk < :end',
      ExpressionAttributeValues: { ':pk': `RUN#${this.accountId}`, ':end': ':' },
      ScanIndexForward: !(options.newestFirst ?? true),
      Limit: Math.min(limit, 1000),
    })) {
      out.push(toRunSummary(item, this.accountId));
      if (out.length >= limit) break;
    }
    return out;
  }

  async putAuditEntries(runId: string, entries: Iterable<Omit<AuditEntry, 'runId'>>): Promise<number> {
    const unique = lastWinsByKey(entries, (e) => e.shareId);
    return batchWriteAll(
      this.doc,
      this.tableName,
      unique,
      (e) => ({
        PutRequest: {
          Item: compact({
            ...e,
            pk: auditPk(runId),
            sk: e.shareId,
            kind: 'audit',
            runId,
            expiresAt: this.expiresAt(e.recordedAtMs),
          }),
        },
      }),
      this.batch,
    );
  }

  /**
   * Records the outcome of one share. An upsert on purpose: the cancel path must never lose an
   * outcome, even for an entry whose first write was lost; such an entry gets the retention too.
   */
  async updateAuditOutcome(runId: string, shareId: ShareId, outcome: AuditOutcome, now: number, error?: string): Promise<void> {
    try {
      await this.updateAuditOutcomes(runId, [{ shareId, outcome, ...(error === undefined ? {} : { error }) }], now);
    } catch (err) {
      // One share: the store's own error says more than "1 of 1 not written".
      throw err instanceof AuditOutcomesNotWrittenError && err.cause instanceof StoreError ? err.cause : err;
    }
  }

  /**
   * The outcomes of many shares at once (the one implementation: `updateAuditOutcome` is this for
   * one share), in about 1/20 of the calls of one update each: the entries are read (BatchGetItem, 100 a call, strongly
   * consistent), the outcome is set on each as stored (every other attribute copied as is, types
   * included), and they are written back (BatchWriteItem, 25 a call). Unprocessed keys and items are
   * retried with backoff; whatever still fails is named in an `AuditOutcomesNotWrittenError`, never
   * dropped. No write is lost to a race by reading first: after the sweep has written an entry, the
   * only writers of it are the deliveries of the one cancel message that names its share, and they
   * set the same attributes, so the last writer wins exactly as with UpdateItem.
   */
  async updateAuditOutcomes(runId: string, updates: readonly AuditOutcomeUpdate[], now: number): Promise<void> {
    const unique = lastWinsByKey(updates, (u) => u.shareId);
    if (unique.length === 0) return;
    const failed = new Map<ShareId, unknown>();
    const stored = new Map<ShareId, Record<string, AttributeValue>>();
    const keyOf = (shareId: ShareId): Record<string, AttributeValue> => ({ pk: { S: auditPk(runId) }, sk: { S: shareId } });

    await forEachChunk(unique, BATCH_GET_LIMIT, this.batch.concurrency ?? 4, async (chunk) => {
      try {
        for (const item of await this.batchGetRaw(chunk.map((u) => keyOf(u.shareId)))) {
          const sk = item.sk?.S;
          if (sk !== undefined) stored.set(sk, item);
        }
      } catch (err) {
        for (const u of chunk) failed.set(u.shareId, err);
      }
    });

    const writes = unique
      .filter((u) => !failed.has(u.shareId))
      .map((u) => ({ shareId: u.shareId, item: this.withOutcome(stored.get(u.shareId), keyOf(u.shareId), runId, u, now) }));
    await forEachChunk(writes, BATCH_WRITE_LIMIT, this.batch.concurrency ?? 4, async (chunk) => {
      const unwritten = await this.batchPutRaw(chunk.map((w) => ({ PutRequest: { Item: w.item } })));
      for (const { sk, error } of unwritten) if (sk !== undefined) failed.set(sk, error);
    });

    if (failed.size === 0) return;
    const first = failed.values().next().value;
    const cause = first instanceof Error ? first : undefined;
    throw new AuditOutcomesNotWrittenError(
      [...failed.keys()],
      `${failed.size} of ${unique.length} audit outcome(s) of run ${runId} were not written: ${cause?.message ?? String(first)}`,
      { cause: first, retryable: !(first instanceof StoreError) || first.retryable },
    );
  }

  /**
   * An outcome set on a stored item (or on none: the upsert; such an entry gets the retention too).
   * Attribute values stay DynamoDB's own, so nothing is lost in a round trip through JavaScript.
   */
  private withOutcome(
    stored: Record<string, AttributeValue> | undefined,
    key: Record<string, AttributeValue>,
    runId: string,
    update: AuditOutcomeUpdate,
    now: number,
  ): Record<string, AttributeValue> {
    const item: Record<string, AttributeValue> = { ...stored, ...key };
    item.outcome = { S: update.outcome };
    item.outcomeAtMs = { N: String(now) };
    item.expiresAt ??= { N: String(this.expiresAt(now)) };
    item.runId = { S: runId };
    item.kind = { S: 'audit' };
    // An entry the sweep never wrote can only be one it decided to cancel (the cancel queue carries nothing else).
    item.decision ??= { S: 'cancel' };
    item.policyIds ??= { L: [] };
    item.reasons ??= { L: [] };
    if (update.error !== undefined) item.error = { S: update.error.slice(0, MAX_ERROR_LENGTH) };
    else delete item.error;
    return item;
  }

  /** BatchGetItem of up to 100 keys, strongly consistent, unprocessed keys retried with backoff. */
  private async batchGetRaw(keys: Record<string, AttributeValue>[]): Promise<Record<string, AttributeValue>[]> {
    const out: Record<string, AttributeValue>[] = [];
    await this.batchGetUntilProcessed(keys, async (pending) => {
      const res = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: [...pending], ConsistentRead: true } } }));
      out.push(...(res.Responses?.[this.tableName] ?? []));
      return res.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    });
    return out;
  }

  /** Resends unprocessed BatchGetItem keys (see sendUntilProcessed); throws a StoreError if any stay. */
  private async batchGetUntilProcessed<K>(keys: readonly K[], send: (pending: readonly K[]) => Promise<readonly K[]>): Promise<void> {
    let result;
    try {
      result = await sendUntilProcessed(keys, send, batchResendPolicy(this.batch));
    } catch (err) {
      throw toStoreError(err, 'BatchGetItem', this.tableName);
    }
    if (result.left.length > 0) {
      throw new StoreError(`DynamoDB BatchGetItem on ${this.tableName}: ${result.left.length} keys still unprocessed after ${result.attempts} attempts`, {
        retryable: true,
        code: 'UnprocessedKeys',
      });
    }
  }

  /** BatchWriteItem of up to 25 puts (see writeUntilProcessed). Returns what was not written, and why. */
  private async batchPutRaw(requests: RawWriteRequest[]): Promise<{ sk: string | undefined; error: unknown }[]> {
    const failure = await writeUntilProcessed(
      requests,
      async (pending) =>
        (await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }))).UnprocessedItems?.[this.tableName] ?? [],
      this.tableName,
      this.batch,
    );
    return failure ? failure.unwritten.map((r) => ({ sk: r.PutRequest?.Item?.sk?.S, error: failure.error })) : [];
  }

  async *listAudit(runId: string): AsyncGenerator<AuditEntry, void, undefined> {
    for await (const item of queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': auditPk(runId) },
    })) {
      yield toAuditEntry(item, runId);
    }
  }

  async getAuditEntries(keys: readonly { runId: string; shareId: ShareId }[]): Promise<AuditEntry[]> {
    const unique = lastWinsByKey(keys, (k) => `${k.runId}\u0000${k.shareId}`);
    const out: AuditEntry[] = [];
    await forEachChunk(unique, BATCH_GET_LIMIT, this.batch.concurrency ?? 4, async (chunk) => {
      const keys: Item[] = chunk.map((k) => ({ pk: auditPk(k.runId), sk: k.shareId }));
      await this.batchGetUntilProcessed(keys, async (pending) => {
        const res = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: [...pending], ConsistentRead: true } } }));
        for (const item of res.Responses?.[this.tableName] ?? []) out.push(toAuditEntry(item, str(item.runId) ?? ''));
        return (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
      });
    });
    return out;
  }

  async getApiShape(): Promise<StoredApiShape | undefined> {
    try {
      const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.shapeKey(), ConsistentRead: true }));
      return out.Item ? toStoredApiShape(out.Item) : undefined;
    } catch (err) {
      throw toStoreError(err, 'GetItem', this.tableName);
    }
  }

  async putApiShape(stored: StoredApiShape): Promise<void> {
    const { shape, truncated } = boundShape(stored.shape);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: compact({
            ...this.shapeKey(),
            kind: 'api-shape',
            accountId: this.accountId,
            runId: stored.runId,
            fingerprint: stored.fingerprint,
            recordedAtMs: stored.recordedAtMs,
            shape,
            truncated: truncated || stored.truncated === true ? true : undefined,
          }),
        }),
      );
    } catch (err) {
      throw toStoreError(err, 'PutItem', this.tableName);
    }
  }

  private shapeKey(): Item {
    return { pk: `SHAPE#${this.accountId}`, sk: 'LIST' };
  }

  private runKey(runId: string): Item {
    const t = runIdTime(runId);
    if (t === undefined) throw new StoreError(`run id ${JSON.stringify(runId)} was not made by newRunId`);
    return { pk: `RUN#${this.accountId}`, sk: `${new Date(t).toISOString()}#${runId}` };
  }

  private expiresAt(fromMs: number): number {
    return Math.floor((fromMs + this.retentionMs) / 1000);
  }
}

const auditPk = (runId: string): string => `AUDIT#${runId}`;

function capErrors(errors: string[] | undefined): string[] | undefined {
  if (!errors) return undefined;
  const kept = errors.slice(0, MAX_RUN_ERRORS).map((e) => (e.length > MAX_ERROR_LENGTH ? `${e.slice(0, MAX_ERROR_LENGTH)}...` : e));
  if (errors.length > MAX_RUN_ERRORS) kept.push(`... and ${errors.length - MAX_RUN_ERRORS} more errors`);
  return kept;
}
