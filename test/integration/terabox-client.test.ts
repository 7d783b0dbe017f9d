/**
 * The TeraBox client against the emulator over real sockets: create, list 10,000 shares in both
 * response shapes, cancel in batches, token rotation, region switch, expired cookie.
 */
import type { SharePeriod } from '../../lib/app/ports';
import { TeraboxAuthError } from '../../lib/terabox';
import type { RunningEmulator } from '../../lib/terabox/emulator';
import { collect, createHarness, errorText, expectNoSecrets, type Harness } from './terabox-client-support';

const LIST = '/share/teratransfer/sharelist';
let h: Harness;

beforeEach(() => {
  h = createHarness();
});
afterEach(async () => {
  expectNoSecrets(JSON.stringify(h.events), h.secrets);
  await h.close();
});

function someFiles(emu: RunningEmulator, n: number): string[] {
  return [...emu.state.files.values()].filter((f) => !f.isdir).slice(0, n).map((f) => f.fsId);
}

describe('createShare against the emulator', () => {
  const cases: Array<[SharePeriod, string | undefined, 'seed' | 'baidu']> = [];
  for (const period of [0, 1, 7, 30] as SharePeriod[]) {
    for (const password of [undefined, 'k3y9']) cases.push([period, password, period % 2 === 0 ? 'seed' : 'baidu']);
  }

  it.each(cases)('creates a share for period %p with password %p (%s answer)', async (period, password, shape) => {
    const emu = await h.emulator({ seed: { files: 20 }, shape });
    const client = h.client(emu);
    const fsIds = someFiles(emu, 2);
    const created = await client.createShare({ fsIds, period, ...(password ? { password } : {}) });

    expect(emu.state.shares.size).toBe(1);
    const [stored] = emu.state.shares.values();
    expect(stored).toMatchObject({ fsIds, period, public: password === undefined, pwd: password ?? '' });
    expect(created).toMatchObject({ shortUrl: stored.shorturl, period, ...(password ? { password } : {}) });
    if (shape === 'baidu') expect(created).toMatchObject({ shareId: stored.shareId, link: `https://www.terabox.com/s/${stored.shorturl}` });
    else expect(created).toEqual({ shortUrl: stored.shorturl, link: `${emu.url}/s/${stored.shorturl}`, period, ...(password ? { password } : {}) });

    const [listed] = await collect(client.paginateShares());
    expect(listed).toMatchObject({
      shareId: stored.shareId,
      shortUrl: stored.shorturl,
      visibility: password ? 'private' : 'public',
      fsIds,
      expiresAtMs: period === 0 ? null : expect.any(Number),
    });
  });

  it('creates a share from paths', async () => {
    const emu = await h.emulator({ seed: { files: 20 } });
    const paths = [...emu.state.files.values()].filter((f) => !f.isdir).slice(0, 1).map((f) => f.path);
    await h.client(emu).createShare({ paths, period: 7 });
    expect([...emu.state.shares.values()][0].paths).toEqual(paths);
  });

  it('surfaces a missing file as errno -9 and creates nothing', async () => {
    const emu = await h.emulator({ seed: { files: 5 } });
    await expect(h.client(emu).createShare({ fsIds: ['999999999999'], period: 7 })).rejects.toMatchObject({ name: 'TeraboxApiError', errno: -9 });
    expect(emu.state.shares.size).toBe(0);
  });
});

describe('paginateShares against the emulator', () => {
  it.each`
    shape      | reportTotal | calls
    ${'seed'}  | ${true}     | ${100}
    ${'baidu'} | ${true}     | ${101}
    ${'seed'}  | ${false}    | ${101}
  `('lists 10,000 shares ($shape shape, total reported: $reportTotal) in $calls calls', async ({ shape, reportTotal, calls }) => {
    const emu = await h.emulator({ seed: { files: 500, shares: 10_000 }, shape, reportTotal });
    const shares = await collect(h.client(emu).paginateShares());
    expect(shares).toHaveLength(10_000);
    expect(new Set(shares.map((s) => s.shareId))).toEqual(new Set(emu.state.shares.keys()));
    expect(emu.state.counts[LIST]).toBe(calls);
    const sample = shares[1234];
    const stored = emu.state.getShare(sample.shareId)!;
    expect(sample).toMatchObject({ shortUrl: stored.shorturl, fsIds: stored.fsIds, paths: [stored.paths[0]], createdAtMs: stored.ctime * 1000 });
  });

  it('keeps share ids beyond 2^53 exact', async () => {
    const emu = await h.emulator({ seed: { files: 5 } });
    const file = someFiles(emu, 1);
    emu.state.addShare({ shareId: '9007199254740993', fsIds: file });
    emu.state.addShare({ shareId: '18446744073709551615', fsIds: file });
    const client = h.client(emu);
    const ids = (await collect(client.paginateShares())).map((s) => s.shareId).sort();
    expect(ids).toEqual(['18446744073709551615', '9007199254740993']);
    await expect(client.cancelShares(['9007199254740993'])).resolves.toEqual([{ shareId: '9007199254740993', outcome: 'cancelled' }]);
    expect([...emu.state.shares.keys()]).toEqual(['18446744073709551615']);
  });

  it('survives a jsToken rotation in the middle of a listing', async () => {
    const emu = await h.emulator({ seed: { files: 100, shares: 1_000 } });
    const client = h.client(emu, { listConcurrency: 1 });
    let n = 0;
    for await (const _share of client.paginateShares()) {
      if (++n === 450) emu.state.rotateJsToken();
    }
    expect(n).toBe(1_000);
    expect(emu.state.counts['/main']).toBe(2);
    expect(h.events).toContainEqual(expect.objectContaining({ event: 'token-refresh', message: `errno 4000023 on ${LIST}` }));
  });

  it('survives the jsToken rotating every 7 requests while 6 pages are in flight', async () => {
    const emu = await h.emulator({ seed: { files: 100, shares: 3_000 }, faults: { rotateEvery: 7 } });
    const shares = await collect(h.client(emu).paginateShares());
    expect(shares).toHaveLength(3_000);
    expect(emu.state.counts['/main']).toBeGreaterThan(2);
  });
});

describe('cancelShares against the emulator', () => {
  it.each`
    cancelMissing | cancelMissingErrno | goneOutcome
    ${'errno'}    | ${105}             | ${'already-gone'}
    ${'errno'}    | ${-7}              | ${'unconfirmed'}
    ${'ok'}       | ${undefined}       | ${'cancelled'}
  `('cancels in batches, counting gone ids as done (emulator answers $cancelMissing $cancelMissingErrno: $goneOutcome)', async ({ cancelMissing, cancelMissingErrno, goneOutcome }) => {
    const emu = await h.emulator({ seed: { files: 100, shares: 300 }, cancelMissing, ...(cancelMissingErrno !== undefined ? { cancelMissingErrno } : {}) });
    const client = h.client(emu, { cancelBatchSize: 50 });
    const ids = [...emu.state.shares.keys()].slice(0, 220);
    const gone = ids.slice(100, 150); // exactly the third batch
    for (const id of gone) emu.state.removeShare(id);

    const outcomes = await client.cancelShares(ids);
    expect(outcomes.map((o) => o.shareId)).toEqual(ids);
    for (const o of outcomes) {
      expect(o.outcome).toBe(gone.includes(o.shareId) ? goneOutcome : 'cancelled');
    }
    expect(ids.some((id) => emu.state.getShare(id))).toBe(false);
    expect(emu.state.shares.size).toBe(80);
    // 5 batches; an all-gone batch of 50 is bisected down to single ids (2*50-1 calls) in errno mode.
    expect(emu.state.counts['/share/cancel']).toBe(cancelMissing === 'errno' ? 4 + 99 : 5);
  });

  it('reloads the bdstoken when the emulator refuses the one it was given', async () => {
    const emu = await h.emulator({ seed: { files: 10, shares: 3 } });
    const client = h.client(emu, { credentials: { ndus: emu.state.ndus!, baseUrl: emu.url, jsToken: emu.state.jsToken, bdstoken: 'f'.repeat(32) } });
    const outcomes = await client.cancelShares([...emu.state.shares.keys()]);
    expect(outcomes.every((o) => o.outcome === 'cancelled')).toBe(true);
    expect(emu.state.counts['/main']).toBe(1);
  });
});

describe('session against the emulator', () => {
  it('follows a region switch to a second emulator', async () => {
    const home = await h.emulator({ seed: { files: 50, shares: 250 } });
    const entry = await h.emulator({ seed: { files: 5 }, regionPrefix: 'dm' });
    const client = h.client(entry, { regionUrl: (prefix) => (prefix === 'dm' ? home.url : 'http://127.0.0.1:9') });
    const shares = await collect(client.paginateShares());
    expect(shares).toHaveLength(250);
    expect(client.baseUrl).toBe(home.url);
    expect(entry.state.counts[LIST]).toBe(0);
    expect(home.state.counts[LIST]).toBe(3);
    expect(h.events).toContainEqual(expect.objectContaining({ event: 'region-switch', to: home.url }));
  });

  it('follows errno -6 with a Url-Domain-Prefix header to the region that knows the cookie', async () => {
    const home = await h.emulator({ seed: { files: 50, shares: 10 } });
    const entry = await h.emulator({ seed: { files: 5 }, regionPrefix: 'jp', ndus: 'someone-else' });
    const client = h.client(entry, { regionUrl: () => home.url });
    await expect(client.checkLogin()).resolves.toEqual({ loggedIn: true, baseUrl: home.url, switchedRegion: true });
    await expect(collect(client.paginateShares())).resolves.toHaveLength(10);
  });

  it('adopts the origin /main redirects to', async () => {
    const home = await h.emulator({ seed: { files: 50, shares: 10 } });
    const entry = await h.emulator({ seed: { files: 5 }, mainRedirect: home.url });
    const client = h.client(entry);
    await expect(collect(client.paginateShares())).resolves.toHaveLength(10);
    expect(client.baseUrl).toBe(home.url);
  });

  it.each([
    ['a cookie the emulator does not know', (emu: RunningEmulator) => emu.state.renewSession('another-ndus-value')],
    ['a session that expired', (emu: RunningEmulator) => emu.state.expireSession()],
  ])('reports %s clearly, before any share call', async (_n, expire) => {
    const emu = await h.emulator({ seed: { files: 10, shares: 5 } });
    expire(emu);
    const error = await collect(h.client(emu).paginateShares()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxAuthError);
    expect((error as Error).message).toMatch(/refresh|ndus cookie/);
    expect(emu.state.counts[LIST]).toBe(0);
    expectNoSecrets(errorText(error), h.secrets);
  });

  it('reports a cookie that expires in the middle of a listing', async () => {
    const emu = await h.emulator({ seed: { files: 10, shares: 500 } });
    const client = h.client(emu, { listConcurrency: 1 });
    let n = 0;
    const error = await (async () => {
      for await (const _s of client.paginateShares()) if (++n === 150) emu.state.expireSession();
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxAuthError);
    expect(n).toBe(200);
  });

  it('lists the files of a folder', async () => {
    const emu = await h.emulator({ seed: { files: 300 } });
    const client = h.client(emu);
    const top = await client.listFiles('/');
    const expected = [...emu.state.files.values()].filter((f) => f.path.lastIndexOf('/') === 0).map((f) => f.fsId).sort();
    expect(top.map((f) => f.fsId).sort()).toEqual(expected);
    const folder = top.find((f) => f.isDir)!;
    const inner = await client.listFiles(folder.path);
    expect(inner.every((f) => f.path.startsWith(`${folder.path}/`))).toBe(true);
  });
});
