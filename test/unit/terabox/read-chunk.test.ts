/**
 * readChunk over recorded answers: the page budget, shouldStop, the cursor it returns and the
 * re-read of the boundary page when the list moved between chunks.
 */
import type { ChunkPage, ListingCursor, ReadChunkOptions } from '../../../lib/app/ports';
import { TeraboxResponseError, TeraboxValidationError } from '../../../lib/terabox';
import { idRange, seedShareItem, seedSharePage } from '../../factories/terabox-responses';
import { collect, harness, json } from './harness';
import type { RecordedRequest } from './replay';

const LIST = '/share/teratransfer/sharelist';
const T = 1_699_000_000; // unix seconds
const pageOf = (req: RecordedRequest) => Number(req.url.searchParams.get('page'));
const sizeOf = (req: RecordedRequest) => Number(req.url.searchParams.get('page_size'));

interface Listed {
  id: number;
  ctime?: number;
}

/** A newest-first account the test changes between chunks; the route reads it as it is now. */
function account(count: number, opts: { total?: boolean; maxSize?: number } = {}) {
  const list: Listed[] = idRange(1, count).map((id) => ({ id, ctime: T - id }));
  const route = (req: RecordedRequest) => {
    const size = Math.min(sizeOf(req), opts.maxSize ?? Infinity);
    const offset = (pageOf(req) - 1) * size;
    const items = list.slice(offset, offset + size).map((s) => seedShareItem(s.id, s.ctime === undefined ? { ctime: undefined } : { ctime: s.ctime }));
    return json(seedSharePage(items, opts.total === false ? {} : { total: list.length, offset }));
  };
  return { list, route };
}

/** Reads chunk after chunk (the cursor through JSON, as a checkpoint carries it) until the list ends. */
async function readAll(read: (o: ReadChunkOptions, onPage: (p: ChunkPage) => Promise<void>) => Promise<ListingCursor>, options: ReadChunkOptions, between?: (chunk: number) => void) {
  const pages: ChunkPage[][] = [];
  const cursors: ListingCursor[] = [];
  let cursor: ListingCursor | undefined;
  for (let chunk = 0; chunk < 1000 && !cursor?.ended; chunk++) {
    if (chunk > 0) between?.(chunk);
    const got: ChunkPage[] = [];
    cursor = JSON.parse(JSON.stringify(await read({ ...options, ...(cursor ? { cursor } : {}) }, async (p) => void got.push(p)))) as ListingCursor;
    pages.push(got);
    cursors.push(cursor);
  }
  return { pages, cursors, shares: pages.flat().flatMap((p) => p.shares.map((s) => Number(s.shareId))) };
}

describe('readChunk', () => {
  it('reads a budget of pages, starts no page beyond it, and returns where the next chunk starts', async () => {
    const { route } = account(1000);
    const h = harness({ [LIST]: route }, { tokens: true, listConcurrency: 4 });
    const got: ChunkPage[] = [];
    const cursor = await h.client.readChunk({ pageSize: 100, maxPages: 3 }, async (p) => void got.push(p));
    expect(got.map((p) => [p.page, p.shares.length, p.reread])).toEqual([
      [1, 100, undefined],
      [2, 100, undefined],
      [3, 100, undefined],
    ]);
    expect(h.calls(LIST).map(pageOf)).toEqual([1, 2, 3]);
    expect(cursor).toEqual({
      nextPage: 4,
      pageSize: 100,
      announcedTotal: 1000,
      lastPage: { page: 3, ids: idRange(201, 100).map(String) },
      orderProven: true,
      lastCreatedAtMs: (T - 300) * 1000,
      ended: false,
    });
  });

  it('speculates no page beyond the budget either (no total, lookahead)', async () => {
    const h = harness({ [LIST]: account(1000, { total: false }).route }, { tokens: true, listLookahead: 4 });
    const cursor = await h.client.readChunk({ pageSize: 100, maxPages: 2 }, async () => undefined);
    expect(h.calls(LIST).map(pageOf)).toEqual([1, 2]);
    expect(cursor).toMatchObject({ nextPage: 3, ended: false });
    expect(cursor.announcedTotal).toBeUndefined();
  });

  it('keeps the shrink check across chunks: a list ending before the total page 1 announced throws', async () => {
    const { list, route } = account(1000);
    const h = harness({ [LIST]: route }, { tokens: true });
    const first = await h.client.readChunk({ pageSize: 100, maxPages: 3 }, async () => undefined);
    list.splice(800); // the last two pages cancelled: page 8 now ends the list
    await expect(h.client.readChunk({ cursor: first }, async () => undefined)).rejects.toThrow(/the share list shrank while it was read \(total 1000 on page 1, page 8 ended it\)/);
  });

  it('gives, chunk by chunk, exactly the shares of one paginate run, one re-read per continuation', async () => {
    const { route } = account(1000);
    const h = harness({ [LIST]: route }, { tokens: true, listConcurrency: 4 });
    const whole = (await collect(h.client.paginateShares({ pageSize: 100 }))).map((s) => Number(s.shareId));
    const before = h.calls(LIST).length;
    const { pages, cursors, shares } = await readAll((o, p) => h.client.readChunk(o, p), { pageSize: 100, maxPages: 3 });
    expect(shares).toEqual(whole);
    expect(pages.map((chunk) => chunk.map((p) => p.page))).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
    expect(pages.flat().some((p) => p.reread)).toBe(false);
    expect(h.calls(LIST).length - before).toBe(10 + 3); // every page once, plus the three re-reads
    expect(cursors.at(-1)).toMatchObject({ nextPage: 11, ended: true, lastPage: { page: 10 } });
  });

  it('carries a page size the server capped into the cursor, and goes on at that size', async () => {
    const { route } = account(250, { total: false, maxSize: 30 });
    const h = harness({ [LIST]: route }, { tokens: true });
    const { shares, cursors } = await readAll((o, p) => h.client.readChunk(o, p), { pageSize: 100, maxPages: 4 });
    expect(shares).toEqual(idRange(1, 250));
    expect(cursors[0]).toMatchObject({ nextPage: 5, pageSize: 30, ended: false });
    expect(cursors[0]!.announcedTotal).toBeUndefined();
    expect(h.calls(LIST).slice(1).every((r) => sizeOf(r) === 30)).toBe(true);
  });

  it('stops cleanly when shouldStop says so: nothing past the page before is handed over', async () => {
    const { route } = account(1000);
    const h = harness({ [LIST]: route }, { tokens: true, listConcurrency: 4 });
    let handed = 0;
    const cursor = await h.client.readChunk({ pageSize: 100, shouldStop: () => handed >= 2 }, async () => void (handed += 1));
    expect(handed).toBe(2);
    expect(cursor).toMatchObject({ nextPage: 3, lastPage: { page: 2 }, ended: false });
    // Stopped before anything: no request, and the same place to start from.
    const none = await h.client.readChunk({ pageSize: 100, shouldStop: () => true }, async () => void (handed += 1));
    expect(none).toEqual({ nextPage: 1, pageSize: 100, orderProven: true, ended: false });
  });

  it('reads nothing after the end', async () => {
    const h = harness({ [LIST]: account(50).route }, { tokens: true });
    const ended: ListingCursor = { nextPage: 2, pageSize: 100, lastPage: { page: 1, ids: ['1'] }, orderProven: true, ended: true };
    const onPage = jest.fn(async () => undefined);
    await expect(h.client.readChunk({ cursor: ended }, onPage)).resolves.toEqual(ended);
    expect(onPage).not.toHaveBeenCalled();
    expect(h.calls(LIST)).toHaveLength(0);
  });

  it('hands over the shares that moved up into the boundary page as its re-read', async () => {
    const { list, route } = account(1000);
    const h = harness({ [LIST]: route }, { tokens: true });
    const first = await h.client.readChunk({ pageSize: 100, maxPages: 3 }, async () => undefined);
    list.splice(10, 2); // two shares of page 1 cancelled: 301 and 302 come up into page 3
    const got: ChunkPage[] = [];
    const next = await h.client.readChunk({ cursor: first, maxPages: 1 }, async (p) => void got.push(p));
    expect(got.map((p) => [p.page, p.reread, p.shares.map((s) => Number(s.shareId))])).toEqual([
      [3, true, [301, 302]],
      [4, undefined, idRange(303, 100)],
    ]);
    expect(next.lastPage).toEqual({ page: 4, ids: idRange(303, 100).map(String) });
    expect(h.events.filter((e) => e.event === 'list-page').map((e) => (e as { page: number }).page)).toEqual([1, 2, 3, 3, 4]);
  });

  it('leaves out the shares pushed down into the next page (read already)', async () => {
    const { list, route } = account(1000);
    const h = harness({ [LIST]: route }, { tokens: true });
    const first = await h.client.readChunk({ pageSize: 100, maxPages: 3 }, async () => undefined);
    list.unshift({ id: 5001, ctime: T + 10 }, { id: 5002, ctime: T + 5 }); // two new shares: 299 and 300 go down into page 4
    const got: ChunkPage[] = [];
    await h.client.readChunk({ cursor: first, maxPages: 1 }, async (p) => void got.push(p));
    expect(got.map((p) => [p.page, p.shares.map((s) => Number(s.shareId))])).toEqual([[4, idRange(301, 98)]]);
  });

  it.each`
    name                                        | unordered | change
    ${'moved down by more than a page'}         | ${false}  | ${(list: Listed[]) => list.unshift(...idRange(9001, 150).map((id) => ({ id, ctime: T + 1 })))}
    ${'changed while the order is not proven'}  | ${true}   | ${(list: Listed[]) => list.splice(0, 1)}
  `('throws a clear error when the list $name between chunks', async ({ unordered, change }) => {
    const { list, route } = account(1000);
    if (unordered) delete list[5]!.ctime; // a share without ctime: the order is not proven
    const h = harness({ [LIST]: route }, { tokens: true });
    const first = await h.client.readChunk({ pageSize: 100, maxPages: 3 }, async () => undefined);
    expect(first.orderProven).toBe(!unordered);
    (change as (l: Listed[]) => void)(list);
    const error = await h.client.readChunk({ cursor: first }, async () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxResponseError);
    expect((error as Error).message).toMatch(/the share list moved between chunks in a way that cannot be reconciled \(page 3: .*\); start the listing again$/);
  });

  it('runs the order check across chunks', async () => {
    const { list, route } = account(400);
    const h = harness({ [LIST]: route }, { tokens: true });
    const first = await h.client.readChunk({ pageSize: 100, maxPages: 2 }, async () => undefined);
    expect(first.orderProven).toBe(true);
    list[250]!.ctime = T + 100; // on page 3, newer than the share before it
    const next = await h.client.readChunk({ cursor: first, maxPages: 1 }, async () => undefined);
    expect(next).toMatchObject({ orderProven: false, nextPage: 4 });
  });

  it('carries a short page over: only the end may follow it in the next chunk', async () => {
    const pages = [idRange(1, 100), idRange(101, 50), idRange(151, 100)];
    const route = (req: RecordedRequest) => json(seedSharePage((pages[pageOf(req) - 1] ?? []).map((id) => seedShareItem(id, { ctime: T - id }))));
    const h = harness({ [LIST]: route }, { tokens: true });
    const first = await h.client.readChunk({ pageSize: 100, maxPages: 2 }, async () => undefined);
    expect(first.shortPage).toEqual({ page: 2, count: 50 });
    await expect(h.client.readChunk({ cursor: first }, async () => undefined)).rejects.toThrow(/page 2 held 50 of 100 shares and page 3 still holds more/);
  });

  it('refuses a cursor that cannot be continued from, before any request', async () => {
    const h = harness({ [LIST]: account(10).route }, { tokens: true });
    const broken = { nextPage: 3, pageSize: 100, orderProven: true, ended: false } as ListingCursor;
    await expect(h.client.readChunk({ cursor: broken }, async () => undefined)).rejects.toThrow(TeraboxValidationError);
    await expect(h.client.readChunk({ cursor: { ...broken, nextPage: 0 } }, async () => undefined)).rejects.toThrow(/nextPage/);
    await expect(h.client.readChunk({ maxPages: 0 }, async () => undefined)).rejects.toThrow(/maxPages/);
    expect(h.calls(LIST)).toHaveLength(0);
  });

  it('waits for onPage before handing over the next page, and lets its error through unchanged', async () => {
    const h = harness({ [LIST]: account(500).route }, { tokens: true, listConcurrency: 4 });
    const order: string[] = [];
    await h.client.readChunk({ pageSize: 100 }, async (p) => {
      order.push(`start ${p.page}`);
      await Promise.resolve();
      order.push(`end ${p.page}`);
    });
    expect(order.slice(0, 4)).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    const mine = new Error('staging failed');
    await expect(h.client.readChunk({ pageSize: 100 }, async () => Promise.reject(mine))).rejects.toBe(mine);
  });
});
