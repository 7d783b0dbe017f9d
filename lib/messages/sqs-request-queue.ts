/**
 * The share-request queue on SQS: what `share-lifecycle requests send` uses.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ShareRequestQueue, ShareRequestSendResult } from '../app/messaging-ports';
import type { EntryRetryOptions } from './batching';
import type { ShareRequestMessage } from '../contracts/share-request';
import { sendMessageBatches, toMessageBody } from './sqs-batch';

export interface SqsShareRequestQueueOptions {
  /** Built with the SDK defaults (region, credentials, AWS_ENDPOINT_URL_SQS) when absent. */
  client?: SQSClient;
  queueUrl: string;
  retry?: EntryRetryOptions;
}

/** Sends validated share requests, one message each, in batches of 10. */
export class SqsShareRequestQueue implements ShareRequestQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly retry: EntryRetryOptions | undefined;

  constructor(options: SqsShareRequestQueueOptions) {
    this.client = options.client ?? new SQSClient({});
    this.queueUrl = options.queueUrl;
    this.retry = options.retry;
  }

  /** Never throws for a message that could not be sent: each one is listed in `failed`. */
  async send(requests: ShareRequestMessage[]): Promise<ShareRequestSendResult> {
    const bodies = requests.map((request) => toMessageBody(request));
    const result = await sendMessageBatches(this.client, this.queueUrl, bodies, { retry: this.retry });
    return {
      sent: result.sent,
      failed: result.failed.map(({ index, error }) => ({ requestId: requests[index]?.requestId ?? `#${index}`, error })),
    };
  }
}
