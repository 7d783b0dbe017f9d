/**
 * The create-share use case on hand-written fakes: idempotency, failure handling and the search
 * for a share an uncertain attempt may have created.
 */
import { createShareFromRequest, matchesRequest, type CreateShareDeps, type CreateShareOutcome } from '../../../lib/app/create-share';
import type { Share } from '../../../lib/domain/share';
import type { ShareCreatedDetail, ShareRequestRejectedDetail } from '../../../lib/contracts/events';
import { parseShareRequest, type ShareRequest } from '../../../lib/contracts/share-request';
import { toMessageBody } from '../../../lib/messages/sqs-batch';
import { aShareRequest } from '../../factories/messages';
import { DAY, FakeClock, FakeEvents, FakeShareRecords, FakeTerabox, MIN, T0, fakeClassifier, type CreateBehaviour } from './create-share-fakes';

interface World {
  clock: FakeClock;
  records: FakeShareRecords;
  terabox: FakeTerabox;
  events: FakeEvents;
  deps: CreateShareDeps;
  send(overrides?: Parameters<typeof aShareRequest>[0]): Promise<CreateShareOutcome>;
  sendBody(body: string): Promise<CreateShareOutcome>;
}

function world(settings: CreateShareDeps['settings'] = {}): World {
  const clock = new FakeClock();
  const records = new FakeShareRecords();
  const terabox = new FakeTerabox(clock);
  const events = new FakeEvents();
  const deps: CreateShareDeps = { shareRecords: records, terabox, events, clock, classifyFailure: fakeClassifier, settings };
  const sendBody = (body: string) => createShareFromRequest(deps, parseShareRequest(body, { period: 7 }));
  return { clock, records, terabox, events, deps, sendBody, send: (overrides = {}) => sendBody(toMessageBody(aShareRequest(overrides))) };
}

const detailsOf = <T>(events: FakeEvents, type: string): T[] =>
  events.published.filter((e) => e.detailType === type).map((e) => e.detail as unknown as T);

describe('createShareFromRequest: the normal path', () => {
  it('creates the share, stores it and announces ShareCreated with the expiry', async () => {
    const w = world();
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', retry: false, reconciled: false, record: { status: 'created', shareId: '1001' } });
    expect(w.terabox.creates).toBe(1);
    expect(detailsOf<ShareCreatedDetail>(w.events, 'ShareCreated')).toEqual([
      {
        requestId: 'req-2026-0001',
        requester: 'marketing',
        shareId: '1001',
        shortUrl: '1short1001',
        link: 'https://www.terabox.com/s/1short1001',
        period: 7,
        expiresAt: new Date(T0 + 7 * DAY).toISOString(),
      },
    ]);
  });

  it('announces a permanent link without an expiry', async () => {
    const w = world();
    await w.send({ period: 0 });
    expect(detailsOf<ShareCreatedDetail>(w.events, 'ShareCreated')[0]).not.toHaveProperty('expiresAt');
  });

  it('looks the share id up by short url when the create answer has none', async () => {
    const w = world();
    w.terabox.script = ['ok-without-id'];
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', record: { shareId: '1001', shortUrl: '1short1001' } });
  });

  it('stores the share without an id when the lookup fails (the sweep attaches it later)', async () => {
    const w = world();
    w.terabox.script = ['ok-without-id'];
    w.terabox.failListing = true;
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', record: { shortUrl: '1short1001' } });
    expect(outcome.status === 'created' && outcome.record.shareId).toBeUndefined();
  });
});

describe('createShareFromRequest: duplicates and bad messages', () => {
  it('answers a duplicate delivery with the stored share, announces it again and never creates twice', async () => {
    const w = world();
    await w.send();
    const second = await w.send();
    expect(second).toMatchObject({ status: 'duplicate', retry: false, record: { status: 'created', shareId: '1001' } });
    expect(w.terabox.creates).toBe(1);
    expect(w.events.types()).toEqual(['ShareCreated', 'ShareCreated']);
  });

  it('hands back a request whose claim is live elsewhere, without calling TeraBox', async () => {
    const w = world();
    await w.records.claim({ requestId: 'req-2026-0001', requester: 'marketing', request: {}, now: T0, claimTtlMs: 5 * MIN });
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'retry', retry: true, kind: 'in-progress' });
    expect(w.terabox.creates).toBe(0);
  });

  it('records an invalid message as rejected and announces it, not to be retried', async () => {
    const w = world();
    const outcome = await w.send({ period: 3 as 7 });
    expect(outcome).toEqual({
      status: 'rejected',
      retry: false,
      requestId: 'req-2026-0001',
      reasons: ['period: must be one of 0 (permanent), 1, 7 or 30 (days)'],
      recorded: true,
    });
    expect(w.records.records.get('req-2026-0001')).toMatchObject({ status: 'rejected', requester: 'marketing' });
    expect(detailsOf<ShareRequestRejectedDetail>(w.events, 'ShareRequestRejected')).toEqual([
      { requestId: 'req-2026-0001', requester: 'marketing', reasons: ['period: must be one of 0 (permanent), 1, 7 or 30 (days)'] },
    ]);
  });

  it('leaves a created request alone when an invalid message reuses its id', async () => {
    const w = world();
    await w.send();
    const outcome = await w.send({ paths: ['relative/path'] });
    expect(outcome).toMatchObject({ status: 'rejected', recorded: false });
    expect(w.records.records.get('req-2026-0001')?.status).toBe('created');
    expect(w.events.types()).toEqual(['ShareCreated']);
  });

  it.each([
    ['not JSON', '{"requestId": '],
    ['no request id', JSON.stringify({ requester: 'marketing', paths: ['/a'] })],
    ['an array', '[1,2]'],
  ])('hands back an unidentifiable message (%s) and records nothing', async (_what, body) => {
    const w = world();
    const outcome = await w.sendBody(body);
    expect(outcome).toMatchObject({ status: 'unidentifiable', retry: true });
    expect(w.records.records.size).toBe(0);
    expect(w.events.published).toEqual([]);
  });

  it('announces again the rejection of a failed request delivered again', async () => {
    const w = world();
    w.terabox.script = ['permanent'];
    await w.send();
    const again = await w.send();
    expect(again).toMatchObject({ status: 'duplicate', record: { status: 'failed' } });
    expect(w.events.types()).toEqual(['ShareRequestRejected', 'ShareRequestRejected']);
    expect(w.terabox.creates).toBe(1);
  });
});

describe('createShareFromRequest: failed creates', () => {
  it.each<[CreateBehaviour, Partial<CreateShareOutcome>, { uncertainSinceMs?: number; status: string }]>([
    ['transient', { status: 'retry', retry: true, kind: 'transient' } as Partial<CreateShareOutcome>, { status: 'in-progress' }],
    ['auth', { status: 'retry', retry: true, kind: 'auth' } as Partial<CreateShareOutcome>, { status: 'in-progress' }],
    ['uncertain', { status: 'retry', retry: true, kind: 'uncertain' } as Partial<CreateShareOutcome>, { status: 'in-progress', uncertainSinceMs: T0 }],
    ['permanent', { status: 'failed', retry: false } as Partial<CreateShareOutcome>, { status: 'failed' }],
  ])('a %s failure gives %o and leaves the record %o', async (behaviour, expected, record) => {
    const w = world();
    w.terabox.script = [behaviour];
    const outcome = await w.send();
    expect(outcome).toMatchObject(expected);
    const stored = w.records.records.get('req-2026-0001');
    expect(stored?.status).toBe(record.status);
    expect(stored?.uncertainSinceMs).toBe(record.uncertainSinceMs);
    if (record.status === 'in-progress') expect(stored?.claimExpiresAtMs).toBe(0); // released: a redelivery may claim at once
  });

  it('creates after a transient failure on the next delivery, without searching the list', async () => {
    const w = world();
    w.terabox.script = ['transient'];
    await w.send();
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', reconciled: false });
    expect(w.terabox.sharesRead).toBe(0);
    expect(w.terabox.creates).toBe(2);
  });

  it('records a permanent refusal as failed with the reason and announces it', async () => {
    const w = world();
    w.terabox.script = ['permanent'];
    await w.send();
    expect(w.records.records.get('req-2026-0001')).toMatchObject({ status: 'failed', error: 'create failed (permanent)' });
    expect(detailsOf<ShareRequestRejectedDetail>(w.events, 'ShareRequestRejected')).toEqual([
      { requestId: 'req-2026-0001', requester: 'marketing', reasons: ['create failed (permanent)'] },
    ]);
  });

  it('hands the message back when the stored share was lost to a takeover, and reports it', async () => {
    const w = world();
    w.records.loseClaimOnComplete = true;
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'retry', kind: 'claim-lost' });
    expect(w.events.published).toEqual([]);
  });

  it('lets an event-bus failure after the store fail the message; the redelivery announces again', async () => {
    const w = world();
    w.events.failNext = true;
    await expect(w.send()).rejects.toThrow('EventBridge unavailable');
    const again = await w.send();
    expect(again).toMatchObject({ status: 'duplicate' });
    expect(w.events.types()).toEqual(['ShareCreated']);
    expect(w.terabox.creates).toBe(1);
  });
});

describe('createShareFromRequest: after an uncertain attempt', () => {
  it('adopts the share the lost answer was about instead of creating a second one', async () => {
    const w = world();
    w.terabox.script = ['created-then-lost'];
    expect(await w.send()).toMatchObject({ status: 'retry', kind: 'uncertain' });
    w.clock.advance(2 * MIN);
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', reconciled: true, record: { shareId: '1001', status: 'created' } });
    expect(w.terabox.creates).toBe(1);
    expect(w.terabox.shares).toHaveLength(1);
  });

  it('creates when the search finds nothing (the request never reached TeraBox)', async () => {
    const w = world();
    w.terabox.script = ['uncertain'];
    await w.send();
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', reconciled: false });
    expect(w.terabox.creates).toBe(2);
    expect(w.terabox.shares).toHaveLength(1);
  });

  it('searches back to the uncertain attempt however long ago it was, and adopts nothing older', async () => {
    const w = world();
    // A matching share made long before the request (by hand, say): older than the attempt minus the slack.
    const decoy = w.terabox.add({ paths: ['/Public/brochure.pdf'], fsIds: ['123456789'], period: 7, password: 'ab12' }, T0 - 30 * MIN);
    w.terabox.script = ['created-then-lost'];
    await w.send(); // made a share at T0, answer lost
    w.clock.advance(60 * MIN);
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', reconciled: true });
    expect(outcome.status === 'created' && outcome.record.shareId).not.toBe(decoy.shareId);
    expect(w.terabox.creates).toBe(1);
  });

  it('searches after taking over the expired claim of a crashed invocation', async () => {
    const w = world();
    // A crashed attempt: claimed, created the share, never finished.
    await w.records.claim({ requestId: 'req-2026-0001', requester: 'marketing', request: {}, now: T0, claimTtlMs: 5 * MIN });
    w.terabox.add({ paths: ['/Public/brochure.pdf'], fsIds: ['123456789'], period: 7, password: 'ab12' }, T0 + 1000);
    w.clock.advance(6 * MIN);
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', reconciled: true, record: { shareId: '1001', attempts: 2 } });
    expect(w.terabox.creates).toBe(0);
  });

  it('stops reading the list at the first share older than the attempt minus the slack', async () => {
    const w = world({ reconcileSlackMs: 5 * MIN });
    for (let i = 0; i < 50; i++) w.terabox.add({ paths: [`/old/${i}`], period: 7 }, T0 - (10 + i) * MIN);
    w.terabox.script = ['uncertain'];
    await w.send();
    await w.send();
    expect(w.terabox.sharesRead).toBe(1);
  });

  it('hands the message back, creating nothing, when the search is cut off before reaching the attempt', async () => {
    const w = world({ reconcileMaxShares: 10 });
    w.terabox.script = ['uncertain'];
    await w.send();
    for (let i = 0; i < 20; i++) w.terabox.add({ paths: [`/new/${i}`], period: 7 }, T0 + i * 1000);
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'retry', kind: 'search' });
    expect(w.terabox.creates).toBe(1);
  });

  it('hands the message back, creating nothing, when the list cannot be read', async () => {
    const w = world();
    w.terabox.script = ['uncertain'];
    await w.send();
    w.terabox.failListing = true;
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'retry', kind: 'search' });
    expect(w.terabox.creates).toBe(1);
    expect(w.records.records.get('req-2026-0001')?.uncertainSinceMs).toBe(T0);
  });

  it('never adopts a matching share that another request owns', async () => {
    const w = world();
    const other = w.terabox.add({ paths: ['/Public/brochure.pdf'], fsIds: ['123456789'], period: 7, password: 'ab12' }, T0);
    w.records.records.set('req-other', { accountId: 'default', requestId: 'req-other', status: 'created', shareId: other.shareId, updatedAtMs: T0 });
    w.terabox.script = ['uncertain'];
    await w.send();
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', reconciled: false });
    expect(outcome.status === 'created' && outcome.record.shareId).not.toBe(other.shareId);
  });
});

describe('matchesRequest', () => {
  const request = (overrides: Partial<ShareRequest> = {}): ShareRequest => ({
    requestId: 'r',
    requester: 'x',
    period: 7,
    ...overrides,
  });
  const share = (overrides: Partial<Share> = {}): Share => ({
    shareId: '1',
    shortUrl: '1abc',
    link: 'https://www.terabox.com/s/1abc',
    fsIds: ['11'],
    paths: ['/a'],
    createdAtMs: T0,
    expiresAtMs: T0 + 7 * DAY,
    visibility: 'public',
    raw: {},
    ...overrides,
  });

  it.each<[string, Partial<ShareRequest>, Partial<Share>, boolean]>([
    ['the same path', { paths: ['/a'] }, {}, true],
    ['the same fs id', { fsIds: ['11'] }, { paths: ['/elsewhere'] }, true],
    ['fs id and path together', { fsIds: ['11'], paths: ['/b'] }, { fsIds: ['11', '12'], paths: ['/x'] }, true],
    ['another path', { paths: ['/b'] }, {}, false],
    ['another fs id', { fsIds: ['12'] }, {}, false],
    ['more items than requested', { paths: ['/a'] }, { fsIds: ['11', '12'] }, false],
    ['fewer items than requested', { fsIds: ['11', '12'] }, {}, false],
    ['no items listed', { paths: ['/a'] }, { fsIds: [], paths: [] }, false],
    ['no ids listed for an id request', { fsIds: ['11'] }, { fsIds: [] }, false],
    ['a public share for a private request', { paths: ['/a'], password: 'ab12' }, {}, false],
    ['a private share with the same password', { paths: ['/a'], password: 'ab12' }, { visibility: 'private', raw: { passwd: 'ab12' } }, true],
    ['a private share with another password', { paths: ['/a'], password: 'ab12' }, { visibility: 'private', raw: { passwd: 'zz99' } }, false],
    ['another period', { paths: ['/a'], period: 30 }, {}, false],
    ['a permanent share for a 7-day request', { paths: ['/a'] }, { expiresAtMs: null }, false],
    ['a permanent share for a permanent request', { paths: ['/a'], period: 0 }, { expiresAtMs: null }, true],
    ['an unknown expiry', { paths: ['/a'], period: 30 }, { expiresAtMs: undefined }, true],
    ['no short url', { paths: ['/a'] }, { shortUrl: undefined }, false],
  ])('%s → %s', (_what, req, listed, expected) => {
    expect(matchesRequest(share(listed), request(req))).toBe(expected);
  });
});

describe('createShareFromRequest: the search never trusts an unproven order', () => {
  it('reads past old shares when the list comes oldest first, and adopts the lost share instead of creating a second', async () => {
    const w = world({ reconcileSlackMs: 5 * MIN });
    for (let i = 0; i < 50; i++) w.terabox.add({ paths: [`/old/${i}`], period: 7 }, T0 - (10 + i) * MIN);
    w.terabox.oldestFirst = true;
    w.terabox.script = ['created-then-lost'];
    await w.send();
    w.clock.advance(2 * MIN);
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', reconciled: true });
    expect(w.terabox.creates).toBe(1);
    expect(w.terabox.sharesRead).toBe(51);
  });

  it('answers "retry later" (never "none", which would create again) when the cap cuts an unordered search short', async () => {
    const w = world({ reconcileMaxShares: 10 });
    for (let i = 0; i < 20; i++) w.terabox.add({ paths: [`/old/${i}`], period: 7 }, T0 - (10 + i) * MIN);
    w.terabox.oldestFirst = true;
    w.terabox.script = ['uncertain'];
    await w.send();
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'retry', kind: 'search', reason: expect.stringMatching(/newest-first order is not proven/) });
    expect(w.terabox.creates).toBe(1);
  });

  it('concludes "none" from an unordered list only once it has read all of it', async () => {
    const w = world();
    for (let i = 0; i < 20; i++) w.terabox.add({ paths: [`/old/${i}`], period: 7 }, T0 - (10 + i) * MIN);
    w.terabox.oldestFirst = true;
    w.terabox.script = ['uncertain'];
    await w.send();
    const before = w.terabox.sharesRead;
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', reconciled: false });
    expect(w.terabox.sharesRead - before).toBe(20);
  });

  it('adopts a public share that Baidu lists with passwd "0"', async () => {
    const w = world();
    w.terabox.script = ['created-then-lost'];
    await w.send({ password: undefined });
    const listed = w.terabox.shares[0]!;
    listed.raw = { passwd: '0' };
    listed.visibility = undefined;
    const outcome = await w.send({ password: undefined });
    expect(outcome).toMatchObject({ status: 'created', reconciled: true, record: { shareId: listed.shareId } });
  });

  it('does not take a passwd "0" share for one that asked for a password', () => {
    const request = parseShareRequest(toMessageBody(aShareRequest()), { period: 7 });
    if (!request.ok) throw new Error('request');
    const base: Share = { shareId: '1', shortUrl: '1x1', link: 'https://t/s/1x1', fsIds: ['123456789'], paths: ['/Public/brochure.pdf'], raw: {} };
    expect(matchesRequest({ ...base, raw: { passwd: 'ab12' } }, request.request)).toBe(true);
    expect(matchesRequest({ ...base, raw: { passwd: '0' } }, request.request)).toBe(false);
  });

  it.each([
    ['without its leading 1', (code: string) => code.slice(1)],
    ['as a full link', (code: string) => `https://www.1024terabox.com/s/${code}`],
  ])('finds the id of a share the list spells %s', async (_n, form) => {
    const w = world();
    w.terabox.script = ['ok-without-id'];
    w.terabox.listShortUrlForm = form;
    const outcome = await w.send();
    expect(outcome).toMatchObject({ status: 'created', record: { shareId: '1001', shortUrl: '1short1001' } });
  });
});
