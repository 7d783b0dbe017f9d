/**
 * `doctor` against the emulator in each of its shapes and shape variants: "safe to enforce" only
 * for the shapes the client fully understands, and the problem named for every other one.
 */
import type { ShapeVariant } from '../../../lib/terabox/emulator';
import { doctorOn, statuses, withEmulator } from './support';

describe('doctor on the shapes the client understands', () => {
  it.each([
    // Baidu's `count` is a planning hint, never an end: its listing ends on an empty 4th page.
    ['seed', {}, 3],
    ['baidu', { shape: 'baidu' as const }, 4],
    ['string-ids', { variant: 'string-ids' as const }, 3],
    ['baidu string-ids', { shape: 'baidu' as const, variant: 'string-ids' as const }, 4],
  ])('says "safe to enforce" for %s, every check ok, the listing equal to the account', async (_name, options, pages) => {
    await withEmulator(options, async (emulator) => {
      const run = await doctorOn(emulator);
      expect(run.report.verdict).toBe('safe to enforce');
      expect(run.report.safe).toBe(true);
      expect(Object.values(statuses(run))).toEqual(Array(run.report.checks.length).fill('ok'));
      expect(Object.keys(statuses(run))).toEqual(['login', 'region', 'tokens', 'share-list', 'share-fields', 'share-values', 'share-total', 'files', 'errnos', 'rate']);
      expect(run.report.listing).toEqual({ ok: true, count: 25, pages, shareIds: expect.any(Array) });
      if (run.report.listing.ok) expect([...run.report.listing.shareIds].sort()).toEqual([...emulator.state.shares.keys()].sort());
    });
  });

  it('names the fields seen, their kinds, and the fields the client does not read', async () => {
    await withEmulator({ shape: 'baidu' }, async (emulator) => {
      const fields = (await doctorOn(emulator)).report.checks.find((c) => c.id === 'share-fields');
      expect(fields?.details.join('\n')).toContain('shareId: integer (in 25 of 25)');
      expect(fields?.details.join('\n')).toMatch(/fields the client does not read: .*typicalCategory: integer/);
    });
  });

  it('says how the list ended and that total matched', async () => {
    await withEmulator({}, async (emulator) => {
      const total = (await doctorOn(emulator)).report.checks.find((c) => c.id === 'share-total');
      expect(total?.reason).toBe('total 25 equals the 25 shares listed');
      expect(total?.details).toEqual(['pages read: 3; the list ended on has_more 0 (page 3)']);
    });
  });
});

describe('doctor on answers the client does not fully understand', () => {
  const cases: Array<[ShapeVariant, string, RegExp]> = [
    ['renamed-field', 'share-list', /unusable item.*item has no share id/],
    // The client refuses page 1 (10 items), so doctor judges the items of the pages it read.
    ['implausible-value', 'share-values', /ctime is out of any plausible range.*10 items \(e\.g\. 2126-/],
    ['implausible-value', 'share-list', /the client refused the listing: .*#0: ctime/],
    ['extra-wrapper', 'share-list', /no share list in an answer with keys \[data, errno, request_id\]/],
    ['html-page', 'share-list', /HTML where JSON was expected/],
    ['unknown-errno', 'errnos', /unknown errno 31999/],
    ['total-disagrees', 'share-total', /TeraBox says total 30 but the listing gave 25 shares/],
  ];

  it.each(cases)('is not safe with %s and names the problem in %s', async (variant, checkId, reason) => {
    await withEmulator({ variant }, async (emulator) => {
      const run = await doctorOn(emulator);
      expect(run.report.safe).toBe(false);
      expect(run.report.verdict).toMatch(/^not safe to enforce: /);
      const failed = run.report.checks.find((c) => c.id === checkId);
      expect(failed?.status).toBe('fail');
      expect(failed?.reason).toMatch(reason);
    });
  });

  it('catches a renamed id in the fields check too, naming the missing field', async () => {
    await withEmulator({ variant: 'renamed-field' }, async (emulator) => {
      const fields = (await doctorOn(emulator)).report.checks.find((c) => c.id === 'share-fields');
      expect(fields?.status).toBe('fail');
      expect(fields?.reason).toMatch(/^no shareId field \(share_id\/shareId\/shareid\/shareID\)/);
      expect(fields?.details.join('\n')).toMatch(/fields the client does not read: .*sid: integer/);
    });
  });

  it('says where the client looks for the list when it finds none, and the keys it found instead', async () => {
    await withEmulator({ variant: 'extra-wrapper' }, async (emulator) => {
      const fields = (await doctorOn(emulator)).report.checks.find((c) => c.id === 'share-fields');
      expect(fields?.status).toBe('fail');
      expect(fields?.details).toEqual(expect.arrayContaining(['page keys the client does not read: data.result', 'the client looks for the list at data.share_list, data.list, list, share_list, data']));
    });
  });

  it('is not safe when the total disagrees in Baidu\'s count as well', async () => {
    await withEmulator({ shape: 'baidu', variant: 'total-disagrees' }, async (emulator) => {
      const total = (await doctorOn(emulator)).report.checks.find((c) => c.id === 'share-total');
      expect(total?.status).toBe('fail');
      expect(total?.reason).toBe('TeraBox says count 30 but the listing gave 25 shares');
    });
  });

  it('fails the cookie check when TeraBox rejects the ndus', async () => {
    await withEmulator({}, async (emulator) => {
      emulator.state.expireSession();
      const run = await doctorOn(emulator);
      expect(run.report.safe).toBe(false);
      expect(statuses(run)).toMatchObject({ login: 'fail', 'share-list': 'fail' });
      expect(run.report.checks[0].reason).toMatch(/ndus cookie/);
    });
  });

  it('warns about rotated tokens (known errnos) but stays safe', async () => {
    // One page of 25, then /api/list: the token rotates before the third API request (/api/list).
    await withEmulator({ faults: 'rotateEvery=3' }, async (emulator) => {
      const run = await doctorOn(emulator, { pageSize: 100 });
      expect(statuses(run).errnos).toBe('warn');
      expect(run.report.checks.find((c) => c.id === 'errnos')?.reason).toBe('errnos seen: 4000023');
      expect(run.report.safe).toBe(true);
      expect(run.report.verdict).toMatch(/^safe to enforce \(\d+ warnings? to read\)$/);
    });
  });

  it('warns about rate-limit signs (errno 110 answers and retries)', async () => {
    await withEmulator({ faults: 'rateLimit=1,paths=/api/list' }, async (emulator) => {
      const run = await doctorOn(emulator);
      const rate = run.report.checks.find((c) => c.id === 'rate');
      expect(rate?.status).toBe('warn');
      expect(rate?.reason).toMatch(/errno 110 2 times.*1 retry/);
      expect(statuses(run).files).toBe('fail');
    });
  });
});

describe('doctor --write-test on an account whose sharelist leaves out the shares pset makes', () => {
  const probe = '/Public/doctor/probe.txt';

  it('fails with the default endpoint and names the one to configure, after cancelling the share', async () => {
    await withEmulator({ sharelistScope: 'transfer-only' }, async (emulator) => {
      emulator.state.addFiles([{ path: probe }]);
      const before = emulator.state.shares.size;
      const run = await doctorOn(emulator, { writeTest: { path: probe } });
      const writeTest = run.report.checks.find((c) => c.id === 'write-test');
      expect(writeTest?.status).toBe('fail');
      expect(writeTest?.reason).toMatch(/configured list endpoint \(sharelist\) does not show the share .*set TERABOX_LIST_ENDPOINT=record/);
      expect(writeTest?.details).toEqual(expect.arrayContaining(['sharelist: does not show the new share', 'record: shows the new share', 'record: the share is gone']));
      expect(run.report.safe).toBe(false);
      expect(emulator.state.shares.size).toBe(before);
    });
  });

  it('passes when the record endpoint is the configured one', async () => {
    await withEmulator({ sharelistScope: 'transfer-only' }, async (emulator) => {
      emulator.state.addFiles([{ path: probe }]);
      const run = await doctorOn(emulator, { writeTest: { path: probe }, listEndpoint: 'record' });
      expect(run.report.checks.find((c) => c.id === 'write-test')).toMatchObject({ status: 'ok', reason: 'created, found on record, cancelled and gone' });
    });
  });
});
