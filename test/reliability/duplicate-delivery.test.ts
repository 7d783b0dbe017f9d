/**
 * Duplicate delivery: 1,000 share requests, each delivered twice and some three times, shuffled
 * out of order, through the real create-shares handler (two pollers, batches of 10) while 10% of
 * TeraBox requests fail transiently, including drops and timeouts after the share was made.
 * Mixed in: invalid requests (rejected), requests for missing files (failed), and requests whose
 * create TeraBox always refuses with HTTP 503 (they end in the dead-letter queue).
 *
 * "Lost" means: no share exists for the request, no record says it failed or was rejected, and no
 * copy of its message is left to retry. A request whose messages went to the DLQ is not lost only
 * if its record says what happened (claim released, the last error) and a DLQ copy can be redriven
 * as sent. The test classifies every request and asserts that none is lost.
 */
import { randomUUID } from 'node:crypto';
import type { ShareRecord } from '../../lib/app/store-ports';
import { InMemoryQueue } from '../../lib/messages/in-memory-queue';
import type { ShareRequestMessage } from '../../lib/contracts/share-request';
import { toMessageBody } from '../../lib/messages/sqs-batch';
import { DynamoDbShareRecordStore } from '../../lib/stores/share-record-store';
import type { FetchLike } from '../../lib/terabox';
import { NO_FAULTS, startEmulator, type RunningEmulator } from '../../lib/terabox/emulator';
import { aPathRequest, seededRandom, shuffle } from '../factories/reliability';
import { useTestTables } from '../integration/stores/tables';
import { ManualClock, T0, cannedResponse, createHandler, drainConcurrently, realFetch, type Wiring } from './support/world';

const tables = useTestTables('rel-dup');
const NDUS = 'dup-ndus-81f0c2';
const GOOD = 1_000;
const DOOMED_DIR = '/Reliability/doomed';
const MAX_RECEIVE_COUNT = 6;

type Kind = 'good' | 'invalid' | 'missing-file' | 'doomed';
interface Sent {
  kind: Kind;
  request: ShareRequestMessage;
  body: string;
  copies: number;
}
type Fate = 'created' | 'rejected' | 'failed' | 'dead-lettered-recorded' | 'lost';

let emulator: RunningEmulator;
let clock: ManualClock;
let sent: Sent[];
let queue: InMemoryQueue;
let dlq: InMemoryQueue;
let records: Map<string, ShareRecord | undefined>;
let createdEvents: Map<string, string[]>;
let invocations: number;

/** A 503 for every create of a doomed path, without asking TeraBox: that request never succeeds. */
const refuseDoomed: FetchLike = async (url, init) => {
  if (url.includes('/share/pset') && decodeURIComponent(init.body ?? '').includes(DOOMED_DIR)) return cannedResponse(503, '');
  return realFetch(url, init);
};

beforeAll(async () => {
  clock = new ManualClock(T0);
  emulator = await startEmulator({ ndus: NDUS, seed: { files: 300, shares: 200, seed: 5 }, now: () => clock.now() });
  const pad = (i: number) => String(i).padStart(4, '0');
  const goodFiles = emulator.state.addFiles(Array.from({ length: GOOD }, (_, i) => ({ path: `/Reliability/dup/file-${pad(i)}.pdf` })));
  emulator.state.addFiles(Array.from({ length: 5 }, (_, i) => ({ path: `${DOOMED_DIR}/file-${i}.pdf` })));
  const run = randomUUID().slice(0, 8);
  const message = (kind: Kind, request: ShareRequestMessage, body: unknown = request): Sent => ({ kind, request, body: toMessageBody(body), copies: 2 });
  sent = [
    ...goodFiles.map((f, i) => message('good', aPathRequest(`dup-${run}-${pad(i)}`, f.path))),
    // Period 5 does not exist: rejected and recorded, never retried.
    ...Array.from({ length: 10 }, (_, i) => {
      const request = aPathRequest(`bad-${run}-${i}`, `/Reliability/invalid/file-${i}.pdf`);
      return message('invalid', request, { ...request, period: 5 });
    }),
    // A file that is not there: TeraBox answers errno -9, a permanent failure.
    ...Array.from({ length: 10 }, (_, i) => message('missing-file', aPathRequest(`missing-${run}-${i}`, `/Reliability/nowhere/file-${i}.pdf`))),
    ...Array.from({ length: 5 }, (_, i) => message('doomed', aPathRequest(`doomed-${run}-${i}`, `${DOOMED_DIR}/file-${i}.pdf`))),
  ];
  const random = seededRandom(6);
  for (const s of sent) if (random() < 0.3) s.copies = 3;
  const deliveries = shuffle(sent.flatMap((s) => Array.from({ length: s.copies }, () => s.body)), random);

  dlq = new InMemoryQueue({ name: 'share-requests-dlq', clock });
  queue = new InMemoryQueue({ name: 'share-requests', clock, redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: MAX_RECEIVE_COUNT } });
  for (const body of deliveries) queue.sendMessage(body);

  // 10% of API requests fail: 5xx and rate limits before TeraBox acts, drops and timeouts after.
  emulator.setFaults({ http5xx: 0.04, rateLimit: 0.02, drop: 0.02, timeout: 0.02 });
  const wiring: Wiring = { client: tables.client, names: tables.names, accountId: `dup-${run}`, emulator, clock, terabox: { requestTimeoutMs: 300, fetch: refuseDoomed } };
  const { handler, bus } = createHandler(wiring);
  // 20 s of (manual) time per round of invocations: a search after an uncertain create reads back
  // to that attempt minus the 5-minute slack, as it would in production, not the whole account.
  invocations = await drainConcurrently(queue, handler, clock, { pollers: 2, msPerRound: 20_000 });
  handler.runtime.close();
  emulator.setFaults({ ...NO_FAULTS, paths: [] });

  const store = new DynamoDbShareRecordStore({ client: tables.client, tableName: tables.names.shares, accountId: wiring.accountId });
  records = new Map(await Promise.all(sent.map(async (s) => [s.request.requestId, await store.get(s.request.requestId)] as const)));
  createdEvents = new Map();
  for (const d of bus.detailsOf('ShareCreated')) createdEvents.set(d.requestId, [...(createdEvents.get(d.requestId) ?? []), d.shareId ?? '']);
}, 110_000);

afterAll(async () => {
  await emulator?.close();
});

/** The emulator's shares over one path. */
const sharesOf = (path: string) => [...emulator.state.shares.values()].filter((s) => s.paths.includes(path));

function fate(s: Sent): Fate {
  const record = records.get(s.request.requestId);
  const shares = sharesOf(s.request.paths![0]!);
  if (record?.status === 'created' && shares.length === 1 && record.shareId === shares[0]!.shareId) return 'created';
  if (record?.status === 'rejected' && shares.length === 0) return 'rejected';
  if (record?.status === 'failed' && shares.length === 0) return 'failed';
  const inDlq = dlq.snapshot().some((m) => m.body === s.body);
  if (inDlq && shares.length === 0 && record?.status === 'in-progress' && record.error !== undefined) return 'dead-lettered-recorded';
  return 'lost';
}

describe('duplicate delivery under transient TeraBox faults', () => {
  it('delivers every message at least twice, shuffled, with faults actually hitting the creates', () => {
    expect(sent.reduce((n, s) => n + s.copies, 0)).toBeGreaterThan(2 * sent.length + 250);
    expect(invocations).toBeGreaterThan(200);
    // More creates were sent than requests exist: faults forced retries (and searches).
    expect(emulator.state.counts['/share/pset']).toBeGreaterThan(GOOD);
  });

  it('makes exactly one share per valid request: 1,000 shares, each recorded with its id', () => {
    const good = sent.filter((s) => s.kind === 'good');
    const counts = good.map((s) => sharesOf(s.request.paths![0]!).length);
    expect(counts.filter((c) => c !== 1)).toEqual([]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(GOOD);
    expect(good.map(fate).filter((f) => f !== 'created')).toEqual([]);
  });

  it('announces every created request with the share id it stored', () => {
    for (const s of sent.filter((x) => x.kind === 'good')) {
      const record = records.get(s.request.requestId)!;
      expect(createdEvents.get(s.request.requestId)?.every((id) => id === record.shareId)).toBe(true);
    }
  });

  it.each<[Kind, Fate, RegExp]>([
    ['invalid', 'rejected', /period/],
    ['missing-file', 'failed', /-9|not exist|TeraboxApiError/],
    ['doomed', 'dead-lettered-recorded', /503|HTTP/],
  ])('records %s requests as %s with a reason naming the problem', (kind, expected, reason) => {
    const group = sent.filter((s) => s.kind === kind);
    expect(group.map(fate)).toEqual(group.map(() => expected));
    for (const s of group) expect(records.get(s.request.requestId)?.error).toMatch(reason);
  });

  it('loses nothing: every request is created once, rejected, failed, or dead-lettered intact with a record', () => {
    const byFate = new Map<Fate, number>();
    for (const s of sent) byFate.set(fate(s), (byFate.get(fate(s)) ?? 0) + 1);
    expect(Object.fromEntries(byFate)).toEqual({ created: GOOD, rejected: 10, failed: 10, 'dead-lettered-recorded': 5 });
    // Nothing is left in flight, and the DLQ holds only the doomed requests' messages, bodies as sent.
    expect(queue.snapshot()).toEqual([]);
    const doomedBodies = new Set(sent.filter((s) => s.kind === 'doomed').map((s) => s.body));
    expect(dlq.snapshot().map((m) => doomedBodies.has(m.body))).toEqual(dlq.snapshot().map(() => true));
    expect(dlq.snapshot().length).toBe(sent.filter((s) => s.kind === 'doomed').reduce((n, s) => n + s.copies, 0));
  });
});
