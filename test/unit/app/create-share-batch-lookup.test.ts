/**
 * The share id lookup a batch shares (`BatchShareIdLookup`): creates whose answer carries no
 * share id are looked up in one list read per batch, never in a read that started before their
 * create was answered, with a per-record lookup for a share that read did not see.
 */
import {
  BatchShareIdLookup,
  createShareFromRequest,
  type CreateShareDeps,
  type CreateShareOutcome,
  type UseCaseLog,
} from '../../../lib/app/create-share';
import type { CreateShareInput, CreatedShare, PaginateOptions } from '../../../lib/app/ports';
import type { Share } from '../../../lib/domain/share';
import { parseShareRequest } from '../../../lib/contracts/share-request';
import { toMessageBody } from '../../../lib/messages/sqs-batch';
import { aShareRequest } from '../../factories/messages';
import { FakeClock, FakeEvents, FakeShareRecords, FakeTerabox, fakeClassifier, type CreateBehaviour } from './create-share-fakes';

/** A promise resolved from outside. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets every pending promise callback run (the fakes never touch timers). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
};

/** The fake account, with list reads counted, creates that can be held, and a list that can lag. */
class BatchTerabox extends FakeTerabox {
  listReads = 0;
  /** Short urls the next list read does not show yet (TeraBox's list lagging behind a create). */
  lagging = new Set<string>();
  /** What the create of each path does (default 'ok-without-id', the seed-shape answer). */
  readonly behaviours = new Map<string, CreateBehaviour>();
  /** Creates of these paths wait for the gate before answering. */
  readonly held = new Map<string, Promise<void>>();
  /** List reads wait for this gate before answering (when set). */
  listGate: Promise<void> | undefined;
  /** The short urls each list read was asked after (creates answered before the read started). */
  readonly answeredBeforeRead: string[][] = [];
  private readonly answered: string[] = [];

  override async createShare(input: CreateShareInput): Promise<CreatedShare> {
    const path = input.paths?.[0] ?? '';
    const hold = this.held.get(path);
    if (hold !== undefined) await hold;
    this.script = [this.behaviours.get(path) ?? 'ok-without-id'];
    const created = await super.createShare(input);
    this.answered.push(created.shortUrl);
    return created;
  }

  override async *paginateShares(options?: PaginateOptions): AsyncGenerator<Share, void, undefined> {
    this.listReads += 1;
    this.answeredBeforeRead.push([...this.answered]);
    const hidden = new Set(this.lagging);
    this.lagging.clear();
    if (this.listGate !== undefined) await this.listGate;
    for await (const share of super.paginateShares(options)) {
      if (share.shortUrl === undefined || !hidden.has(share.shortUrl)) yield share;
    }
  }
}

class RecordingLog implements UseCaseLog {
  readonly warnings: string[] = [];
  info(): void {}
  warn(message: string): void {
    this.warnings.push(message);
  }
  error(): void {}
}

interface BatchWorld {
  clock: FakeClock;
  records: FakeShareRecords;
  terabox: BatchTerabox;
  log: RecordingLog;
  lookup: BatchShareIdLookup;
  /** Starts one record of the batch (joins the lookup at once, as a handler's record does). */
  start(requestId: string, path: string, behaviour?: CreateBehaviour): Promise<CreateShareOutcome>;
}

function batchWorld(maxShares = 100, maxWaitMs = 60_000): BatchWorld {
  const clock = new FakeClock();
  const records = new FakeShareRecords();
  const terabox = new BatchTerabox(clock);
  const log = new RecordingLog();
  const lookup = new BatchShareIdLookup(terabox, { maxShares, maxWaitMs });
  const deps: CreateShareDeps = {
    shareRecords: records,
    terabox,
    events: new FakeEvents(),
    clock,
    classifyFailure: fakeClassifier,
    log,
    settings: { shareIdLookupShares: maxShares },
    shareIdLookup: lookup,
  };
  const start = (requestId: string, path: string, behaviour: CreateBehaviour = 'ok-without-id'): Promise<CreateShareOutcome> => {
    terabox.behaviours.set(path, behaviour);
    const body = toMessageBody(aShareRequest({ requestId, fsIds: undefined, paths: [path], password: undefined }));
    return createShareFromRequest(deps, parseShareRequest(body, { period: 7 }));
  };
  return { clock, records, terabox, log, lookup, start };
}

const shareIdOf = (outcome: CreateShareOutcome): string | undefined => (outcome.status === 'created' ? outcome.record.shareId : undefined);

/** The share the fake account lists for a stored record (by short url). */
function listedShareOf(w: BatchWorld, outcome: CreateShareOutcome): Share | undefined {
  const shortUrl = outcome.status === 'created' ? outcome.record.shortUrl : undefined;
  return w.terabox.shares.find((s) => s.shortUrl === shortUrl);
}

describe('BatchShareIdLookup: one list read per batch', () => {
  it.each([1, 2, 10])('reads the list once for a batch of %i creates without ids, and stores each share with its own id', async (size) => {
    const w = batchWorld();
    // Older shares on the account, so that the read has to tell them apart.
    for (let i = 0; i < 30; i++) w.terabox.add({ paths: [`/old/${i}.pdf`], period: 7 }, w.clock.now() - 1000);
    const outcomes = await Promise.all(Array.from({ length: size }, (_, i) => w.start(`req-${i}`, `/batch/${i}.pdf`)));

    expect(w.terabox.listReads).toBe(1);
    expect(w.lookup.reads).toBe(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('created');
      expect(shareIdOf(outcome)).toBe(listedShareOf(w, outcome)?.shareId);
    }
    expect(new Set(outcomes.map(shareIdOf)).size).toBe(size);
    expect(w.log.warnings).toEqual([]);
  });

  it('waits for the slowest create of the batch, then serves every record from one read that started after all the answers', async () => {
    const w = batchWorld();
    const slow = gate();
    w.terabox.held.set('/batch/slow.pdf', slow.promise);
    const fast = [w.start('req-a', '/batch/a.pdf'), w.start('req-b', '/batch/b.pdf')];
    const held = w.start('req-slow', '/batch/slow.pdf');
    await settle();
    expect(w.terabox.listReads).toBe(0);

    slow.open();
    const outcomes = await Promise.all([...fast, held]);
    expect(w.terabox.listReads).toBe(1);
    expect(w.terabox.answeredBeforeRead[0]).toHaveLength(3);
    expect(outcomes.map((o) => shareIdOf(o) !== undefined)).toEqual([true, true, true]);
  });

  it('serves the waiting records without a create still unanswered after the longest wait; that record reads the list later', async () => {
    const w = batchWorld(100, 5);
    const stuck = gate();
    w.terabox.held.set('/batch/stuck.pdf', stuck.promise);
    const held = w.start('req-stuck', '/batch/stuck.pdf');
    const fast = await Promise.all([w.start('req-a', '/batch/a.pdf'), w.start('req-b', '/batch/b.pdf')]);
    expect(w.terabox.listReads).toBe(1);
    expect(fast.map((o) => shareIdOf(o) === listedShareOf(w, o)?.shareId && shareIdOf(o) !== undefined)).toEqual([true, true]);

    stuck.open();
    const late = await held;
    expect(w.terabox.listReads).toBe(2);
    expect(shareIdOf(late)).toBe(listedShareOf(w, late)?.shareId);
  });

  it.each<[string, CreateBehaviour]>([
    ['a create whose answer has the id', 'ok'],
    ['a create TeraBox refused for good', 'permanent'],
    ['a create that failed transiently', 'transient'],
  ])('does not wait for %s', async (_label, behaviour) => {
    const w = batchWorld();
    const outcomes = await Promise.all([w.start('req-a', '/batch/a.pdf'), w.start('req-other', '/batch/other.pdf', behaviour)]);
    expect(w.terabox.listReads).toBe(1);
    expect(shareIdOf(outcomes[0]!)).toBe(listedShareOf(w, outcomes[0]!)?.shareId);
  });

  it('does not wait for a duplicate delivery of a finished request', async () => {
    const w = batchWorld();
    await w.start('req-done', '/batch/done.pdf', 'ok');
    const outcomes = await Promise.all([w.start('req-a', '/batch/a.pdf'), w.start('req-done', '/batch/done.pdf')]);
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'duplicate']);
    expect(w.terabox.listReads).toBe(1);
    expect(w.terabox.creates).toBe(2);
  });

  it('serves a record that asks while a read is running from a new read, never from one that started before its create answered', async () => {
    const w = batchWorld();
    const listing = gate();
    w.terabox.listGate = listing.promise;
    const first = w.start('req-first', '/batch/first.pdf');
    await settle();
    expect(w.terabox.listReads).toBe(1);

    // A record that joins late (records processed one after another) while the first read runs.
    const late = w.start('req-late', '/batch/late.pdf');
    await settle();
    expect(w.terabox.listReads).toBe(1);
    listing.open();
    const outcomes = await Promise.all([first, late]);

    expect(w.terabox.listReads).toBe(2);
    const lateShortUrl = outcomes[1]!.status === 'created' ? outcomes[1]!.record.shortUrl : undefined;
    expect(w.terabox.answeredBeforeRead[0]).not.toContain(lateShortUrl);
    expect(w.terabox.answeredBeforeRead[1]).toContain(lateShortUrl);
    expect(outcomes.map((o) => shareIdOf(o) === listedShareOf(w, o)?.shareId && shareIdOf(o) !== undefined)).toEqual([true, true]);
  });
});

describe('BatchShareIdLookup: when the batch read does not find a share', () => {
  it('looks once more on its own for a share the batch read did not see (the list lagging behind the create)', async () => {
    const w = batchWorld();
    const pending = [w.start('req-a', '/batch/a.pdf'), w.start('req-b', '/batch/b.pdf')];
    // Hide b's share from the batch read only (the fake numbers shares in create order: b is the second).
    w.terabox.lagging.add('1short1002');
    const outcomes = await Promise.all(pending);
    expect(w.terabox.listReads).toBe(2);
    expect(outcomes.map((o) => o.status === 'created' && o.record.shortUrl)).toEqual(['1short1001', '1short1002']);
    expect(outcomes.map((o) => shareIdOf(o) === listedShareOf(w, o)?.shareId && shareIdOf(o) !== undefined)).toEqual([true, true]);
    expect(w.log.warnings).toEqual([]);
  });

  it('looks on its own for a share pushed past the batch read by newer shares, and stores it without an id when it is not there either', async () => {
    const w = batchWorld(3);
    const pending = w.start('req-a', '/batch/a.pdf');
    // Three newer shares (another invocation's) fill the three newest places before the read.
    for (let i = 0; i < 3; i++) w.terabox.add({ paths: [`/other/${i}.pdf`], period: 7 }, w.clock.now() + 1000);
    const outcome = await pending;
    expect(w.terabox.listReads).toBe(2);
    expect(outcome).toMatchObject({ status: 'created', record: { shortUrl: '1short1004' } });
    expect(shareIdOf(outcome)).toBeUndefined();
    expect(w.log.warnings).toEqual([]);
  });

  it('stores every share of the batch without an id when the batch read fails, reading the list no more (the sweep attaches the ids)', async () => {
    const w = batchWorld();
    w.terabox.failListing = true;
    const outcomes = await Promise.all(Array.from({ length: 4 }, (_, i) => w.start(`req-${i}`, `/batch/${i}.pdf`)));
    expect(w.terabox.listReads).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual(['created', 'created', 'created', 'created']);
    expect(outcomes.map(shareIdOf)).toEqual([undefined, undefined, undefined, undefined]);
    expect(w.log.warnings).toEqual(Array.from({ length: 4 }, () => 'could not look up the id of the new share; the sweep will attach it'));
  });
});

describe('BatchShareIdLookup tickets', () => {
  it('starts a read only when no joined record is still working, and a ticket left twice counts once', async () => {
    const w = batchWorld();
    const a = w.lookup.join();
    const b = w.lookup.join();
    const c = w.lookup.join();
    const answer = a.find('1short-none');
    b.leave();
    b.leave();
    await settle();
    expect(w.terabox.listReads).toBe(0);
    c.leave();
    await expect(answer).resolves.toEqual({ kind: 'not-found' });
    a.leave();
    expect(w.terabox.listReads).toBe(1);
  });
});
