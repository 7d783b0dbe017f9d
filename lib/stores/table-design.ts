/**
 * The DynamoDB table design: key names, indexes and TTL attributes. Pure data, no SDK:
 * the stores, the CDK stack, the local run (dynalite) and the tests all read it, so that the
 * deployed tables and the code that uses them cannot disagree.
 *
 * Every key starts with or includes the TeraBox account id (default `default`), so that one
 * deployment can later manage several accounts.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface IndexDesign {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

export interface TableDesign {
  /** Logical name: the CDK construct id and the suffix of local table names. */
  logicalName: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalSecondaryIndexes: IndexDesign[];
  timeToLiveAttribute?: string;
}

/**
 * Policies and global exemptions.
 * pk `accountId`; sk `itemId` = `policy#<policyId>` | `exemption#<exemptionId>`;
 * the other attributes are the policy (or exemption) fields as documented, plus `kind`.
 */
export const POLICIES_TABLE: TableDesign = {
  logicalName: 'Policies',
  partitionKey: { name: 'accountId', type: 'S' },
  sortKey: { name: 'itemId', type: 'S' },
  globalSecondaryIndexes: [],
};

/**
 * Share records: one item per share request the product received (claim, outcome, share).
 * pk `accountId`; sk `requestId`. Sparse GSI `byShareId` (pk `shareId`) on created shares.
 */
export const SHARES_TABLE: TableDesign = {
  logicalName: 'ShareRecords',
  partitionKey: { name: 'accountId', type: 'S' },
  sortKey: { name: 'requestId', type: 'S' },
  globalSecondaryIndexes: [{ indexName: 'byShareId', partitionKey: { name: 'shareId', type: 'S' } }],
};

/**
 * The share inventory as sweeps saw it: first seen, last seen, grace marks.
 * pk `accountId`; sk `shareId`.
 */
export const INVENTORY_TABLE: TableDesign = {
  logicalName: 'Inventory',
  partitionKey: { name: 'accountId', type: 'S' },
  sortKey: { name: 'shareId', type: 'S' },
  globalSecondaryIndexes: [],
};

/**
 * Runs, their audit entries and the sweep lease, in one table:
 * - run summary: pk `RUN#<accountId>`, sk `<startedAt ISO>#<runId>` (newest last; query backwards)
 * - audit entry: pk `AUDIT#<runId>`, sk `<shareId>`; expires through TTL (`expiresAt`, epoch s)
 * - lease:       pk `LEASE#<accountId>`, sk `LEASE`; a conditional write with an expiry
 * - listing checkpoint of a checkpointed sweep: pk `RUN#<accountId>`, sk `LISTING#<runId>` (sorts
 *   after every run summary: their sk starts with a digit); TTL a day after its last write
 * - staged page of that listing: pk `STAGE#<runId>`, sk `PAGE#<page, 7 digits>#<0|1 re-read>`, a
 *   page too large for one item split into parts `...#<part, 3 digits>`; TTL a day
 */
export const RUNS_TABLE: TableDesign = {
  logicalName: 'Runs',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
};

export const ALL_TABLES: readonly TableDesign[] = [POLICIES_TABLE, SHARES_TABLE, INVENTORY_TABLE, RUNS_TABLE];

/** Environment variables that carry the deployed table names to the Lambda functions. */
export const TABLE_ENV: Record<string, string> = {
  Policies: 'POLICIES_TABLE',
  ShareRecords: 'SHARES_TABLE',
  Inventory: 'INVENTORY_TABLE',
  Runs: 'RUNS_TABLE',
};
