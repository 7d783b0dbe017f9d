/** Fresh tables per test file on the shared DynamoDB Local, dropped afterwards. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables, deleteTables, tableNames, type TableNames } from '../../../lib/stores/create-tables';
import { testDynamoClient, uniqueTablePrefix } from '../../support/dynamodb';

export interface TestTables {
  client: DynamoDBClient;
  names: TableNames;
}

/** Registers beforeAll/afterAll hooks; read the fields inside tests (they are set by beforeAll). */
export function useTestTables(label: string): TestTables {
  const ctx = {} as TestTables;
  beforeAll(async () => {
    ctx.client = testDynamoClient();
    ctx.names = tableNames(uniqueTablePrefix(label));
    await createTables(ctx.client, ctx.names);
  });
  afterAll(async () => {
    await deleteTables(ctx.client, ctx.names);
    ctx.client.destroy();
  });
  return ctx;
}
