import { PutCommand } from '@aws-sdk/lib-dynamodb';
import nodeFetch from 'node-fetch';
import { SweepEventError, SweepFailedError } from '../../../functions/sweep-shares/handler';
import type { AuditEntry } from '../../../lib/app/store-ports';
import { documentClient } from '../../../lib/stores/dynamo';
import type { FetchLike } from '../../../lib/terabox';
import type { NewEmulatorShare } from '../../../lib/terabox/emulator';
import { aManualDryRunEvent, aScheduledSweepEvent } from '../../factories/sweep-events';
import { deferred, within } from '../../support/waiting';
import { useTestTables } from '../stores/tables';
import { anEmulatorShare, DAY, HOUR, NDUS, publicLinksPolicy, sweepWorld, T0, type SweepWorld, type SweepWorldOptions } from './sweep-shares-support';

const tables = useTestTables('sweep');

const BIG_ID = '9007199254740993'; // beyond 2^53
/** Three public /Public/ links older than 30 days; the rest must stay. */
const SHARES: NewEmulatorShare[] = [
  anEmulatorShare('30000000101', '/Public/old-a.pdf', 40),
  anEmulatorShare('30000000102', '/Public/young.pdf', 5),
  anEmulatorShare('30000000103', '/Team/old-plan.docx', 60),
  anEmulatorShare('30000000104', '/Public/old-b.pdf', 35),
  anEmulatorShare(BIG_ID, '/Public/huge-id.pdf', 45),
  anEmulatorShare('30000000106', '/Public/evergreen/logo.png', 90),
  anEmulatorShare('30000000107', '/Public/private-old.zip', 50, { public: false, pwd: 'ab12' }),
];
const EXPECTED = ['30000000101', '30000000104', BIG_ID];
const DOCX_DRY_RUN = publicLinksPolicy({ policyId: 'no-docx', mode: 'dry-run', scope: {}, exempt: {}, rule: { type: 'name', deny: ['**/*.docx'] } });

let world: SweepWorld | undefined;
async function setup(options: Partial<SweepWorldOptions> = {}): Promise<SweepWorld> {
  world = await sweepWorld(tables, { shares: SHARES, policies: [publicLinksPolicy(), DOCX_DRY_RUN], ...options });
  return world;
}
afterEach(async () => {
  await world?.close();
  world = undefined;
  jest.restoreAllMocks();
});

async function audit(w: SweepWorld, runId: string): Promise<Omit<AuditEntry, 'recordedAtMs'>[]> {
  const out: AuditEntry[] = [];
  for await (const e of w.stores.runs.listAudit(runId)) out.push(e);
  return out;
}

describe('sweep-shares handler', () => {
  it('enqueues exactly the shares that break an enforce policy on a scheduled run, and records the run', async () => {
    const w = await setup();
    const report = await w.invoke(aScheduledSweepEvent(T0));

    expect(report.status).toBe('completed');
    expect(report.mode).toBe('enforce');
    expect(report.cancelled).toEqual(EXPECTED);
    expect(w.queuedShareIds()).toEqual(EXPECTED);
    // The sweep only queues: every share is still on TeraBox until cancel-shares runs.
    expect(w.emulator.state.shares.size).toBe(SHARES.length);

    const run = await w.stores.runs.getRun(report.runId);
    expect(run).toMatchObject({ status: 'completed', mode: 'enforce', trigger: 'schedule', errors: [] });
    expect(run!.counts).toMatchObject({ inventory: 7, cancel: 3, enqueued: 3, batches: 1, 'would-cancel': 1, exempt: 1 });
    expect((await audit(w, report.runId)).map((e) => [e.shareId, e.decision, e.outcome ?? null])).toEqual([
      ['30000000101', 'cancel', 'enqueued'],
      ['30000000103', 'would-cancel', null],
      ['30000000104', 'cancel', 'enqueued'],
      ['30000000106', 'exempt', null],
      [BIG_ID, 'cancel', 'enqueued'],
    ]);
    const inventory = await w.stores.inventory.loadAll();
    expect([...inventory.keys()].sort()).toEqual(SHARES.map((s) => s.shareId).sort());
    // Which run cancelled it, so that the next complete listing can verify the cancel took.
    expect(inventory.get(BIG_ID)).toEqual({ shareId: BIG_ID, firstSeenAtMs: T0, lastSeenAtMs: T0, cancelRunId: report.runId, cancelRequestedAtMs: T0 });
    // A first run: everything flagged is new (no fromRunId).
    const diff = { totals: { new: 4, still: 0, resolved: 0 }, perPolicy: { 'no-docx': { new: 1, still: 0, resolved: 0 }, 'public-30d': { new: 3, still: 0, resolved: 0 } } };
    expect(w.bus.detailsOf('SweepCompleted')).toEqual([{ runId: report.runId, mode: 'enforce', counts: expect.objectContaining({ enqueued: 3 }), diff }]);
    expect(await w.stores.lease.current()).toBeUndefined();
    expect(w.metrics.get('SharesListed')).toEqual([7]);
    expect(w.metrics.get('SharesPlannedForCancel')).toEqual([3]);
  });

  it('returns the documented JSON report, every id a string', async () => {
    const w = await setup();
    const report = JSON.parse(JSON.stringify(await w.invoke(aScheduledSweepEvent(T0)))) as Record<string, unknown>;

    expect(Object.keys(report)).toEqual([
      'runId',
      'status',
      'mode',
      'inventory',
      'decisions',
      'cancelled',
      'guardrail',
      'errors',
      'warnings',
      'ineffectiveCancels',
      'givenUp',
      'missingShares',
    ]);
    expect(report).toEqual({
      runId: expect.stringMatching(/^20310501T100000000Z-[0-9a-f]{8}$/),
      status: 'completed',
      mode: 'enforce',
      inventory: { shares: 7, pages: 1, complete: true, new: 7, gone: 0 },
      decisions: [
        { shareId: '30000000101', action: 'cancel', policyIds: ['public-30d'], reasons: ['created 40.0 days ago, limit 30 days (public-30d)'] },
        { shareId: '30000000103', action: 'would-cancel', policyIds: ['no-docx'], reasons: [expect.stringContaining('(no-docx, dry-run)')] },
        { shareId: '30000000104', action: 'cancel', policyIds: ['public-30d'], reasons: ['created 35.0 days ago, limit 30 days (public-30d)'] },
        { shareId: '30000000106', action: 'exempt', policyIds: ['public-30d'], reasons: [expect.stringContaining('exempt by the policy (path "/Public/evergreen/logo.png")')] },
        { shareId: BIG_ID, action: 'cancel', policyIds: ['public-30d'], reasons: ['created 45.0 days ago, limit 30 days (public-30d)'] },
      ],
      cancelled: EXPECTED,
      guardrail: { tripped: false, planned: 3, maxCancellations: 500, maxCancellationPercent: 100, trips: [] },
      errors: [],
      warnings: [],
      ineffectiveCancels: [],
      givenUp: [],
      missingShares: [],
    });
  });

  it('cancels nothing on a manual dry run and reports and records its plan', async () => {
    const w = await setup();
    const report = await w.invoke(aManualDryRunEvent());

    expect(report.mode).toBe('dry-run');
    expect(report.cancelled).toEqual([]);
    expect(report.decisions.filter((d) => d.action === 'would-cancel').map((d) => d.shareId)).toEqual(['30000000101', '30000000103', '30000000104', BIG_ID]);
    expect(w.cancelQueue.snapshot()).toEqual([]);
    expect(await w.stores.runs.getRun(report.runId)).toMatchObject({ status: 'completed', mode: 'dry-run', trigger: 'manual' });
    expect((await audit(w, report.runId)).filter((e) => e.decision === 'would-cancel').map((e) => e.shareId)).toEqual([
      '30000000101',
      '30000000103',
      '30000000104',
      BIG_ID,
    ]);
  });

  it('cancels nothing when the global dry run is on, whatever the event says', async () => {
    const w = await setup({ env: { GLOBAL_DRY_RUN: 'true' } });
    const report = await w.invoke(aScheduledSweepEvent(T0, { dryRun: false }));
    expect(report.mode).toBe('dry-run');
    expect(w.cancelQueue.snapshot()).toEqual([]);
  });

  it('cancels nothing when a guardrail trips, and says which limit and by how much', async () => {
    const w = await setup({ env: { MAX_CANCELLATIONS_PER_RUN: '2' } });
    const report = await w.invoke(aScheduledSweepEvent(T0));

    expect(report.status).toBe('completed');
    expect(report.cancelled).toEqual([]);
    expect(w.cancelQueue.snapshot()).toEqual([]);
    expect(report.guardrail).toEqual({
      tripped: true,
      planned: 3,
      maxCancellations: 2,
      maxCancellationPercent: 100,
      trips: [{ limit: 'global-count', limitValue: 2, allowed: 2, planned: 3, excess: 1, message: 'the run planned 3 cancellations, the limit is 2 (1 over)' }],
    });
    expect(w.bus.detailsOf('GuardrailTripped')).toEqual([{ runId: report.runId, trips: [{ guardrail: 'maxCancellations', limit: 2, actual: 3 }] }]);
    expect(w.metrics.get('GuardrailTripped')).toEqual([1]);
    expect((await w.stores.runs.getRun(report.runId))!.guardrail).toMatchObject({ tripped: true });
  });

  it('exits without acting when a second sweep starts during the first', async () => {
    // The first sweep's first list request waits until the test lets it go: the first sweep is
    // provably under way (lease taken, listing) for as long as the second one runs.
    const listing = deferred();
    const listingReached = deferred();
    let lists = 0;
    const holdFirstListing = (): FetchLike => async (url, init) => {
      if (url.includes('/share/teratransfer/sharelist') && ++lists === 1) {
        listingReached.resolve();
        // Held past its own request timeout, maybe: the client then retries the page, which is not held.
        await listing.promise;
      }
      return nodeFetch(url, init) as ReturnType<FetchLike>;
    };
    const w = await setup({ fetch: holdFirstListing });
    const first = w.invoke(aScheduledSweepEvent(T0));
    await within(listingReached.promise, 'the first sweep to start listing');
    const holder = await w.stores.lease.current();
    expect(holder).toBeDefined();

    const second = await w.invoke(aScheduledSweepEvent(T0));
    expect(second.status).toBe('skipped');
    expect(second.errors).toEqual([]);
    expect(second.decisions).toEqual([]);
    expect(await w.stores.runs.getRun(second.runId)).toMatchObject({ status: 'skipped', reason: expect.stringContaining(`run ${holder!.owner}`) });

    listing.resolve();
    const done = await first;
    expect(done.status).toBe('completed');
    expect(done.runId).toBe(holder!.owner);
    expect(w.queuedShareIds()).toEqual(EXPECTED); // once, from the first sweep only
  });

  describe('a listing that fails halfway', () => {
    const MANY = Array.from({ length: 250 }, (_, i) => anEmulatorShare(String(30_000_001_000 + i), `/Public/bulk/file-${i}.pdf`, 31 + (i % 20)));
    /** Breaks `/share/teratransfer/sharelist` for good once the first page was served. */
    const faultAfterFirstPage =
      (fault: 'http5xx' | 'drop' | null) =>
      (emulator: SweepWorld['emulator']): FetchLike => {
        let pages = 0;
        return (url, init) => {
          if (url.includes('/share/teratransfer/sharelist')) {
            pages += 1;
            if (pages === 2 && fault !== null) emulator.setFaults({ [fault]: 1, paths: ['/share/teratransfer/sharelist'] });
          }
          return nodeFetch(url, init) as ReturnType<FetchLike>;
        };
      };

    it.each([
      ['HTTP 5xx answers', 'http5xx' as const],
      ['dropped connections', 'drop' as const],
    ])('cancels and writes nothing when it meets %s', async (_label, fault) => {
      const w = await setup({ shares: MANY, env: { TERABOX_LIST_CONCURRENCY: '1' }, fetch: faultAfterFirstPage(fault) });
      const error = (await w.invoke(aScheduledSweepEvent(T0)).catch((e: unknown) => e)) as SweepFailedError;

      expect(error).toBeInstanceOf(SweepFailedError);
      const report = error.report;
      expect(report).toMatchObject({ status: 'failed', cancelled: [], decisions: [], guardrail: null, inventory: { complete: false, shares: 100, pages: 1 } });
      expect(report.errors).toEqual([expect.stringMatching(/^the share listing did not finish \(stopped after 1 page and 100 shares\): .*; nothing was cancelled and no marks were written$/)]);
      expect(w.cancelQueue.snapshot()).toEqual([]);
      expect((await w.stores.inventory.loadAll()).size).toBe(0);
      expect(await audit(w, report.runId)).toEqual([]);
      expect(await w.stores.runs.getRun(report.runId)).toMatchObject({ status: 'failed', reason: report.errors[0] });
      expect(await w.stores.lease.current()).toBeUndefined();
      expect(JSON.stringify(report) + error.message).not.toContain(NDUS);
      expect(JSON.stringify(report)).not.toContain(w.emulator.state.jsToken);
    });

    it('enqueues all 250 when nothing fails (the same set-up, as a control)', async () => {
      const w = await setup({ shares: MANY, env: { TERABOX_LIST_CONCURRENCY: '1' }, fetch: faultAfterFirstPage(null) });
      const report = await w.invoke(aScheduledSweepEvent(T0));
      expect(report.inventory).toMatchObject({ complete: true, shares: 250, pages: 3 });
      expect(w.queuedShareIds()).toHaveLength(250);
    });
  });

  it('marks on one run and cancels on a later one, after the grace period', async () => {
    const w = await setup({ policies: [publicLinksPolicy({ graceHours: 24 })] });
    const first = await w.invoke(aScheduledSweepEvent(T0));

    expect(first.cancelled).toEqual([]);
    expect(first.decisions.filter((d) => d.action === 'marked').map((d) => d.shareId)).toEqual(EXPECTED);
    expect(w.cancelQueue.snapshot()).toEqual([]);
    expect(w.bus.detailsOf('ShareMarkedForCancel').map((d) => [d.shareId, d.graceEndsAt])).toEqual(
      EXPECTED.map((id) => [id, '2031-05-02T10:00:00.000Z']),
    );
    const marks = await w.stores.inventory.loadAll();
    expect(EXPECTED.map((id) => marks.get(id)?.violatingSince)).toEqual(EXPECTED.map(() => ({ 'public-30d': T0 })));

    // Twelve hours later: still in the grace period.
    w.clock.advance(12 * HOUR);
    const second = await w.invoke(aScheduledSweepEvent(w.clock.now()));
    expect(second.cancelled).toEqual([]);
    expect(w.bus.ofType('ShareMarkedForCancel')).toHaveLength(3);

    // A day and an hour after the marks: cancelled.
    w.clock.advance(13 * HOUR);
    const third = await w.invoke(aScheduledSweepEvent(w.clock.now()));
    expect(third.cancelled).toEqual(EXPECTED);
    expect(w.queuedShareIds()).toEqual(EXPECTED);
    expect(third.decisions[0]!.reasons[0]).toContain('grace of 24 h ended 2031-05-02T10:00:00.000Z');
  });

  it('reports invalid policies in the table while the valid ones run', async () => {
    const w = await setup();
    const doc = documentClient(tables.client);
    await doc.send(
      new PutCommand({
        TableName: tables.names.policies,
        Item: { accountId: w.accountId, itemId: 'policy#bad-age', kind: 'policy', policyId: 'bad-age', enabled: true, mode: 'enforce', rule: { type: 'max-age', maxAgeDays: -3 }, graceHours: 0 },
      }),
    );
    await doc.send(
      new PutCommand({
        TableName: tables.names.policies,
        Item: { accountId: w.accountId, itemId: 'policy#wipe-all', kind: 'policy', policyId: 'wipe-all', enabled: true, mode: 'enforce', rule: { type: 'max-age', maxAgeDays: 0.001 }, scpoe: {}, graceHours: 0 },
      }),
    );
    const report = await w.invoke(aScheduledSweepEvent(T0));

    expect(report.status).toBe('completed');
    expect(report.cancelled).toEqual(EXPECTED);
    expect(report.errors).toEqual([
      expect.stringMatching(/^invalid policy skipped: policy "bad-age": rule\.maxAgeDays: /),
      expect.stringMatching(/^invalid policy skipped: policy "wipe-all": .*scpoe/),
    ]);
    expect((await w.stores.runs.getRun(report.runId))!.errors).toEqual(report.errors);
    expect(w.metrics.get('InvalidPolicies')).toEqual([2]);
  });

  it('refuses an event it does not understand and does nothing', async () => {
    const w = await setup();
    const error = await w.invoke({ dryrun: true } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SweepEventError);
    expect((error as Error).message).toBe(
      'invalid sweep event (expected {"dryRun": true} or the schedule\'s input): unknown field(s) "dryrun"; nothing was done',
    );
    expect(await w.stores.runs.listRuns()).toEqual([]);
    expect(w.emulator.state.counts.total ?? 0).toBe(0);
  });

  it('keeps the inventory across runs: a share cancelled meanwhile is marked gone', async () => {
    const w = await setup();
    await w.invoke(aScheduledSweepEvent(T0));
    for (const id of EXPECTED) w.emulator.state.removeShare(id);
    w.clock.advance(DAY);
    const report = await w.invoke(aScheduledSweepEvent(w.clock.now()));
    expect(report.inventory).toMatchObject({ shares: 4, new: 0, gone: 3 });
    const inventory = await w.stores.inventory.loadAll();
    expect(EXPECTED.map((id) => inventory.get(id)?.goneAtMs)).toEqual([T0 + DAY, T0 + DAY, T0 + DAY]);
  });
});
