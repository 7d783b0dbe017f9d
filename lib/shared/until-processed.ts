/**
 * The one "resend what is left" loop of the batch APIs (DynamoDB BatchWriteItem UnprocessedItems,
 * BatchGetItem UnprocessedKeys, SQS SendMessageBatch Failed, EventBridge PutEvents failed entries).
 */

export interface ResendPolicy {
  /** Calls in all, the first included. */
  maxAttempts: number;
  /** The pause after the `attempt`-th call that left items (attempt counts from 1). */
  delayFor(attempt: number): number;
  sleep(ms: number): Promise<void>;
}

/**
 * Calls `send` with the pending items until it returns nothing left or `maxAttempts` calls were
 * made, pausing between calls. `send` returns the items to send again; what it throws propagates.
 * Returns what is still left (empty when all went through) and the calls made.
 */
export async function sendUntilProcessed<T>(
  items: readonly T[],
  send: (pending: readonly T[], attempt: number) => Promise<readonly T[]>,
  policy: ResendPolicy,
): Promise<{ left: readonly T[]; attempts: number }> {
  let pending = items;
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) await policy.sleep(policy.delayFor(attempt - 1));
    const left = await send(pending, attempt);
    if (left.length === 0 || attempt >= policy.maxAttempts) return { left, attempts: attempt };
    pending = left;
  }
}
