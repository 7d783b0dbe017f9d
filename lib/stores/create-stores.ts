/**
 * Builds every store of one account on one shared client: what a handler, the local run or the
 * CLI calls once at start-up.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAccountRegistry } from './account-store';
import type { TableNames } from './create-tables';
import type { BatchOptions } from './dynamo';
import { DynamoDbFlaggedSetStore } from './flagged-set-store';
import { DynamoDbInventoryStore } from './inventory-store';
import { DynamoDbLease } from './lease';
import { DynamoDbListingStagingStore } from './listing-staging-store';
import { DynamoDbNoticeLedger } from './notice-ledger-store';
import { DynamoDbPolicyStore } from './policy-store';
import { DynamoDbRequesterDirectory } from './requester-store';
import { DynamoDbRunStore } from './run-store';
import { DynamoDbShareRecordStore } from './share-record-store';

export interface Stores {
  policies: DynamoDbPolicyStore;
  shareRecords: DynamoDbShareRecordStore;
  inventory: DynamoDbInventoryStore;
  runs: DynamoDbRunStore;
  lease: DynamoDbLease;
  listingStaging: DynamoDbListingStagingStore;
  /** The account registry (every account's, in the policies table). */
  accounts: DynamoDbAccountRegistry;
  /** Each run's flagged set (the runs table). */
  flaggedSets: DynamoDbFlaggedSetStore;
  /** The requester directory of this account (the policies table). */
  requesters: DynamoDbRequesterDirectory;
  /** The digests the notifier sent (the runs table). */
  noticeLedger: DynamoDbNoticeLedger;
}

/** All stores over `names`, sharing `client` (or one default client built here). */
export function createStores(options: {
  client?: DynamoDBClient;
  names: TableNames;
  accountId?: string;
  auditRetentionDays?: number;
  batch?: BatchOptions;
}): Stores {
  const { names, ...common } = options;
  return {
    policies: new DynamoDbPolicyStore({ ...common, tableName: names.policies }),
    shareRecords: new DynamoDbShareRecordStore({ ...common, tableName: names.shares }),
    inventory: new DynamoDbInventoryStore({ ...common, tableName: names.inventory }),
    runs: new DynamoDbRunStore({ ...common, tableName: names.runs }),
    lease: new DynamoDbLease({ ...common, tableName: names.runs }),
    listingStaging: new DynamoDbListingStagingStore({ ...common, tableName: names.runs }),
    flaggedSets: new DynamoDbFlaggedSetStore({ ...common, tableName: names.runs }),
    accounts: new DynamoDbAccountRegistry({ ...(common.client ? { client: common.client } : {}), tableName: names.policies }),
    requesters: new DynamoDbRequesterDirectory({ ...common, tableName: names.policies }),
    noticeLedger: new DynamoDbNoticeLedger({ ...common, tableName: names.runs }),
  };
}
