/**
 * Plumbing shared by the DynamoDB stores: the document client, paged queries, batched writes with
 * retries of unprocessed items, and tolerant readers for attributes an admin may have edited.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  paginateQuery,
  type BatchWriteCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ACCOUNT_ID } from '../domain/share';
import { fullJitterDelayMs, sleepMs } from '../shared/backoff';
import { forEachLimit } from '../shared/concurrency';
import { sendUntilProcessed, type ResendPolicy } from '../shared/until-processed';
import { StoreError, isConditionalCheckFailed, toStoreError } from './errors';

/** Options every store takes. Without `client`, the store builds its own from the SDK's defaults. */
export interface StoreOptions {
  client?: DynamoDBClient;
  tableName: string;
  /** The TeraBox account these items belong to (default `default`). */
  accountId?: string;
  batch?: BatchOptions;
}

/** Tuning of batched writes. */
export interface BatchOptions {
  /** Calls for one chunk of 25 before giving up on its unprocessed items (default 8). */
  maxAttempts?: number;
  /** First backoff step in ms (default 50); doubles each attempt, full jitter. */
  baseDelayMs?: number;
  /** Cap of one backoff step in ms (default 2000). */
  maxDelayMs?: number;
  /** BatchWriteItem calls in flight at once (default 4). */
  concurrency?: number;
}

export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];
export type Item = Record<string, unknown>;

/** DynamoDB's limit of requests in one BatchWriteItem call. */
export const BATCH_WRITE_LIMIT = 25;

/**
 * Wraps the low-level client in a document client. The client built by default honours the SDK's
 * standard settings, `AWS_ENDPOINT_URL_DYNAMODB` included, so the same code runs against local servers.
 */
export function documentClient(client?: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client ?? new DynamoDBClient({}), {
    // Optional fields of our records are often undefined; DynamoDB rejects undefined values.
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function resolveAccountId(accountId: string | undefined): string {
  return accountId && accountId.length > 0 ? accountId : DEFAULT_ACCOUNT_ID;
}

/** The shared limiter (lib/shared/concurrency.ts), under the name the stores use. */

/** Runs `fn` over `items` in chunks of `size`, at most `concurrency` chunks at once (see forEachLimit). */
export async function forEachChunk<T>(items: readonly T[], size: number, concurrency: number, fn: (chunk: T[]) => Promise<void>): Promise<void> {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  await forEachLimit(chunks, concurrency, fn);
}

/** Calls of one batch before giving up on what DynamoDB leaves unprocessed. */
export function batchAttempts(options: BatchOptions): number {
  return options.maxAttempts ?? 8;
}

/** The resend policy of the batch calls: `maxAttempts` calls, full-jitter backoff between them. */
export function batchResendPolicy(options: BatchOptions): ResendPolicy {
  const backoff = { baseDelayMs: options.baseDelayMs ?? 50, maxDelayMs: options.maxDelayMs ?? 2000 };
  return { maxAttempts: batchAttempts(options), delayFor: (step) => fullJitterDelayMs(step, backoff), sleep: sleepMs };
}

/**
 * One chunk of a BatchWriteItem: `send` makes one call and returns the requests DynamoDB handed
 * back as UnprocessedItems (throttling, partition limits); those are resent with backoff until
 * none remain or `maxAttempts` calls were made. Undefined when all were written; otherwise the
 * requests not written and why (a failed call, or items still unprocessed: retryable).
 */
export async function writeUntilProcessed<R>(
  requests: R[],
  send: (pending: R[]) => Promise<R[]>,
  tableName: string,
  options: BatchOptions = {},
): Promise<{ unwritten: R[]; error: StoreError } | undefined> {
  let current: R[] = requests;
  let result;
  try {
    result = await sendUntilProcessed(requests, (pending) => send((current = [...pending])), batchResendPolicy(options));
  } catch (err) {
    return { unwritten: current, error: toStoreError(err, 'BatchWriteItem', tableName) };
  }
  if (result.left.length === 0) return undefined;
  const error = new StoreError(
    `DynamoDB BatchWriteItem on ${tableName}: ${result.left.length} items still unprocessed after ${result.attempts} attempts`,
    { retryable: true, code: 'UnprocessedItems' },
  );
  return { unwritten: [...result.left], error };
}

/**
 * Writes `items` with BatchWriteItem, 25 a call, several calls in flight, resending unprocessed
 * items (see writeUntilProcessed). `toRequest` turns an item into its write request when its call
 * is made, so that only the calls in flight hold marshalled items (an inventory of a million
 * shares is never marshalled at once). Throws a `StoreError` (retryable when items stayed
 * unprocessed after `maxAttempts` calls) if any chunk could not be written. Returns the count written.
 */
export async function batchWriteAll<T>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly T[],
  toRequest: (item: T) => WriteRequest,
  options: BatchOptions = {},
): Promise<number> {
  await forEachChunk(items, BATCH_WRITE_LIMIT, options.concurrency ?? 4, async (chunk) => {
    const failure = await writeUntilProcessed(
      chunk.map(toRequest),
      async (pending) => (await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }))).UnprocessedItems?.[tableName] ?? [],
      tableName,
      options,
    );
    if (failure) throw failure.error;
  });
  return items.length;
}

/**
 * Sends one conditional write: its answer, or undefined when the condition did not hold. Any
 * other failure becomes a StoreError naming the operation and the table.
 */
export async function sendConditional<T>(send: () => Promise<T>, operation: string, tableName: string): Promise<T | undefined> {
  try {
    return await send();
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw toStoreError(err, operation, tableName);
  }
}

/** Every item a query returns, following LastEvaluatedKey past DynamoDB's 1 MB page limit. */
export async function* queryAll(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
  operation = 'Query',
): AsyncGenerator<Item, void, undefined> {
  const tableName = input.TableName ?? '?';
  const pages = paginateQuery({ client: doc }, input);
  for (;;) {
    let page;
    try {
      page = await pages.next();
    } catch (err) {
      throw toStoreError(err, operation, tableName);
    }
    if (page.done) return;
    for (const item of page.value.Items ?? []) yield item;
  }
}

/** Drops later duplicates of one key so a batch never names an item twice (DynamoDB rejects that). */
export function lastWinsByKey<T>(items: Iterable<T>, key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    byKey.delete(k); // keep insertion order of the last write
    byKey.set(k, item);
  }
  return [...byKey.values()];
}

// ---- tolerant readers: items may have been edited by hand in the console

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function strList(v: unknown): string[] | undefined {
  if (v instanceof Set) v = [...v];
  if (!Array.isArray(v)) return undefined;
  return v.filter((x): x is string => typeof x === 'string');
}

export function numRecord(v: unknown): Record<string, number> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return out;
}

/** Removes undefined fields so records compare and print cleanly. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
