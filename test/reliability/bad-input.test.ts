/**
 * Bad input corpus (test/factories/bad-inputs.ts): malformed share requests, cancel batches,
 * policies and TeraBox answers, through the real handlers on DynamoDB Local and the emulator.
 * Each gets a clear error that names the field or the problem; no batch crashes (the SQS handlers
 * answer with a partial batch response); nothing is cancelled because of one (the emulator's
 * shares are compared before and after).
 */
import { PutCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SweepHandlerResult } from '../../functions/sweep-shares/handler';
import type { ShareRecord } from '../../lib/app/store-ports';
import { InMemoryQueue, type BatchOutcome } from '../../lib/messages/in-memory-queue';
import { createStores } from '../../lib/stores/create-stores';
import { policyItemId } from '../../lib/stores/policy-store';
import { DynamoDbShareRecordStore } from '../../lib/stores/share-record-store';
import type { FetchLike } from '../../lib/terabox';
import { startEmulator, type RunningEmulator } from '../../lib/terabox/emulator';
import {
  BEYOND_2_53,
  CANCEL_BATCH_CASES,
  UNSERVED_ACCOUNT_BATCH,
  LIST_PAGE_CASES,
  POLICY_CASES,
  SHARE_REQUEST_CASES,
  UNICODE_PATH,
  WRITE_ANSWER_CASES,
  requestBody,
  type ListPageCase,
  type WriteAnswerCase,
} from '../factories/bad-inputs';
import { aMaxAgePolicy } from '../factories/reliability';
import { useTestTables } from '../integration/stores/tables';
import {
  ManualClock,
  T0,
  cancelHandler,
  cannedResponse,
  captureOutput,
  createHandler,
  drain,
  observed,
  realFetch,
  removed,
  shareIds,
  sweepRig,
  type Wiring,
} from './support/world';

const tables = useTestTables('rel-bad');
const NDUS = 'corpus-ndus-2d7a';
const LIST = '/share/teratransfer/sharelist';
// Every share of the corpus emulator is older than 1 day: a misread list would cancel them all.
const CANCEL_EVERYTHING = [aMaxAgePolicy(1)];
const NO_GUARDRAILS = { MAX_CANCELLATIONS_PER_RUN: '1000000', MAX_CANCELLATION_PERCENT: '100', TERABOX_LIST_CONCURRENCY: '2' };

const emulators: RunningEmulator[] = [];
afterAll(async () => {
  await Promise.all(emulators.map((e) => e.close()));
});

async function anEmulator(seed = 'files=400,shares=250,seed=17,maxAgeDays=120'): Promise<{ emulator: RunningEmulator; clock: ManualClock }> {
  const clock = new ManualClock(T0);
  const emulator = await startEmulator({ ndus: NDUS, seed, now: () => clock.now() });
  emulators.push(emulator);
  return { emulator, clock };
}

let accounts = 0;
const nextAccount = (label: string): string => `bad-${label}-${++accounts}`;

/** The JSON log lines a Powertools logger wrote. */
function logLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

// ------------------------------------------------------------------ share requests

describe('malformed share requests through create-shares', () => {
  interface Sent {
    messageId: string;
    requestId: string;
    path: string;
  }
  const sent = new Map<string, Sent>();
  const neighbours: Sent[] = [];
  const outcomes: BatchOutcome[] = [];
  let logs: Array<Record<string, unknown>> = [];
  let emulator: RunningEmulator;
  let store: DynamoDbShareRecordStore;

  beforeAll(async () => {
    const world = await anEmulator('files=50,shares=20,seed=3');
    emulator = world.emulator;
    // One file per case (a rejected case must not make a share), the unicode file, and a file with an fs id beyond 2^53.
    const files = emulator.state.addFiles([
      ...SHARE_REQUEST_CASES.map((_, i) => ({ path: `/Corpus/case-${i}.pdf` })),
      ...Array.from({ length: 5 }, (_, i) => ({ path: `/Corpus/neighbour-${i}.pdf` })),
      { path: UNICODE_PATH },
      { path: '/Corpus/big-id.pdf', fsId: BEYOND_2_53 },
    ]);
    const wiring: Wiring = { client: tables.client, names: tables.names, accountId: nextAccount('requests'), emulator, clock: world.clock, observed: observed('create-shares', 'INFO') };
    store = new DynamoDbShareRecordStore({ client: tables.client, tableName: tables.names.shares, accountId: wiring.accountId });
    const queue = new InMemoryQueue({ name: 'share-requests', clock: world.clock });
    SHARE_REQUEST_CASES.forEach((c, i) => {
      const requestId = `corpus-${i}`;
      const path = files[i]!.path;
      sent.set(c.name, { messageId: queue.sendMessage(c.body(requestId, path)).messageId, requestId, path });
      // Valid neighbours in the same batches: one bad message must not fail them.
      if (i % 5 === 0) {
        const n = neighbours.length;
        const nPath = `/Corpus/neighbour-${n}.pdf`;
        neighbours.push({ messageId: queue.sendMessage(requestBody(`neighbour-${n}`, nPath)).messageId, requestId: `neighbour-${n}`, path: nPath });
      }
    });
    const { handler } = createHandler(wiring);
    const output = captureOutput();
    try {
      while (queue.approximateNumberOfMessages > 0) outcomes.push(await queue.processBatch(handler));
    } finally {
      output.restore();
      handler.runtime.close();
    }
    logs = logLines(output.text());
  });

  it('answers every batch with a partial batch response (no handler error)', () => {
    expect(outcomes.length).toBeGreaterThanOrEqual(3);
    expect(outcomes.map((o) => o.handlerError)).toEqual(outcomes.map(() => undefined));
  });

  it('creates the valid requests that share a batch with bad ones', async () => {
    for (const n of neighbours) expect((await store.get(n.requestId))?.status).toBe('created');
    expect(outcomes.flatMap((o) => o.failed)).toEqual(expect.not.arrayContaining(neighbours.map((n) => n.messageId)));
  });

  it.each(SHARE_REQUEST_CASES.filter((c) => c.expect === 'unidentifiable').map((c) => [c.name, c] as const))(
    'hands back %s for the DLQ, records nothing, and logs reasons naming the problem',
    async (name, c) => {
      const s = sent.get(name)!;
      expect(outcomes.flatMap((o) => o.failed)).toContain(s.messageId);
      expect(await store.get(s.requestId)).toBeUndefined();
      const line = logs.find((l) => l.messageId === s.messageId);
      expect(line).toMatchObject({ level: 'ERROR', message: expect.stringMatching(/unidentifiable/) });
      expect((line!.reasons as string[]).join('; ')).toMatch(c.mentions);
    },
  );

  it.each(SHARE_REQUEST_CASES.filter((c) => c.expect === 'rejected').map((c) => [c.name, c] as const))(
    'records %s as rejected with a reason naming the field, and makes no share',
    async (name, c) => {
      const s = sent.get(name)!;
      expect(outcomes.flatMap((o) => o.succeeded)).toContain(s.messageId);
      const record = (await store.get(s.requestId)) as ShareRecord;
      expect(record).toMatchObject({ status: 'rejected' });
      expect(record.error).toMatch(c.mentions);
      expect([...emulator.state.shares.values()].filter((sh) => sh.paths.includes(s.path))).toEqual([]);
    },
  );

  it.each(SHARE_REQUEST_CASES.filter((c) => c.expect === 'created').map((c) => [c.name, c] as const))(
    'shares %s exactly as asked',
    async (name, c) => {
      const s = sent.get(name)!;
      const record = (await store.get(s.requestId)) as ShareRecord;
      expect(record.status).toBe('created');
      const share = emulator.state.getShare(record.shareId!)!;
      expect(JSON.stringify([share.fsIds, share.paths])).toMatch(c.mentions);
    },
  );
});

// ------------------------------------------------------------------ cancel batches

describe('malformed cancel batches through cancel-shares', () => {
  const messageIds = new Map<string, string>();
  const outcomes: BatchOutcome[] = [];
  let logs: Array<Record<string, unknown>> = [];
  let before: Set<string>;
  let emulator: RunningEmulator;
  let unservedId = '';

  beforeAll(async () => {
    const world = await anEmulator('files=50,shares=30,seed=4');
    emulator = world.emulator;
    before = shareIds(emulator);
    const [a, b] = [...before] as [string, string];
    const wiring: Wiring = { client: tables.client, names: tables.names, accountId: nextAccount('cancel'), emulator, clock: world.clock, observed: observed('cancel-shares', 'INFO') };
    const queue = new InMemoryQueue({ name: 'cancel-batches', clock: world.clock });
    for (const c of CANCEL_BATCH_CASES) messageIds.set(c.name, queue.sendMessage(c.body(wiring.accountId, [a, b])).messageId);
    unservedId = queue.sendMessage(UNSERVED_ACCOUNT_BATCH([a, b])).messageId;
    const { handler } = cancelHandler(wiring);
    const output = captureOutput();
    try {
      while (queue.approximateNumberOfMessages > 0) outcomes.push(await queue.processBatch(handler, { maxMessages: 5 }));
    } finally {
      output.restore();
      handler.runtime.close();
    }
    logs = logLines(output.text());
  });

  it('answers every batch with a partial batch response and cancels nothing', () => {
    expect(outcomes.map((o) => o.handlerError)).toEqual(outcomes.map(() => undefined));
    expect(removed(before, shareIds(emulator))).toEqual([]);
    expect(emulator.state.counts['/share/cancel']).toBe(0);
  });

  it.each(CANCEL_BATCH_CASES.map((c) => [c.name, c] as const))('hands back %s for the DLQ with reasons naming the field', (name, c) => {
    const id = messageIds.get(name)!;
    expect(outcomes.flatMap((o) => o.failed)).toContain(id);
    const line = logs.find((l) => l.messageId === id);
    expect(line).toMatchObject({ level: 'ERROR', message: expect.stringMatching(/invalid cancel batch: nothing cancelled/) });
    expect((line!.reasons as string[]).join('; ')).toMatch(c.mentions);
  });

  it('refuses a batch for an account the deployment does not serve: logged, not retried, nothing cancelled', () => {
    expect(outcomes.flatMap((o) => o.succeeded)).toContain(unservedId);
    const line = logs.find((l) => l.messageId === unservedId);
    expect(line).toMatchObject({ level: 'ERROR', account: 'someone-else', message: expect.stringMatching(/cancel batch refused: .*nothing cancelled/) });
    expect(String(line!.reason)).toMatch(/someone-else/);
  });
});

// ------------------------------------------------------------------ policies

describe('invalid policies stored in the policies table', () => {
  let result: { report: SweepHandlerResult; error?: Error };
  let before: Set<string>;
  let after: Set<string>;
  let queued: number;

  beforeAll(async () => {
    const { emulator, clock } = await anEmulator();
    before = shareIds(emulator);
    const accountId = nextAccount('policies');
    // Written as an admin could (console, script), bypassing the CLI's validation.
    const doc = DynamoDBDocumentClient.from(tables.client);
    for (const c of POLICY_CASES) {
      await doc.send(new PutCommand({ TableName: tables.names.policies, Item: { accountId, itemId: policyItemId(String(c.item.policyId)), kind: 'policy', ...c.item } }));
    }
    // One valid policy that keeps everything, so the run has work to do.
    await createStores({ client: tables.client, names: tables.names, accountId }).policies.putPolicies([aMaxAgePolicy(3650)], T0);
    const sweep = sweepRig({ client: tables.client, names: tables.names, accountId, emulator, clock }, NO_GUARDRAILS);
    result = await sweep.invoke();
    queued = sweep.cancelQueue.snapshot().length;
    sweep.runtime.close();
    after = shareIds(emulator);
  });

  it('skips every invalid policy, runs the valid one, and cancels nothing', () => {
    expect(result.report.status).toBe('completed');
    expect(result.report.inventory).toMatchObject({ shares: 250, complete: true });
    expect(queued).toBe(0);
    expect(removed(before, after)).toEqual([]);
    expect(result.report.errors.filter((e) => /invalid policy/.test(e))).toHaveLength(POLICY_CASES.length);
  });

  it.each(POLICY_CASES.map((c) => [c.name, c] as const))('reports %s with its policy id and the field', (_name, c) => {
    const line = result.report.errors.find((e) => e.includes(String(c.item.policyId)));
    expect(line).toBeDefined();
    expect(line).toMatch(c.mentions);
  });
});

// ------------------------------------------------------------------ TeraBox answers

describe('malformed TeraBox list pages during a sweep', () => {
  let emulator: RunningEmulator;
  let clock: ManualClock;
  let before: Set<string>;

  beforeAll(async () => {
    ({ emulator, clock } = await anEmulator());
    before = shareIds(emulator);
  });

  /** Page 2 of the listing gets `c`'s answer instead of the emulator's. */
  function replacePage2(c: ListPageCase): FetchLike {
    let page1 = '';
    return async (url, init) => {
      if (!url.includes(LIST)) return realFetch(url, init);
      const page = new URL(url).searchParams.get('page');
      if (page === '2') {
        const a = c.answer(page1);
        return cannedResponse(a.status, a.body, { 'content-type': a.contentType });
      }
      const response = await realFetch(url, init);
      const body = await response.text();
      if (page === '1') page1 = body;
      return cannedResponse(response.status, body, { 'content-type': response.headers.get('content-type') ?? 'application/json' });
    };
  }

  it.each(LIST_PAGE_CASES.map((c) => [c.name, c] as const))('refuses a listing with %s: the run fails, names the problem, cancels nothing', async (_name, c) => {
    const accountId = nextAccount('list');
    await createStores({ client: tables.client, names: tables.names, accountId }).policies.putPolicies(CANCEL_EVERYTHING, T0);
    const sweep = sweepRig({ client: tables.client, names: tables.names, accountId, emulator, clock, terabox: { fetch: replacePage2(c), retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } } }, NO_GUARDRAILS);
    const { report, error } = await sweep.invoke();
    sweep.runtime.close();
    expect(report.status).toBe('failed');
    expect(error?.name).toBe('SweepFailedError');
    expect(report.errors.join(' ')).toMatch(/the share listing did not finish/);
    expect(report.errors.join(' ')).toMatch(c.mentions);
    expect(sweep.cancelQueue.snapshot()).toEqual([]);
    expect(removed(before, shareIds(emulator))).toEqual([]);
  });

  it('keeps share ids beyond 2^53 and unicode paths exact: cancels that share, not its rounded neighbour', async () => {
    const world = await anEmulator('files=20,shares=30,seed=9');
    const old = Math.floor((T0 - 200 * 86_400_000) / 1000);
    world.emulator.state.addShares([
      { shareId: BEYOND_2_53, paths: [UNICODE_PATH], ctime: old, public: true },
      // What BEYOND_2_53 becomes through a double: it must survive.
      { shareId: '9007199254740992', paths: ['/Public/neighbour.pdf'], ctime: old, public: true },
    ]);
    const start = shareIds(world.emulator);
    const accountId = nextAccount('exact');
    await createStores({ client: tables.client, names: tables.names, accountId }).policies.putPolicies(
      [{ policyId: 'no-corpus-cafe', enabled: true, mode: 'enforce', rule: { type: 'name', deny: ['**/corpus café*'] }, graceHours: 0 }],
      T0,
    );
    const wiring: Wiring = { client: tables.client, names: tables.names, accountId, emulator: world.emulator, clock: world.clock };
    const sweep = sweepRig(wiring, NO_GUARDRAILS);
    const { report } = await sweep.invoke();
    const cancel = cancelHandler(wiring);
    await drain(sweep.cancelQueue, cancel.handler, world.clock);
    sweep.runtime.close();
    cancel.handler.runtime.close();
    expect(report.status).toBe('completed');
    expect(report.cancelled).toEqual([BEYOND_2_53]);
    expect(removed(start, shareIds(world.emulator))).toEqual([BEYOND_2_53]);
  });
});

describe('malformed TeraBox answers to creates and cancels', () => {
  /** `endpoint` gets `c`'s answer instead of reaching TeraBox (so TeraBox really does nothing). */
  const answering =
    (endpoint: string, c: WriteAnswerCase): FetchLike =>
    async (url, init) =>
      url.includes(endpoint) ? cannedResponse(c.status, c.body, { 'content-type': c.contentType }) : realFetch(url, init);
  const fast = { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } };

  it.each(WRITE_ANSWER_CASES.map((c) => [c.name, c] as const))('create answered with %s: retried later, no record claims a share, reason names it', async (_name, c) => {
    const { emulator, clock } = await anEmulator('files=30,shares=10,seed=5');
    const [file] = emulator.state.addFiles([{ path: '/Corpus/answer.pdf' }]);
    const accountId = nextAccount('pset');
    const { handler } = createHandler({ client: tables.client, names: tables.names, accountId, emulator, clock, terabox: { ...fast, fetch: answering('/share/pset', c) } });
    const queue = new InMemoryQueue({ name: 'share-requests', clock });
    const { messageId } = queue.sendMessage(requestBody('answer-1', file!.path));
    const outcome = await queue.processBatch(handler);
    handler.runtime.close();
    expect(outcome.handlerError).toBeUndefined();
    expect(outcome.failed).toEqual([messageId]);
    const record = await new DynamoDbShareRecordStore({ client: tables.client, tableName: tables.names.shares, accountId }).get('answer-1');
    expect(record?.status).not.toBe('created');
    expect(record?.error).toMatch(c.mentions);
    expect(emulator.state.counts['/share/pset']).toBe(0);
  });

  it.each(WRITE_ANSWER_CASES.map((c) => [c.name, c] as const))('cancel answered with %s: the batch is retried, logged with the reason, nothing cancelled', async (_name, c) => {
    const { emulator, clock } = await anEmulator('files=30,shares=10,seed=6');
    const before = shareIds(emulator);
    const [a, b] = [...before] as [string, string];
    const accountId = nextAccount('cancel-answer');
    const { handler } = cancelHandler({ client: tables.client, names: tables.names, accountId, emulator, clock, terabox: { ...fast, fetch: answering('/share/cancel', c) }, observed: observed('cancel-shares', 'INFO') });
    const queue = new InMemoryQueue({ name: 'cancel-batches', clock });
    const { messageId } = queue.sendMessage(JSON.stringify({ runId: 'run-answer', accountId, shareIds: [a, b], dryRun: false }));
    const output = captureOutput();
    let outcome: BatchOutcome;
    try {
      outcome = await queue.processBatch(handler);
    } finally {
      output.restore();
      handler.runtime.close();
    }
    expect(outcome.handlerError).toBeUndefined();
    expect(outcome.failed).toEqual([messageId]);
    const line = logLines(output.text()).find((l) => l.messageId === messageId);
    expect(JSON.stringify(line)).toMatch(c.mentions);
    expect(removed(before, shareIds(emulator))).toEqual([]);
  });
});
