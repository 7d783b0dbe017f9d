/**
 * The client's session, create and cancel paths of issue 17 against the emulator over real
 * sockets: cookies (ndus first, /main's cookies kept, its ndus ignored), the three jsToken forms,
 * pset/cancel answers without errno, and the cancel errnos (-7/-21 unconfirmed, -24, 3, 31075).
 */
import nodeFetch from 'node-fetch';
import { globalFetch, TeraboxApiError, TeraboxCreateUnconfirmedError, TeraboxResponseError, type FetchLike } from '../../lib/terabox';
import type { RunningEmulator } from '../../lib/terabox/emulator';
import { collect, createHarness, errorText, expectNoSecrets, NDUS, type Harness } from './terabox-client-support';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(async () => {
  expectNoSecrets(JSON.stringify(h.events), h.secrets);
  await h.close();
});

const someFiles = (emu: RunningEmulator, n: number): string[] => [...emu.state.files.values()].filter((f) => !f.isdir).slice(0, n).map((f) => f.fsId);

describe('cookies against the emulator', () => {
  it.each([['deleted'], ['renewed']] as const)(
    'creates, lists and cancels with strict cookie order, /main cookies required and /main saying the ndus was %s',
    async (mainNdusCookie) => {
      const emu = await h.emulator({ seed: { files: 20 }, requireMainCookies: true, strictCookieOrder: true, mainNdusCookie, shape: 'baidu' });
      const client = h.client(emu);
      const created = await client.createShare({ fsIds: someFiles(emu, 1), period: 7 });
      expect(emu.state.lastCookieHeader).toMatch(new RegExp(`^ndus=${NDUS}; lang=en; browserid=[^;]+; csrfToken=${emu.state.csrfToken}; PANWEB=1$`));
      expect(await collect(client.paginateShares())).toHaveLength(1);
      await expect(client.cancelShares([created.shareId!])).resolves.toEqual([{ shareId: created.shareId, outcome: 'cancelled' }]);
      expect(emu.state.shares.size).toBe(0);
      expect(client.sessionReport()).toEqual({ jsToken: 'templateData', bdstoken: true, logid: true, cookiesSet: ['PANWEB', 'csrfToken', 'ndus'], ignoredNdus: true });
      expect(emu.state.counts['/main']).toBe(1);
    },
  );

  it("keeps /main's cookies with Node's global fetch too (headers.getSetCookie)", async () => {
    const emu = await h.emulator({ seed: { files: 20, shares: 3 }, requireMainCookies: true, strictCookieOrder: true });
    await expect(collect(h.client(emu, { fetch: globalFetch }).paginateShares())).resolves.toHaveLength(3);
    expect(emu.state.lastCookieHeader).toContain(`csrfToken=${emu.state.csrfToken}; PANWEB=1`);
  });

  it('fails with errno 4000020 when the cookies /main set are not sent back (what requireMainCookies checks)', async () => {
    const emu = await h.emulator({ seed: { files: 20, shares: 2 }, requireMainCookies: true });
    // A fetch that hides Set-Cookie: the client cannot keep what it never sees.
    const blind: FetchLike = async (url, init) => {
      const res = await nodeFetch(url, init);
      return { status: res.status, headers: { get: (name: string) => (name.toLowerCase() === 'set-cookie' ? null : res.headers.get(name)) }, text: () => res.text() };
    };
    const error = await collect(h.client(emu, { fetch: blind, retry: { maxAttempts: 1 } }).paginateShares()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxApiError);
    expect(error).toMatchObject({ errno: 4000020 });
    await expect(collect(h.client(emu).paginateShares())).resolves.toHaveLength(2);
  });
});

describe('jsToken forms against the emulator', () => {
  it.each([
    ['template', 'templateData'],
    ['eval', 'eval-script'],
    ['window', 'raw-html'],
  ] as const)('lists with the jsToken of the %s form, also after it rotates', async (mainPageForm, source) => {
    const emu = await h.emulator({ seed: { files: 50, shares: 250 }, mainPageForm });
    const client = h.client(emu, { listConcurrency: 1 });
    let n = 0;
    for await (const _share of client.paginateShares()) {
      if (++n === 120) emu.state.rotateJsToken();
    }
    expect(n).toBe(250);
    expect(emu.state.counts['/main']).toBe(2);
    expect(client.sessionReport()).toMatchObject({ jsToken: source, bdstoken: true });
  });

  it('says no jsToken was found when /main carries none', async () => {
    const emu = await h.emulator({ mainPageForm: 'none' });
    const client = h.client(emu);
    const error = await collect(client.paginateShares()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxResponseError);
    expect((error as Error).message).toMatch(/no jsToken found in \/main/);
    expect(client.sessionReport().jsToken).toBe('missing');
    expectNoSecrets(errorText(error), h.secrets);
  });
});

describe('writes whose answer states no errno', () => {
  it.each([['empty'], ['code']] as const)('a pset answered %p is TeraboxCreateUnconfirmedError, sent once; the share exists', async (psetBody) => {
    const emu = await h.emulator({ seed: { files: 20 }, psetBody });
    const error = await h.client(emu).createShare({ fsIds: someFiles(emu, 1), period: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxCreateUnconfirmedError);
    expect((error as Error).message).toMatch(/may exist/);
    expect(emu.state.counts['/share/pset']).toBe(1);
    expect(emu.state.shares.size).toBe(1);
  });

  it.each([['empty'], ['code']] as const)('a cancel answered %p is failed, never cancelled', async (cancelBody) => {
    const emu = await h.emulator({ seed: { files: 20, shares: 3 }, cancelBody });
    const ids = [...emu.state.shares.keys()];
    const outcomes = await h.client(emu).cancelShares(ids);
    expect(outcomes).toEqual(ids.map((shareId) => ({ shareId, outcome: 'failed', error: expect.stringMatching(/states no errno.*not proof/) })));
  });
});

describe('cancel errnos against the emulator', () => {
  it.each([
    [-7, 'unconfirmed'],
    [-21, 'unconfirmed'],
    [105, 'already-gone'],
  ])('finds the gone ids of a batch answered %p and reports them %p', async (cancelMissingErrno, goneOutcome) => {
    const emu = await h.emulator({ seed: { files: 50, shares: 40 }, cancelMissing: 'errno', cancelMissingErrno });
    const ids = [...emu.state.shares.keys()];
    const gone = ids.slice(10, 20);
    for (const id of gone) emu.state.removeShare(id);
    const outcomes = await h.client(emu, { cancelBatchSize: 10 }).cancelShares(ids);
    expect(outcomes).toEqual(ids.map((shareId) => (gone.includes(shareId) ? { shareId, outcome: goneOutcome, errno: cancelMissingErrno } : { shareId, outcome: 'cancelled' })));
    expect(emu.state.shares.size).toBe(0);
  });

  it('bisects batches refused with -24 (refuse-batch): the live shares are cancelled, the gone ones failed', async () => {
    const emu = await h.emulator({ seed: { files: 50, shares: 16 }, cancelMissing: 'refuse-batch' });
    const ids = [...emu.state.shares.keys()];
    const gone = [ids[2]!, ids[11]!];
    for (const id of gone) emu.state.removeShare(id);
    const outcomes = await h.client(emu, { cancelBatchSize: 16 }).cancelShares(ids);
    for (const o of outcomes) {
      if (gone.includes(o.shareId)) expect(o).toMatchObject({ outcome: 'failed', errno: -24 });
      else expect(o).toEqual({ shareId: o.shareId, outcome: 'cancelled' });
    }
    expect(emu.state.shares.size).toBe(0);
    // [0..15] x; [0..7] x; [0..3] x; [0,1]; [2,3] x; [2] x; [3]; [4..7]; [8..15] x; [8..11] x; [8,9]; [10,11] x; [10]; [11] x; [12..15]
    expect(emu.state.counts['/share/cancel']).toBe(15);
  });

  it('re-chunks at 100 after errno 3', async () => {
    const emu = await h.emulator({ seed: { files: 50, shares: 500 }, cancelMaxIds: 100, cancelTooManyErrno: 3 });
    const outcomes = await h.client(emu, { cancelBatchSize: 250 }).cancelShares([...emu.state.shares.keys()]);
    expect(outcomes.every((o) => o.outcome === 'cancelled')).toBe(true);
    expect(emu.state.shares.size).toBe(0);
    // 250 refused, then 100 + 100 + 50; the cap stays at 100 for the other 250: 100 + 100 + 50
    expect(emu.state.counts['/share/cancel']).toBe(7);
  });

  it('bisects after errno 31075 when the cap is below what TeraBox says', async () => {
    const emu = await h.emulator({ seed: { files: 50, shares: 100 }, cancelMaxIds: 40, cancelTooManyErrno: 31075 });
    const outcomes = await h.client(emu, { cancelBatchSize: 100 }).cancelShares([...emu.state.shares.keys()]);
    expect(outcomes.every((o) => o.outcome === 'cancelled')).toBe(true);
    expect(emu.state.counts['/share/cancel']).toBe(7); // 100 x, 50 x, 25, 25, 50 x, 25, 25
  });
});
