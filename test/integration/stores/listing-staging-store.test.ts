/** The listing staging of a checkpointed sweep on DynamoDB Local (dynalite: dynalite.test.ts). */
import { DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { StagedPage } from '../../../lib/app/store-ports';
import { DynamoDbListingStagingStore, STAGING_TTL_MS } from '../../../lib/stores/listing-staging-store';
import { DynamoDbRunStore } from '../../../lib/stores/run-store';
import { MAX_PART_BYTES } from '../../../lib/stores/staged-pages';
import { aCheckpoint, aLargeStagedPage, aStagedPage, aStagedShare } from '../../factories/listing-staging';
import { aRunStart, HOUR, T0 } from '../../factories/store-items';
import { useTestTables } from './tables';

const tables = useTestTables('staging');
let runs = 0;
const freshRunId = (): string => `20310501T100000000Z-${String(++runs).padStart(8, '0')}`;
const store = (): DynamoDbListingStagingStore => new DynamoDbListingStagingStore({ client: tables.client, tableName: tables.names.runs });
const doc = (): DynamoDBDocumentClient => DynamoDBDocumentClient.from(tables.client);

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

/** The sort keys and sizes of a run's staged items, as stored. */
async function stagedItems(runId: string): Promise<{ sk: string; bytes: number }[]> {
  const out: { sk: string; bytes: number }[] = [];
  const input = { TableName: tables.names.runs, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `STAGE#${runId}` } };
  for await (const page of paginateQuery({ client: doc() }, input)) {
    for (const item of page.Items ?? []) out.push({ sk: String(item.sk), bytes: Buffer.byteLength(String(item.sharesJson)) });
  }
  return out;
}

describe('DynamoDbListingStagingStore pages', () => {
  it('gives back the shares as staged: optional fields, null, exact ids, other scripts', async () => {
    const runId = freshRunId();
    const page: StagedPage = {
      page: 1,
      reread: false,
      shares: [
        aStagedShare(),
        aStagedShare({ shareId: '18446744073709551615', paths: ['/Öffentlich/分享/😀.pdf'], dead: true, deadReason: 'status 9' }),
        { shareId: '7', paths: [] },
      ],
    };
    await store().putPage(runId, { ...page, shares: [...page.shares, { shareId: '8', paths: [], shortUrl: undefined }] }, T0);
    expect(await collect(store().readPages(runId, 1))).toEqual([{ ...page, shares: [...page.shares, { shareId: '8', paths: [] }] }]);
  });

  it('replaces a page written again (a retried chunk)', async () => {
    const runId = freshRunId();
    await store().putPage(runId, aStagedPage(1, 3), T0);
    const again = aStagedPage(1, 2, { share: () => ({ paths: ['/Public/moved.pdf'] }) });
    await store().putPage(runId, again, T0 + 1);
    expect(await collect(store().readPages(runId, 1))).toEqual([again]);
  });

  it('reads the pages up to the last one, in page order, a re-read right after its page', async () => {
    const runId = freshRunId();
    const pages = [aStagedPage(3), aStagedPage(10), aStagedPage(1), aStagedPage(2, 1, { reread: true }), aStagedPage(2), aStagedPage(11), aStagedPage(10, 2, { reread: true })];
    for (const page of pages) await store().putPage(runId, page, T0);
    const read = (last: number) => collect(store().readPages(runId, last)).then((ps) => ps.map((p) => `${p.page}${p.reread ? 'r' : ''}`));
    expect(await read(3)).toEqual(['1', '2', '2r', '3']);
    expect(await read(10)).toEqual(['1', '2', '2r', '3', '10', '10r']);
    expect(await read(0)).toEqual([]);
    expect(await collect(store().readPages(freshRunId(), 5))).toEqual([]);
  });

  it('splits a page too large for one item into parts and puts them back together', async () => {
    const runId = freshRunId();
    const large = aLargeStagedPage(2);
    await store().putPage(runId, aStagedPage(1), T0);
    await store().putPage(runId, large, T0);
    await store().putPage(runId, aStagedPage(3), T0);
    const parts = Math.ceil(Buffer.byteLength(JSON.stringify(large.shares)) / MAX_PART_BYTES);
    expect(parts).toBeGreaterThanOrEqual(3);
    const items = await stagedItems(runId);
    const partKeys = Array.from({ length: parts - 1 }, (_, i) => `PAGE#0000002#0#00${i + 1}`);
    expect(items.map((i) => i.sk)).toEqual(['PAGE#0000001#0', 'PAGE#0000002#0', ...partKeys, 'PAGE#0000003#0']);
    for (const item of items) expect(item.bytes).toBeLessThanOrEqual(MAX_PART_BYTES);
    expect(await collect(store().readPages(runId, 3))).toEqual([aStagedPage(1), large, aStagedPage(3)]);
  });

  it('deletes the parts a larger earlier write left when a page is written again with fewer', async () => {
    const runId = freshRunId();
    await store().putPage(runId, aLargeStagedPage(4), T0);
    const smaller = aLargeStagedPage(4, { shares: 25 });
    await store().putPage(runId, smaller, T0 + 1);
    expect((await stagedItems(runId)).map((i) => i.sk)).toEqual(['PAGE#0000004#0', 'PAGE#0000004#0#001']);
    expect(await collect(store().readPages(runId, 4))).toEqual([smaller]);
    await store().putPage(runId, aStagedPage(4), T0 + 2);
    expect((await stagedItems(runId)).map((i) => i.sk)).toEqual(['PAGE#0000004#0']);
    expect(await collect(store().readPages(runId, 4))).toEqual([aStagedPage(4)]);
  });

  it('reads past DynamoDB’s 1 MB query page', async () => {
    const runId = freshRunId();
    const pages = [1, 2, 3, 4, 5, 6].map((p) => aLargeStagedPage(p, { shares: 10, paths: 20, pathLength: 1000 }));
    for (const page of pages) await store().putPage(runId, page, T0);
    expect(await collect(store().readPages(runId, 6))).toEqual(pages);
  });

  it('skips parts left over by a crashed larger write, and refuses parts of two different writes', async () => {
    const runId = freshRunId();
    const page = aLargeStagedPage(5, { shares: 25 });
    await store().putPage(runId, page, T0);
    const put = (sk: string, sharesJson: string) => doc().send(new PutCommand({ TableName: tables.names.runs, Item: { pk: `STAGE#${runId}`, sk, sharesJson } }));
    await put('PAGE#0000005#0#004', '"a part of a write that never finished"');
    expect(await collect(store().readPages(runId, 5))).toEqual([page]);
    await put('PAGE#0000005#0#001', '"another write"');
    await expect(collect(store().readPages(runId, 5))).rejects.toMatchObject({ name: 'StoreError', code: 'StagedPageCorrupt' });
  });

  it('sets the TTL attribute a day after the write', async () => {
    const runId = freshRunId();
    await store().putPage(runId, aStagedPage(1), T0 + 999);
    const out = await doc().send(new GetCommand({ TableName: tables.names.runs, Key: { pk: `STAGE#${runId}`, sk: 'PAGE#0000001#0' } }));
    expect(out.Item).toMatchObject({ kind: 'staged-page', runId, page: 1, reread: false, shareCount: 3, parts: 1, expiresAt: Math.floor((T0 + 999 + STAGING_TTL_MS) / 1000) });
  });
});

describe('DynamoDbListingStagingStore checkpoints', () => {
  it('saves the first chunk, then each next one, and refuses a stale writer', async () => {
    const runId = freshRunId();
    const first = aCheckpoint({ runId, chunks: 1 });
    expect(await store().getCheckpoint(first.accountId, runId)).toBeUndefined();
    expect(await store().saveCheckpoint(first, T0)).toBe(true);
    expect(await store().getCheckpoint(first.accountId, runId)).toEqual(first);

    expect(await store().saveCheckpoint({ ...first, updatedAtMs: T0 + 1 }, T0 + 1)).toBe(false); // a second first chunk
    const second = aCheckpoint({ runId, chunks: 2, pages: 20, shares: 2000, cursor: { nextPage: 21, pageSize: 100, orderProven: false, ended: true }, updatedAtMs: T0 + 2 });
    expect(await store().saveCheckpoint(second, T0 + 2)).toBe(true);
    expect(await store().saveCheckpoint({ ...second, updatedAtMs: T0 + 3 }, T0 + 3)).toBe(false); // the stale writer of chunk 2
    expect(await store().saveCheckpoint(aCheckpoint({ runId, chunks: 4 }), T0 + 4)).toBe(false); // a chunk skipped
    expect(await store().getCheckpoint(first.accountId, runId)).toEqual(second);
  });

  it.each([1, 2])('lets exactly one of two writers racing for chunk %i save', async (chunks) => {
    const runId = freshRunId();
    if (chunks > 1) await store().saveCheckpoint(aCheckpoint({ runId, chunks: chunks - 1 }), T0);
    const racers = [T0 + 1, T0 + 2].map((updatedAtMs) => aCheckpoint({ runId, chunks, updatedAtMs }));
    const results = await Promise.all(racers.map((c) => store().saveCheckpoint(c, T0)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store().getCheckpoint('default', runId)).toEqual(racers[results.indexOf(true)]);
  });

  it('takes its own write resent (an answer lost on the way) as saved', async () => {
    const checkpoint = aCheckpoint({ runId: freshRunId() });
    expect(await store().saveCheckpoint(checkpoint, T0)).toBe(true);
    expect(await store().saveCheckpoint(checkpoint, T0)).toBe(true);
  });

  it('keeps accounts apart and sets the TTL attribute', async () => {
    const runId = freshRunId();
    await store().saveCheckpoint(aCheckpoint({ runId, accountId: 'acct-a' }), T0);
    expect(await store().getCheckpoint('acct-b', runId)).toBeUndefined();
    const out = await doc().send(new GetCommand({ TableName: tables.names.runs, Key: { pk: 'RUN#acct-a', sk: `LISTING#${runId}` } }));
    expect(out.Item).toMatchObject({ kind: 'listing-checkpoint', chunks: 1, expiresAt: Math.floor((T0 + STAGING_TTL_MS) / 1000) });
  });

  it('stays out of the run summaries of its account', async () => {
    const accountId = 'acct-summaries';
    const runsStore = new DynamoDbRunStore({ client: tables.client, tableName: tables.names.runs, accountId });
    const ids = [T0, T0 + HOUR].map((t) => runsStore.newRunId(t));
    for (const [i, runId] of ids.entries()) await runsStore.startRun(aRunStart(runId, { startedAtMs: T0 + i * HOUR }));
    for (const runId of ids) await store().saveCheckpoint(aCheckpoint({ runId, accountId }), T0);
    expect((await runsStore.listRuns()).map((r) => r.runId)).toEqual([ids[1], ids[0]]);
    expect((await runsStore.listRuns({ limit: 1 })).map((r) => r.runId)).toEqual([ids[1]]);
    expect((await runsStore.listRuns({ newestFirst: false })).map((r) => r.runId)).toEqual(ids);
  });
});
