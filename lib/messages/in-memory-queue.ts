/**
 * An in-process, SQS-like queue for the local run (`npm start`) and tests: the real
 * create-shares and cancel-shares handlers are driven with real-shaped `SQSEvent`s.
 *
 * It follows the SQS and Lambda event-source semantics that matter to the handlers:
 * - a received message is invisible for the visibility timeout, then delivered again unless deleted;
 * - `ApproximateReceiveCount` counts deliveries; with a redrive policy, a message already received
 *   `maxReceiveCount` times is moved to the dead-letter queue (same message id, body intact) on the
 *   next receive instead of being delivered;
 * - with partial batch responses, the messages a handler lists in `batchItemFailures` stay on the
 *   queue and the rest are deleted; a handler that throws, or lists an identifier that is not in
 *   the batch, fails the whole batch (that is what Lambda does).
 * Time comes from an injected clock, so redelivery and DLQ behaviour are testable without waiting.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { CancelQueue, ShareRequestQueue, ShareRequestSendResult } from '../app/messaging-ports';
import { systemClock, type Clock } from '../app/ports';
import { describeError, utf8Bytes } from './batching';
import type { CancelBatchMessage } from '../contracts/cancel-batch';
import type { ShareRequestMessage } from '../contracts/share-request';
import { SQS_DISALLOWED_CHARACTER, SQS_MAX_BATCH_ENTRIES, SQS_MAX_MESSAGE_BYTES, toMessageBody } from './sqs-batch';

const LOCAL_SENDER_ID = 'AIDALOCALSENDER000000';

/** A Lambda handler for an SQS event source (a middy handler fits). */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | undefined>;

export interface RedrivePolicy {
  deadLetterQueue: InMemoryQueue;
  /** Deliveries before a message moves to the dead-letter queue (SQS: 1 to 1000). */
  maxReceiveCount: number;
}

export interface InMemoryQueueOptions {
  name: string;
  /** Default 30 s, as SQS. */
  visibilityTimeoutMs?: number;
  redrivePolicy?: RedrivePolicy;
  clock?: Clock;
  region?: string;
  accountId?: string;
}

/** A message as the queue holds it (for reports and assertions). */
export interface QueuedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  visibleAt: number;
  deadLetterSourceArn?: string;
}

interface StoredMessage extends QueuedMessage {
  firstReceivedAt?: number;
  receiptHandle?: string;
}

export interface BatchOutcome {
  received: number;
  /** Message ids deleted after the handler succeeded with them. */
  succeeded: string[];
  /** Message ids left on the queue for redelivery. */
  failed: string[];
  /** Set when the handler threw or answered with an unknown item identifier. */
  handlerError?: string;
}

export interface DrainSummary {
  batches: number;
  received: number;
  succeeded: number;
  failed: number;
  /** Messages still on the queue (visible or in flight) when the drain stopped. */
  remaining: number;
  /** Messages moved to the dead-letter queue during the drain. */
  deadLettered: number;
}

export class InMemoryQueueError extends Error {
  override readonly name = 'InMemoryQueueError';
}

/** An SQS-like queue held in memory. */
export class InMemoryQueue {
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  readonly region: string;
  readonly visibilityTimeoutMs: number;
  private readonly redrive: RedrivePolicy | undefined;
  private readonly clock: Clock;
  private readonly messages: StoredMessage[] = [];
  private deadLetteredCount = 0;

  constructor(options: InMemoryQueueOptions) {
    this.name = options.name;
    this.region = options.region ?? 'us-east-1';
    const account = options.accountId ?? '000000000000';
    this.arn = `arn:aws:sqs:${this.region}:${account}:${options.name}`;
    this.url = `https://sqs.${this.region}.amazonaws.com/${account}/${options.name}`;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
    this.clock = options.clock ?? systemClock;
    if (options.redrivePolicy !== undefined) {
      const { maxReceiveCount } = options.redrivePolicy;
      if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) throw new RangeError('maxReceiveCount must be an integer >= 1');
      if (options.redrivePolicy.deadLetterQueue === this) throw new RangeError('a queue cannot be its own dead-letter queue');
    }
    this.redrive = options.redrivePolicy;
  }

  /**
   * Enqueues one message. Refuses what SQS would refuse (over 256 KiB, characters outside
   * SQS's allowed set), so that the local run fails where production would.
   */
  sendMessage(body: string, options: { delayMs?: number } = {}): { messageId: string } {
    assertSendable(body);
    const now = this.clock.now();
    const message: StoredMessage = { messageId: randomUUID(), body, receiveCount: 0, sentAt: now, visibleAt: now + (options.delayMs ?? 0) };
    this.messages.push(message);
    return { messageId: message.messageId };
  }

  /**
   * Receives up to `max` (at most 10) visible messages as Lambda's SQS records, oldest first.
   * Each gets a new receipt handle and becomes invisible for the visibility timeout.
   */
  receive(max = SQS_MAX_BATCH_ENTRIES): SQSRecord[] {
    const limit = Math.min(Math.max(1, Math.floor(max)), SQS_MAX_BATCH_ENTRIES);
    const now = this.clock.now();
    const records: SQSRecord[] = [];
    for (const message of [...this.messages]) {
      if (records.length >= limit) break;
      if (message.visibleAt > now) continue;
      if (this.redrive !== undefined && message.receiveCount >= this.redrive.maxReceiveCount) {
        this.moveToDeadLetterQueue(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.receiptHandle = randomUUID();
      message.visibleAt = now + this.visibilityTimeoutMs;
      records.push(this.toRecord(message));
    }
    return records;
  }

  /** Deletes a received message. A stale receipt handle (from an earlier delivery) is ignored: returns false. */
  deleteMessage(receiptHandle: string): boolean {
    const index = this.messages.findIndex((message) => message.receiptHandle === receiptHandle);
    if (index < 0) return false;
    this.messages.splice(index, 1);
    return true;
  }

  /** Changes a received message's visibility (0 = visible again now). */
  changeMessageVisibility(receiptHandle: string, timeoutMs: number): boolean {
    const message = this.messages.find((m) => m.receiptHandle === receiptHandle);
    if (message === undefined) return false;
    message.visibleAt = this.clock.now() + timeoutMs;
    return true;
  }

  /** Messages available for receiving now (SQS `ApproximateNumberOfMessages`). */
  get approximateNumberOfMessages(): number {
    const now = this.clock.now();
    return this.messages.filter((m) => m.visibleAt <= now).length;
  }

  /** Messages received and not yet deleted or visible again (`ApproximateNumberOfMessagesNotVisible`). */
  get approximateNumberOfMessagesNotVisible(): number {
    const now = this.clock.now();
    return this.messages.filter((m) => m.visibleAt > now).length;
  }

  /** All messages on the queue, oldest first (copies). */
  snapshot(): QueuedMessage[] {
    return this.messages.map(({ messageId, body, receiveCount, sentAt, visibleAt, deadLetterSourceArn }) => {
      const copy: QueuedMessage = { messageId, body, receiveCount, sentAt, visibleAt };
      if (deadLetterSourceArn !== undefined) copy.deadLetterSourceArn = deadLetterSourceArn;
      return copy;
    });
  }

  /** Messages this queue has moved to its dead-letter queue so far. */
  get deadLettered(): number {
    return this.deadLetteredCount;
  }

  /**
   * One poll as Lambda's event source mapping does it: receive up to `maxMessages`, call the
   * handler with an `SQSEvent`, delete what succeeded, leave the failures for redelivery.
   */
  async processBatch(
    handler: SqsBatchHandler,
    options: { context?: Context; maxMessages?: number } = {},
  ): Promise<BatchOutcome> {
    const records = this.receive(options.maxMessages);
    if (records.length === 0) return { received: 0, succeeded: [], failed: [] };
    const context = options.context ?? localLambdaContext(`${this.name}-consumer`, { clock: this.clock });
    let response: SQSBatchResponse | void | undefined;
    try {
      response = await handler({ Records: records }, context);
    } catch (error) {
      return { received: records.length, succeeded: [], failed: records.map((r) => r.messageId), handlerError: describeError(error) };
    }
    const ids = new Set(records.map((r) => r.messageId));
    const failures = response?.batchItemFailures ?? [];
    const unknown = failures.find((f) => typeof f?.itemIdentifier !== 'string' || !ids.has(f.itemIdentifier));
    if (unknown !== undefined) {
      return {
        received: records.length,
        succeeded: [],
        failed: records.map((r) => r.messageId),
        handlerError: `batchItemFailures names an item that is not in the batch: ${String(unknown?.itemIdentifier)}`,
      };
    }
    const failed = new Set(failures.map((f) => f.itemIdentifier));
    const succeeded: string[] = [];
    for (const record of records) {
      if (failed.has(record.messageId)) continue;
      this.deleteMessage(record.receiptHandle);
      succeeded.push(record.messageId);
    }
    return { received: records.length, succeeded, failed: records.filter((r) => failed.has(r.messageId)).map((r) => r.messageId) };
  }

  /**
   * Polls until the queue is empty: processes visible messages, waits for in-flight failures to
   * become visible again, stops after `maxBatches` (a guard against a message that fails
   * forever on a queue without a DLQ). `sleep` is injected in tests to move a fake clock.
   */
  async drain(
    handler: SqsBatchHandler,
    options: {
      context?: Context;
      maxBatches?: number;
      sleep?: (ms: number) => Promise<void>;
      onBatch?: (outcome: BatchOutcome) => void;
      /** Aborted: no further batch is received (the one being handled finishes). */
      signal?: AbortSignal;
    } = {},
  ): Promise<DrainSummary> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const maxBatches = options.maxBatches ?? 1000;
    const summary: DrainSummary = { batches: 0, received: 0, succeeded: 0, failed: 0, remaining: 0, deadLettered: 0 };
    const deadLetteredBefore = this.deadLetteredCount;
    while (this.messages.length > 0 && summary.batches < maxBatches && options.signal?.aborted !== true) {
      if (this.approximateNumberOfMessages === 0) {
        const next = Math.min(...this.messages.map((m) => m.visibleAt));
        await sleep(Math.max(0, next - this.clock.now()));
        continue;
      }
      const outcome = await this.processBatch(handler, options.context === undefined ? {} : { context: options.context });
      if (outcome.received === 0) continue; // every visible message was moved to the DLQ
      summary.batches += 1;
      summary.received += outcome.received;
      summary.succeeded += outcome.succeeded.length;
      summary.failed += outcome.failed.length;
      options.onBatch?.(outcome);
    }
    summary.remaining = this.messages.length;
    summary.deadLettered = this.deadLetteredCount - deadLetteredBefore;
    return summary;
  }

  private moveToDeadLetterQueue(message: StoredMessage): void {
    const dlq = (this.redrive as RedrivePolicy).deadLetterQueue;
    this.messages.splice(this.messages.indexOf(message), 1);
    // SQS keeps the message id, body and original send time when it moves a message.
    dlq.messages.push({
      messageId: message.messageId,
      body: message.body,
      receiveCount: 0,
      sentAt: message.sentAt,
      visibleAt: this.clock.now(),
      deadLetterSourceArn: this.arn,
    });
    this.deadLetteredCount += 1;
  }

  private toRecord(message: StoredMessage): SQSRecord {
    const attributes: SQSRecord['attributes'] = {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: LOCAL_SENDER_ID,
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? this.clock.now()),
    };
    if (message.deadLetterSourceArn !== undefined) attributes.DeadLetterQueueSourceArn = message.deadLetterSourceArn;
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle as string,
      body: message.body,
      attributes,
      messageAttributes: {},
      md5OfBody: createHash('md5').update(message.body, 'utf8').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.region,
    };
  }
}

/** Throws `InMemoryQueueError` for a body SQS would refuse (too large, characters outside its set). */
export function assertSendable(body: string): void {
  const size = utf8Bytes(body);
  if (size > SQS_MAX_MESSAGE_BYTES) throw new InMemoryQueueError(`message is ${size} bytes, above the limit of ${SQS_MAX_MESSAGE_BYTES}`);
  if (SQS_DISALLOWED_CHARACTER.test(body)) throw new InMemoryQueueError('message contains characters SQS does not accept');
}

/** A real-shaped Lambda context for local invocations (Powertools reads these fields). */
export function localLambdaContext(functionName: string, options: { timeoutMs?: number; clock?: Clock; region?: string } = {}): Context {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + (options.timeoutMs ?? 60_000);
  const region = options.region ?? 'us-east-1';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The share-request queue port on an in-memory queue (bodies exactly as the SQS adapter sends them). */
export class InMemoryShareRequestQueue implements ShareRequestQueue {
  constructor(readonly queue: InMemoryQueue) {}

  async send(requests: ShareRequestMessage[]): Promise<ShareRequestSendResult> {
    const failed: ShareRequestSendResult['failed'] = [];
    let sent = 0;
    for (const request of requests) {
      try {
        this.queue.sendMessage(toMessageBody(request));
        sent += 1;
      } catch (error) {
        failed.push({ requestId: request.requestId, error: describeError(error) });
      }
    }
    return { sent, failed };
  }
}

/** The cancel queue port on an in-memory queue. */
export class InMemoryCancelQueue implements CancelQueue {
  constructor(readonly queue: InMemoryQueue) {}

  async send(batches: CancelBatchMessage[]): Promise<void> {
    // Check everything first: a refused batch means none is sent, so a run is never half-queued here.
    const bodies = batches.map((batch) => toMessageBody(batch));
    bodies.forEach(assertSendable);
    for (const body of bodies) this.queue.sendMessage(body);
  }
}
