/**
 * The cancel queue on SQS: the sweep sends one message per batch of shares to cancel.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CancelQueue } from '../app/messaging-ports';
import type { EntryRetryOptions } from './batching';
import type { CancelBatchMessage } from '../contracts/cancel-batch';
import { sendMessageBatches, toMessageBody } from './sqs-batch';

/** Some cancel batches could not be queued; `sent` of them were. The sweep must report the run as incomplete. */
export class CancelQueueSendError extends Error {
  override readonly name = 'CancelQueueSendError';

  constructor(
    readonly sent: number,
    readonly failures: { batchIndex: number; runId: string; shareIds: string[]; error: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      `${failures.length} of ${sent + failures.length} cancel batch(es) could not be queued: ${failures[0]?.error ?? 'unknown error'}`,
      options,
    );
  }
}

export interface SqsCancelQueueOptions {
  /** Built with the SDK defaults (region, credentials, AWS_ENDPOINT_URL_SQS) when absent. */
  client?: SQSClient;
  queueUrl: string;
  retry?: EntryRetryOptions;
}

/** Sends cancel batches in requests of 10; throws `CancelQueueSendError` unless all are sent. */
export class SqsCancelQueue implements CancelQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly retry: EntryRetryOptions | undefined;

  constructor(options: SqsCancelQueueOptions) {
    this.client = options.client ?? new SQSClient({});
    this.queueUrl = options.queueUrl;
    this.retry = options.retry;
  }

  async send(batches: CancelBatchMessage[]): Promise<void> {
    const result = await sendMessageBatches(this.client, this.queueUrl, batches.map((batch) => toMessageBody(batch)), {
      retry: this.retry,
    });
    if (result.failed.length === 0) return;
    const failures = result.failed.map(({ index, error }) => ({
      batchIndex: index,
      runId: batches[index]?.runId ?? '',
      shareIds: batches[index]?.shareIds ?? [],
      error,
    }));
    throw new CancelQueueSendError(result.sent, failures, {
      cause: new AggregateError(failures.map((f) => new Error(f.error)), 'SendMessageBatch entry failures'),
    });
  }
}
