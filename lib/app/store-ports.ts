/**
 * The storage ports the use cases depend on, one file per port in lib/app/ports/ (each with its
 * records and errors). `lib/stores` implements them on DynamoDB; tests and the local run may
 * implement them in memory. Nothing here knows about the AWS SDK.
 *
 * Conventions:
 * - Times are epoch milliseconds (`...AtMs`) unless the name says otherwise; `now` is always passed
 *   in by the caller (from its Clock), so the stores never read the wall clock for decisions.
 * - Expected outcomes of a conditional write (a claim already held, a lease already taken, a record
 *   that is not there) are results, never exceptions. Everything else that fails is a `StoreError`.
 */
export * from './ports/store-error';
export * from './ports/policy-store';
export * from './ports/share-record-store';
export * from './ports/inventory-store';
export * from './ports/run-store';
export * from './ports/lease';
export * from './ports/listing-staging';
export * from './ports/account-registry';
export * from './ports/flagged-set-store';
export * from './ports/requester-directory';
export * from './ports/notice-ledger';
