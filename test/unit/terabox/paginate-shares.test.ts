import { TeraboxResponseError } from '../../../lib/terabox';
import { baiduRecordItem, baiduSharePage, errnoEnvelope, idRange, seedShareItem, seedSharePage } from '../../factories/terabox-responses';
import type { FetchLike } from '../../../lib/terabox';
import { replayFetch, type RecordedRequest } from './replay';
import { collect, fromFixture, harness, json, sessionRoutes } from './harness';
import { deferred, waitUntil } from '../../support/waiting';

const LIST = '/share/teratransfer/sharelist';
const pageOf = (req: RecordedRequest) => Number(req.url.searchParams.get('page'));
const sizeOf = (req: RecordedRequest) => Number(req.url.searchParams.get('page_size'));

/** A sharelist route over `count` shares with ids 1..count, in either shape. */
function account(count: number, opts: { shape?: 'seed' | 'baidu'; total?: boolean; maxSize?: number } = {}) {
  const ids = idRange(1, count);
  return (req: RecordedRequest) => {
    const size = Math.min(sizeOf(req), opts.maxSize ?? Infinity);
    const offset = (pageOf(req) - 1) * size;
    const slice = ids.slice(offset, offset + size);
    if (opts.shape === 'baidu') return json(baiduSharePage(slice.map((id) => baiduRecordItem(id)), opts.total ? { count } : {}));
    return json(seedSharePage(slice.map((id) => seedShareItem(id)), opts.total === false ? {} : { total: count, offset }));
  };
}

describe('paginateShares', () => {
  it('reads the seed sample', async () => {
    // The sample has no total and a short page: only the empty page after it ends the list.
    const h = harness({ [LIST]: [fromFixture('sharelist-seed.json'), json(seedSharePage([]))] }, { tokens: true });
    const shares = await collect(h.client.paginateShares());
    expect(shares.map((s) => s.shareId)).toEqual(['123456', '789012']);
    expect(h.calls(LIST)).toHaveLength(2);
  });

  it.each`
    name                                            | route                                               | count  | calls
    ${'seed shape with total: no extra call'}       | ${account(1000)}                                    | ${1000} | ${10}
    ${'seed shape with total, partial last page'}   | ${account(950)}                                     | ${950}  | ${10}
    ${'seed shape without total: one empty page'}   | ${account(1000, { total: false })}                  | ${1000} | ${11}
    ${'seed shape without total, short last page'}  | ${account(950, { total: false })}                   | ${950}  | ${11}
    ${'baidu shape with count: list {} at the end'} | ${account(1000, { shape: 'baidu', total: true })}  | ${1000} | ${11}
    ${'baidu shape without count'}                  | ${account(1000, { shape: 'baidu' })}               | ${1000} | ${11}
    ${'an empty account'}                           | ${account(0)}                                       | ${0}    | ${1}
    ${'an empty account answering {}'}              | ${fromFixture('empty-object.json')}                 | ${0}    | ${1}
  `('lists every share once, in order: $name', async ({ route, count, calls }) => {
    const h = harness({ [LIST]: route }, { tokens: true });
    const shares = await collect(h.client.paginateShares({ pageSize: 100 }));
    expect(shares.map((s) => s.shareId)).toEqual(idRange(1, count).map(String));
    expect(h.calls(LIST)).toHaveLength(calls);
  });

  it('stops on has_more 0 even when the page is full', async () => {
    const h = harness({ [LIST]: json({ errno: 0, data: { share_list: idRange(1, 10).map((id) => seedShareItem(id)), has_more: 0 } }) }, { tokens: true });
    await expect(collect(h.client.paginateShares({ pageSize: 10 }))).resolves.toHaveLength(10);
    expect(h.calls(LIST)).toHaveLength(1);
  });

  it('fetches the remaining pages concurrently within the limit, and yields them in order', async () => {
    const route = account(2000);
    const h = harness({ [LIST]: route }, { tokens: true, listConcurrency: 4 });
    const shares = await collect(h.client.paginateShares({ pageSize: 100 }));
    expect(shares.map((s) => Number(s.shareId))).toEqual(idRange(1, 2000));
    expect(h.maxInFlight()).toBe(4);
  });

  it('lets the pages after a slow one use the free slots (a bounded number), and still yields in order', async () => {
    const replay = replayFetch({ ...sessionRoutes(), [LIST]: account(2000) });
    const slowPage = deferred();
    const started: number[] = [];
    let pending = 0;
    let peak = 0;
    // Counts a list request from the call until its answer, page 2 held the whole time.
    const fetch: FetchLike = async (url, init) => {
      const u = new URL(String(url));
      if (u.pathname !== LIST) return replay.fetch(url, init);
      started.push(Number(u.searchParams.get('page')));
      pending += 1;
      peak = Math.max(peak, pending);
      try {
        if (u.searchParams.get('page') === '2') await slowPage.promise;
        return await replay.fetch(url, init);
      } finally {
        pending -= 1;
      }
    };
    const h = harness({}, { tokens: true, listConcurrency: 4, fetch });
    const listing = collect(h.client.paginateShares({ pageSize: 100 }));
    // Every other page the client asked for has been answered, and (the condition is read between
    // macrotasks) the client has reacted to each answer: it can start nothing more until page 2 comes.
    await waitUntil(() => started.includes(2) && pending === 1, 'every list request but the held page 2 to be answered');
    // Page 2 hangs: pages 3-5 arrive and free their slots for 6-9; then 8 pages are held (2-9), the limit.
    expect([...started].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(4);
    slowPage.resolve();
    const shares = await listing;
    expect(shares.map((s) => Number(s.shareId))).toEqual(idRange(1, 2000));
    expect(started).toHaveLength(20);
    expect(peak).toBe(4);
  });

  it('fetches one page at a time without a total (default lookahead 1)', async () => {
    const h = harness({ [LIST]: account(500, { total: false }) }, { tokens: true, listConcurrency: 8 });
    await collect(h.client.paginateShares());
    expect(h.maxInFlight()).toBe(1);
  });

  it('keeps listLookahead pages in flight without a total, at the cost of extra calls past the end', async () => {
    const h = harness({ [LIST]: account(500, { total: false }) }, { tokens: true, listLookahead: 3 });
    await expect(collect(h.client.paginateShares())).resolves.toHaveLength(500);
    expect(h.maxInFlight()).toBe(3);
    expect(h.calls(LIST).length).toBeLessThanOrEqual(6 + 2);
  });

  it('continues with the size TeraBox serves when it caps page_size', async () => {
    const h = harness({ [LIST]: account(450, { maxSize: 100 }) }, { tokens: true });
    const shares = await collect(h.client.paginateShares({ pageSize: 200 }));
    expect(shares.map((s) => Number(s.shareId))).toEqual(idRange(1, 450));
    expect(h.calls(LIST).map(sizeOf)).toEqual([200, 100, 100, 100, 100]);
  });

  it('yields a share once when new shares push it onto the next page', async () => {
    const h = harness(
      {
        [LIST]: [
          json(seedSharePage([seedShareItem(1), seedShareItem(2)])),
          json(seedSharePage([seedShareItem(2), seedShareItem(3)])),
          json(seedSharePage([])),
        ],
      },
      { tokens: true },
    );
    const shares = await collect(h.client.paginateShares({ pageSize: 2 }));
    expect(shares.map((s) => s.shareId)).toEqual(['1', '2', '3']);
  });

  it('reports progress per page', async () => {
    const onPage = jest.fn();
    const h = harness({ [LIST]: account(150) }, { tokens: true });
    await collect(h.client.paginateShares({ onPage }));
    expect(onPage.mock.calls).toEqual([[{ page: 1, count: 100, orderProven: true }], [{ page: 2, count: 50, orderProven: true }]]);
  });

  it('stops fetching and leaves nothing pending when the caller stops early', async () => {
    // Pages from 3 on never answer: a request still open after the break can only end by being aborted.
    const route = account(5000);
    const h = harness({ [LIST]: (req) => (pageOf(req) >= 3 ? { hang: true } : route(req)) }, { tokens: true, listConcurrency: 4 });
    const seen: string[] = [];
    for await (const share of h.client.paginateShares()) {
      seen.push(share.shareId);
      if (seen.length === 150) break;
    }
    await waitUntil(() => h.inFlight() === 0, 'the list requests still open at the break to be aborted');
    expect(h.calls(LIST).length).toBeLessThanOrEqual(6);
  });

  describe('never ends quietly on an incomplete listing', () => {
    it('throws when a page repeats the previous one', async () => {
      const h = harness({ [LIST]: json(seedSharePage(idRange(1, 10).map((id) => seedShareItem(id)))) }, { tokens: true });
      await expect(collect(h.client.paginateShares({ pageSize: 10 }))).rejects.toThrow(/page 2 repeats page 1/);
    });

    it('throws when a page keeps failing after the retries', async () => {
      const route = account(300);
      const h = harness({ [LIST]: (req) => (pageOf(req) === 2 ? { status: 503, body: '' } : route(req)) }, { tokens: true, retry: { maxAttempts: 3 } });
      await expect(collect(h.client.paginateShares())).rejects.toMatchObject({ name: 'TeraboxHttpError', status: 503 });
      expect(h.calls(LIST).filter((r) => pageOf(r) === 2)).toHaveLength(3);
    });

    it('recovers a page that fails once', async () => {
      let failed = false;
      const route = account(300);
      const h = harness({ [LIST]: (req) => (pageOf(req) === 2 && !failed ? ((failed = true), fromFixture('garbled-truncated.json')) : route(req)) }, { tokens: true });
      await expect(collect(h.client.paginateShares())).resolves.toHaveLength(300);
    });

    it('throws on an item without a usable id', async () => {
      const h = harness({ [LIST]: json(seedSharePage([seedShareItem(1), { shorturl: '1x' } as never])) }, { tokens: true });
      await expect(collect(h.client.paginateShares())).rejects.toBeInstanceOf(TeraboxResponseError);
    });

    it('throws when the list shrinks while it is read', async () => {
      const route = account(300);
      const h = harness({ [LIST]: (req) => (pageOf(req) === 2 ? json(seedSharePage([seedShareItem(101)], { total: 101, offset: 100 })) : route(req)) }, { tokens: true });
      await expect(collect(h.client.paginateShares())).rejects.toThrow(/shrank/);
    });


    it('throws on an errno', async () => {
      const h = harness({ [LIST]: json(errnoEnvelope(31337)) }, { tokens: true });
      await expect(collect(h.client.paginateShares())).rejects.toMatchObject({ name: 'TeraboxApiError', errno: 31337 });
    });

    it('throws when the list never ends', async () => {
      let n = 0;
      const h = harness({ [LIST]: () => json(seedSharePage([seedShareItem(++n)])) }, { tokens: true, maxPages: 5 });
      await expect(collect(h.client.paginateShares({ pageSize: 1 }))).rejects.toThrow(/did not end within 5 pages/);
    });
  });
});
