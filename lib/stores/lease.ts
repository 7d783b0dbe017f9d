/**
 * The sweep lease (in the `Runs` table): pk `LEASE#<accountId>`, sk `LEASE`,
 * `{ owner, acquiredAtMs, expiresAtMs }`. A conditional write with an expiry: of two sweeps that
 * start together exactly one gets it, and a holder that crashed stops blocking once its lease expires.
 * (`expiresAtMs` is deliberately not the table's TTL attribute `expiresAt`: TTL deletion runs up to
 * days late and must not be what frees a lease.)
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lease, LeaseHolder } from '../app/store-ports';
import { documentClient, num, resolveAccountId, sendConditional, str, type Item, type StoreOptions } from './dynamo';
import { toStoreError } from './errors';

/** DynamoDB implementation of the run lease. */
export class DynamoDbLease implements Lease {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly key: Item;

  constructor(options: StoreOptions) {
    this.doc = documentClient(options.client);
    this.tableName = options.tableName;
    this.key = { pk: `LEASE#${resolveAccountId(options.accountId)}`, sk: 'LEASE' };
  }

  /** Takes the lease when nobody holds it, its holder's time ran out, or `owner` already holds it. */
  async acquire(input: { owner: string; ttlMs: number; now: number }): Promise<boolean> {
    return this.conditional(
      () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...this.key, owner: input.owner, acquiredAtMs: input.now, expiresAtMs: input.now + input.ttlMs },
            ConditionExpression: 'attribute_not_exists(pk) OR #expiresAtMs < :now OR #owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner', '#expiresAtMs': 'expiresAtMs' },
            ExpressionAttributeValues: { ':now': input.now, ':owner': input.owner },
          }),
        ),
      'PutItem',
    );
  }

  /**
   * Extends the lease while `owner` still holds it. An expired lease nobody took yet may be renewed:
   * the condition is checked atomically, so a renewal never steals a lease another owner took.
   */
  async renew(input: { owner: string; ttlMs: number; now: number }): Promise<boolean> {
    return this.conditional(
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: this.key,
            UpdateExpression: 'SET #expiresAtMs = :expires',
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner', '#expiresAtMs': 'expiresAtMs' },
            ExpressionAttributeValues: { ':owner': input.owner, ':expires': input.now + input.ttlMs },
          }),
        ),
      'UpdateItem',
    );
  }

  async release(owner: string): Promise<boolean> {
    return this.conditional(
      () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: this.key,
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': owner },
          }),
        ),
      'DeleteItem',
    );
  }

  async current(): Promise<LeaseHolder | undefined> {
    try {
      const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: this.key, ConsistentRead: true }));
      const owner = str(out.Item?.owner);
      if (!out.Item || owner === undefined) return undefined;
      return { owner, expiresAtMs: num(out.Item.expiresAtMs) ?? 0, acquiredAtMs: num(out.Item.acquiredAtMs) ?? 0 };
    } catch (err) {
      throw toStoreError(err, 'GetItem', this.tableName);
    }
  }

  /** Sends a conditional write: true when it was applied, false when its condition did not hold. */
  private async conditional(send: () => Promise<unknown>, operation: string): Promise<boolean> {
    return (await sendConditional(send, operation, this.tableName)) !== undefined;
  }
}
