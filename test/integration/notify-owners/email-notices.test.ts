/**
 * Notices by email end to end: the real sweep (NOTICE_DELIVERY=email) marks shares with a grace
 * period on DynamoDB Local; its ShareMarkedForCancel events reach the real notify-owners handler
 * as SQS records; the digests go through a real aws-ses-v2-local server. The grace clock starts
 * when SES accepted the digest, never when the bus accepted the event.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { startLocalSes, type LocalSes } from '../../../local/ses-local';
import { aClaim, aCreatedShare } from '../../factories/store-items';
import { aScheduledSweepEvent } from '../../factories/sweep-events';
import { anEmulatorShare, DAY, HOUR, publicLinksPolicy, sweepWorld, T0, type SweepWorld } from '../handlers/sweep-shares-support';
import { useTestTables } from '../stores/tables';
import { noticeRecords, notifier, SENDER } from './support';

const tables = useTestTables('notices');
const POLICY = publicLinksPolicy({ graceHours: 24 });
/** Five old public links: three asked for by marketing, two by sales. */
const SHARES = [
  { shareId: '40000000001', requester: 'marketing', path: '/Public/brochure.pdf' },
  { shareId: '40000000002', requester: 'marketing', path: '/Public/<img src=x onerror=alert(1)>.png' },
  { shareId: '40000000003', requester: 'marketing', path: '/Public/price-list.xlsx' },
  { shareId: '40000000004', requester: 'sales', path: '/Public/terms.pdf' },
  { shareId: '40000000005', requester: 'sales', path: '/Public/deck.pdf' },
];

let ses: LocalSes;
let world: SweepWorld | undefined;
beforeAll(async () => {
  ses = await startLocalSes();
});
afterAll(async () => {
  await ses.close();
});
beforeEach(async () => {
  await ses.clear();
});
afterEach(async () => {
  await world?.close();
  world = undefined;
  jest.restoreAllMocks();
});

async function setup(): Promise<SweepWorld> {
  world = await sweepWorld(tables, {
    shares: SHARES.map((s, i) => anEmulatorShare(s.shareId, s.path, 40 + i, { shorturl: `1notice${i}` })),
    policies: [POLICY],
    env: { NOTICE_DELIVERY: 'email' },
  });
  for (const [i, s] of SHARES.entries()) {
    const requestId = `req-notice-${i}`;
    const claimed = await world.stores.shareRecords.claim(aClaim({ requestId, requester: s.requester, now: T0 - 40 * DAY }));
    if (claimed.kind !== 'claimed') throw new Error(`unexpected claim: ${claimed.kind}`);
    await world.stores.shareRecords.complete({
      requestId,
      attemptId: claimed.attempt.attemptId,
      share: aCreatedShare({ shareId: s.shareId, shortUrl: `1notice${i}`, link: `https://www.terabox.com/s/1notice${i}`, createdAtMs: T0 - 40 * DAY }),
      now: T0 - 40 * DAY,
    });
  }
  return world;
}

async function sweepAt(w: SweepWorld, at: number): Promise<void> {
  w.clock.ms = at;
  await w.invoke(aScheduledSweepEvent(at));
}

async function notifiedAt(w: SweepWorld): Promise<(number | undefined)[]> {
  const inventory = await w.stores.inventory.loadAll();
  return SHARES.map((s) => inventory.get(s.shareId)?.notifiedAt?.[POLICY.policyId]);
}

const to = (mails: { destination: { to: string[] } }[]) => mails.map((m) => m.destination.to.join(',')).sort();

describe('notices by email', () => {
  it('sends exactly one digest per requester for a run that marks 5 shares of 2 requesters, and starts the grace at delivery', async () => {
    const w = await setup();
    await w.stores.requesters.set({ requester: 'marketing', displayName: 'Marketing team', emails: ['mkt@example.com', 'Lead@Example.com'] }, T0);
    await w.stores.requesters.set({ requester: 'sales', emails: ['sales@example.com'] }, T0);

    await sweepAt(w, T0);
    const records = noticeRecords(w);
    expect(records).toHaveLength(5);
    // The bus accepted the notices, but no person got them yet: no grace has started.
    expect(await notifiedAt(w)).toEqual([undefined, undefined, undefined, undefined, undefined]);

    w.clock.ms = T0 + 60_000;
    const notify = notifier(w, tables, ses.client());
    expect(await notify.invoke(records)).toEqual({ batchItemFailures: [] });

    const mails = await ses.mails();
    expect(to(mails)).toEqual(['mkt@example.com,lead@example.com', 'sales@example.com']);
    const marketing = mails.find((m) => m.destination.to.includes('mkt@example.com'))!;
    expect(marketing.from).toBe(SENDER);
    expect(marketing.subject).toBe('3 TeraBox share links will be cancelled unless you act');
    expect(marketing.body.text).toContain('Hello Marketing team,');
    expect(marketing.body.text).toContain('https://www.terabox.com/s/1notice0');
    expect(marketing.body.text).toContain(`not cancelled before: ${new Date(T0 + 60_000 + 24 * HOUR).toISOString()}`);
    // A hostile file name is text in the HTML part, never markup.
    expect(marketing.body.html).toContain('&lt;img src=x onerror=alert(1)&gt;.png');
    expect(marketing.body.html).not.toContain('<img');
    expect(await notifiedAt(w)).toEqual(SHARES.map(() => T0 + 60_000));
    expect(notify.metrics.get('NoticeDigestsSent')).toEqual([1, 1]);

    // The same events delivered again: nothing more is sent, nothing is moved.
    w.clock.ms = T0 + 120_000;
    expect(await notify.invoke(records)).toEqual({ batchItemFailures: [] });
    expect(await ses.mails()).toHaveLength(2);
    expect(await notifiedAt(w)).toEqual(SHARES.map(() => T0 + 60_000));

    // The next run finds every notice delivered: it sends none again.
    const before = w.bus.records.length;
    await sweepAt(w, T0 + HOUR);
    expect(noticeRecords(w, before)).toHaveLength(0);
  });

  it("sends a requester's notices to the account's fallback when the requester has no address", async () => {
    const w = await setup();
    await w.stores.requesters.set({ requester: 'marketing', emails: ['mkt@example.com'] }, T0);
    await w.stores.requesters.set({ requester: 'sales', displayName: 'Sales' }, T0); // known, no address
    await w.stores.requesters.setFallback({ emails: ['links-admin@example.com'] }, T0);

    await sweepAt(w, T0);
    const notify = notifier(w, tables, ses.client());
    await notify.invoke(noticeRecords(w));

    const mails = await ses.mails();
    expect(to(mails)).toEqual(['links-admin@example.com', 'mkt@example.com']);
    const fallback = mails.find((m) => m.destination.to.includes('links-admin@example.com'))!;
    expect(fallback.subject).toBe('2 TeraBox share links will be cancelled unless you act');
    expect(fallback.body.text).toContain('requester "sales", who has no address in the requester directory');
    expect(await notifiedAt(w)).toEqual(SHARES.map(() => T0));
  });

  it('leaves the notices undelivered when the send fails, and the next run notices them again', async () => {
    const w = await setup();
    await w.stores.requesters.set({ requester: 'marketing', emails: ['mkt@example.com'] }, T0);
    await w.stores.requesters.setFallback({ emails: ['links-admin@example.com'] }, T0);
    await sweepAt(w, T0);

    // An SES endpoint that refuses connections: a port that was free a moment ago.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = new SESv2Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const failing = notifier(w, tables, down);
    expect(await failing.invoke(noticeRecords(w))).toEqual({ batchItemFailures: [] });
    down.destroy();
    expect(failing.metrics.get('NoticeSendFailures')).toEqual([1, 1]);
    expect(await ses.mails()).toHaveLength(0);
    expect(await notifiedAt(w)).toEqual([undefined, undefined, undefined, undefined, undefined]);

    // The next run: the marks still lack a delivered notice, so it notices them again, and this time SES takes them.
    const before = w.bus.records.length;
    await sweepAt(w, T0 + HOUR);
    const again = noticeRecords(w, before);
    expect(again).toHaveLength(5);
    // Not cancelled meanwhile: the grace never started.
    expect(w.queuedShareIds()).toEqual([]);
    await notifier(w, tables, ses.client()).invoke(again);
    expect(to(await ses.mails())).toEqual(['links-admin@example.com', 'mkt@example.com']);
    expect(await notifiedAt(w)).toEqual(SHARES.map(() => T0 + HOUR));
  });
});
