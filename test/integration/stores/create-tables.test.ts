import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables, deleteTables, tableNames } from '../../../lib/stores/create-tables';
import { testDynamoClient, uniqueTablePrefix } from '../../support/dynamodb';

describe('createTables', () => {
  let client: DynamoDBClient;
  beforeAll(() => {
    client = testDynamoClient();
  });
  afterAll(() => client.destroy());

  it('names local tables after the design’s logical names', () => {
    expect(tableNames('tsl')).toEqual({
      policies: 'tsl-Policies',
      shares: 'tsl-ShareRecords',
      inventory: 'tsl-Inventory',
      runs: 'tsl-Runs',
    });
  });

  it('creates the four tables with their keys, index and TTL, and is safe to repeat', async () => {
    const names = tableNames(uniqueTablePrefix('create'));
    expect(await createTables(client, names)).toEqual({
      created: expect.arrayContaining(Object.values(names)),
      existing: [],
      ttlUnsupported: [],
    });
    const shares = (await client.send(new DescribeTableCommand({ TableName: names.shares }))).Table;
    expect(shares).toMatchObject({
      TableStatus: 'ACTIVE',
      KeySchema: [
        { AttributeName: 'accountId', KeyType: 'HASH' },
        { AttributeName: 'requestId', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        expect.objectContaining({
          IndexName: 'byShareId',
          KeySchema: [{ AttributeName: 'shareId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        }),
      ],
    });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: names.runs }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });

    const again = await createTables(client, names);
    expect(again.created).toEqual([]);
    expect(again.existing.sort()).toEqual(Object.values(names).sort());
    await deleteTables(client, names);
    await deleteTables(client, names); // already gone: no error
  });
});
