import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';

/** A DynamoDB client pointed at the DynamoDB Local started by the integration global setup. */
export function testDynamoClient(): DynamoDBClient {
  const endpoint = process.env.DYNAMODB_TEST_ENDPOINT;
  if (!endpoint) throw new Error('DYNAMODB_TEST_ENDPOINT is not set: run through the jest integration project');
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** A unique table-name prefix, so that parallel test files never share tables. */
export function uniqueTablePrefix(label: string): string {
  return `t-${label}-${randomUUID().slice(0, 8)}`;
}
