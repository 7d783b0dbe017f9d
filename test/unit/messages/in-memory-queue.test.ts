import { createHash } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseCancelBatch } from '../../../lib/contracts/cancel-batch';
import {
  InMemoryCancelQueue,
  InMemoryQueue,
  InMemoryQueueError,
  InMemoryShareRequestQueue,
  localLambdaContext,
  type SqsBatchHandler,
} from '../../../lib/messages/in-memory-queue';
import { parseShareRequest } from '../../../lib/contracts/share-request';
import { aCancelBatch, aManualClock, aShareRequest } from '../../factories/messages';

function setup(options: { maxReceiveCount?: number; visibilityTimeoutMs?: number } = {}) {
  const clock = aManualClock();
  const dlq = new InMemoryQueue({ name: 'requests-dlq', clock });
  const queue = new InMemoryQueue({
    name: 'requests',
    clock,
    visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000,
    ...(options.maxReceiveCount === undefined ? {} : { redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: options.maxReceiveCount } }),
  });
  const sleep = async (ms: number) => clock.advance(ms);
  return { clock, dlq, queue, sleep };
}

/** A handler that fails the bodies listed, and records every delivery. */
function handlerFailing(bodies: string[]) {
  const deliveries: Array<{ body: string; receiveCount: string }> = [];
  const handler: SqsBatchHandler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    for (const r of event.Records) deliveries.push({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount });
    return { batchItemFailures: event.Records.filter((r) => bodies.includes(r.body)).map((r) => ({ itemIdentifier: r.messageId })) };
  };
  return { handler, deliveries };
}

describe('InMemoryQueue', () => {
  it('delivers real-shaped SQS records', () => {
    const { queue, clock } = setup();
    const { messageId } = queue.sendMessage('{"a":1}');
    clock.advance(5);
    const [record] = queue.receive();
    expect(record).toEqual({
      messageId,
      receiptHandle: expect.any(String),
      body: '{"a":1}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(clock.now() - 5),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: String(clock.now()),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update('{"a":1}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:requests',
      awsRegion: 'us-east-1',
    });
  });

  it('receives at most 10 messages, oldest first', () => {
    const { queue } = setup();
    for (let i = 0; i < 15; i += 1) queue.sendMessage(`m${i}`);
    expect(queue.receive(50).map((r) => r.body)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(queue.receive().map((r) => r.body)).toEqual(['m10', 'm11', 'm12', 'm13', 'm14']);
  });

  it('hides a received message for the visibility timeout, then delivers it again with a higher receive count', () => {
    const { queue, clock } = setup({ visibilityTimeoutMs: 1_000 });
    queue.sendMessage('x');
    const first = queue.receive();
    expect(queue.receive()).toEqual([]);
    expect(queue.approximateNumberOfMessagesNotVisible).toBe(1);
    clock.advance(999);
    expect(queue.receive()).toEqual([]);
    clock.advance(1);
    const second = queue.receive();
    expect(second[0]?.messageId).toBe(first[0]?.messageId);
    expect(second[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(second[0]?.receiptHandle).not.toBe(first[0]?.receiptHandle);
    expect(second[0]?.attributes.ApproximateFirstReceiveTimestamp).toBe(first[0]?.attributes.ApproximateFirstReceiveTimestamp);
  });

  it('ignores a delete with a receipt handle from an earlier delivery', () => {
    const { queue, clock } = setup({ visibilityTimeoutMs: 10 });
    queue.sendMessage('x');
    const stale = queue.receive()[0]?.receiptHandle as string;
    clock.advance(10);
    const current = queue.receive()[0]?.receiptHandle as string;
    expect(queue.deleteMessage(stale)).toBe(false);
    expect(queue.deleteMessage(current)).toBe(true);
    expect(queue.snapshot()).toEqual([]);
  });

  it('deletes the messages a handler succeeded with and redelivers its batch item failures after the visibility timeout', async () => {
    const { queue, clock } = setup({ visibilityTimeoutMs: 1_000 });
    for (const body of ['good-1', 'bad', 'good-2']) queue.sendMessage(body);
    const { handler, deliveries } = handlerFailing(['bad']);
    const outcome = await queue.processBatch(handler);
    expect(outcome).toMatchObject({ received: 3, succeeded: [expect.any(String), expect.any(String)], failed: [expect.any(String)] });
    expect(queue.snapshot().map((m) => m.body)).toEqual(['bad']);
    expect((await queue.processBatch(handler)).received).toBe(0);
    clock.advance(1_000);
    await queue.processBatch(handler);
    expect(deliveries).toEqual([
      { body: 'good-1', receiveCount: '1' },
      { body: 'bad', receiveCount: '1' },
      { body: 'good-2', receiveCount: '1' },
      { body: 'bad', receiveCount: '2' },
    ]);
  });

  it.each<[string, SqsBatchHandler, string]>([
    [
      'throws',
      async () => {
        throw new Error('boom');
      },
      'Error: boom',
    ],
    ['names an item that is not in the batch', async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] }), 'batchItemFailures names an item that is not in the batch: not-in-batch'],
  ])('keeps the whole batch when the handler %s (as Lambda does)', async (_name, handler, handlerError) => {
    const { queue } = setup();
    queue.sendMessage('a');
    queue.sendMessage('b');
    const outcome = await queue.processBatch(handler);
    expect(outcome).toMatchObject({ received: 2, succeeded: [], handlerError });
    expect(outcome.failed).toHaveLength(2);
    expect(queue.snapshot()).toHaveLength(2);
  });

  it('deletes the whole batch when the handler returns nothing', async () => {
    const { queue } = setup();
    queue.sendMessage('a');
    await queue.processBatch(async () => undefined);
    expect(queue.snapshot()).toEqual([]);
  });

  it('moves a message to the dead-letter queue, intact, after maxReceiveCount deliveries', async () => {
    const { queue, dlq, sleep } = setup({ maxReceiveCount: 3, visibilityTimeoutMs: 500 });
    const { messageId } = queue.sendMessage('{"poison":true}');
    queue.sendMessage('fine');
    const { handler, deliveries } = handlerFailing(['{"poison":true}']);
    const summary = await queue.drain(handler, { sleep });
    expect(deliveries.filter((d) => d.body === '{"poison":true}').map((d) => d.receiveCount)).toEqual(['1', '2', '3']);
    expect(summary).toEqual({ batches: 3, received: 4, succeeded: 1, failed: 3, remaining: 0, deadLettered: 1 });
    expect(dlq.snapshot()).toEqual([expect.objectContaining({ messageId, body: '{"poison":true}', receiveCount: 0, deadLetterSourceArn: queue.arn })]);
    expect(dlq.receive()[0]?.attributes.DeadLetterQueueSourceArn).toBe(queue.arn);
  });

  it('stops draining after maxBatches when a message fails forever without a dead-letter queue', async () => {
    const { queue, sleep } = setup({ visibilityTimeoutMs: 100 });
    queue.sendMessage('bad');
    const summary = await queue.drain(handlerFailing(['bad']).handler, { sleep, maxBatches: 5 });
    expect(summary).toMatchObject({ batches: 5, failed: 5, remaining: 1, deadLettered: 0 });
  });

  it('makes a message visible again at once with a zero visibility change', () => {
    const { queue } = setup();
    queue.sendMessage('x');
    const handle = queue.receive()[0]?.receiptHandle as string;
    expect(queue.changeMessageVisibility(handle, 0)).toBe(true);
    expect(queue.approximateNumberOfMessages).toBe(1);
  });

  it.each([
    ['a body over 256 KiB', 'x'.repeat(262_145), /above the limit of 262144/],
    ['a body with a character SQS refuses', 'a\u0000b', /characters SQS does not accept/],
  ])('refuses %s, as SQS would', (_name, body, message) => {
    const { queue } = setup();
    expect(() => queue.sendMessage(body)).toThrow(InMemoryQueueError);
    expect(() => queue.sendMessage(body)).toThrow(message);
  });

  it('refuses a redrive policy with a receive count below 1', () => {
    const dlq = new InMemoryQueue({ name: 'dlq' });
    expect(() => new InMemoryQueue({ name: 'q', redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 0 } })).toThrow(RangeError);
  });

  it('passes a real-shaped Lambda context to the handler', async () => {
    const { queue, clock } = setup();
    queue.sendMessage('x');
    let remaining = -1;
    let functionName = '';
    await queue.processBatch(async (_event, context) => {
      clock.advance(1_000);
      remaining = context.getRemainingTimeInMillis();
      functionName = context.functionName;
    }, { context: localLambdaContext('create-shares', { clock, timeoutMs: 10_000 }) });
    expect({ remaining, functionName }).toEqual({ remaining: 9_000, functionName: 'create-shares' });
  });
});

describe('InMemoryQueue with the share-request parser', () => {
  it('sends an unidentifiable message to the DLQ intact, while valid and invalid ones are consumed', async () => {
    const { queue, dlq, sleep } = setup({ maxReceiveCount: 2, visibilityTimeoutMs: 100 });
    const bodies = [JSON.stringify(aShareRequest({ requestId: 'good' })), JSON.stringify({ ...aShareRequest({ requestId: 'bad' }), period: 3 }), '{"requester":"x"'];
    for (const body of bodies) queue.sendMessage(body);
    const rejected: string[] = [];
    // The create-shares contract in miniature: record invalid requests, fail only the unidentifiable.
    const handler: SqsBatchHandler = async (event) => {
      const batchItemFailures = [];
      for (const record of event.Records) {
        const parsed = parseShareRequest(record.body, { period: 7 });
        if (!parsed.ok && parsed.kind === 'invalid') rejected.push(parsed.requestId as string);
        if (!parsed.ok && parsed.kind === 'unidentifiable') batchItemFailures.push({ itemIdentifier: record.messageId });
      }
      return { batchItemFailures };
    };
    const summary = await queue.drain(handler, { sleep });
    expect(rejected).toEqual(['bad']);
    expect(summary).toMatchObject({ succeeded: 2, deadLettered: 1, remaining: 0 });
    expect(dlq.snapshot().map((m) => m.body)).toEqual(['{"requester":"x"']);
  });
});

describe('in-memory queue ports', () => {
  it('puts share requests on the queue as bodies the handler parses back', async () => {
    const queue = new InMemoryQueue({ name: 'requests' });
    const port = new InMemoryShareRequestQueue(queue);
    const request = aShareRequest({ fsIds: ['18446744073709551615'] });
    expect(await port.send([request])).toEqual({ sent: 1, failed: [] });
    expect(parseShareRequest(queue.receive()[0]?.body as string, { period: 7 })).toEqual({ ok: true, request });
  });

  it('reports a request the queue refuses and sends the others', async () => {
    const port = new InMemoryShareRequestQueue(new InMemoryQueue({ name: 'requests' }));
    const result = await port.send([aShareRequest({ requestId: 'big', label: 'x'.repeat(300_000) }), aShareRequest({ requestId: 'ok' })]);
    expect(result.sent).toBe(1);
    expect(result.failed).toEqual([{ requestId: 'big', error: expect.stringContaining('InMemoryQueueError') }]);
  });

  it('puts cancel batches on the queue, or none when one is refused', async () => {
    const queue = new InMemoryQueue({ name: 'cancel' });
    const port = new InMemoryCancelQueue(queue);
    await port.send([aCancelBatch()]);
    expect(parseCancelBatch(queue.receive()[0]?.body as string)).toEqual({ ok: true, batch: aCancelBatch() });
    const before = queue.snapshot().length;
    await expect(port.send([aCancelBatch(), aCancelBatch({ reasons: { '1001': 'x'.repeat(300_000) } })])).rejects.toThrow(InMemoryQueueError);
    expect(queue.snapshot()).toHaveLength(before);
  });
});
