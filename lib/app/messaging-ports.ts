/**
 * Ports for messaging: product events out, cancel batches out, share requests in.
 * Implemented by `lib/messages` (EventBridge, SQS, and in-memory adapters for the local run).
 */
import type { CancelBatchMessage } from '../messages/cancel-batch';
import type { ProductEvent } from '../messages/events';
import type { ShareRequestMessage } from '../messages/share-request';

export interface EventPublisher {
  /** Publishes all events or throws (a named error with the failed entries) after retries. */
  publish(events: ProductEvent[]): Promise<void>;
}

export interface CancelQueue {
  /** Sends every batch or throws (a named error naming the unsent batches) after retries. */
  send(batches: CancelBatchMessage[]): Promise<void>;
}

export interface ShareRequestSendResult {
  sent: number;
  failed: { requestId: string; error: string }[];
}

export interface ShareRequestQueue {
  /** Sends requests as independent messages; reports each one that could not be sent. */
  send(requests: ShareRequestMessage[]): Promise<ShareRequestSendResult>;
}
