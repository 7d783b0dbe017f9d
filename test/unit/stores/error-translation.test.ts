import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ClaimLostError, PolicyConflictError, StoreError } from '../../../lib/app/store-ports';
import { isConditionalCheckFailed, toStoreError } from '../../../lib/stores/errors';
import { DynamoDbLease } from '../../../lib/stores/lease';
import { DynamoDbPolicyStore } from '../../../lib/stores/policy-store';
import { DynamoDbShareRecordStore } from '../../../lib/stores/share-record-store';
import { aClaim, aCreatedShare, aPolicy, T0 } from '../../factories/store-items';

const meta = { $metadata: {} };
const conditionFailed = (): ConditionalCheckFailedException =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta });
const throttled = (): ProvisionedThroughputExceededException =>
  new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', ...meta });

const ddb = mockClient(DynamoDBDocumentClient);
const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
afterAll(() => client.destroy());
beforeEach(() => ddb.reset());

describe('toStoreError', () => {
  it.each([
    { label: 'throttling (provisioned)', err: throttled(), retryable: true },
    { label: 'throttling', err: new ThrottlingException({ message: 'slow down', ...meta }), retryable: true },
    { label: 'a 500 from the service', err: new InternalServerError({ message: 'oops', ...meta }), retryable: true },
    { label: 'a missing table', err: new ResourceNotFoundException({ message: 'Requested resource not found', ...meta }), retryable: false },
    { label: 'a network reset', err: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), retryable: true },
    { label: 'a plain bug', err: new TypeError('x is not a function'), retryable: false },
  ])('translates $label into a StoreError that keeps the cause (retryable: $retryable)', ({ err, retryable }) => {
    const translated = toStoreError(err, 'PutItem', 'tbl');
    expect(translated).toBeInstanceOf(StoreError);
    expect(translated).toMatchObject({ name: 'StoreError', retryable, cause: err });
    expect(translated.message).toContain('DynamoDB PutItem on tbl failed');
  });

  it('says which table may be missing', () => {
    const err = new ResourceNotFoundException({ message: 'Requested resource not found', ...meta });
    expect(toStoreError(err, 'Query', 'prod-Runs').message).toBe(
      'DynamoDB Query on prod-Runs failed: ResourceNotFoundException: Requested resource not found (does table prod-Runs exist in this region?)',
    );
  });

  it('passes a StoreError through unchanged', () => {
    const err = new StoreError('already translated');
    expect(toStoreError(err, 'GetItem', 'tbl')).toBe(err);
  });

  it('recognises a failed condition only', () => {
    expect(isConditionalCheckFailed(conditionFailed())).toBe(true);
    expect(isConditionalCheckFailed(throttled())).toBe(false);
  });
});

describe('conditional writes become results, never SDK errors', () => {
  const records = (): DynamoDbShareRecordStore =>
    new DynamoDbShareRecordStore({ client, tableName: 'shares', newAttemptId: () => 'attempt-2' });

  it('turns a lost claim race into the stored record', async () => {
    const stored = { accountId: 'default', requestId: 'req-2026-0001', status: 'created', shareId: '1', updatedAtMs: T0 };
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: stored });
    expect(await records().claim(aClaim())).toEqual({ kind: 'completed', record: stored });
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: 'shares',
      Key: { accountId: 'default', requestId: 'req-2026-0001' },
      ConsistentRead: true,
    });
  });

  it('sends the claim condition that lets only a new or expired claim through', async () => {
    ddb.on(UpdateCommand).resolves({});
    await records().claim(aClaim());
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#requestId) OR (#status = :status AND #claimExpiresAtMs < :claimedAtMs)',
      ExpressionAttributeValues: expect.objectContaining({ ':status': 'in-progress', ':claimedAtMs': T0, ':attemptId': 'attempt-2' }),
    });
  });

  it('turns a completion by a former holder into ClaimLostError carrying the current record', async () => {
    const current = { accountId: 'default', requestId: 'r', status: 'in-progress', attemptId: 'attempt-9', updatedAtMs: T0 };
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: current });
    const attempt = records().complete({ requestId: 'r', attemptId: 'attempt-1', share: aCreatedShare(), now: T0 });
    await expect(attempt).rejects.toBeInstanceOf(ClaimLostError);
    await expect(attempt).rejects.toMatchObject({ current, requestId: 'r', attemptId: 'attempt-1' });
  });

  it.each([
    ['acquire', (l: DynamoDbLease) => l.acquire({ owner: 'a', ttlMs: 1, now: T0 }), PutCommand],
    ['renew', (l: DynamoDbLease) => l.renew({ owner: 'a', ttlMs: 1, now: T0 }), UpdateCommand],
    ['release', (l: DynamoDbLease) => l.release('a'), DeleteCommand],
  ] as const)('answers a lease %s whose condition failed with false', async (_op, call, command) => {
    ddb.on(command as typeof PutCommand).rejects(conditionFailed());
    expect(await call(new DynamoDbLease({ client, tableName: 'runs' }))).toBe(false);
  });

  it('names the conflicting policies of a cancelled transaction', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
        ...meta,
      }),
    );
    const store = new DynamoDbPolicyStore({ client, tableName: 'policies' });
    const attempt = store.putPolicies([aPolicy({ policyId: 'a' }), aPolicy({ policyId: 'b' })], T0);
    await expect(attempt).rejects.toBeInstanceOf(PolicyConflictError);
    await expect(attempt).rejects.toMatchObject({ policyIds: ['b'] });
  });

  it('marks a transaction cancelled by contention as retryable', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'Transaction cancelled', CancellationReasons: [{ Code: 'TransactionConflict' }], ...meta }),
    );
    const attempt = new DynamoDbPolicyStore({ client, tableName: 'policies' }).putPolicies([aPolicy()], T0);
    await expect(attempt).rejects.toMatchObject({ name: 'StoreError', retryable: true, code: 'TransactionCanceledException' });
  });
});

describe('failures surface as StoreError with their cause', () => {
  it.each([
    ['claim', (s: DynamoDbShareRecordStore) => s.claim(aClaim()), UpdateCommand],
    ['get', (s: DynamoDbShareRecordStore) => s.get('r'), GetCommand],
    ['listCreated', async (s: DynamoDbShareRecordStore) => { for await (const _ of s.listCreated()) void _; }, QueryCommand],
  ] as const)('throttling during %s', async (_op, call, command) => {
    const cause = throttled();
    ddb.on(command as typeof GetCommand).rejects(cause);
    const attempt = call(new DynamoDbShareRecordStore({ client, tableName: 'shares' }));
    await expect(attempt).rejects.toBeInstanceOf(StoreError);
    await expect(attempt).rejects.toMatchObject({ retryable: true, code: 'ProvisionedThroughputExceededException', cause });
  });
});
