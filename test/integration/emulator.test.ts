/**
 * The TeraBox emulator over real loopback sockets: every endpoint, auth failures, token rotation,
 * both response shapes, paging ends, exact big ids, every fault kind and a clean close().
 */
import { request as httpRequest } from 'node:http';
import { parse as parseLossless } from 'lossless-json';
import {
  EmulatorSpecError,
  startEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from '../../lib/terabox/emulator';
import { waitUntil, within } from '../support/waiting';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const NOW_SEC = NOW / 1000;
const DAY = 86_400;

// ------------------------------------------------------------------ helpers

interface CallInit {
  method?: 'GET' | 'POST';
  query?: Record<string, string | number>;
  form?: Record<string, string>;
  /** null: no cookie at all. */
  ndus?: string | null;
  signal?: AbortSignal;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed with unsafe integers kept as strings (never rounded). */
  body: any;
}

const running: RunningEmulator[] = [];

async function emulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emu = await startEmulator({ now: () => NOW, ...options });
  running.push(emu);
  return emu;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

function exactJson(text: string): unknown {
  return parseLossless(text, null, (digits: string) => {
    const n = Number(digits);
    return Number.isSafeInteger(n) || !Number.isInteger(n) ? n : digits;
  });
}

async function call(emu: RunningEmulator, path: string, init: CallInit = {}): Promise<Answer> {
  const url = new URL(path, emu.url);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  const ndus = init.ndus === undefined ? emu.state.ndus : init.ndus;
  if (ndus !== null && ndus !== undefined) headers.Cookie = `lang=en; ndus=${ndus}`;
  let body: string | undefined;
  if (init.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual', signal: init.signal });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = exactJson(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

const listPage = (emu: RunningEmulator, page: number, pageSize = 100, extra: Record<string, string> = {}): Promise<Answer> =>
  call(emu, '/share/teratransfer/sharelist', {
    query: { app_id: '250528', web: '1', page, page_size: pageSize, jsToken: emu.state.jsToken, ...extra },
  });

const pset = (emu: RunningEmulator, form: Record<string, string>, jsToken = emu.state.jsToken): Promise<Answer> =>
  call(emu, '/share/pset', { query: { app_id: '250528', jsToken }, form: { schannel: '0', channel_list: '[]', period: '0', ...form } });

const cancel = (emu: RunningEmulator, ids: Array<string | number>, bdstoken = emu.state.bdstoken): Promise<Answer> =>
  call(emu, '/share/cancel', { query: { bdstoken }, form: { shareid_list: `[${ids.join(',')}]` } });

const fileId = (emu: RunningEmulator, path: string): string => emu.state.fileAtPath(path)!.fsId;

/** The first non-folder file of the tree (the seed always has some). */
function someFile(emu: RunningEmulator): { fsId: string; path: string } {
  for (const f of emu.state.files.values()) if (!f.isdir) return f;
  throw new Error('no file');
}

/** Token the way a client scrapes it: templateData.jsToken, between %28%22 and %22%29. */
function scrapeJsToken(html: string): string {
  const data = JSON.parse(/var templateData = (\{.*?\});<\/script>/.exec(html)![1]!) as { jsToken: string };
  return data.jsToken.slice(data.jsToken.indexOf('%28%22') + 6, data.jsToken.indexOf('%22%29'));
}

// ------------------------------------------------------------------ session and auth

describe('login check and /main', () => {
  it('answers errno 0 to the valid ndus cookie', async () => {
    const emu = await emulator();
    const res = await call(emu, '/api/check/login');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ errno: 0 });
    expect(res.headers.get('region-domain-prefix')).toBeNull();
  });

  it.each([
    ['a wrong cookie', 'someone-else'],
    ['no cookie', null],
  ])('answers errno -6 to %s', async (_case, ndus) => {
    const emu = await emulator();
    expect((await call(emu, '/api/check/login', { ndus })).body).toMatchObject({ errno: -6 });
  });

  it('names the region in headers when configured', async () => {
    const emu = await emulator({ regionPrefix: 'dm' });
    const ok = await call(emu, '/api/check/login');
    expect(ok.headers.get('region-domain-prefix')).toBe('dm');
    const bad = await call(emu, '/api/check/login', { ndus: 'x' });
    expect(bad.body.errno).toBe(-6);
    expect(bad.headers.get('url-domain-prefix')).toBe('dm');
  });

  it('serves templateData with the jsToken in fn("...") form, the bdstoken and a logid', async () => {
    const emu = await emulator();
    const res = await call(emu, '/main');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('logid')).toMatch(/^\d+$/);
    expect(scrapeJsToken(res.text)).toBe(emu.state.jsToken);
    expect(res.text).toContain(`"bdstoken":"${emu.state.bdstoken}"`);
    expect(res.text).toMatch(/"uk":\d+/);
  });

  it('redirects /main to /login without a valid cookie, and /login is an HTML page', async () => {
    const emu = await emulator();
    const res = await call(emu, '/main', { ndus: 'stale' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${emu.url}/login`);
    const login = await call(emu, '/login', { ndus: null });
    expect(login.status).toBe(200);
    expect(login.text).toContain('Log in to TeraBox');
  });

  it('redirects /main to another origin when configured', async () => {
    const emu = await emulator({ mainRedirect: 'http://127.0.0.1:9/' });
    const res = await call(emu, '/main');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://127.0.0.1:9/main');
  });

  it.each([
    ['/api/check/login', {}],
    ['/share/teratransfer/sharelist', {}],
    ['/api/list', {}],
  ])('answers errno -6 on %s once the session expired', async (path, query) => {
    const emu = await emulator();
    const ndus = emu.state.ndus;
    emu.state.expireSession();
    expect((await call(emu, path, { ndus, query: { ...query, jsToken: emu.state.jsToken } })).body.errno).toBe(-6);
  });

  it('answers errno -6 on pset and cancel once the session expired, and accepts a renewed one', async () => {
    const emu = await emulator({ seed: 'shares=1' });
    const ndus = emu.state.ndus!;
    emu.state.expireSession();
    const [share] = emu.state.listShares(0, 1).items;
    expect((await call(emu, '/share/pset', { ndus, query: { jsToken: emu.state.jsToken }, form: { fid_list: '[1]' } })).body.errno).toBe(-6);
    expect((await call(emu, '/share/cancel', { ndus, query: { bdstoken: emu.state.bdstoken }, form: { shareid_list: `[${share!.shareId}]` } })).body.errno).toBe(-6);
    emu.state.renewSession('fresh-ndus');
    expect((await call(emu, '/api/check/login', { ndus: 'fresh-ndus' })).body.errno).toBe(0);
  });

  it('answers 4000023 to a rotated-away jsToken and accepts the new one from /main', async () => {
    const emu = await emulator({ seed: 'shares=3' });
    const old = emu.state.jsToken;
    emu.state.rotateJsToken();
    expect((await listPage(emu, 1, 100, { jsToken: old })).body.errno).toBe(4000023);
    expect((await pset(emu, { fid_list: `[${someFile(emu).fsId}]` }, old)).body.errno).toBe(4000023);
    const fresh = scrapeJsToken((await call(emu, '/main')).text);
    expect(fresh).not.toBe(old);
    expect((await listPage(emu, 1, 100, { jsToken: fresh })).body.errno).toBe(0);
  });

  it('answers 4000020 to a cancel without the bdstoken', async () => {
    const emu = await emulator({ seed: 'shares=1' });
    const id = emu.state.listShares(0, 1).items[0]!.shareId;
    expect((await cancel(emu, [id], 'wrong')).body.errno).toBe(4000020);
    expect(emu.state.getShare(id)).toBeDefined();
  });
});

// ------------------------------------------------------------------ pset

describe('POST /share/pset', () => {
  it('creates a public share and answers the seed shape: errno and a bare shorturl only', async () => {
    const emu = await emulator();
    const file = someFile(emu);
    const res = await pset(emu, { fid_list: `[${file.fsId}]`, public: '1' });
    expect(Object.keys(res.body).sort()).toEqual(['errno', 'shorturl']);
    expect(res.body.errno).toBe(0);
    const share = emu.state.findShareByShortUrl(res.body.shorturl)!;
    expect(share).toMatchObject({ fsIds: [file.fsId], paths: [file.path], public: true, pwd: '', period: 0, ctime: NOW_SEC });
    // A client with only the short url finds the id on the first sharelist page (newest first).
    expect((await listPage(emu, 1)).body.data.share_list[0]).toMatchObject({ shorturl: res.body.shorturl, share_id: Number(share.shareId) });
  });

  it('answers the Baidu shape with the id, full links, ctime and expiredType', async () => {
    const emu = await emulator({ shape: 'baidu', linkHost: 'www.1024terabox.com' });
    const res = await pset(emu, { path_list: '["/Public"]', period: '7' });
    const share = emu.state.listShares(0, 1).items[0]!;
    expect(res.body).toMatchObject({
      errno: 0,
      shareid: Number(share.shareId),
      link: `https://www.1024terabox.com/s/${share.shorturl}`,
      shorturl: `https://www.1024terabox.com/s/${share.shorturl}`,
      ctime: NOW_SEC,
      expiredType: 7,
      premis: false,
    });
    expect(res.text).toMatch(/"request_id":\d{19}/);
  });

  it.each([0, 1, 7, 30])('creates a private share with a password for period %i', async (period) => {
    const emu = await emulator();
    const res = await pset(emu, { path_list: '["/Team"]', schannel: '4', pwd: 'a1b2', public: '0', period: String(period) });
    expect(res.body.errno).toBe(0);
    expect(emu.state.findShareByShortUrl(res.body.shorturl)).toMatchObject({ public: false, pwd: 'a1b2', period, paths: ['/Team'] });
  });

  it('shares the union of fid_list and path_list once each', async () => {
    const emu = await emulator();
    const res = await pset(emu, { fid_list: `[${fileId(emu, '/Team')}]`, path_list: '["/Team","/Private"]' });
    expect(emu.state.findShareByShortUrl(res.body.shorturl)!.paths).toEqual(['/Team', '/Private']);
  });

  it.each([
    ['period 3', { fid_list: '[FILE]', period: '3' }],
    ['an upper-case pwd', { fid_list: '[FILE]', schannel: '4', pwd: 'AB12', public: '0' }],
    ['a 5-char pwd', { fid_list: '[FILE]', schannel: '4', pwd: 'abcde', public: '0' }],
    ['schannel 4 without pwd', { fid_list: '[FILE]', schannel: '4', public: '0' }],
    ['schannel 2', { fid_list: '[FILE]', schannel: '2' }],
    ['public 0 without a password', { fid_list: '[FILE]', public: '0' }],
    ['fid_list that is not JSON', { fid_list: '[FILE' }],
    ['a fractional fs_id', { fid_list: '[1.5]' }],
    ['a relative path', { path_list: '["Team"]' }],
    ['empty lists', { fid_list: '[]', path_list: '[]' }],
    ['no list at all', {}],
  ])('answers errno 2 to %s and creates nothing', async (_case, form: Record<string, string>) => {
    const emu = await emulator();
    const file = someFile(emu).fsId;
    const filled = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v.replace('FILE', file)]));
    const res = await pset(emu, filled);
    expect(res.body.errno).toBe(2);
    expect(emu.state.shares.size).toBe(0);
  });

  it.each([
    ['an unknown fs_id', { fid_list: '[1]' }],
    ['an unknown path', { path_list: '["/nope.txt"]' }],
  ])('answers errno -9 to %s', async (_case, form) => {
    const emu = await emulator();
    expect((await pset(emu, form)).body.errno).toBe(-9);
  });

  it('answers 405 to a GET', async () => {
    const emu = await emulator();
    const res = await call(emu, '/share/pset');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

// ------------------------------------------------------------------ sharelist

describe('GET /share/teratransfer/sharelist', () => {
  it('pages through every share once, newest first, in the seed shape with total and has_more', async () => {
    const emu = await emulator({ seed: 'files=300,shares=250,seed=3' });
    const seen: string[] = [];
    let last: any;
    for (let page = 1; page <= 3; page++) {
      last = (await listPage(emu, page)).body;
      expect(last.errno).toBe(0);
      expect(last.data.total).toBe(250);
      expect(last.data.has_more).toBe(page < 3 ? 1 : 0);
      seen.push(...last.data.share_list.map((s: any) => String(s.share_id)));
    }
    expect(last.data.share_list).toHaveLength(50);
    expect(new Set(seen).size).toBe(250);
    const ctimes = seen.map((id) => emu.state.getShare(id)!.ctime);
    expect(ctimes).toEqual([...ctimes].sort((a, b) => b - a));
    const past = (await listPage(emu, 4)).body;
    expect(past.data.share_list).toEqual([]);
    expect(past.data.has_more).toBe(0);
  });

  it('writes seed-shape items with one consistent naming', async () => {
    const emu = await emulator({ seed: 'shares=0' });
    const share = emu.state.addShare({ paths: ['/Team'], public: false, pwd: 'zz99', period: 30, ctime: NOW_SEC - DAY, viewCount: 5 });
    expect((await listPage(emu, 1)).body.data.share_list[0]).toEqual({
      share_id: Number(share.shareId),
      shorturl: share.shorturl,
      typicalPath: '/Team',
      fsIds: [Number(share.fsIds[0])],
      ctime: NOW_SEC - DAY,
      expiredType: 30,
      expiredTime: 29 * DAY,
      public: 0,
      status: 0,
      passwd: 'zz99',
      vCnt: 5,
      dCnt: 0,
      tCnt: 0,
    });
  });

  it('answers the Baidu shape: list, count, full shortlink, and {} past the end', async () => {
    const emu = await emulator({ seed: 'shares=0', shape: 'baidu' });
    const share = emu.state.addShare({ paths: ['/Public'], period: 7, ctime: NOW_SEC - 8 * DAY, viewCount: 2, downloadCount: 1, saveCount: 1 });
    const page = (await listPage(emu, 1)).body;
    expect(page.count).toBe(1);
    expect(page.list).toEqual([
      {
        shareId: Number(share.shareId),
        fsIds: [Number(share.fsIds[0])],
        shortlink: `https://www.terabox.com/s/${share.shorturl}`,
        shorturl: share.shorturl,
        typicalPath: '/Public',
        typicalCategory: -1,
        public: 1,
        ctime: NOW_SEC - 8 * DAY,
        expiredType: -1, // 7-day link created 8 days ago
        expiredTime: 0,
        status: 0,
        vCnt: 2,
        dCnt: 1,
        tCnt: 1,
        passwd: '',
      },
    ]);
    expect((await listPage(emu, 2)).text).toMatch(/"list":\{\}/);
  });

  it.each(['seed', 'baidu'] as const)('leaves out totals when reportTotal is false (%s shape)', async (shape) => {
    const emu = await emulator({ seed: 'shares=5', shape, reportTotal: false });
    const body = (await listPage(emu, 1)).body;
    expect(body.count).toBeUndefined();
    expect(body.data?.total).toBeUndefined();
    expect(body.data?.has_more).toBeUndefined();
  });

  it('clamps a page_size above pageSizeMax, or refuses it with oversizePage "error"', async () => {
    const clamp = await emulator({ seed: 'shares=30', pageSizeMax: 10 });
    expect((await listPage(clamp, 1, 50)).body.data.share_list).toHaveLength(10);
    const strict = await emulator({ seed: 'shares=30', pageSizeMax: 10, oversizePage: 'error' });
    expect((await listPage(strict, 1, 50)).body.errno).toBe(2);
  });

  it.each([
    ['page 0', { page: '0' }],
    ['page -1', { page: '-1' }],
    ['page_size x', { page_size: 'x' }],
  ])('answers errno 2 to %s', async (_case, query) => {
    const emu = await emulator({ seed: 'shares=3' });
    expect((await listPage(emu, 1, 100, query)).body.errno).toBe(2);
  });

  it('writes ids near and beyond 2^53 digit for digit, and cancels exactly that id', async () => {
    const emu = await emulator({ seed: 'shares=0' });
    emu.state.addShare({ shareId: '9007199254740992', paths: ['/Team'], ctime: NOW_SEC - 2 });
    emu.state.addShare({ shareId: '9007199254740993', paths: ['/Team'], ctime: NOW_SEC - 1 });
    emu.state.addShare({ shareId: '18446744073709551617', paths: ['/Team'] });
    const seed = await listPage(emu, 1);
    expect(seed.text).toContain('"share_id":18446744073709551617,');
    expect(seed.text).toContain('"share_id":9007199254740993,');
    expect(seed.text).toContain('"share_id":9007199254740992,');
    emu.setFaults({ shape: 'baidu' });
    expect((await listPage(emu, 1)).text).toContain('"shareId":9007199254740993,');
    expect((await cancel(emu, ['9007199254740993'])).body.errno).toBe(0);
    expect([...emu.state.shares.keys()].sort()).toEqual(['18446744073709551617', '9007199254740992']);
  });

  it('counts requests per endpoint and in total', async () => {
    const emu = await emulator({ seed: 'shares=3' });
    await listPage(emu, 1);
    await listPage(emu, 2);
    await call(emu, '/main');
    await call(emu, '/nowhere');
    expect(emu.state.counts['/share/teratransfer/sharelist']).toBe(2);
    expect(emu.state.counts['/main']).toBe(1);
    expect(emu.state.counts.total).toBe(4);
    emu.state.resetCounts();
    expect(emu.state.counts.total).toBe(0);
  });
});

// ------------------------------------------------------------------ cancel

describe('POST /share/cancel', () => {
  it('cancels the listed shares, which then leave the list', async () => {
    const emu = await emulator({ seed: 'shares=10' });
    const ids = emu.state.listShares(0, 3).items.map((s) => s.shareId);
    expect((await cancel(emu, ids)).body.errno).toBe(0);
    const listed = (await listPage(emu, 1)).body.data.share_list.map((s: any) => String(s.share_id));
    expect(listed).toHaveLength(7);
    for (const id of ids) expect(listed).not.toContain(id);
  });

  it('answers errno -33 to more than 999 ids and cancels nothing', async () => {
    const emu = await emulator({ seed: 'files=10,shares=1000' });
    const ids = emu.state.listShares(0, 1000).items.map((s) => s.shareId);
    expect((await cancel(emu, ids)).body.errno).toBe(-33);
    expect((await cancel(emu, ids.slice(0, 999))).body.errno).toBe(0);
    expect(emu.state.shares.size).toBe(1);
  });

  it.each([
    ['an empty list', '[]'],
    ['not JSON', '[1,'],
    ['a fraction', '[1.5]'],
    ['a negative id', '[-3]'],
    ['an object', '{"a":1}'],
  ])('answers errno 2 to %s', async (_case, list) => {
    const emu = await emulator();
    const res = await call(emu, '/share/cancel', { query: { bdstoken: emu.state.bdstoken }, form: { shareid_list: list } });
    expect(res.body.errno).toBe(2);
  });

  it('answers errno 0 to gone ids by default', async () => {
    const emu = await emulator();
    expect((await cancel(emu, ['123456'])).body.errno).toBe(0);
  });

  it('with cancelMissing "errno", answers -7 when every id is gone and cancels the live ones of a mixed batch', async () => {
    const emu = await emulator({ seed: 'shares=2', cancelMissing: 'errno' });
    const [live] = emu.state.listShares(0, 1).items;
    expect((await cancel(emu, ['123456', '654321'])).body.errno).toBe(-7);
    expect((await cancel(emu, ['123456', live!.shareId])).body.errno).toBe(0);
    expect(emu.state.getShare(live!.shareId)).toBeUndefined();
  });

  describe('the cancelIneffective fault', () => {
    it('"always": answers errno 0 and keeps every share, cancel after cancel', async () => {
      const emu = await emulator({ seed: 'shares=3', cancelIneffective: 'always' });
      const ids = emu.state.listShares(0, 3).items.map((s) => s.shareId);
      expect((await cancel(emu, ids)).body.errno).toBe(0);
      expect((await cancel(emu, ids)).body.errno).toBe(0);
      expect(emu.state.shares.size).toBe(3);
    });

    it('"once": each share survives its first cancel and goes with the second', async () => {
      const emu = await emulator({ seed: 'shares=2', cancelIneffective: 'once' });
      const [a, b] = emu.state.listShares(0, 2).items.map((s) => s.shareId);
      expect((await cancel(emu, [a!])).body.errno).toBe(0);
      expect(emu.state.getShare(a!)).toBeDefined();
      expect((await cancel(emu, [a!, b!])).body.errno).toBe(0);
      expect([emu.state.getShare(a!), emu.state.getShare(b!) !== undefined]).toEqual([undefined, true]);
    });

    it('a list of ids: only those shares survive, the others of the batch are cancelled', async () => {
      const emu = await emulator({ seed: 'shares=2' });
      const [a, b] = emu.state.listShares(0, 2).items.map((s) => s.shareId);
      const faulty = await emulator({ seed: 'shares=2', cancelIneffective: [a!] });
      expect((await cancel(faulty, [a!, b!])).body.errno).toBe(0);
      expect([faulty.state.getShare(a!) !== undefined, faulty.state.getShare(b!)]).toEqual([true, undefined]);
      expect(emu.state.shares.size).toBe(2);
    });
  });
});

// ------------------------------------------------------------------ /api/list and others

describe('GET /api/list', () => {
  it('pages through a folder until an empty list', async () => {
    const emu = await emulator({ seed: 'files=200' });
    const names: string[] = [];
    for (let page = 1; ; page++) {
      const body = (await call(emu, '/api/list', { query: { dir: '/Public', page, num: 7 } })).body;
      expect(body.errno).toBe(0);
      if (body.list.length === 0) break;
      for (const item of body.list) {
        expect(emu.state.fileByFsId(String(item.fs_id))?.path).toBe(item.path);
        expect(item.path).toBe(`/Public/${item.server_filename}`);
        expect(item.isdir === 1).toBe(emu.state.fileAtPath(item.path)!.isdir);
      }
      names.push(...body.list.map((i: any) => i.server_filename));
    }
    expect(names).toEqual(emu.state.listDir('/Public', 0, 10_000)!.map((f) => f.path.slice('/Public/'.length)));
    expect(names).toEqual(expect.arrayContaining(['evergreen', '写真']));
  });

  it.each([
    ['an unknown folder', { dir: '/Nope' }, -9],
    ['a file as folder', { dir: 'FILE' }, -9],
    ['a stale jsToken', { dir: '/', jsToken: 'old' }, 4000023],
    ['a relative dir', { dir: 'Public' }, 2],
  ])('answers %s with its errno', async (_case, query, expected) => {
    const emu = await emulator();
    const filled = { ...query, dir: query.dir === 'FILE' ? someFile(emu).path : query.dir };
    expect((await call(emu, '/api/list', { query: filled })).body.errno).toBe(expected);
  });
});

describe('unknown paths', () => {
  it('answer 404 with an HTML page', async () => {
    const emu = await emulator();
    const res = await call(emu, '/share/unknown');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

// ------------------------------------------------------------------ faults

describe('faults', () => {
  it('answers 500/502/503 with an HTML or empty body on http5xx, and handles nothing', async () => {
    const emu = await emulator({ faults: 'http5xx=1' });
    const statuses = new Set<number>();
    const bodies = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const res = await pset(emu, { path_list: '["/Team"]' });
      statuses.add(res.status);
      bodies.add(res.text === '' ? 'empty' : 'html');
    }
    expect([...statuses].every((s) => [500, 502, 503].includes(s))).toBe(true);
    expect(statuses.size).toBeGreaterThan(1);
    expect(bodies).toEqual(new Set(['empty', 'html']));
    expect(emu.state.shares.size).toBe(0);
  });

  it('answers HTTP 200 with a login page on html', async () => {
    const emu = await emulator({ seed: 'shares=3', faults: 'html=1' });
    const res = await listPage(emu, 1);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('Log in to TeraBox');
  });

  it.each([
    ['the default errno 110', 'rateLimit=1', 110],
    ['a configured errno', 'rateLimit=1,rateLimitErrno=31034', 31034],
  ])('answers a rate limit with %s', async (_case, faults, expected) => {
    const emu = await emulator({ faults });
    const res = await pset(emu, { path_list: '["/Team"]' });
    expect(res.status).toBe(200);
    expect(res.body.errno).toBe(expected);
    expect(emu.state.shares.size).toBe(0);
  });

  it('drops the connection after handling the request on drop (the create happened)', async () => {
    const emu = await emulator({ faults: 'drop=1' });
    await expect(pset(emu, { path_list: '["/Team"]' })).rejects.toThrow();
    expect(emu.state.shares.size).toBe(1);
  });

  it('never answers on timeout, though the request was handled', async () => {
    const emu = await emulator({ faults: 'timeout=1' });
    const res = call(emu, '/share/pset', {
      query: { jsToken: emu.state.jsToken },
      form: { path_list: '["/Team"]', schannel: '0', period: '0' },
      signal: AbortSignal.timeout(300),
    });
    await expect(res).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(emu.state.shares.size).toBe(1); // handled, only the answer never came
  });

  describe('on jest\'s fake setTimeout (the emulator waits out its latency with one)', () => {
    // Only setTimeout and clearTimeout are faked: sockets, setImmediate and Date stay real.
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval'] }));
    afterEach(() => jest.useRealTimers());

    it('delays API calls and /main by the latency', async () => {
      const emu = await emulator({ faults: 'latency=120' });
      for (const path of ['/api/check/login', '/main']) {
        let arrived = false;
        const answer = call(emu, path).finally(() => (arrived = true));
        // A GET is counted and its delay started in one step.
        await waitUntil(() => emu.state.counts[path] === 1, `the emulator to receive ${path}`);
        await jest.advanceTimersByTimeAsync(119);
        // /login has no latency: its answer comes after any answer sent before it was even asked.
        expect((await call(emu, '/login')).status).toBe(200);
        expect(arrived).toBe(false);
        await jest.advanceTimersByTimeAsync(1);
        expect((await within(answer, `the answer to ${path} once 120 ms passed`)).status).toBe(200);
      }
    });
  });

  it('keeps /main free of every fault but latency', async () => {
    const emu = await emulator({ faults: 'http5xx=1' });
    expect((await call(emu, '/main')).status).toBe(200);
    expect((await call(emu, '/api/check/login')).status).toBeGreaterThanOrEqual(500);
  });

  it('rotates the jsToken before every Nth API request', async () => {
    const emu = await emulator({ seed: 'shares=3', faults: 'rotateEvery=3' });
    const token = emu.state.jsToken;
    const errnos: number[] = [];
    for (let i = 0; i < 3; i++) errnos.push((await listPage(emu, 1, 100, { jsToken: token })).body.errno);
    expect(errnos).toEqual([0, 0, 4000023]);
    const fresh = scrapeJsToken((await call(emu, '/main')).text);
    expect((await listPage(emu, 1, 100, { jsToken: fresh })).body.errno).toBe(0);
  });

  it('limits faults to the given paths', async () => {
    const emu = await emulator({ seed: 'shares=3', faults: 'rateLimit=1,paths=/share/cancel' });
    expect((await listPage(emu, 1)).body.errno).toBe(0);
    expect((await cancel(emu, ['1'])).body.errno).toBe(110);
  });

  it('switches the response shape at runtime', async () => {
    const emu = await emulator({ seed: 'shares=3' });
    expect((await listPage(emu, 1)).body.data.share_list).toHaveLength(3);
    emu.setFaults({ shape: 'baidu' });
    expect((await listPage(emu, 1)).body.list).toHaveLength(3);
    emu.setFaults('');
    expect((await listPage(emu, 1)).body.data.share_list).toHaveLength(3);
  });

  it('draws the same faults for the same seed', async () => {
    const run = async (): Promise<number[]> => {
      const emu = await emulator({ seed: 'seed=9', faults: 'http5xx=0.5' });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await call(emu, '/api/check/login')).status);
      return statuses;
    };
    const first = await run();
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await run()).toEqual(first);
  });

  it('refuses a bad fault spec at runtime with a clear error, keeping the faults it had', async () => {
    const emu = await emulator({ faults: 'latency=1' });
    expect(() => emu.setFaults({ drop: 2 })).toThrow(EmulatorSpecError);
    expect(() => emu.setFaults('drop=x')).toThrow('drop must be a number between 0 and 1');
    expect(emu.faults.latencyMs).toBe(1);
    expect(emu.faults.drop).toBe(0);
  });

  it('refuses a bad seed spec before listening', async () => {
    await expect(startEmulator({ seed: 'shares=-1' })).rejects.toThrow(EmulatorSpecError);
  });
});

// ------------------------------------------------------------------ determinism and close

describe('seed data', () => {
  it('is the same for the same seed and clock', async () => {
    const a = await emulator({ seed: 'files=300,shares=120,seed=5' });
    const b = await emulator({ seed: 'files=300,shares=120,seed=5' });
    expect([...a.state.shares.values()]).toEqual([...b.state.shares.values()]);
    expect([...a.state.files.values()]).toEqual([...b.state.files.values()]);
    expect(a.state.jsToken).toBe(b.state.jsToken);
  });
});

describe('close()', () => {
  it('ends hung, delayed and idle keep-alive connections and leaves no handles', async () => {
    const sockets = (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;
    const before = sockets();
    const emu = await startEmulator({ seed: 'shares=2', faults: 'timeout=1' });
    const hung = new Promise<string>((resolve) => {
      const req = httpRequest(`${emu.url}/api/check/login`, { headers: { Cookie: 'ndus=emulator-ndus' } }, () => resolve('answered'));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end();
    });
    // The emulator counts a GET and draws its fault in one step: once counted, it is handled and left hanging.
    await waitUntil(() => emu.state.counts['/api/check/login'] === 1, 'the hung request to reach the emulator');
    emu.setFaults({ timeout: 0, latencyMs: 10 * 60_000 }); // and one delayed far beyond the test's life
    const delayed = fetch(`${emu.url}/main`).then(
      () => 'answered',
      () => 'failed',
    );
    await waitUntil(() => emu.state.counts['/main'] === 1, 'the delayed request to reach the emulator');
    // A close() that waited for either connection would not resolve: one never ends, the other
    // would answer in ten minutes. The bound only turns that into a clear failure.
    await within(emu.close(), 'close() with a hung and a delayed connection open');
    await emu.close(); // idempotent
    expect(await hung).toBe('ECONNRESET');
    expect(await delayed).toBe('failed');
    await waitUntil(() => sockets() <= before, 'every socket to be closed');
  });
});
