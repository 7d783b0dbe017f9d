/**
 * The listing staging store's error paths, with a mocked DynamoDB: failures other than a failed
 * condition become StoreErrors that keep their cause. Its real behaviour: test/integration/stores/listing-staging-store.test.ts.
 */
import { ConditionalCheckFailedException, DynamoDBClient, InternalServerError, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { StoreError } from '../../../lib/app/store-ports';
import { DynamoDbListingStagingStore } from '../../../lib/stores/listing-staging-store';
import { aCheckpoint, aLargeStagedPage, aStagedPage } from '../../factories/listing-staging';
import { T0 } from '../../factories/store-items';

const meta = { $metadata: {} };
const ddb = mockClient(DynamoDBDocumentClient);
const client = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const store = new DynamoDbListingStagingStore({ client, tableName: 'runs', batch: { maxAttempts: 1 } });
afterAll(() => client.destroy());
beforeEach(() => ddb.reset());

async function drain(pages: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of pages);
}

describe('DynamoDbListingStagingStore errors', () => {
  it('turns a failed checkpoint write into a StoreError with its cause', async () => {
    const cause = new InternalServerError({ message: 'oops', ...meta });
    ddb.on(PutCommand).rejects(cause);
    const failure = store.saveCheckpoint(aCheckpoint({ chunks: 2 }), T0);
    await expect(failure).rejects.toBeInstanceOf(StoreError);
    await expect(failure).rejects.toMatchObject({ name: 'StoreError', retryable: true, cause, message: expect.stringContaining('DynamoDB PutItem on runs failed') });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('returns false on a failed condition when another checkpoint is stored', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta }));
    ddb.on(GetCommand).resolves({ Item: { pk: 'RUN#default', sk: 'LISTING#x', chunks: 2 } });
    expect(await store.saveCheckpoint(aCheckpoint({ chunks: 2 }), T0)).toBe(false);
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ ConditionExpression: '#chunks = :previous', ExpressionAttributeValues: { ':previous': 1 } });
  });

  it('turns a failed page write, part write or query into a StoreError', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', ...meta });
    ddb.on(PutCommand).rejects(throttled);
    await expect(store.putPage('run', aStagedPage(1), T0)).rejects.toMatchObject({ name: 'StoreError', retryable: true, cause: throttled });
    ddb.on(BatchWriteCommand).rejects(throttled);
    await expect(store.putPage('run', aLargeStagedPage(1), T0)).rejects.toMatchObject({ name: 'StoreError', cause: throttled });
    ddb.on(QueryCommand).rejects(throttled);
    await expect(drain(store.readPages('run', 3))).rejects.toMatchObject({ name: 'StoreError', code: 'ProvisionedThroughputExceededException', cause: throttled });
  });

  it('refuses a stored checkpoint it cannot read', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'RUN#default', sk: 'LISTING#x', runId: 'x', accountId: 'default', chunks: 1, cursor: '{', shape: '{}' } });
    await expect(store.getCheckpoint('default', 'x')).rejects.toMatchObject({ name: 'StoreError', code: 'CheckpointCorrupt' });
  });
});
