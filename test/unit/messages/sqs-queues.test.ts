import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { parseCancelBatch } from '../../../lib/contracts/cancel-batch';
import { parseShareRequest } from '../../../lib/contracts/share-request';
import { toMessageBody } from '../../../lib/messages/sqs-batch';
import { CancelQueueSendError, SqsCancelQueue } from '../../../lib/messages/sqs-cancel-queue';
import { SqsShareRequestQueue } from '../../../lib/messages/sqs-request-queue';
import { aCancelBatch, aShareRequest } from '../../factories/messages';

const queueUrl = 'https://sqs.us-east-1.amazonaws.com/000000000000/share-requests';

function setup() {
  const client = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  const sleeps: number[] = [];
  const retry = { maxAttempts: 3, baseDelayMs: 50, random: () => 1, sleep: async (ms: number) => void sleeps.push(ms) };
  const sentEntries = () => mock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
  return { client, mock, sleeps, retry, sentEntries };
}

const allOk = (input: { Entries: SendMessageBatchRequestEntry[] }) => ({
  Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `mid-${e.Id}`, MD5OfMessageBody: 'x' })),
  Failed: [],
});

const okEntry = (id: string) => ({ Id: id, MessageId: `mid-${id}`, MD5OfMessageBody: 'x' });

const requests = (n: number) => Array.from({ length: n }, (_, i) => aShareRequest({ requestId: `req-${i + 1}` }));

describe('SqsShareRequestQueue', () => {
  it('sends one message per request, 10 per call, in a body the create handler parses back exactly', async () => {
    const { client, mock, retry, sentEntries } = setup();
    mock.on(SendMessageBatchCommand).callsFake(allOk);
    const big = aShareRequest({ requestId: 'big', fsIds: ['18446744073709551615'] });
    const queue = new SqsShareRequestQueue({ client, queueUrl, retry });
    expect(await queue.send([...requests(20), big])).toEqual({ sent: 21, failed: [] });
    expect(sentEntries().map((entries) => entries.length)).toEqual([10, 10, 1]);
    expect(mock.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.QueueUrl).toBe(queueUrl);
    const body = sentEntries()[2]?.[0]?.MessageBody as string;
    expect(parseShareRequest(body, { period: 1 })).toEqual({ ok: true, request: big });
  });

  it('retries entries SQS failed on its side and reports those that never went', async () => {
    const { client, mock, sleeps, retry, sentEntries } = setup();
    mock.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => ({
      Successful: input.Entries.filter((e) => e.Id !== 'm1' && e.Id !== 'm2').map((e) => ({ Id: e.Id })),
      Failed: [
        ...(input.Entries.some((e) => e.Id === 'm1') ? [{ Id: 'm1', SenderFault: false, Code: 'InternalError', Message: 'try again' }] : []),
        ...(input.Entries.some((e) => e.Id === 'm2') ? [{ Id: 'm2', SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad' }] : []),
      ],
    }));
    const queue = new SqsShareRequestQueue({ client, queueUrl, retry });
    expect(await queue.send(requests(4))).toEqual({
      sent: 2,
      failed: [
        { requestId: 'req-2', error: 'InternalError: try again (after 3 attempts)' },
        { requestId: 'req-3', error: 'InvalidParameterValue: bad' },
      ],
    });
    expect(sentEntries().map((entries) => entries.map((e) => e.Id))).toEqual([['m0', 'm1', 'm2', 'm3'], ['m1'], ['m1']]);
    expect(sleeps).toEqual([50, 100]);
  });

  it('counts an entry that succeeds on a retry as sent', async () => {
    const { client, mock, retry } = setup();
    mock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [okEntry('m0')], Failed: [{ Id: 'm1', SenderFault: false, Code: 'ServiceUnavailable' }] })
      .resolvesOnce({ Successful: [okEntry('m1')], Failed: [] });
    expect(await new SqsShareRequestQueue({ client, queueUrl, retry }).send(requests(2))).toEqual({ sent: 2, failed: [] });
  });

  it('treats an entry missing from the answer as failed and retries it', async () => {
    const { client, mock, retry } = setup();
    mock.on(SendMessageBatchCommand).resolvesOnce({ Successful: [okEntry('m0')], Failed: [] }).resolvesOnce({ Successful: [okEntry('m1')], Failed: [] });
    expect(await new SqsShareRequestQueue({ client, queueUrl, retry }).send(requests(2))).toEqual({ sent: 2, failed: [] });
  });

  it('reports every request of a call that failed as a whole, and still sends the other calls', async () => {
    const { client, mock, retry } = setup();
    mock.on(SendMessageBatchCommand).rejectsOnce(Object.assign(new Error('Access to the resource is denied'), { name: 'AccessDenied' })).callsFake(allOk);
    const result = await new SqsShareRequestQueue({ client, queueUrl, retry }).send(requests(12));
    expect(result.sent).toBe(2);
    expect(result.failed).toHaveLength(10);
    expect(result.failed[0]).toEqual({ requestId: 'req-1', error: 'AccessDenied: Access to the resource is denied' });
  });

  it('refuses a message over 256 KiB without calling SQS', async () => {
    const { client, mock, retry } = setup();
    const huge = aShareRequest({ requestId: 'huge', label: 'x'.repeat(300_000) });
    const result = await new SqsShareRequestQueue({ client, queueUrl, retry }).send([huge]);
    expect(result.sent).toBe(0);
    expect(result.failed[0]?.error).toMatch(/^message is \d+ bytes, above the limit of 262144$/);
    expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('keeps each call under 256 KiB in total', async () => {
    const { client, mock, retry, sentEntries } = setup();
    mock.on(SendMessageBatchCommand).callsFake(allOk);
    const large = Array.from({ length: 10 }, (_, i) => aShareRequest({ requestId: `r${i}`, label: 'x'.repeat(60_000) }));
    await new SqsShareRequestQueue({ client, queueUrl, retry }).send(large);
    const totals = sentEntries().map((entries) => entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody as string), 0));
    expect(totals.length).toBeGreaterThan(1);
    for (const total of totals) expect(total).toBeLessThanOrEqual(262_144);
  });
});

describe('SqsCancelQueue', () => {
  it('sends every batch as a body the cancel handler parses back exactly', async () => {
    const { client, mock, retry, sentEntries } = setup();
    mock.on(SendMessageBatchCommand).callsFake(allOk);
    const batches = Array.from({ length: 11 }, (_, i) => aCancelBatch({ shareIds: [String(i + 1)], reasons: {}, policyIds: {} }));
    await new SqsCancelQueue({ client, queueUrl, retry }).send(batches);
    const bodies = sentEntries().flat().map((e) => e.MessageBody as string);
    expect(bodies.map((b) => parseCancelBatch(b))).toEqual(batches.map((batch) => ({ ok: true, batch })));
  });

  it('throws CancelQueueSendError naming the batches that could not be queued', async () => {
    const { client, mock, retry } = setup();
    mock.on(SendMessageBatchCommand).resolves({ Successful: [okEntry('m0')], Failed: [{ Id: 'm1', SenderFault: false, Code: 'InternalError', Message: 'x' }] });
    const batches = [aCancelBatch({ runId: 'run-9', shareIds: ['1'], reasons: {}, policyIds: {} }), aCancelBatch({ runId: 'run-9', shareIds: ['2'], reasons: {}, policyIds: {} })];
    const error = (await new SqsCancelQueue({ client, queueUrl, retry }).send(batches).catch((e: unknown) => e)) as CancelQueueSendError;
    expect(error).toBeInstanceOf(CancelQueueSendError);
    expect(error.name).toBe('CancelQueueSendError');
    expect(error.sent).toBe(1);
    expect(error.failures).toEqual([{ batchIndex: 1, runId: 'run-9', shareIds: ['2'], error: 'InternalError: x (after 3 attempts)' }]);
    expect(error.cause).toBeInstanceOf(AggregateError);
  });
});

describe('toMessageBody', () => {
  it('escapes the two characters SQS refuses that JSON.stringify leaves raw', () => {
    const body = toMessageBody({ label: 'a\uffffb\ufffe' });
    expect(body).toBe('{"label":"a\\uffffb\\ufffe"}');
    expect(JSON.parse(body)).toEqual({ label: 'a\uffffb\ufffe' });
  });
});
