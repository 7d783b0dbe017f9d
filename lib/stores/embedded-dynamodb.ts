/**
 * An in-memory DynamoDB for the local run and the CLI's `sweep --policies-file`: dynalite (pure
 * JavaScript, LevelDB in memory) on 127.0.0.1, and an SDK client pointed at it with dummy
 * credentials, so nothing ever reaches AWS. dynalite has no transactions and no TTL; the stores
 * handle both (see lib/stores/policy-store.ts and create-tables.ts).
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createStores, type Stores } from './create-stores';
import { createTables, tableNames, type TableNames } from './create-tables';

export interface EmbeddedDynamoDb {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  client: DynamoDBClient;
  names: TableNames;
  stores: Stores;
  /** Stops the server and the client; idempotent. */
  close(): Promise<void>;
}

/** Starts dynalite on a loopback port (0 = any free one), creates the four tables and the stores. */
export async function startEmbeddedDynamoDb(
  options: { port?: number; tablePrefix?: string; accountId?: string } = {},
): Promise<EmbeddedDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    // dynalite accepts any signature; these never leave the machine.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    const names = tableNames(options.tablePrefix ?? 'local');
    await createTables(client, names, { timeoutMs: 10_000 });
    const stores = createStores({ client, names, ...(options.accountId !== undefined ? { accountId: options.accountId } : {}) });
    return { endpoint, client, names, stores, close };
  } catch (error) {
    await close();
    throw error;
  }
}
