import { ListTablesCommand, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { testDynamoClient, uniqueTablePrefix } from '../support/dynamodb';

describe('DynamoDB Local harness', () => {
  it('answers real DynamoDB API calls', async () => {
    const client = testDynamoClient();
    const name = `${uniqueTablePrefix('harness')}-x`;
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const out = await client.send(new ListTablesCommand({}));
    expect(out.TableNames).toContain(name);
    client.destroy();
  });
});
