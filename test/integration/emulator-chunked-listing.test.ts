/**
 * The listing in chunks (readChunk) against the emulator over HTTP: chunk after chunk gives the
 * shares of one paginate run, and a list changed between chunks (shares created or cancelled,
 * as people do while a long sweep runs) either reconciles or fails with a clear error.
 */
import type { ChunkPage, ListingCursor, ReadChunkOptions } from '../../lib/app/ports';
import { TeraboxResponseError, type TeraboxClient } from '../../lib/terabox';
import type { RunningEmulator } from '../../lib/terabox/emulator';
import { collect, createHarness, errorText, expectNoSecrets, type Harness } from './terabox-client-support';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const LIST = '/share/teratransfer/sharelist';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(async () => {
  await h.close();
});

interface ChunkedRun {
  /** The pages of each chunk, in order. */
  chunks: ChunkPage[][];
  cursors: ListingCursor[];
  /** Every share id handed over, in order (repeats across chunks included). */
  ids: string[];
}

/** Reads the whole list chunk by chunk (each cursor through JSON, as a checkpoint carries it); `between` changes the list. */
async function readInChunks(client: TeraboxClient, options: ReadChunkOptions, between: (chunk: number) => void = () => undefined): Promise<ChunkedRun> {
  const run: ChunkedRun = { chunks: [], cursors: [], ids: [] };
  let cursor: ListingCursor | undefined;
  while (!cursor?.ended) {
    if (run.chunks.length > 100) throw new Error('the listing did not end within 100 chunks');
    if (cursor) between(run.chunks.length);
    const pages: ChunkPage[] = [];
    const next = await client.readChunk({ ...options, ...(cursor ? { cursor } : {}) }, async (page) => void pages.push(page));
    cursor = JSON.parse(JSON.stringify(next)) as ListingCursor;
    run.chunks.push(pages);
    run.cursors.push(cursor);
    run.ids.push(...pages.flatMap((p) => p.shares.map((s) => s.shareId)));
  }
  return run;
}

function duplicatesIn(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => seen.has(id) || !seen.add(id));
}
/** The ids of `expected` never handed over. */
const missedFrom = (ids: readonly string[], expected: readonly string[]): string[] => {
  const got = new Set(ids);
  return expected.filter((id) => !got.has(id));
};
const chunkIds = (chunk: readonly ChunkPage[]): string[] => chunk.flatMap((p) => p.shares.map((s) => s.shareId));

/** The ids newest first, as the emulator lists them now. */
const listed = (emu: RunningEmulator): string[] => emu.state.listShares(0, emu.state.shares.size).items.map((s) => s.shareId);

describe('readChunk against the emulator', () => {
  it.each`
    name                                        | emulator                                   | listConcurrency | pages
    ${'pages of 100 with a total, 4 at a time'} | ${{}}                                      | ${4}            | ${25}
    ${'pages capped at 30 without a total'}     | ${{ pageSizeMax: 30, reportTotal: false }} | ${1}            | ${84 + 1}
  `('gives, chunk by chunk, exactly the shares of one paginate run: $name', async ({ emulator, listConcurrency, pages }) => {
    const emu = await h.emulator({ now: () => NOW, seed: { files: 20, shares: 2500 }, ...emulator });
    const client = h.client(emu, { listConcurrency });
    const whole = (await collect(client.paginateShares({ pageSize: 100 }))).map((s) => s.shareId);
    expect(whole).toHaveLength(2500);
    emu.state.resetCounts();

    const run = await readInChunks(client, { pageSize: 100, maxPages: 7 });
    expect(run.ids).toEqual(whole);
    // `pages` counts the empty page that proves the end when there is no total.
    expect(run.chunks.map((c) => c.length)).toEqual([...Array<number>(Math.floor(pages / 7)).fill(7), ...(pages % 7 ? [pages % 7] : [])]);
    expect(run.chunks.flat().some((p) => p.reread)).toBe(false);
    // Every page once, plus one re-read per continuation.
    expect(emu.state.counts[LIST]).toBe(pages + (run.chunks.length - 1));
    expect(run.cursors.at(-1)).toMatchObject({ ended: true, orderProven: true, pageSize: emulator.pageSizeMax ?? 100 });
  });

  it('still hands over every share that existed throughout when shares are created between chunks', async () => {
    const emu = await h.emulator({ now: () => NOW, seed: { files: 20, shares: 2500 } });
    const client = h.client(emu, { listConcurrency: 4 });
    const before = listed(emu);
    let created = 0;
    const run = await readInChunks(client, { pageSize: 100, maxPages: 7 }, () => {
      for (let i = 0; i < 30; i++, created++) emu.state.addShare({ paths: [`/new/${created}.txt`], public: true });
    });
    expect(created).toBe(90); // three continuations
    expect(missedFrom(run.ids, before)).toEqual([]);
    for (const chunk of run.chunks) expect(duplicatesIn(chunkIds(chunk))).toEqual([]);
    // The shares pushed down across a boundary were read already: none comes twice at all.
    expect(duplicatesIn(run.ids)).toEqual([]);
    expect(run.chunks.flat().some((p) => p.reread)).toBe(false);
  });

  it('hands over the shares that moved up as re-reads when shares are cancelled between chunks', async () => {
    const emu = await h.emulator({ now: () => NOW, seed: { files: 20, shares: 2500 } });
    const client = h.client(emu, { listConcurrency: 4 });
    const cancelled = new Set<string>();
    const run = await readInChunks(client, { pageSize: 100, maxPages: 7 }, () => {
      // Three shares of the pages read already: the rest of the list comes up by three.
      for (const id of listed(emu).slice(100, 103)) {
        emu.state.removeShare(id);
        cancelled.add(id);
      }
    });
    const throughout = listed(emu); // the shares that existed from the first chunk to the last
    expect(cancelled.size).toBe(9);
    expect(missedFrom(run.ids, throughout)).toEqual([]);
    for (const chunk of run.chunks) expect(duplicatesIn(chunkIds(chunk))).toEqual([]);
    const rereads = run.chunks.flat().filter((p) => p.reread);
    expect(rereads.map((p) => [p.page, p.shares.length])).toEqual([
      [7, 3],
      [14, 3],
      [21, 3],
    ]);
  });

  it('reconciles creates and cancels between the same chunks', async () => {
    const emu = await h.emulator({ now: () => NOW, seed: { files: 20, shares: 2500 } });
    const client = h.client(emu, { listConcurrency: 4 });
    const before = new Set(listed(emu));
    let n = 0;
    const run = await readInChunks(client, { pageSize: 100, maxPages: 5 }, () => {
      for (let i = 0; i < 4; i++, n++) emu.state.addShare({ paths: [`/new/${n}.txt`], public: true });
      for (const id of listed(emu).slice(50, 60)) emu.state.removeShare(id);
    });
    const throughout = listed(emu).filter((id) => before.has(id));
    expect(missedFrom(run.ids, throughout)).toEqual([]);
    for (const chunk of run.chunks) expect(duplicatesIn(chunkIds(chunk))).toEqual([]);
    const rereads = run.chunks.flat().filter((p) => p.reread);
    expect(rereads.length).toBe(run.chunks.length - 1);
    expect(rereads.every((p) => p.shares.length === 6)).toBe(true); // ten cancelled, four created: up by six
  });

  it('gives the same shares when each chunk stops at a deadline (shouldStop), its prefetched pages dropped', async () => {
    const emu = await h.emulator({ now: () => NOW, seed: { files: 20, shares: 2500 } });
    const client = h.client(emu, { listConcurrency: 4 });
    const whole = (await collect(client.paginateShares({ pageSize: 100 }))).map((s) => s.shareId);
    let handed = 0;
    const deadline = (): boolean => handed >= 3;
    const run: string[] = [];
    let cursor: ListingCursor | undefined;
    while (!cursor?.ended) {
      handed = 0;
      cursor = await client.readChunk({ pageSize: 100, shouldStop: deadline, ...(cursor ? { cursor } : {}) }, async (page) => {
        handed += 1;
        run.push(...page.shares.map((s) => s.shareId));
      });
    }
    expect(run).toEqual(whole);
  });

  it('hands over every share that existed throughout while the createEvery fault adds shares during the chunks', async () => {
    const emu = await h.emulator({ now: () => NOW, seed: { files: 20, shares: 1500 }, faults: { createEvery: 3 } });
    const before = listed(emu);
    const client = h.client(emu, { listConcurrency: 1 });
    const run = await readInChunks(client, { pageSize: 100, maxPages: 4 });
    expect(emu.state.shares.size).toBeGreaterThan(1500);
    expect(missedFrom(run.ids, before)).toEqual([]);
    for (const chunk of run.chunks) expect(duplicatesIn(chunkIds(chunk))).toEqual([]);
  });

  it('fails with a clear, scrubbed error when the list moved by more than a page between chunks', async () => {
    const emu = await h.emulator({ now: () => NOW, seed: { files: 20, shares: 2500 } });
    const client = h.client(emu, { listConcurrency: 4 });
    const error = await readInChunks(client, { pageSize: 100, maxPages: 7 }, () => {
      for (let i = 0; i < 150; i++) emu.state.addShare({ paths: [`/bulk/${i}.txt`], public: true });
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxResponseError);
    expect((error as Error).message).toMatch(/the share list moved between chunks in a way that cannot be reconciled \(page 7: none of the 100 shares it held is on it any more\); start the listing again/);
    expectNoSecrets(errorText(error), h.secrets);
  });
});
