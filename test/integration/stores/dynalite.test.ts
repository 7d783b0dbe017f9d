/**
 * The embedded local run (`npm start`) uses dynalite instead of DynamoDB Local. It lacks
 * transactions and TTL; these tests pin down that the stores still work there.
 */
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStores, type Stores } from '../../../lib/stores/create-stores';
import { createTables, tableNames } from '../../../lib/stores/create-tables';
import { aCheckpoint, aLargeStagedPage, aStagedPage } from '../../factories/listing-staging';
import { aClaim, aCreatedShare, aPolicy, anExemption, T0 } from '../../factories/store-items';

type DynaliteFactory = (options: { createTableMs?: number }) => Server;
// dynalite ships no type declarations: load it through a computed specifier typed here.
const DYNALITE: string = 'dynalite';

describe('the stores on dynalite', () => {
  let server: Server;
  let client: DynamoDBClient;
  let stores: Stores;
  let ttlUnsupported: string[];

  beforeAll(async () => {
    const { default: dynalite } = (await import(DYNALITE)) as { default: DynaliteFactory };
    server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const names = tableNames('dynalite');
    ({ ttlUnsupported } = await createTables(client, names));
    stores = createStores({ client, names });
  });

  afterAll(async () => {
    client.destroy();
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  });

  it('creates the tables and reports the TTL it could not switch on', () => {
    expect(ttlUnsupported).toEqual(['dynalite-Runs']);
  });

  it('applies policies without transactions, still conditionally', async () => {
    expect(await stores.policies.putPolicies([aPolicy(), aPolicy({ policyId: 'two' })], T0)).toEqual({
      created: ['public-links-30-days', 'two'],
      updated: [],
    });
    await stores.policies.putExemption(anExemption(), T0);
    const items = await stores.policies.loadItems();
    expect(items.policies.map((p) => (p as { policyId: string }).policyId)).toEqual(['public-links-30-days', 'two']);
    expect(items.exemptions).toEqual([anExemption()]);
  });

  it('records the policy history without transactions too: each change, then its entry', async () => {
    const actor = { id: 'ana', source: 'os-user' as const, note: 'the OS user name: the embedded local run' };
    await stores.policies.putPolicies([aPolicy({ policyId: 'hist' })], T0, { actor });
    await stores.policies.putPolicies([aPolicy({ policyId: 'hist', description: 'edited' })], T0 + 1, { actor });
    expect(await stores.policies.deletePolicy('hist', T0 + 2, { actor })).toBe(true);
    const history = await stores.policies.listHistory('hist');
    expect(history.map((e) => [e.change, e.versionBefore ?? null, e.versionAfter ?? null, e.actor.id])).toEqual([
      ['delete', 2, null, 'ana'],
      ['update', 1, 2, 'ana'],
      ['create', null, 1, 'ana'],
    ]);
    expect(history[1]?.diff).toEqual([{ field: 'description', old: aPolicy().description, new: 'edited' }]);
  });

  it('stores and reads a run\'s flagged set', async () => {
    await stores.flaggedSets.putFlaggedSet('20310501T100000000Z-0000000a', { p: ['2', '1'] }, T0);
    expect(await stores.flaggedSets.getFlaggedSet('20310501T100000000Z-0000000a')).toEqual({ p: ['1', '2'] });
  });

  it('claims, completes and finds a share record', async () => {
    const result = await stores.shareRecords.claim(aClaim());
    if (result.kind !== 'claimed') throw new Error(result.kind);
    await stores.shareRecords.complete({ requestId: 'req-2026-0001', attemptId: result.attempt.attemptId, share: aCreatedShare(), now: T0 });
    expect(await stores.shareRecords.claim(aClaim())).toMatchObject({ kind: 'completed', record: { shareId: '9007199254740993' } });
    expect(await stores.shareRecords.findByShareId('9007199254740993')).toMatchObject({ requestId: 'req-2026-0001' });
  });

  it('holds the lease for one owner at a time', async () => {
    const both = await Promise.all([
      stores.lease.acquire({ owner: 'a', ttlMs: 1000, now: T0 }),
      stores.lease.acquire({ owner: 'b', ttlMs: 1000, now: T0 }),
    ]);
    expect(both.filter(Boolean)).toHaveLength(1);
  });

  it('keeps inventory marks and audit entries', async () => {
    await stores.inventory.setMarks([{ shareId: '1', policyId: 'p', sinceMs: T0 }], T0);
    expect((await stores.inventory.loadAll()).get('1')).toEqual({ shareId: '1', firstSeenAtMs: T0, lastSeenAtMs: T0, violatingSince: { p: T0 } });
    // The notice's conditions (a nested path compared with another) hold on dynalite too.
    expect(await stores.inventory.setNotified([{ shareId: '1', policyId: 'p' }, { shareId: '2', policyId: 'p' }], T0 + 1)).toBe(1);
    expect(await stores.inventory.setNotified([{ shareId: '1', policyId: 'p' }], T0 + 2)).toBe(0);
    expect((await stores.inventory.loadAll()).get('1')?.notifiedAt).toEqual({ p: T0 + 1 });
    await stores.inventory.clearMarks([{ shareId: '1', policyId: 'p' }]);
    expect((await stores.inventory.loadAll()).get('1')).toEqual({ shareId: '1', firstSeenAtMs: T0, lastSeenAtMs: T0 });
    const runId = stores.runs.newRunId(T0);
    await stores.runs.startRun({ runId, status: 'running', mode: 'dry-run', startedAtMs: T0 });
    await stores.runs.updateAuditOutcome(runId, '1', 'cancelled', T0);
    expect(await stores.runs.getRun(runId)).toMatchObject({ runId, status: 'running' });
  });

  it('stages a listing: split pages, re-reads in order, the conditional checkpoint apart from the run summaries', async () => {
    const runId = stores.runs.newRunId(T0 + 2);
    await stores.runs.startRun({ runId, status: 'running', mode: 'dry-run', startedAtMs: T0 + 2 });
    const pages = [aStagedPage(1), aLargeStagedPage(2), aStagedPage(2, 1, { reread: true }), aStagedPage(3)];
    for (const page of [...pages].reverse()) await stores.listingStaging.putPage(runId, page, T0);
    await stores.listingStaging.putPage(runId, aLargeStagedPage(3, { shares: 25 }), T0);
    await stores.listingStaging.putPage(runId, pages[3]!, T0); // fewer parts than before
    const read = [];
    for await (const page of stores.listingStaging.readPages(runId, 3)) read.push(page);
    expect(read).toEqual(pages);
    const checkpoint = aCheckpoint({ runId });
    expect(await stores.listingStaging.saveCheckpoint(checkpoint, T0)).toBe(true);
    expect(await stores.listingStaging.saveCheckpoint({ ...checkpoint, updatedAtMs: T0 + 1 }, T0)).toBe(false);
    expect(await stores.listingStaging.saveCheckpoint({ ...checkpoint, chunks: 2 }, T0)).toBe(true);
    expect(await stores.listingStaging.getCheckpoint(checkpoint.accountId, runId)).toEqual({ ...checkpoint, chunks: 2 });
    const listed = (await stores.runs.listRuns()).map((r) => r.runId);
    expect(listed[0]).toBe(runId);
    expect(listed.filter((id) => id === runId)).toHaveLength(1); // the checkpoint is no second summary
  });

  it('writes audit outcomes in batches (consistent BatchGetItem, BatchWriteItem) as DynamoDB does', async () => {
    const runId = stores.runs.newRunId(T0 + 1);
    await stores.runs.putAuditEntries(runId, [{ shareId: '2', decision: 'cancel', policyIds: ['p'], reasons: ['old'], outcome: 'enqueued', recordedAtMs: T0 }]);
    await stores.runs.updateAuditOutcomes(runId, [{ shareId: '2', outcome: 'cancelled' }, { shareId: '3', outcome: 'failed', error: 'errno 2' }], T0 + 5);
    const entries: unknown[] = [];
    for await (const e of stores.runs.listAudit(runId)) entries.push(e);
    expect(entries).toEqual([
      { runId, shareId: '2', decision: 'cancel', policyIds: ['p'], reasons: ['old'], outcome: 'cancelled', recordedAtMs: T0, outcomeAtMs: T0 + 5 },
      { runId, shareId: '3', decision: 'cancel', policyIds: [], reasons: [], outcome: 'failed', error: 'errno 2', recordedAtMs: 0, outcomeAtMs: T0 + 5 },
    ]);
  });
});
