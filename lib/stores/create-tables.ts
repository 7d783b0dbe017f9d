/**
 * Creates the four tables from the shared designs in `table-design.ts`: used by the tests (Amazon
 * DynamoDB Local), the local run (dynalite) and the CLI. The deployed tables come from the CDK
 * stack, which reads the same designs.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { toStoreError } from './errors';
import { ALL_TABLES, type TableDesign } from './table-design';

/** The physical names of the four tables. */
export interface TableNames {
  policies: string;
  shares: string;
  inventory: string;
  runs: string;
}

const ROLE_BY_LOGICAL_NAME: Record<string, keyof TableNames> = {
  Policies: 'policies',
  ShareRecords: 'shares',
  Inventory: 'inventory',
  Runs: 'runs',
};

/** Local table names: `<prefix>-<logicalName>` (`tsl-Policies`, `tsl-ShareRecords`, ...). */
export function tableNames(prefix: string): TableNames {
  const names = {} as TableNames;
  for (const design of ALL_TABLES) names[roleOf(design)] = `${prefix}-${design.logicalName}`;
  return names;
}

export interface CreateTablesResult {
  created: string[];
  /** Tables that were there already (left as they were). */
  existing: string[];
  /** Tables whose TTL could not be switched on because the server does not support it (dynalite). */
  ttlUnsupported: string[];
}

/**
 * Creates the tables (on-demand billing, every GSI projecting all attributes), waits until each is
 * ACTIVE, and switches TTL on where the design asks for it. Tables that exist already are left as
 * they are, so the call is safe to repeat.
 */
export async function createTables(
  client: DynamoDBClient,
  names: TableNames,
  options: { timeoutMs?: number } = {},
): Promise<CreateTablesResult> {
  const result: CreateTablesResult = { created: [], existing: [], ttlUnsupported: [] };
  await Promise.all(
    ALL_TABLES.map(async (design) => {
      const tableName = names[roleOf(design)];
      try {
        await client.send(new CreateTableCommand(createTableInput(design, tableName)));
        result.created.push(tableName);
      } catch (err) {
        if ((err as { name?: string }).name !== 'ResourceInUseException') {
          throw toStoreError(err, 'CreateTable', tableName);
        }
        result.existing.push(tableName);
      }
      await waitUntilActive(client, tableName, options.timeoutMs ?? 60_000);
      if (design.timeToLiveAttribute) {
        try {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: tableName,
              TimeToLiveSpecification: { AttributeName: design.timeToLiveAttribute, Enabled: true },
            }),
          );
        } catch (err) {
          const name = (err as { name?: string }).name ?? '';
          // Already on: DynamoDB says so with a ValidationException ("TimeToLive is already enabled").
          if (name === 'ValidationException' && /already enabled/i.test(String((err as Error).message))) return;
          // dynalite has no TTL API: the local run lives without expiry.
          if (name === 'UnknownOperationException' || name === 'UnrecognizedClientException') {
            result.ttlUnsupported.push(tableName);
            return;
          }
          throw toStoreError(err, 'UpdateTimeToLive', tableName);
        }
      }
    }),
  );
  return result;
}

/** Deletes the tables, ignoring those already gone (test cleanup). */
export async function deleteTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all(
    Object.values(names).map(async (tableName: string) => {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } catch (err) {
        if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw toStoreError(err, 'DeleteTable', tableName);
      }
    }),
  );
}

/** The CreateTable input of one design (exported for the tests and the CLI's `--print` needs). */
export function createTableInput(design: TableDesign, tableName: string): ConstructorParameters<typeof CreateTableCommand>[0] {
  const attributes = new Map<string, AttributeDefinition>();
  const keySchema = (pk: TableDesign['partitionKey'], sk?: TableDesign['sortKey']): KeySchemaElement[] => {
    attributes.set(pk.name, { AttributeName: pk.name, AttributeType: pk.type });
    const schema: KeySchemaElement[] = [{ AttributeName: pk.name, KeyType: 'HASH' }];
    if (sk) {
      attributes.set(sk.name, { AttributeName: sk.name, AttributeType: sk.type });
      schema.push({ AttributeName: sk.name, KeyType: 'RANGE' });
    }
    return schema;
  };
  const KeySchema = keySchema(design.partitionKey, design.sortKey);
  const GlobalSecondaryIndexes = design.globalSecondaryIndexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: 'ALL' as const },
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema,
    ...(GlobalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes } : {}),
  };
}

/** Polls DescribeTable until the table and its indexes are ACTIVE (local servers: at once). */
async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
    let out;
    try {
      out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw toStoreError(err, 'DescribeTable', tableName);
    }
    const table = out?.Table;
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((i) => !i.IndexStatus || i.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return;
    if (Date.now() > deadline) throw toStoreError(new Error(`not ACTIVE after ${timeoutMs} ms`), 'CreateTable', tableName);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function roleOf(design: TableDesign): keyof TableNames {
  const role = ROLE_BY_LOGICAL_NAME[design.logicalName];
  if (!role) throw new Error(`table design ${design.logicalName} has no role in TableNames`);
  return role;
}
