/**
 * Ports for messaging: product events out, cancel batches out, share requests in.
 * Implemented by `lib/messages` (EventBridge, SQS, and in-memory adapters for the local run).
 */
import type { CancelBatchMessage } from '../contracts/cancel-batch';
import type { ProductEvent } from '../contracts/events';
import type { ShareRequestMessage } from '../contracts/share-request';

/** An event that `publish` could not get accepted, named by its position in the list it was given. */
export interface EventPublishFailure {
  index: number;
  detailType: string;
  errorCode: string;
  errorMessage: string;
}

export interface EventPublisher {
  /**
   * Publishes all events or throws (a named error) after retries. A bus may accept some events of
   * a call and refuse others (EventBridge's PutEvents does): the error's `failures`
   * ({@link EventPublishFailure}[]) then name exactly the events that were not accepted, and every
   * other one was. An error without them says nothing about which went out (see
   * {@link unacceptedEvents}).
   */
  publish(events: ProductEvent[]): Promise<void>;
}

/**
 * The positions of the events a failed `publish` of `count` events did not get accepted: those its
 * error names, or all of them when it names none (or names them in a way that cannot be trusted),
 * since an event wrongly counted as accepted is worse than one sent again.
 */
export function unacceptedEvents(error: unknown, count: number): Set<number> {
  const all = new Set(Array.from({ length: count }, (_, i) => i));
  const failures: unknown = typeof error === 'object' && error !== null ? (error as { failures?: unknown }).failures : undefined;
  if (!Array.isArray(failures) || failures.length === 0) return all;
  const named = new Set<number>();
  for (const f of failures as unknown[]) {
    const index: unknown = typeof f === 'object' && f !== null ? (f as { index?: unknown }).index : undefined;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) return all;
    named.add(index);
  }
  return named;
}

export interface CancelQueue {
  /**
   * Sends every batch or throws after retries: a named error whose `failures` (`{ shareIds }[]`)
   * name the unsent batches (see {@link unsentCancels}).
   */
  send(batches: CancelBatchMessage[]): Promise<void>;
}

/**
 * The batches and shares a failed `CancelQueue.send` did not queue: those its error's `failures`
 * name, or all of them when it names none (a cancel wrongly counted as queued would go unaudited).
 */
export function unsentCancels(error: unknown, batches: readonly CancelBatchMessage[]): { batches: number; shareIds: Set<string> } {
  const failures: unknown = typeof error === 'object' && error !== null ? (error as { failures?: unknown }).failures : undefined;
  if (!Array.isArray(failures)) {
    return { batches: batches.length, shareIds: new Set(batches.flatMap((b) => b.shareIds)) };
  }
  const unsent = { batches: 0, shareIds: new Set<string>() };
  for (const f of failures as unknown[]) {
    const ids: unknown = typeof f === 'object' && f !== null ? (f as { shareIds?: unknown }).shareIds : undefined;
    if (!Array.isArray(ids)) continue;
    unsent.batches += 1;
    for (const id of ids as unknown[]) if (typeof id === 'string') unsent.shareIds.add(id);
  }
  return unsent;
}

export interface ShareRequestSendResult {
  sent: number;
  failed: { requestId: string; error: string }[];
}

export interface ShareRequestQueue {
  /** Sends requests as independent messages; reports each one that could not be sent. */
  send(requests: ShareRequestMessage[]): Promise<ShareRequestSendResult>;
}
