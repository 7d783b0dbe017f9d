/**
 * Grace notices end to end: the real sweep handler on DynamoDB Local and the TeraBox emulator,
 * time driven by the injected clock. The grace of a mark counts from its ShareMarkedForCancel
 * notice, so a notice that never reached the bus delays the cancellation and never lets it happen
 * unannounced: these tests lose notices in each way a run can (a publisher that throws, PutEvents
 * refusing every entry or some of them, a run killed right after writing its marks) and check that
 * the next run sends them, that each mark is notified once, and when the shares are cancelled.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { SweepFailedError } from '../../../functions/sweep-shares/handler';
import type { EventPublisher } from '../../../lib/app/messaging-ports';
import type { InventoryStore } from '../../../lib/app/store-ports';
import { EventBridgePublisher } from '../../../lib/messages/eventbridge-publisher';
import type { ShareMarkedForCancelDetail } from '../../../lib/contracts/events';
import type { InMemoryEventBus } from '../../../lib/messages/in-memory-event-bus';
import { aScheduledSweepEvent } from '../../factories/sweep-events';
import { aClaim, aCreatedShare } from '../../factories/store-items';
import { useTestTables } from '../stores/tables';
import { anEmulatorShare, DAY, HOUR, publicLinksPolicy, sweepWorld, T0, type SweepWorld, type SweepWorldOptions } from './sweep-shares-support';

const tables = useTestTables('grace');

const A = '30000000101';
const B = '30000000104';
const BIG_ID = '9007199254740993'; // beyond 2^53
const MARKED = [A, B, BIG_ID];
const GRACE_HOURS = 24;
const GRACE = GRACE_HOURS * HOUR;
const POLICY = publicLinksPolicy({ graceHours: GRACE_HOURS });

let world: SweepWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  jest.restoreAllMocks();
});

/** Three public links older than 30 days (A made through the product by `marketing`), one young. */
async function setup(options: Partial<SweepWorldOptions> = {}): Promise<SweepWorld> {
  world = await sweepWorld(tables, {
    shares: [
      anEmulatorShare(A, '/Public/old-a.pdf', 40, { shorturl: '1graceAa' }),
      anEmulatorShare('30000000102', '/Public/young.pdf', 5),
      anEmulatorShare(B, '/Public/old-b.pdf', 35),
      anEmulatorShare(BIG_ID, '/Public/huge-id.pdf', 45),
    ],
    policies: [POLICY],
    ...options,
  });
  const claimed = await world.stores.shareRecords.claim(aClaim({ requestId: 'req-grace-a', requester: 'marketing', now: T0 - 40 * DAY }));
  if (claimed.kind !== 'claimed') throw new Error(`unexpected claim: ${claimed.kind}`);
  await world.stores.shareRecords.complete({
    requestId: 'req-grace-a',
    attemptId: claimed.attempt.attemptId,
    share: aCreatedShare({ shareId: A, shortUrl: '1graceAa', link: 'https://www.terabox.com/s/1graceAa', createdAtMs: T0 - 40 * DAY }),
    now: T0 - 40 * DAY,
  });
  return world;
}

/** One scheduled sweep at `at`; its report (a failed run's report too). */
async function sweepAt(w: SweepWorld, at: number) {
  w.clock.ms = at;
  try {
    return await w.invoke(aScheduledSweepEvent(at));
  } catch (error) {
    if (error instanceof SweepFailedError) return error.report;
    throw error;
  }
}

async function notifiedAt(w: SweepWorld): Promise<(number | undefined)[]> {
  const inventory = await w.stores.inventory.loadAll();
  return MARKED.map((id) => inventory.get(id)?.notifiedAt?.[POLICY.policyId]);
}

const iso = (ms: number) => new Date(ms).toISOString();
const isNotice = (e: { detailType: string }) => e.detailType === 'ShareMarkedForCancel';

/** The notice a subscriber receives for each mark, sent at `sentAt` (ages are at T0 + the days since). */
function expectedNotices(sentAt: number, ids: readonly string[] = MARKED): ShareMarkedForCancelDetail[] {
  const ages: Record<string, number> = { [A]: 40, [B]: 35, [BIG_ID]: 45 };
  const paths: Record<string, string> = { [A]: '/Public/old-a.pdf', [B]: '/Public/old-b.pdf', [BIG_ID]: '/Public/huge-id.pdf' };
  return ids.map((shareId) => ({
    shareId,
    policyId: 'public-30d',
    graceEndsAt: iso(sentAt + GRACE),
    reason: `created ${(ages[shareId]! + (sentAt - T0) / DAY).toFixed(1)} days ago, limit 30 days (public-30d)`,
    shortUrl: shareId === A ? '1graceAa' : expect.any(String),
    paths: [paths[shareId]!],
    pathCount: 1,
    ...(shareId === A ? { requester: 'marketing', requestId: 'req-grace-a' } : {}),
    runId: expect.any(String),
    graceHours: GRACE_HOURS,
  }));
}

/**
 * The event bus of one test: the handler's publisher, what the bus accepted, and a switch that
 * makes it refuse the notices it picks.
 */
interface FlakyBus {
  options: Partial<SweepWorldOptions>;
  /** The notices the bus accepted, in order. */
  accepted(): ShareMarkedForCancelDetail[];
  /** Which notices to refuse from now on (none: undefined). */
  refuse(pick: ((shareId: string) => boolean) | undefined): void;
}

/** An EventPublisher that throws (naming nothing) when a call holds a notice it refuses. */
function throwingPublisher(): FlakyBus {
  let pick: ((shareId: string) => boolean) | undefined;
  let bus: InMemoryEventBus | undefined;
  const events = (inner: InMemoryEventBus): EventPublisher => {
    bus = inner;
    return {
      publish: async (list) => {
        if (pick && list.some((e) => e.detailType === 'ShareMarkedForCancel' && pick!(e.detail.shareId))) throw new Error('EventBridge unavailable');
        await inner.publish(list);
      },
    };
  };
  return { options: { events }, accepted: () => bus?.detailsOf('ShareMarkedForCancel') ?? [], refuse: (p) => (pick = p) };
}

/** The real EventBridge adapter over a mocked PutEvents that fails the entries of refused notices. */
function mockedEventBridge(): FlakyBus {
  let pick: ((shareId: string) => boolean) | undefined;
  const accepted: PutEventsRequestEntry[] = [];
  const client = new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  mockClient(client)
    .on(PutEventsCommand)
    .callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      const results: PutEventsResultEntry[] = input.Entries.map((entry) => {
        const detail = JSON.parse(entry.Detail ?? '{}') as { shareId?: string };
        if (pick && isNotice({ detailType: entry.DetailType ?? '' }) && pick(detail.shareId ?? '')) {
          return { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' };
        }
        accepted.push(entry);
        return { EventId: `e-${accepted.length}` };
      });
      return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
    });
  const publisher = new EventBridgePublisher({ client, busName: 'share-lifecycle', retry: { maxAttempts: 2, sleep: async () => undefined } });
  return {
    options: { events: () => publisher },
    accepted: () => accepted.filter((e) => e.DetailType === 'ShareMarkedForCancel').map((e) => JSON.parse(e.Detail as string) as ShareMarkedForCancelDetail),
    refuse: (p) => (pick = p),
  };
}

describe('grace notices (sweep-shares on DynamoDB Local)', () => {
  it('sends exactly one notice per mark and never another, and cancels a grace after it', async () => {
    const w = await setup();
    const first = await sweepAt(w, T0);
    expect(first.decisions.filter((d) => d.action === 'marked').map((d) => d.shareId)).toEqual(MARKED);
    expect(w.bus.detailsOf('ShareMarkedForCancel')).toEqual(expectedNotices(T0));
    expect(await notifiedAt(w)).toEqual([T0, T0, T0]);

    for (const hours of [1, 6, 12, GRACE_HOURS - 1]) {
      const again = await sweepAt(w, T0 + hours * HOUR);
      expect([again.status, again.cancelled]).toEqual(['completed', []]);
      expect(again.decisions[0]!.reasons[0]).toContain(`notice sent ${iso(T0)}, grace ends ${iso(T0 + GRACE)}`);
    }
    expect(w.bus.ofType('ShareMarkedForCancel')).toHaveLength(3);
    expect(await notifiedAt(w)).toEqual([T0, T0, T0]);

    const last = await sweepAt(w, T0 + GRACE);
    expect(last.cancelled).toEqual(MARKED);
    expect(w.queuedShareIds()).toEqual(MARKED);
    expect(w.bus.ofType('ShareMarkedForCancel')).toHaveLength(3);
  });

  it.each([
    ['an EventPublisher that throws', throwingPublisher],
    ['the EventBridge adapter, PutEvents failing every notice', mockedEventBridge],
  ])('leaves the marks without notice when the publish fails (%s); the next run sends it and the grace counts from then', async (_what, makeBus) => {
    const bus = makeBus();
    const w = await setup(bus.options);
    bus.refuse(() => true);
    const first = await sweepAt(w, T0);
    expect(first.status).toBe('completed');
    expect(first.errors).toEqual([expect.stringMatching(/^could not publish 3 of 3 grace notice\(s\): .*the next run sends them again$/)]);
    expect(w.metrics.get('EventPublishFailures')).toEqual([3]);
    const inventory = await w.stores.inventory.loadAll();
    expect(MARKED.map((id) => inventory.get(id)?.violatingSince)).toEqual(MARKED.map(() => ({ 'public-30d': T0 })));
    expect(await notifiedAt(w)).toEqual([undefined, undefined, undefined]);
    expect(bus.accepted()).toEqual([]);

    // Two days on, past a grace counted from the marks: nothing is cancelled; the notices go out.
    bus.refuse(undefined);
    const sentAt = T0 + 2 * DAY;
    const second = await sweepAt(w, sentAt);
    expect([second.status, second.cancelled, second.errors]).toEqual(['completed', [], []]);
    expect(second.decisions[0]!.reasons[0]).toContain('notice not sent yet: the grace of 24 h starts when it is');
    expect(bus.accepted()).toEqual(expectedNotices(sentAt));
    expect(await notifiedAt(w)).toEqual([sentAt, sentAt, sentAt]);

    expect((await sweepAt(w, sentAt + GRACE - 1)).cancelled).toEqual([]);
    expect((await sweepAt(w, sentAt + GRACE)).cancelled).toEqual(MARKED);
    expect(bus.accepted()).toHaveLength(3);
  });

  it('sends the notices of a run killed right after it wrote its marks, and counts the grace from them', async () => {
    let killed = false;
    const w = await setup({
      inventory: (store: InventoryStore): InventoryStore => ({
        ...pick(store),
        setMarks: async (marks, now) => {
          await store.setMarks(marks, now);
          if (!killed) {
            killed = true;
            throw new Error('Runtime exited: the invocation was killed');
          }
        },
      }),
    });
    const first = await sweepAt(w, T0);
    expect([first.status, first.cancelled]).toEqual(['failed', []]);
    expect(w.bus.ofType('ShareMarkedForCancel')).toEqual([]);
    const inventory = await w.stores.inventory.loadAll();
    expect(MARKED.map((id) => inventory.get(id)?.violatingSince)).toEqual(MARKED.map(() => ({ 'public-30d': T0 })));
    expect(await notifiedAt(w)).toEqual([undefined, undefined, undefined]);

    const sentAt = T0 + 3 * DAY;
    const second = await sweepAt(w, sentAt);
    expect([second.status, second.cancelled]).toEqual(['completed', []]);
    expect(w.bus.detailsOf('ShareMarkedForCancel')).toEqual(expectedNotices(sentAt));
    expect(await notifiedAt(w)).toEqual([sentAt, sentAt, sentAt]);
    // The marks kept the time the share was first seen breaking the policy.
    expect((await w.stores.inventory.loadAll()).get(A)?.violatingSince).toEqual({ 'public-30d': T0 });

    expect((await sweepAt(w, sentAt + GRACE - HOUR)).cancelled).toEqual([]);
    expect((await sweepAt(w, sentAt + GRACE)).cancelled).toEqual(MARKED);
    expect(w.bus.ofType('ShareMarkedForCancel')).toHaveLength(3);
  });

  it('records the notice of only the entries PutEvents accepted when it refuses some', async () => {
    const bus = mockedEventBridge();
    const w = await setup(bus.options);
    bus.refuse((shareId) => shareId === BIG_ID);
    const first = await sweepAt(w, T0);
    expect(first.errors).toEqual([expect.stringMatching(/^could not publish 1 of 3 grace notice\(s\): EventPublishError: 1 of 3 event\(s\) could not be published/)]);
    expect(bus.accepted()).toEqual(expectedNotices(T0, [A, B]));
    expect(await notifiedAt(w)).toEqual([T0, T0, undefined]);

    bus.refuse(undefined);
    const later = T0 + 5 * HOUR;
    await sweepAt(w, later);
    expect(bus.accepted()).toEqual([...expectedNotices(T0, [A, B]), ...expectedNotices(later, [BIG_ID])]);
    expect(await notifiedAt(w)).toEqual([T0, T0, later]);

    const atGraceOfAB = await sweepAt(w, T0 + GRACE);
    expect(atGraceOfAB.cancelled).toEqual([A, B]);
    for (const id of [A, B]) w.emulator.state.removeShare(id); // as cancel-shares would
    expect((await sweepAt(w, later + GRACE - 1)).cancelled).toEqual([]);
    expect((await sweepAt(w, later + GRACE)).cancelled).toEqual([BIG_ID]);
    expect(bus.accepted()).toHaveLength(3);
  });
});

/** The store's methods bound to it, to wrap one of them. */
function pick(store: InventoryStore): InventoryStore {
  return {
    loadAll: () => store.loadAll(),
    scan: () => store.scan(),
    putMany: (items) => store.putMany(items),
    putChanged: (items, previous, options) => store.putChanged(items, previous, options),
    setMarks: (marks, now) => store.setMarks(marks, now),
    setNotified: (marks, atMs) => store.setNotified(marks, atMs),
    clearMarks: (marks) => store.clearMarks(marks),
    clearAllMarks: (shareId) => store.clearAllMarks(shareId),
    deleteMany: (ids) => store.deleteMany(ids),
    recordCancelRequests: (ids, runId, atMs) => store.recordCancelRequests(ids, runId, atMs),
  };
}
