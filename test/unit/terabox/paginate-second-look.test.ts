/**
 * paginateShares after the "Second look": the record endpoint, order asked for and checked,
 * and the end of the list only on an explicit signal or an empty page (never a short page).
 */
import type { ListingSummary } from '../../../lib/terabox';
import { SHARE_RECORD_ENDPOINT, TeraboxValidationError } from '../../../lib/terabox';
import { baiduRecordItem, baiduSharePage, idRange, seedShareItem, seedSharePage } from '../../factories/terabox-responses';
import { collect, fromFixture, harness, json } from './harness';
import type { RecordedRequest } from './replay';

const LIST = '/share/teratransfer/sharelist';
const RECORD = '/share/record';
const T = 1_699_000_000; // unix seconds, before the harness clock
const pageOf = (req: RecordedRequest) => Number(req.url.searchParams.get('page'));
const sizeOf = (req: RecordedRequest) => Number(req.url.searchParams.get('page_size') ?? req.url.searchParams.get('num'));

/** A seed-shaped route over `count` shares, newest first unless `ctimeOf` says otherwise; no total. */
function account(count: number, opts: { maxSize?: number; ctimeOf?: (id: number) => number } = {}) {
  const ids = idRange(1, count);
  const ctimeOf = opts.ctimeOf ?? ((id: number) => T - id);
  return (req: RecordedRequest) => {
    const size = Math.min(sizeOf(req), opts.maxSize ?? Infinity);
    const offset = (pageOf(req) - 1) * size;
    return json(seedSharePage(ids.slice(offset, offset + size).map((id) => seedShareItem(id, { ctime: ctimeOf(id) }))));
  };
}

describe('paginateShares: the record endpoint', () => {
  it('reads /share/record with page, num and order=ctime&desc=1 when listEndpoint is record, ending on nextpage 0', async () => {
    const h = harness({ [RECORD]: fromFixture('share-record-second-look.json') }, { tokens: true, listEndpoint: 'record' });
    const summaries: ListingSummary[] = [];
    const shares = await collect(h.client.paginateShares({ pageSize: 50, onComplete: (s) => summaries.push(s) }));
    expect(shares).toHaveLength(6);
    expect(h.calls(LIST)).toHaveLength(0);
    const [call] = h.calls(RECORD);
    expect(h.calls(RECORD)).toHaveLength(1);
    expect(Object.fromEntries(call.url.searchParams)).toMatchObject({ page: '1', num: '50', order: 'ctime', desc: '1' });
    expect(call.url.searchParams.has('page_size')).toBe(false);
    expect(summaries).toEqual([{ endpoint: 'record', path: SHARE_RECORD_ENDPOINT, pages: 1, shares: 6, orderProven: true }]);
  });

  it('lists a chosen endpoint for one listing (doctor), whatever the client default', async () => {
    const h = harness({ [RECORD]: [json(baiduSharePage([baiduRecordItem(5)])), json(baiduSharePage([]))], [LIST]: json(seedSharePage([])) }, { tokens: true });
    const record = await collect(h.client.paginateShares({ endpoint: 'record' }));
    expect(record.map((s) => s.shareId)).toEqual(['5']);
    await collect(h.client.paginateShares());
    expect(h.calls(RECORD).map(pageOf)).toEqual([1, 2]); // no nextpage, no total: the `list: {}` page ends it
    expect(h.calls(LIST)).toHaveLength(1);
  });

  it('asks sharelist for newest first too', async () => {
    const h = harness({ [LIST]: json(seedSharePage([])) }, { tokens: true });
    await collect(h.client.paginateShares());
    expect(Object.fromEntries(h.calls(LIST)[0].url.searchParams)).toMatchObject({ page: '1', page_size: '100', order: 'ctime', desc: '1' });
  });

  it.each([['listEndpoint', { listEndpoint: 'records' }]])('refuses an unknown %s before any request', (_n, options) => {
    expect(() => harness({}, options as never)).toThrow(TeraboxValidationError);
  });

  it('refuses an unknown endpoint for one listing', async () => {
    const h = harness({}, { tokens: true });
    await expect(collect(h.client.paginateShares({ endpoint: 'x' as never }))).rejects.toThrow(/endpoint must be "sharelist" or "record"/);
    expect(h.requests).toHaveLength(0);
  });
});

describe('paginateShares: the order is checked, never assumed', () => {
  const proven = async (route: (req: RecordedRequest) => ReturnType<typeof json>, pageSize = 10) => {
    const h = harness({ [LIST]: route }, { tokens: true });
    const perPage: Array<boolean | undefined> = [];
    let summary: ListingSummary | undefined;
    await collect(h.client.paginateShares({ pageSize, onPage: (p) => perPage.push(p.orderProven), onComplete: (s) => (summary = s) }));
    return { perPage, summary };
  };

  it('proves newest first when ctime never increases across pages (ties allowed)', async () => {
    const r = await proven(account(25, { ctimeOf: (id) => T - Math.floor(id / 2) }));
    expect(r.perPage).toEqual([true, true, true, true]);
    expect(r.summary?.orderProven).toBe(true);
  });

  it('does not prove it when the list comes oldest first', async () => {
    const r = await proven(account(25, { ctimeOf: (id) => T + id - 100 }));
    expect(r.perPage).toEqual([false, false, false, false]);
    expect(r.summary?.orderProven).toBe(false);
  });

  it('loses the proof from the page where the order breaks, even across a page boundary', async () => {
    // Ids 1..10 newest first, then 11 is newer than 10.
    const r = await proven(account(25, { ctimeOf: (id) => (id === 11 ? T : T - id) }));
    expect(r.perPage).toEqual([true, false, false, false]);
  });

  it('does not prove it when a share has no creation time', async () => {
    const route = () => json(seedSharePage([seedShareItem(1, { ctime: T }), seedShareItem(2, { ctime: undefined })], { total: 2 }));
    const r = await proven(route);
    expect(r.perPage).toEqual([false]);
  });

  it('leaves a share seen twice (new shares pushed it down) out of the check', async () => {
    const item = (id: number) => seedShareItem(id, { ctime: T - id });
    const h = harness(
      { [LIST]: [json(seedSharePage([1, 2, 3].map(item))), json(seedSharePage([2, 3, 4].map(item))), json(seedSharePage([]))] },
      { tokens: true },
    );
    const perPage: Array<boolean | undefined> = [];
    const shares = await collect(h.client.paginateShares({ pageSize: 3, onPage: (p) => perPage.push(p.orderProven) }));
    expect(shares.map((s) => s.shareId)).toEqual(['1', '2', '3', '4']);
    expect(perPage).toEqual([true, true, true]);
  });
});

describe('paginateShares: the end of the list', () => {
  it('lists everything when the server caps pages at 10 and says nothing about a total', async () => {
    const h = harness({ [LIST]: account(45, { maxSize: 10 }) }, { tokens: true });
    const shares = await collect(h.client.paginateShares({ pageSize: 100 }));
    expect(shares.map((s) => Number(s.shareId))).toEqual(idRange(1, 45));
    // Page 1 asks 100 and gets 10: from then on 10 at a time; the short page 5 is not the end, the empty page 6 is.
    expect(h.calls(LIST).map(sizeOf)).toEqual([100, 10, 10, 10, 10, 10]);
  });

  it.each([
    ['says more follow', { errno: 0, data: { share_list: idRange(11, 7).map((id) => seedShareItem(id, { ctime: T - id })), has_more: 1 } }, /page 2 holds 7 of 10 shares but TeraBox says more follow/],
    ['is followed by more shares', seedSharePage(idRange(11, 7).map((id) => seedShareItem(id, { ctime: T - id }))), /page 2 held 7 of 10 shares and page 3 still holds more; the listing may have skipped shares/],
  ])('refuses a listing whose short page after page 1 %s (shares may have been skipped)', async (_n, page2, message) => {
    const ids = (from: number, n: number) => idRange(from, n).map((id) => seedShareItem(id, { ctime: T - id }));
    const h = harness({ [LIST]: [json(seedSharePage(ids(1, 10))), json(page2), json(seedSharePage(ids(20, 3))), json(seedSharePage([]))] }, { tokens: true });
    await expect(collect(h.client.paginateShares({ pageSize: 10 }))).rejects.toThrow(message);
  });

  it('ends after a short page followed by an empty one (no total, no has_more)', async () => {
    const ids = (from: number, n: number) => idRange(from, n).map((id) => seedShareItem(id, { ctime: T - id }));
    const h = harness({ [LIST]: [json(seedSharePage(ids(1, 10))), json(seedSharePage(ids(11, 7))), json(seedSharePage([]))] }, { tokens: true });
    await expect(collect(h.client.paginateShares({ pageSize: 10 }))).resolves.toHaveLength(17);
    expect(h.calls(LIST)).toHaveLength(3);
  });

  it.each([
    ['has_more 0', { errno: 0, data: { share_list: [seedShareItem(1)], has_more: 0 } }],
    ['total reached', { errno: 0, data: { share_list: [seedShareItem(1)], total: 1 } }],
    ['nextpage 0', { errno: 0, list: [baiduRecordItem(1)], nextpage: 0 }],
  ])('ends a short page at once on %s', async (_n, body) => {
    const h = harness({ [LIST]: json(body) }, { tokens: true });
    await expect(collect(h.client.paginateShares())).resolves.toHaveLength(1);
    expect(h.calls(LIST)).toHaveLength(1);
  });
});
