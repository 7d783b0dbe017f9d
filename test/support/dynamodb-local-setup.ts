import { startDynamoDbLocal } from './dynamodb-local';

/** Jest global setup: one DynamoDB Local for the integration project; workers read the env var. */
export default async function setup(): Promise<void> {
  if (process.env.DYNAMODB_TEST_ENDPOINT) return; // an already running one was provided
  const { endpoint, process: child } = await startDynamoDbLocal();
  process.env.DYNAMODB_TEST_ENDPOINT = endpoint;
  process.env.DYNAMODB_TEST_PID = String(child.pid);
  (globalThis as { __dynamoDbLocal?: typeof child }).__dynamoDbLocal = child;
}
