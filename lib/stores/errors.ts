/**
 * Translation of AWS SDK errors into `StoreError`s at the store boundary. The error classes live in
 * `lib/app/store-ports.ts` (they are part of the port contract the use cases program against) and
 * are re-exported here.
 */
import { StoreError } from '../app/store-ports';

export { StoreError, ClaimLostError, PolicyBatchTooLargeError, PolicyConflictError } from '../app/store-ports';

/** SDK error names that mean "slow down and try again". */
const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'LimitExceededException',
]);

/** Errors that say the network or the service failed rather than the request. */
const TRANSIENT_ERRORS = new Set([
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The SDK's name of an error (`ConditionalCheckFailedException`), when it has one. */
export function errorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as SdkLikeError;
  if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  if (typeof e.code === 'string') return e.code;
  return typeof e.name === 'string' ? e.name : undefined;
}

/** True when the SDK error is a failed condition expression (a result, not a failure, for the stores). */
export function isConditionalCheckFailed(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

/** True when retrying the same call later may succeed. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof StoreError) return err.retryable;
  const name = errorName(err);
  if (name && (THROTTLING_ERRORS.has(name) || TRANSIENT_ERRORS.has(name))) return true;
  if (typeof err === 'object' && err !== null) {
    const e = err as SdkLikeError;
    if (e.$retryable) return true;
    const status = e.$metadata?.httpStatusCode;
    if (typeof status === 'number' && status >= 500) return true;
  }
  return false;
}

/**
 * Wraps any error from a DynamoDB call into a `StoreError` naming the operation and the table.
 * A `StoreError` passes through unchanged. DynamoDB messages carry no credentials, but they may
 * quote key values; those are ids, never secrets.
 */
export function toStoreError(err: unknown, operation: string, tableName: string): StoreError {
  if (err instanceof StoreError) return err;
  const name = errorName(err) ?? 'Error';
  const detail = err instanceof Error ? err.message : String(err);
  const hint = name === 'ResourceNotFoundException' ? ` (does table ${tableName} exist in this region?)` : '';
  return new StoreError(`DynamoDB ${operation} on ${tableName} failed: ${name}: ${detail}${hint}`, {
    cause: err,
    retryable: isRetryable(err),
    code: name,
  });
}
