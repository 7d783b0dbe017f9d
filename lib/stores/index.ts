/** The DynamoDB stores: repositories implementing the ports of `lib/app/store-ports.ts`. */
export * from './table-design';
export * from './errors';
export { documentClient, batchWriteAll, queryAll, BATCH_WRITE_LIMIT, type BatchOptions, type StoreOptions } from './dynamo';
export * from './policy-store';
export * from './share-record-store';
export * from './inventory-store';
export * from './run-store';
export * from './lease';
export * from './listing-staging-store';
export * from './flagged-set-store';
export * from './policy-history';
export * from './requester-store';
export * from './notice-ledger-store';
export * from './create-tables';
export * from './create-stores';
