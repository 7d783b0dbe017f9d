/**
 * The base of every storage failure of the store ports (lib/app/ports/*). Expected outcomes of a
 * conditional write (a claim already held, a lease already taken) are results, never exceptions.
 */
/** Base of every storage failure. `retryable` is true for throttling, 5xx and network errors. */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly retryable: boolean;
  /** The SDK error name when the failure came from DynamoDB (`ProvisionedThroughputExceededException`). */
  readonly code?: string;
  constructor(message: string, options: { cause?: unknown; retryable?: boolean; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.code = options.code;
  }
}
