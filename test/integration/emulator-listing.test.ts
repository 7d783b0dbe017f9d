/**
 * The emulator's list behaviour after the "Second look", over real sockets, and the client
 * against it: Baidu's /share/record, a sharelist that omits pset shares, list orders that are
 * not newest first (asked for or not), and pages capped at 10 without any total.
 */
import { parse as parseLossless } from 'lossless-json';
import type { ListPageInfo } from '../../lib/app/ports';
import type { ListingSummary } from '../../lib/terabox';
import type { EmulatorOptions, RunningEmulator } from '../../lib/terabox/emulator';
import { collect, createHarness, NDUS, type Harness } from './terabox-client-support';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const NOW_SEC = NOW / 1000;
const DAY = 86_400;

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(async () => {
  await h.close();
});

const emulator = (options: EmulatorOptions = {}): Promise<RunningEmulator> => h.emulator({ now: () => NOW, ...options });

/** A raw GET of a list endpoint with the current tokens (numbers beyond 2^53 kept as strings). */
async function rawList(emu: RunningEmulator, path: string, query: Record<string, string | number>): Promise<Record<string, any>> {
  const url = new URL(path, emu.url);
  for (const [k, v] of Object.entries({ app_id: '250528', jsToken: emu.state.jsToken, ...query })) url.searchParams.set(k, String(v));
  const res = await fetch(url, { headers: { Cookie: `lang=en; ndus=${NDUS}` } });
  return parseLossless(await res.text(), null, (digits: string) => (Number.isSafeInteger(Number(digits)) ? Number(digits) : digits)) as Record<string, any>;
}

/** Ten shares a day apart, newest = id 10 (ctime NOW - 1 day); even ids made by TeraTransfer. */
function addTen(emu: RunningEmulator): void {
  for (let i = 1; i <= 10; i++) {
    emu.state.addShare({
      shareId: String(1000 + i),
      paths: [`/listing/${i}.txt`],
      ctime: NOW_SEC - (11 - i) * DAY,
      ...(i % 2 === 0 ? { source: 'transfer' as const } : {}),
      ...(i === 3 ? { pwd: 'ab12', public: false } : {}),
    });
  }
}

async function listWith(emu: RunningEmulator, options: Parameters<ReturnType<Harness['client']>['paginateShares']>[0] = {}, clientOptions = {}) {
  const client = h.client(emu, clientOptions);
  const pages: ListPageInfo[] = [];
  let summary: ListingSummary | undefined;
  const shares = await collect(client.paginateShares({ pageSize: 3, ...options, onPage: (p) => pages.push(p), onComplete: (s) => (summary = s) }));
  return { ids: shares.map((s) => s.shareId), shares, pages, summary };
}

describe('GET /share/record', () => {
  it('answers in the Baidu record shape: short url without its 1, passwd "0", record expiredType, count and nextpage', async () => {
    const emu = await emulator();
    addTen(emu);
    emu.state.addShare({ shareId: '2001', paths: ['/listing/dated.txt'], ctime: NOW_SEC - 3600, period: 7, shorturl: '1datedOne' });
    const first = await rawList(emu, '/share/record', { page: 1, num: 4, order: 'ctime', desc: 1 });
    expect(first).toMatchObject({ errno: 0, count: 11, nextpage: 2 });
    expect(first.list.map((i: { shareId: number }) => i.shareId)).toEqual([2001, 1010, 1009, 1008]);
    expect(first.list[0]).toMatchObject({ shorturl: 'datedOne', shortlink: 'https://www.terabox.com/s/1datedOne', passwd: '0', public: 1, expiredType: 0, expiredTime: 7 * DAY - 3600 });
    expect(first.list[1]).toMatchObject({ expiredType: 1, expiredTime: 0, typicalPath: '/listing/10.txt' });
    const last = await rawList(emu, '/share/record', { page: 3, num: 4 });
    expect(last).toMatchObject({ count: 11, nextpage: 0 });
    expect(last.list.find((i: { shareId: number }) => i.shareId === 1003)).toMatchObject({ passwd: 'ab12', public: 0 });
    expect(await rawList(emu, '/share/record', { page: 4, num: 4 })).toMatchObject({ list: {} });
    expect(emu.state.counts['/share/record']).toBe(3);
  });

  it('is read by the client with listEndpoint record, in one call per page (nextpage ends it)', async () => {
    const emu = await emulator();
    addTen(emu);
    const r = await listWith(emu, {}, { listEndpoint: 'record' });
    expect(r.ids).toEqual(['1010', '1009', '1008', '1007', '1006', '1005', '1004', '1003', '1002', '1001']);
    expect(emu.state.counts['/share/record']).toBe(4);
    expect(emu.state.counts['/share/teratransfer/sharelist']).toBe(0);
    expect(r.shares[0]).toMatchObject({ shortUrl: emu.state.getShare('1010')!.shorturl, visibility: 'public', expiresAtMs: null });
    expect(r.shares.find((s) => s.shareId === '1003')).toMatchObject({ visibility: 'private' });
    expect(r.summary).toEqual({ endpoint: 'record', path: '/share/record', pages: 4, shares: 10, orderProven: true });
  });
});

describe('sharelistScope', () => {
  it("'transfer-only' leaves pset shares out of sharelist; record still lists every share", async () => {
    const emu = await emulator({ sharelistScope: 'transfer-only' });
    addTen(emu);
    const sharelist = await listWith(emu);
    expect(sharelist.ids).toEqual(['1010', '1008', '1006', '1004', '1002']);
    const record = await listWith(emu, { endpoint: 'record' });
    expect(record.ids).toHaveLength(10);
  });

  it("'all' (the default) lists every share on sharelist", async () => {
    const emu = await emulator();
    addTen(emu);
    expect((await listWith(emu)).ids).toHaveLength(10);
  });
});

describe('listOrder and orderParam', () => {
  it.each([
    ['honors order=ctime&desc=1 whatever listOrder says', { listOrder: 'oldest-first' as const }, true],
    ['answers oldest first when told to ignore the order asked', { listOrder: 'oldest-first' as const, orderParam: 'ignore' as const }, false],
    ['answers a fixed scramble when told to ignore the order asked', { listOrder: 'unordered' as const, orderParam: 'ignore' as const }, false],
  ])('%s; the client lists every share once and reports whether the order was proven', async (_n, options, proven) => {
    const emu = await emulator(options);
    addTen(emu);
    for (const endpoint of ['sharelist', 'record'] as const) {
      const r = await listWith(emu, { endpoint });
      expect([...r.ids].sort()).toEqual(Array.from({ length: 10 }, (_, i) => String(1001 + i)));
      expect(r.summary?.orderProven).toBe(proven);
      if (proven) expect(r.ids[0]).toBe('1010');
    }
  });

  it('serves oldest first on desc=0, and in listOrder without an order parameter', async () => {
    const emu = await emulator({ listOrder: 'oldest-first' });
    addTen(emu);
    const ids = (body: Record<string, any>) => body.data.share_list.map((i: { share_id: number }) => i.share_id);
    expect(ids(await rawList(emu, '/share/teratransfer/sharelist', { page: 1, page_size: 3, order: 'ctime', desc: 0 }))).toEqual([1001, 1002, 1003]);
    expect(ids(await rawList(emu, '/share/teratransfer/sharelist', { page: 4, page_size: 3 }))).toEqual([1010]);
  });

  it('keeps an unordered listing stable from page to page, and changes it when a share is added', async () => {
    const emu = await emulator({ listOrder: 'unordered' });
    addTen(emu);
    const page = async (n: number) => (await rawList(emu, '/share/teratransfer/sharelist', { page: n, page_size: 5 })).data.share_list.map((i: { share_id: number }) => i.share_id);
    const first = [...(await page(1)), ...(await page(2))];
    expect([...(await page(1)), ...(await page(2))]).toEqual(first);
    expect([...first].sort()).toEqual(Array.from({ length: 10 }, (_, i) => 1001 + i));
    expect(first).not.toEqual([...first].sort((a, b) => b - a));
    emu.state.addShare({ shareId: '1011', paths: ['/listing/11.txt'], ctime: NOW_SEC });
    expect((await page(1)).length + (await page(2)).length + (await page(3)).length).toBe(11);
  });

  it('refuses unknown option values before listening', async () => {
    await expect(emulator({ listOrder: 'random' as never })).rejects.toThrow(/listOrder/);
    await expect(emulator({ sharelistScope: 'some' as never })).rejects.toThrow(/sharelistScope/);
    await expect(emulator({ orderParam: 'maybe' as never })).rejects.toThrow(/orderParam/);
  });
});

describe('pages capped at 10 without total, has_more or nextpage', () => {
  it.each(['sharelist', 'record'] as const)('the client still lists everything from %s (the empty page ends it)', async (endpoint) => {
    const emu = await emulator({ pageSizeMax: 10, reportTotal: false, seed: 'shares=45,files=60' });
    const path = endpoint === 'record' ? '/share/record' : '/share/teratransfer/sharelist';
    const r = await listWith(emu, { endpoint, pageSize: 100 });
    expect(new Set(r.ids).size).toBe(45);
    expect(r.pages.map((p) => p.count)).toEqual([10, 10, 10, 10, 5, 0]);
    expect(emu.state.counts[path]).toBe(6);
  });
});
