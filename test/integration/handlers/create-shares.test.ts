/**
 * The real create-shares handler with real-shaped SQS events, on Amazon DynamoDB Local and the
 * TeraBox emulator over HTTP: one share per request under duplicates and faults, partial batch
 * responses, rejected records, auth failures.
 */
import nodeFetch from 'node-fetch';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { createCreateSharesHandler, type CreateSharesHandler } from '../../../functions/create-shares/handler';
import type { RuntimeOverrides } from '../../../functions/shared';
import type { ShareRecord } from '../../../lib/app/store-ports';
import { InMemoryQueue } from '../../../lib/messages/in-memory-queue';
import { toMessageBody } from '../../../lib/messages/sqs-batch';
import type { ShareRequestMessage } from '../../../lib/contracts/share-request';
import { DynamoDbShareRecordStore } from '../../../lib/stores/share-record-store';
import type { FetchLike, FetchResponseLike } from '../../../lib/terabox';
import type { EmulatorFile } from '../../../lib/terabox/emulator';
import { aShareRequest } from '../../factories/messages';
import { aLambdaContext, aShareRequestRecord, anSqsEventOf, anSqsRecordWithBody } from '../../factories/sqs-events';
import { NDUS, metricValues, useHandlerWorld } from './support';

const w = useHandlerWorld('create-handler', { functionName: 'create-shares' });
const handlers: CreateSharesHandler[] = [];
let files: EmulatorFile[] = [];
let seq = 0;

beforeEach(() => {
  files = w.emulator.state.addFiles(Array.from({ length: 40 }, (_, i) => ({ path: `/Public/doc-${i}.pdf`, size: 1000 + i })));
});
afterEach(() => {
  for (const h of handlers.splice(0)) h.runtime.close();
});

function handler(extra: Partial<RuntimeOverrides> = {}): CreateSharesHandler {
  const h = createCreateSharesHandler({ config: w.createConfig(), overrides: w.overrides(extra) });
  handlers.push(h);
  return h;
}

/** A request for one of the emulator's files, with a request id unique to the test run. */
function request(file = 0, overrides: Partial<ShareRequestMessage> = {}): ShareRequestMessage {
  return aShareRequest({ requestId: `req-${Date.now()}-${++seq}`, fsIds: undefined, paths: [files[file]!.path], password: undefined, label: undefined, ...overrides });
}

const recordOf = (message: ShareRequestMessage, options: { receiveCount?: number } = {}): SQSRecord => anSqsRecordWithBody(toMessageBody(message), options);
const failedIds = (response: SQSBatchResponse): string[] => response.batchItemFailures.map((f) => f.itemIdentifier).sort();
const store = () => new DynamoDbShareRecordStore({ client: w.client, tableName: w.names.shares });
const shareCount = () => w.emulator.state.shares.size;

describe('create-shares handler', () => {
  it('creates one share per request, stores it with the id TeraBox lists, and announces it', async () => {
    const messages = [request(0), request(1, { password: 'k7m2' }), request(2, { period: 30 })];
    const response = await handler()(anSqsEventOf(...messages.map((m) => recordOf(m))), aLambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(shareCount()).toBe(3);
    for (const message of messages) {
      const record = (await store().get(message.requestId)) as ShareRecord;
      const share = w.emulator.state.findShareByShortUrl(record.shortUrl as string);
      expect(record).toMatchObject({ status: 'created', shareId: share?.shareId, paths: message.paths, visibility: message.password ? 'private' : 'public' });
      expect(share).toMatchObject({ paths: message.paths, period: message.period ?? 7, public: message.password === undefined });
    }
    expect(w.events.detailsOf('ShareCreated').map((d) => d.requestId).sort()).toEqual(messages.map((m) => m.requestId).sort());
    // The seed-shape create answer has no share id: one list read finds the ids of the whole batch.
    expect(w.emulator.state.counts['/share/teratransfer/sharelist']).toBe(1);
  });

  it('makes one share when the same message comes twice in one batch; the loser is retried and answered from the record', async () => {
    const message = request(3);
    const first = recordOf(message);
    const twin = { ...recordOf(message), messageId: `${first.messageId}-twin` };
    const h = handler();
    const response = await h(anSqsEventOf(first, twin), aLambdaContext());
    // Both claim at once: exactly one wins, the other sees the live claim and is handed back.
    expect(response.batchItemFailures).toHaveLength(1);
    const retried = [first, twin].find((r) => r.messageId === response.batchItemFailures[0]?.itemIdentifier) as SQSRecord;
    expect(await h(anSqsEventOf({ ...retried, attributes: { ...retried.attributes, ApproximateReceiveCount: '2' } }), aLambdaContext())).toEqual({ batchItemFailures: [] });
    expect(shareCount()).toBe(1);
    expect(w.emulator.state.counts['/share/pset']).toBe(1);
  });

  it('makes one share when the same request id comes in two batches, and announces the stored share again', async () => {
    const message = request(4);
    const h = handler();
    await h(anSqsEventOf(recordOf(message)), aLambdaContext());
    const again = await h(anSqsEventOf(recordOf({ ...message, label: 'sent again' })), aLambdaContext());
    expect(again).toEqual({ batchItemFailures: [] });
    expect(shareCount()).toBe(1);
    const announced = w.events.detailsOf('ShareCreated');
    expect(announced).toHaveLength(2);
    expect(announced[1]).toEqual(announced[0]);
  });

  it('reports exactly the transiently failing messages of a mixed batch and records the invalid ones as rejected', async () => {
    // TeraBox refuses creates of /flaky/ paths with its rate-limit errno (it did nothing).
    const rateLimited: FetchResponseLike = {
      status: 200,
      headers: { get: (name) => (name.toLowerCase() === 'content-type' ? 'application/json' : null) },
      text: async () => '{"errno":110,"errmsg":"share count exceeded"}',
    };
    const fetch: FetchLike = async (url, init) => (url.includes('/share/pset') && init.body?.includes('flaky') ? rateLimited : nodeFetch(url, init));
    const good = [request(5), request(6)];
    const invalid = [request(7, { period: 3 as 7 }), request(8, { paths: ['relative/path.pdf'] })];
    const transient = [request(9, { paths: ['/flaky/a.pdf'] }), request(10, { paths: ['/flaky/b.pdf'] })];
    const records = [good[0], invalid[0], transient[0], good[1], transient[1], invalid[1]].map((m) => recordOf(m!));
    const response = await handler({ terabox: { fetch, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } } })(anSqsEventOf(...records), aLambdaContext());

    const byRequest = new Map(records.map((r) => [JSON.parse(r.body).requestId as string, r.messageId]));
    expect(failedIds(response)).toEqual(transient.map((m) => byRequest.get(m.requestId)).sort());
    expect(shareCount()).toBe(2);
    for (const m of good) expect((await store().get(m.requestId))?.status).toBe('created');
    for (const m of transient) expect(await store().get(m.requestId)).toMatchObject({ status: 'in-progress', claimExpiresAtMs: 0 });
    expect(await store().get(invalid[0]!.requestId)).toMatchObject({ status: 'rejected', requester: 'marketing', error: 'period: must be one of 0 (permanent), 1, 7 or 30 (days)' });
    expect(await store().get(invalid[1]!.requestId)).toMatchObject({ status: 'rejected', error: 'paths[0]: must be an absolute path (start with /)' });
    expect(w.events.detailsOf('ShareRequestRejected').map((d) => d.requestId).sort()).toEqual(invalid.map((m) => m.requestId).sort());
  });

  it('hands back unidentifiable messages, which reach the dead-letter queue intact', async () => {
    const dlq = new InMemoryQueue({ name: 'requests-dlq' });
    const queue = new InMemoryQueue({ name: 'requests', visibilityTimeoutMs: 1, redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 2 } });
    const bodies = ['{"requestId": "cut', JSON.stringify({ requester: 'marketing', paths: ['/a'] }), JSON.stringify({ requestId: 'has space', requester: 'x', paths: ['/a'] })];
    for (const body of bodies) queue.sendMessage(body);
    const h = handler();
    const first = await queue.processBatch(h);
    expect(first.failed).toHaveLength(3);
    const summary = await queue.drain(h, { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    expect(summary.deadLettered).toBe(3);
    expect(dlq.snapshot().map((m) => m.body).sort()).toEqual([...bodies].sort());
    expect(w.events.events).toEqual([]);
    expect(shareCount()).toBe(0);
  });

  it.each([
    ['the answer was dropped after the share was made', { drop: 1 }],
    ['the answer never came (timeout) after the share was made', { timeout: 1 }],
    ['a proxy answered 5xx before TeraBox saw it', { http5xx: 1 }],
    ['an HTML page came back instead of the answer', { html: 1 }],
  ])('makes exactly one share when %s and the message is delivered again', async (_what, fault) => {
    const message = request(11);
    // Only the hang needs a short request timeout: elsewhere a slow answer on a busy machine must
    // not turn into a timeout (a create that timed out is not repeated, so the test would change).
    const h = handler({ terabox: { requestTimeoutMs: 'timeout' in fault ? 300 : 5_000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } } });
    w.emulator.setFaults({ ...fault, paths: ['/share/pset'] });
    const first = await h(anSqsEventOf(recordOf(message)), aLambdaContext());
    expect(first.batchItemFailures).toHaveLength(1);
    const uncertain = await store().get(message.requestId);
    expect(uncertain).toMatchObject({ status: 'in-progress' });
    expect(uncertain?.uncertainSinceMs).toEqual(expect.any(Number));
    expect(shareCount()).toBe('drop' in fault || 'timeout' in fault ? 1 : 0);

    w.emulator.setFaults('');
    // The redelivery meets no fault: it gets the world's usual request timeout.
    const second = await handler()(anSqsEventOf(recordOf(message, { receiveCount: 2 })), aLambdaContext());
    expect(second).toEqual({ batchItemFailures: [] });
    expect(shareCount()).toBe(1);
    const [share] = [...w.emulator.state.shares.values()];
    expect(await store().get(message.requestId)).toMatchObject({ status: 'created', shareId: share?.shareId, shortUrl: share?.shorturl });
    expect(w.events.detailsOf('ShareCreated')).toEqual([expect.objectContaining({ requestId: message.requestId, shareId: share?.shareId })]);
  });

  it('fails the item on an expired cookie, counts the auth metric, invalidates the credentials, and uses a fresh cookie next time', async () => {
    const message = request(12);
    const h = handler();
    w.emulator.state.expireSession();
    const response = await h(anSqsEventOf(recordOf(message)), aLambdaContext());
    expect(response.batchItemFailures).toHaveLength(1);
    expect(w.credentials.invalidations).toBe(1);
    expect(metricValues(w.emitted, 'TeraboxAuthFailures')).toEqual([
      { value: 1, dimensions: [['service']], namespace: 'TeraboxShareLifecycle', service: 'create-shares' },
    ]);
    expect(await store().get(message.requestId)).toMatchObject({ status: 'in-progress', claimExpiresAtMs: 0 });

    // The operator stores a fresh cookie; the next delivery reads it and succeeds.
    w.credentials.ndus = w.emulator.state.renewSession('renewed-ndus-0c1d2e3f');
    const retried = await h(anSqsEventOf(recordOf(message, { receiveCount: 2 })), aLambdaContext());
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(shareCount()).toBe(1);
  });

  it('creates every request exactly once when each is delivered twice or three times under random TeraBox faults', async () => {
    const dlq = new InMemoryQueue({ name: 'soak-dlq' });
    const queue = new InMemoryQueue({ name: 'soak', visibilityTimeoutMs: 5, redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 25 } });
    const messages = Array.from({ length: 30 }, (_, i) => request(i, { ...(i % 3 === 0 ? { password: 'p4ss' } : {}) }));
    const deliveries = [...messages, ...messages, ...messages.filter((_, i) => i % 4 === 0)];
    // Out of order: a fixed shuffle.
    deliveries.sort((a, b) => ((a.requestId.length * 7 + Number(a.requestId.slice(-2))) % 11) - ((b.requestId.length * 7 + Number(b.requestId.slice(-2))) % 11));
    for (const m of deliveries) queue.sendMessage(toMessageBody(m));
    w.emulator.setFaults({ drop: 0.04, http5xx: 0.03, timeout: 0.02, rateLimit: 0.01 });
    const h = handler({ terabox: { requestTimeoutMs: 250, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } } });
    const summary = await queue.drain(h, { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });

    expect(summary.remaining).toBe(0);
    expect(dlq.snapshot()).toEqual([]);
    expect(shareCount()).toBe(messages.length);
    const shareIds = new Set<string>();
    for (const m of messages) {
      const record = await store().get(m.requestId);
      expect(record?.status).toBe('created');
      shareIds.add(record?.shortUrl as string);
    }
    expect(shareIds.size).toBe(messages.length);
  }, 60_000);

  it('never logs the message body, the share password or a session token', async () => {
    const lines: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => {
      lines.push(String(chunk));
      return true;
    };
    // Powertools writes debug and info lines to stdout, warnings and errors to stderr.
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    const logger = new Logger({ serviceName: 'create-shares', logLevel: 'DEBUG' });
    const h = handler({ logger });
    w.emulator.setFaults({ drop: 1, paths: ['/share/pset'] });
    await h(anSqsEventOf(recordOf(request(13, { password: 'zq9x' })), anSqsRecordWithBody('{"password":"zq9x","requestId":')), aLambdaContext());
    w.emulator.setFaults('');
    w.emulator.state.expireSession();
    await h(anSqsEventOf(aShareRequestRecord({ requestId: `req-secret-${seq}`, password: 'zq9x' })), aLambdaContext());
    out.mockRestore();
    err.mockRestore();
    const text = lines.join('');
    expect(text).toContain('share request not done');
    for (const secret of ['zq9x', NDUS, w.emulator.state.jsToken, w.emulator.state.bdstoken]) expect(text).not.toContain(secret);
  });
});
