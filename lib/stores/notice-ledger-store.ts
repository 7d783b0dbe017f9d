/**
 * The notice ledger in the `Runs` table: one item per digest of a run, written by the notifier.
 * ```
 * { "pk": "NOTICE#default#<runId>", "sk": "requester#marketing", "status": "sent",
 *   "marks": ["4400112233/public-90d"], "messageId": "...", "to": ["mkt@example.com"],
 *   "claimedAtMs": 1796300000000, "sentAtMs": 1796300000500, "expiresAt": 1798892000 }
 * ```
 * A claim (`status: claimed`, a random `token`) is a conditional put: it succeeds only when no
 * item is there, or when the item is a claim older than the caller's stale limit (its holder died
 * between claim and send). `markSent` and `release` act only under the caller's token, so a holder
 * that was taken over cannot overwrite the one that took over. Items expire through the table's
 * TTL (`expiresAt`, epoch seconds) 30 days after the claim.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DigestClaim, NoticeLedger } from '../app/store-ports';
import { documentClient, resolveAccountId, sendConditional, str, strList, type Item } from './dynamo';
import { toStoreError } from './errors';

const RETENTION_S = 30 * 86_400;

export class DynamoDbNoticeLedger implements NoticeLedger {
  private readonly doc: DynamoDBDocumentClient;
  private readonly accountId: string;

  constructor(private readonly options: { client?: DynamoDBClient; tableName: string; accountId?: string }) {
    this.doc = documentClient(options.client);
    this.accountId = resolveAccountId(options.accountId);
  }

  async claim(input: { runId: string; recipient: string; marks: readonly string[]; nowMs: number; staleAfterMs: number }): Promise<DigestClaim> {
    const token = randomUUID();
    const { tableName } = this.options;
    const written = await sendConditional(
      () =>
        this.doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...this.key(input.runId, input.recipient),
              status: 'claimed',
              token,
              marks: [...input.marks],
              claimedAtMs: input.nowMs,
              expiresAt: Math.floor(input.nowMs / 1000) + RETENTION_S,
            },
            // Free, or a claim whose holder has not finished within the stale limit.
            ConditionExpression: 'attribute_not_exists(pk) OR (#status = :claimed AND #claimedAt < :stale)',
            ExpressionAttributeNames: { '#status': 'status', '#claimedAt': 'claimedAtMs' },
            ExpressionAttributeValues: { ':claimed': 'claimed', ':stale': input.nowMs - input.staleAfterMs },
          }),
        ),
      'PutItem',
      tableName,
    );
    if (written !== undefined) return { kind: 'claimed', token };
    const item = await this.read(input.runId, input.recipient);
    if (item === undefined || str(item.status) !== 'sent') return { kind: 'busy' };
    const messageId = str(item.messageId);
    return { kind: 'sent', marks: strList(item.marks) ?? [], ...(messageId !== undefined ? { messageId } : {}) };
  }

  async markSent(input: { runId: string; recipient: string; token: string; messageId: string; to: readonly string[]; nowMs: number }): Promise<boolean> {
    const updated = await sendConditional(
      () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: this.key(input.runId, input.recipient),
            UpdateExpression: 'SET #status = :sent, #messageId = :messageId, #to = :to, #sentAt = :now REMOVE #token',
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#status': 'status', '#messageId': 'messageId', '#to': 'to', '#sentAt': 'sentAtMs', '#token': 'token' },
            ExpressionAttributeValues: { ':sent': 'sent', ':messageId': input.messageId, ':to': [...input.to], ':now': input.nowMs, ':token': input.token },
          }),
        ),
      'UpdateItem',
      this.options.tableName,
    );
    return updated !== undefined;
  }

  async release(input: { runId: string; recipient: string; token: string }): Promise<void> {
    await sendConditional(
      () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.options.tableName,
            Key: this.key(input.runId, input.recipient),
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': input.token },
          }),
        ),
      'DeleteItem',
      this.options.tableName,
    );
  }

  private key(runId: string, recipient: string): Item {
    return { pk: `NOTICE#${this.accountId}#${runId}`, sk: recipient };
  }

  private async read(runId: string, recipient: string): Promise<Item | undefined> {
    try {
      return (await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: this.key(runId, recipient), ConsistentRead: true }))).Item;
    } catch (err) {
      throw toStoreError(err, 'GetItem', this.options.tableName);
    }
  }
}
