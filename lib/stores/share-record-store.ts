/**
 * Share records (the `ShareRecords` table): one item per share request, keyed by request id. The
 * item is the idempotency record of the create path (as Powertools' idempotency layer keeps one per
 * payload) and, once the share exists, the product's memory of who asked for it and when.
 *
 * Item: `{ accountId, requestId, status, requester, fsIds, paths, period, label, private,
 * attemptId, attempts, claimedAtMs, claimExpiresAtMs, shareId, shortUrl, link, visibility,
 * createdAtMs, teraboxCreatedAtMs, error, cancelledAtMs, cancelReason, cancelRunId, uncertainSinceMs,
 * updatedAtMs }`.
 * `shareId` is written only once known, which keeps the `byShareId` index sparse.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CreatedShare } from '../app/ports';
import type {
  ClaimInput,
  ClaimResult,
  MarkCancelledInput,
  RejectResult,
  ShareRecord,
  ShareRecordStatus,
  ShareRecordStore,
  ShareRequestFields,
} from '../app/store-ports';
import type { ShareId } from '../domain/share';
import {
  compact,
  documentClient,
  num,
  queryAll,
  resolveAccountId,
  str,
  strList,
  type Item,
  type StoreOptions,
  sendConditional,
} from './dynamo';
import { ClaimLostError, StoreError, isConditionalCheckFailed, toStoreError } from './errors';
import { SHARES_TABLE } from './table-design';

const STATUSES: readonly ShareRecordStatus[] = ['in-progress', 'created', 'rejected', 'failed', 'cancelled'];
const SHARE_ID_INDEX = SHARES_TABLE.globalSecondaryIndexes[0]?.indexName ?? 'byShareId';

/** How often a claim retries when the record vanished between its failed write and the read. */
const CLAIM_ROUNDS = 3;

/**
 * Builds an update expression from the defined values only. Every attribute goes through a `#name`
 * placeholder, because several of ours (`status`, `error`, `private`, ...) are DynamoDB reserved words.
 */
class UpdateBuilder {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};

  /** The placeholder of an attribute name, registered for use in a condition too. */
  name(attr: string): string {
    this.names[`#${attr}`] = attr;
    return `#${attr}`;
  }

  set(attr: string, value: unknown): this {
    if (value === undefined) return this;
    this.values[`:${attr}`] = value;
    this.sets.push(`${this.name(attr)} = :${attr}`);
    return this;
  }

  /** `attr = if_not_exists(attr, value)`: sets the value unless the attribute is already there. */
  setIfMissing(attr: string, value: unknown): this {
    if (value === undefined) return this;
    const n = this.name(attr);
    this.values[`:${attr}`] = value;
    this.sets.push(`${n} = if_not_exists(${n}, :${attr})`);
    return this;
  }

  /** `attr = if_not_exists(attr, 0) + 1` */
  increment(attr: string): this {
    const n = this.name(attr);
    this.values[':zero'] = 0;
    this.values[':one'] = 1;
    this.sets.push(`${n} = if_not_exists(${n}, :zero) + :one`);
    return this;
  }

  remove(...attrs: string[]): this {
    this.removes.push(...attrs.map((a) => this.name(a)));
    return this;
  }

  get expression(): string {
    return `SET ${this.sets.join(', ')}${this.removes.length ? ` REMOVE ${this.removes.join(', ')}` : ''}`;
  }
}

/** DynamoDB repository of share records and create claims. */
export class DynamoDbShareRecordStore implements ShareRecordStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly accountId: string;
  private readonly newAttemptId: () => string;

  constructor(options: StoreOptions & { newAttemptId?: () => string }) {
    this.doc = documentClient(options.client);
    this.tableName = options.tableName;
    this.accountId = resolveAccountId(options.accountId);
    this.newAttemptId = options.newAttemptId ?? randomUUID;
  }

  /**
   * Takes the claim when no record exists, or when the record is an `in-progress` claim whose
   * expiry has passed (its invocation crashed or released it). The condition makes this atomic:
   * of two invocations racing for one request id exactly one gets `claimed`.
   */
  async claim(input: ClaimInput): Promise<ClaimResult> {
    const { requestId, requester, request, now, claimTtlMs } = input;
    for (let round = 1; ; round++) {
      const attemptId = this.newAttemptId();
      const expiresAtMs = now + claimTtlMs;
      const update = new UpdateBuilder()
        .set('status', 'in-progress')
        .set('requester', requester)
        .set('attemptId', attemptId)
        .set('claimedAtMs', now)
        .set('claimExpiresAtMs', expiresAtMs)
        .set('updatedAtMs', now)
        .increment('attempts')
        .remove('releasedAtMs');
      setRequestFields(update, request);
      update.name('requestId');
      // No record yet, or an in-progress claim that has expired (`:claimedAtMs` is `now`).
      const condition = 'attribute_not_exists(#requestId) OR (#status = :status AND #claimExpiresAtMs < :claimedAtMs)';
      const out = await this.updateIf(requestId, update, condition, 'ALL_OLD');
      if (!out.written) {
        const record = out.current;
        if (record) {
          if (record.status === 'in-progress' && (record.claimExpiresAtMs ?? 0) < now && round < CLAIM_ROUNDS) continue;
          return classify(record);
        }
        if (round < CLAIM_ROUNDS) continue; // deleted meanwhile: try again
        throw new StoreError(`claim on request ${requestId} neither succeeded nor found a record`, { retryable: true });
      }
      const old = out.attributes;
      // A released claim is a handover, not a takeover: its invocation said it had stopped.
      const takenOver = old !== undefined && old.releasedAtMs === undefined;
      const uncertainSinceMs = num(old?.uncertainSinceMs);
      const previousClaimedAtMs = num(old?.claimedAtMs);
      return {
        kind: 'claimed',
        attempt: {
          requestId,
          attemptId,
          claimedAtMs: now,
          expiresAtMs,
          takenOver,
          attempts: (num(old?.attempts) ?? 0) + 1,
          ...(uncertainSinceMs !== undefined ? { uncertainSinceMs } : {}),
          ...(takenOver && previousClaimedAtMs !== undefined ? { previousClaimedAtMs } : {}),
        },
      };
    }
  }

  /**
   * Stores the created share, only while this attempt holds the claim (`attemptId` matches and the
   * record is still in progress). Repeating a completion that already succeeded returns the record.
   */
  async complete(input: { requestId: string; attemptId: string; share: CreatedShare; now: number }): Promise<ShareRecord> {
    const { share, now } = input;
    const update = new UpdateBuilder()
      .set('status', 'created')
      .set('shareId', share.shareId)
      .set('shortUrl', share.shortUrl)
      .set('link', share.link)
      .set('period', share.period)
      .set('visibility', share.password ? 'private' : 'public')
      .set('createdAtMs', now)
      .set('teraboxCreatedAtMs', share.createdAtMs)
      .set('updatedAtMs', now)
      .remove('claimExpiresAtMs', 'releasedAtMs', 'error');
    return this.finish(input.requestId, input.attemptId, update, 'created');
  }

  async fail(input: { requestId: string; attemptId: string; error: string; now: number }): Promise<ShareRecord> {
    const update = new UpdateBuilder()
      .set('status', 'failed')
      .set('error', input.error)
      .set('updatedAtMs', input.now)
      .remove('claimExpiresAtMs', 'releasedAtMs');
    return this.finish(input.requestId, input.attemptId, update, 'failed');
  }

  async reject(input: {
    requestId: string;
    requester?: string;
    reason: string;
    now: number;
    attemptId?: string;
  }): Promise<RejectResult> {
    const update = new UpdateBuilder()
      .set('status', 'rejected')
      .set('requester', input.requester)
      .set('error', input.reason)
      .set('updatedAtMs', input.now)
      .remove('claimExpiresAtMs', 'releasedAtMs');
    update.values[':inProgress'] = 'in-progress';
    update.values[':rejected'] = 'rejected';
    update.name('requestId');
    let mayReplaceClaim = '#claimExpiresAtMs < :updatedAtMs';
    if (input.attemptId !== undefined) {
      update.values[':attempt'] = input.attemptId;
      mayReplaceClaim += ` OR ${update.name('attemptId')} = :attempt`;
    }
    for (let round = 1; ; round++) {
      // New record; a repeat of the same rejection; or a claim that is ours or dead.
      const condition = `attribute_not_exists(#requestId) OR #status = :rejected OR (#status = :inProgress AND (${mayReplaceClaim}))`;
      const out = await this.updateIf(input.requestId, update, condition, 'ALL_NEW');
      if (out.written) return { kind: 'rejected', record: this.toRecord(out.attributes ?? {}) };
      if (out.current) return { kind: 'exists', record: out.current };
      if (round >= CLAIM_ROUNDS) throw new StoreError(`reject of request ${input.requestId} kept conflicting`, { retryable: true });
    }
  }

  /**
   * Expires this attempt's claim at once (the record stays, marked released) so that a redelivery
   * can claim again. false when the claim was not this attempt's any more. With `uncertainSinceMs`
   * (the create may have reached TeraBox), the earliest such time is kept on the record.
   */
  async releaseClaim(input: {
    requestId: string;
    attemptId: string;
    error?: string;
    now?: number;
    uncertainSinceMs?: number;
  }): Promise<boolean> {
    const update = new UpdateBuilder()
      .set('claimExpiresAtMs', 0)
      .set('releasedAtMs', input.now ?? 0)
      .set('error', input.error)
      // if_not_exists: the first uncertain attempt is the earliest, and the search must reach back to it.
      .setIfMissing('uncertainSinceMs', input.uncertainSinceMs);
    update.values[':inProgress'] = 'in-progress';
    update.values[':attempt'] = input.attemptId;
    update.name('status');
    update.name('attemptId');
    const written = await sendConditional(
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(input.requestId),
            UpdateExpression: update.expression,
            ConditionExpression: '#status = :inProgress AND #attemptId = :attempt',
            ExpressionAttributeNames: update.names,
            ExpressionAttributeValues: update.values,
          }),
        ),
      'UpdateItem',
      this.tableName,
    );
    return written !== undefined;
  }

  async get(requestId: string): Promise<ShareRecord | undefined> {
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: this.key(requestId), ConsistentRead: true }),
      );
      return out.Item ? this.toRecord(out.Item) : undefined;
    } catch (err) {
      throw toStoreError(err, 'GetItem', this.tableName);
    }
  }

  /**
   * The record of a share, through the sparse `byShareId` index. The index is keyed by share id
   * alone, so records of other accounts are filtered out. Should several records name one share
   * (never expected), the latest updated wins.
   */
  async findByShareId(shareId: ShareId): Promise<ShareRecord | undefined> {
    let best: ShareRecord | undefined;
    for await (const item of queryAll(this.doc, {
      TableName: this.tableName,
      IndexName: SHARE_ID_INDEX,
      KeyConditionExpression: 'shareId = :s',
      FilterExpression: 'accountId = :a',
      ExpressionAttributeValues: { ':s': shareId, ':a': this.accountId },
    })) {
      const record = this.toRecord(item);
      if (!best || record.updatedAtMs > best.updatedAtMs) best = record;
    }
    return best;
  }

  listCreated(): AsyncIterable<ShareRecord> {
    return this.list('created');
  }

  listAll(): AsyncIterable<ShareRecord> {
    return this.list();
  }

  async attachShareId(requestId: string, shareId: ShareId, now: number): Promise<boolean> {
    const written = await sendConditional(
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key(requestId),
            UpdateExpression: 'SET shareId = :s, updatedAtMs = :now',
            ConditionExpression: 'attribute_exists(requestId) AND attribute_not_exists(shareId)',
            ExpressionAttributeValues: { ':s': shareId, ':now': now },
          }),
        ),
      'UpdateItem',
      this.tableName,
    );
    return written !== undefined;
  }

  /**
   * Moves a `created` record to `cancelled`. A record already cancelled is returned unchanged (the
   * cancel Lambda may see a batch twice); a record in any other state is returned unchanged too.
   * Given a request id, no lookup is made (one Query saved); given a share id as well, a record
   * that names another share is neither changed nor returned (undefined), so that a stale or wrong
   * request id can never cancel another share's record.
   */
  async markCancelled(input: MarkCancelledInput): Promise<ShareRecord | undefined> {
    let requestId = input.requestId;
    const checkShareId = requestId !== undefined ? input.shareId : undefined;
    if (requestId === undefined) {
      if (input.shareId === undefined) throw new StoreError('markCancelled needs a shareId or a requestId');
      requestId = (await this.findByShareId(input.shareId))?.requestId;
      if (requestId === undefined) return undefined;
    }
    const update = new UpdateBuilder()
      .set('status', 'cancelled')
      .set('cancelledAtMs', input.now)
      .set('cancelReason', input.reason)
      .set('cancelRunId', input.runId)
      .set('updatedAtMs', input.now);
    update.values[':created'] = 'created';
    // Only a created record moves (never an in-progress claim, a rejection or a failure). With a
    // request id from the caller, the record must also name this share, or none yet (a record the
    // sweep matched by short url whose share id could not be attached).
    let condition = '#status = :created';
    if (checkShareId !== undefined) {
      const shareIdName = update.name('shareId');
      update.values[':shareId'] = checkShareId;
      condition += ` AND (attribute_not_exists(${shareIdName}) OR ${shareIdName} = :shareId)`;
    }
    const out = await this.updateIf(requestId, update, condition, 'ALL_NEW');
    if (out.written) return this.toRecord(out.attributes ?? {});
    const { current } = out;
    if (checkShareId !== undefined && current?.shareId !== undefined && current.shareId !== checkShareId) return undefined;
    return current;
  }

  private async *list(status?: ShareRecordStatus): AsyncGenerator<ShareRecord, void, undefined> {
    for await (const item of queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'accountId = :a',
      ...(status
        ? {
            FilterExpression: '#status = :status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':a': this.accountId, ':status': status },
          }
        : { ExpressionAttributeValues: { ':a': this.accountId } }),
    })) {
      yield this.toRecord(item);
    }
  }

  /** Common path of complete / fail: conditional on this attempt's live claim. */
  private async finish(
    requestId: string,
    attemptId: string,
    update: UpdateBuilder,
    target: ShareRecordStatus,
  ): Promise<ShareRecord> {
    update.values[':inProgress'] = 'in-progress';
    update.values[':attempt'] = attemptId;
    update.name('attemptId');
    // Still in progress and still ours: a takeover changed attemptId, so a late finisher loses.
    const out = await this.updateIf(requestId, update, '#status = :inProgress AND #attemptId = :attempt', 'ALL_NEW');
    if (out.written) return this.toRecord(out.attributes ?? {});
    const { current } = out;
    // A retried call whose first write succeeded but whose answer was lost.
    if (current && current.status === target && current.attemptId === attemptId) return current;
    throw new ClaimLostError(requestId, attemptId, current);
  }

  /**
   * One conditional UpdateItem: the item's attributes (`returnValues`) when it was written, else the
   * record as it stands now (a strongly consistent read). The reread is deliberate: DynamoDB's
   * `ReturnValuesOnConditionCheckFailure` would save it, but dynalite (the local run's DynamoDB)
   * does not implement it.
   */
  private async updateIf(
    requestId: string,
    update: UpdateBuilder,
    condition: string,
    returnValues: 'ALL_OLD' | 'ALL_NEW',
  ): Promise<{ written: true; attributes: Item | undefined } | { written: false; current: ShareRecord | undefined }> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(requestId),
          UpdateExpression: update.expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: update.values,
          ReturnValues: returnValues,
        }),
      );
      return { written: true, attributes: out.Attributes };
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw toStoreError(err, 'UpdateItem', this.tableName);
      return { written: false, current: await this.get(requestId) };
    }
  }

  private key(requestId: string): Item {
    return { accountId: this.accountId, requestId };
  }

  private toRecord(item: Item): ShareRecord {
    return toShareRecord(item, this.accountId);
  }
}

/** The request as stored: the password only tells that the link is private, and is never written. */
function setRequestFields(update: UpdateBuilder, request: ShareRequestFields & { password?: string }): void {
  const isPrivate = request.password !== undefined ? true : request.private;
  update
    .set('fsIds', request.fsIds)
    .set('paths', request.paths)
    .set('period', request.period)
    .set('label', request.label)
    .set('private', isPrivate);
}

function classify(record: ShareRecord): ClaimResult {
  switch (record.status) {
    case 'created':
    case 'cancelled':
      return { kind: 'completed', record };
    case 'rejected':
      return { kind: 'rejected', record };
    case 'failed':
      return { kind: 'failed', record };
    case 'in-progress':
      return { kind: 'in-progress', record };
  }
}

/** Reads a stored item into a record, tolerating hand edits (wrong types are dropped, not trusted). */
export function toShareRecord(item: Item, accountId: string): ShareRecord {
  const status = STATUSES.find((s) => s === item.status) ?? 'failed';
  const period = num(item.period);
  const visibility = item.visibility === 'public' || item.visibility === 'private' ? item.visibility : undefined;
  return compact<ShareRecord>({
    accountId: str(item.accountId) ?? accountId,
    requestId: str(item.requestId) ?? '',
    requester: str(item.requester),
    status,
    attemptId: str(item.attemptId),
    attempts: num(item.attempts),
    claimedAtMs: num(item.claimedAtMs),
    claimExpiresAtMs: num(item.claimExpiresAtMs),
    fsIds: strList(item.fsIds),
    paths: strList(item.paths),
    period: period === 0 || period === 1 || period === 7 || period === 30 ? period : undefined,
    label: str(item.label),
    private: typeof item.private === 'boolean' ? item.private : undefined,
    shareId: str(item.shareId),
    shortUrl: str(item.shortUrl),
    link: str(item.link),
    visibility,
    createdAtMs: num(item.createdAtMs),
    teraboxCreatedAtMs: num(item.teraboxCreatedAtMs),
    error: str(item.error),
    cancelledAtMs: num(item.cancelledAtMs),
    cancelReason: str(item.cancelReason),
    cancelRunId: str(item.cancelRunId),
    uncertainSinceMs: num(item.uncertainSinceMs),
    updatedAtMs: num(item.updatedAtMs) ?? 0,
  });
}
