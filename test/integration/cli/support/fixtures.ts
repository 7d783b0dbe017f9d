/**
 * Fixtures of the CLI tests: tables on DynamoDB Local with the environment that points the CLI at
 * them, policy and request files written from typed factories, and the emulator's credentials.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Exemption, Policy } from '../../../../lib/domain/policy-types';
import type { ShareRequestMessage } from '../../../../lib/contracts/share-request';
import { createStores, type Stores } from '../../../../lib/stores/create-stores';
import { createTables, deleteTables, tableNames, type TableNames } from '../../../../lib/stores/create-tables';
import type { RunningEmulator } from '../../../../lib/terabox/emulator';
import { testDynamoClient, uniqueTablePrefix } from '../../../support/dynamodb';
import { baseEnv } from './cli-process';

export interface CliTables {
  client: DynamoDBClient;
  names: TableNames;
  stores: Stores;
  /** POLICIES_TABLE ... RUNS_TABLE and the DynamoDB Local endpoint. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** Fresh tables on the DynamoDB Local of the integration project. */
export async function cliTables(label: string): Promise<CliTables> {
  const client = testDynamoClient();
  const names = tableNames(uniqueTablePrefix(label));
  await createTables(client, names);
  const endpoint = process.env.DYNAMODB_TEST_ENDPOINT as string;
  return {
    client,
    names,
    stores: createStores({ client, names }),
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      POLICIES_TABLE: names.policies,
      SHARES_TABLE: names.shares,
      INVENTORY_TABLE: names.inventory,
      RUNS_TABLE: names.runs,
    },
    async drop() {
      await deleteTables(client, names);
      client.destroy();
    },
  };
}

/** TERABOX_BASE_URL and TERABOX_NDUS for an emulator. */
export function emulatorEnv(emulator: RunningEmulator, ndus = 'emulator-ndus'): Record<string, string> {
  return { TERABOX_BASE_URL: emulator.url, TERABOX_NDUS: ndus };
}

/** The environment of one CLI run: the base environment plus the given parts. */
export function cliEnv(...parts: Array<Record<string, string>>): Record<string, string> {
  return baseEnv(Object.assign({}, ...parts) as Record<string, string>);
}

/** A scratch directory for input files; `remove()` in afterAll. */
export function scratchDir(): { path(name: string): string; write(name: string, text: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'share-lifecycle-cli-'));
  return {
    path: (name) => join(dir, name),
    write(name, text) {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A policy file's text from typed policies and exemptions. */
export function policyFile(items: Array<Policy | (Exemption & { kind: 'exemption' }) | Record<string, unknown>>): string {
  return `${JSON.stringify(items, null, 2)}\n`;
}

/** JSON lines of requests. */
export function requestLines(requests: ReadonlyArray<ShareRequestMessage | Record<string, unknown>>): string {
  return requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
