/**
 * The sweep's production-trust checks over in-memory fakes: drift of the list response's shape,
 * cancels verified by the next complete listing, and shares the product created that a complete
 * listing does not show.
 */
import { acknowledgeMissingShares, findMissingCreatedShares } from '../../../lib/app/missing-shares';
import { runSweep, SWEEP_METRICS, type SweepResult } from '../../../lib/app/sweep';
import type { ShareRecord } from '../../../lib/app/store-ports';
import type { Share } from '../../../lib/domain/share';
import { TeraboxResponseError } from '../../../lib/terabox/errors';
import { aShare, DAY, maxAgePolicy, sweepWorld, T0, type SweepWorld } from './sweep-fakes';

const MINUTE = 60_000;

/** 101 and 104 break the 30-day policy; 102 is young. Raw items in the Baidu shape. */
function account(options: { idsAsStrings?: boolean } = {}): Share[] {
  return [aShare('101', { ageDays: 40 }), aShare('102', { ageDays: 10 }), aShare('104', { ageDays: 50 })].map((s) => ({
    ...s,
    raw: { shareId: options.idsAsStrings ? s.shareId : Number(s.shareId), shorturl: s.shortUrl, typicalPath: s.paths[0], ctime: 1_700_000_000, public: 1 },
  }));
}

const sweep = (w: SweepWorld, request: { dryRun?: boolean } = {}): Promise<SweepResult> => runSweep(w.deps(), { trigger: 'schedule', ...request });

async function sweepAt(w: SweepWorld, at: number, request: { dryRun?: boolean } = {}): Promise<SweepResult> {
  w.clock.ms = at;
  return sweep(w, request);
}

const metric = (w: SweepWorld, name: string): number[] => w.metrics.values.filter((v) => v.name === name).map((v) => v.value);

describe('drift of the list response', () => {
  it('records a baseline on the first run without a warning, and sees no change while the shape stays', async () => {
    const w = sweepWorld({ shares: account() });
    const first = await sweepAt(w, T0);
    expect(first.warnings).toEqual([]);
    expect(first.apiShape).toEqual({ fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), items: 3, fields: 5 });
    expect(w.runs.apiShape).toMatchObject({ runId: first.runId, fingerprint: first.apiShape!.fingerprint });

    w.lister.shares = account().slice(0, 1); // fewer shares, same shape
    const second = await sweepAt(w, T0 + DAY);
    expect(second.warnings).toEqual([]);
    expect(second.apiShape).toMatchObject({ baselineRunId: first.runId, fingerprint: first.apiShape!.fingerprint });
    expect(second.apiShape!.change).toBeUndefined();
    expect(metric(w, SWEEP_METRICS.apiShapeChanged)).toEqual([0, 0]);
  });

  it('warns when ids turn from numbers into strings: in the result, the run summary and the metric, then compares with the new shape', async () => {
    const w = sweepWorld({ shares: account() });
    const first = await sweepAt(w, T0);
    w.lister.shares = account({ idsAsStrings: true });
    const changed = await sweepAt(w, T0 + DAY);

    expect(changed.status).toBe('completed');
    expect(changed.apiShape!.change).toEqual({ added: [], removed: [], retyped: [{ field: 'shareId', before: ['integer'], after: ['numeric-string'] }] });
    expect(changed.warnings).toEqual([expect.stringContaining(`another shape than on run ${first.runId}`)]);
    expect(changed.warnings[0]).toContain('fields retyped: shareId (integer -> numeric-string)');
    expect(w.runs.runs.get(changed.runId)).toMatchObject({ warnings: changed.warnings, apiShape: changed.apiShape, counts: expect.objectContaining({ warnings: 1 }) });
    expect(metric(w, SWEEP_METRICS.apiShapeChanged)).toEqual([0, 1]);

    const after = await sweepAt(w, T0 + 2 * DAY);
    expect([after.warnings, after.apiShape!.baselineRunId]).toEqual([[], changed.runId]);
  });

  it('has no shape for an empty account: no warning, no metric, and the baseline is kept', async () => {
    const w = sweepWorld({ shares: account() });
    const first = await sweepAt(w, T0);
    w.lister.shares = [];
    const empty = await sweepAt(w, T0 + DAY);
    expect([empty.status, empty.warnings, empty.apiShape]).toEqual(['completed', [], undefined]);
    expect(w.runs.apiShape!.runId).toBe(first.runId);
    expect(metric(w, SWEEP_METRICS.apiShapeChanged)).toEqual([0]);
  });

  it('keeps the baseline when the baseline cannot be read, and says so in the run errors', async () => {
    const w = sweepWorld({ shares: account() });
    w.runs.failGetApiShape = new Error('throttled');
    const result = await sweepAt(w, T0);
    expect(result.status).toBe('completed');
    expect(result.errors).toEqual([expect.stringContaining('drift was not checked')]);
    expect(w.runs.apiShapeWrites).toEqual([]);
  });

  it('does not replace the baseline from a failed run, so the next run still warns', async () => {
    const w = sweepWorld({ shares: account() });
    await sweepAt(w, T0);
    w.lister.shares = account({ idsAsStrings: true });
    w.inventory.failPut = new Error('table gone');
    const failed = await sweepAt(w, T0 + DAY);
    expect([failed.status, failed.warnings.length]).toEqual(['failed', 1]);
    w.inventory.failPut = undefined;
    expect((await sweepAt(w, T0 + 2 * DAY)).warnings).toHaveLength(1);
  });

  it('names the field in the failed run when the client refuses an item it does not understand', async () => {
    const w = sweepWorld({ shares: account() });
    w.lister.failAfter = 1;
    w.lister.failure = new TeraboxResponseError('shape', 'share item 2 of page 1 has no usable ctime (got "yesterday")', { endpoint: '/share/teratransfer/sharelist' });
    const result = await sweepAt(w, T0);
    expect(result.status).toBe('failed');
    expect(w.runs.runs.get(result.runId)!.reason).toContain('has no usable ctime');
    expect(w.cancelQueue.batches).toEqual([]);
  });
});

describe('cancels verified by the next complete listing', () => {
  it('records who cancelled what, retries a cancel that did not take once, then gives up and asks a person', async () => {
    const w = sweepWorld({ shares: account() });
    const run1 = await sweepAt(w, T0);
    expect(run1.enqueued).toEqual(['101', '104']);
    expect(w.inventory.items.get('101')).toMatchObject({ cancelRunId: run1.runId, cancelRequestedAtMs: T0 });
    // cancel-shares: 101 answered cancelled (TeraBox kept it); 104's message is not processed yet.
    w.runs.answer(run1.runId, '101', 'cancelled', T0 + MINUTE);

    const run2 = await sweepAt(w, T0 + DAY);
    expect(run2.cancelVerification).toEqual({
      checked: 1,
      ineffective: [{ shareId: '101', cancelRunId: run1.runId, answer: 'cancelled', answeredAtMs: T0 + MINUTE, misses: 1, action: 'retried' }],
      givenUpEarlier: [],
    });
    expect(run2.enqueued).toEqual(['101', '104']);
    const entry = w.runs.auditOf(run2.runId).find((e) => e.shareId === '101')!;
    expect(entry).toMatchObject({ decision: 'cancel-ineffective', outcome: 'enqueued', policyIds: ['public-30d'] });
    expect(entry.reasons[0]).toContain(`the cancel of run ${run1.runId} was answered cancelled`);
    expect(w.inventory.items.get('101')).toMatchObject({ cancelMisses: 1, cancelRunId: run2.runId });
    expect(w.inventory.items.get('104')).toMatchObject({ cancelRunId: run2.runId });
    expect(w.inventory.items.get('104')!.cancelMisses).toBeUndefined();

    w.runs.answer(run2.runId, '101', 'unconfirmed', T0 + DAY + MINUTE);
    const run3 = await sweepAt(w, T0 + 2 * DAY);
    expect(run3.enqueued).toEqual(['104']);
    expect(run3.cancelVerification!.ineffective).toEqual([expect.objectContaining({ shareId: '101', misses: 2, action: 'given-up', answer: 'unconfirmed' })]);
    expect(w.runs.auditOf(run3.runId).find((e) => e.shareId === '101')).toMatchObject({ decision: 'cancel-ineffective', outcome: 'given-up' });
    expect(w.events.detailsOf('ShareCancelIneffective')).toEqual([
      expect.objectContaining({ shareId: '101', runId: run3.runId, cancelRunId: run2.runId, answer: 'unconfirmed', misses: 2, paths: ['/Public/file-101.pdf'] }),
    ]);
    expect(w.inventory.items.get('101')).toMatchObject({ cancelMisses: 2, cancelGaveUpAtMs: T0 + 2 * DAY });
    expect(w.inventory.items.get('101')!.cancelRunId).toBeUndefined();
    expect([metric(w, SWEEP_METRICS.cancelsIneffective), metric(w, SWEEP_METRICS.cancelsGivenUp)]).toEqual([
      [0, 1, 1],
      [0, 0, 1],
    ]);

    // Later runs do not loop: the policy still flags it, the product does not cancel it, no new event.
    const run4 = await sweepAt(w, T0 + 3 * DAY);
    expect(run4.enqueued).toEqual(['104']);
    expect(run4.cancelVerification!.givenUpEarlier).toEqual(['101']);
    expect(w.runs.auditOf(run4.runId).find((e) => e.shareId === '101')).toMatchObject({ decision: 'cancel', outcome: 'given-up' });
    expect(w.events.detailsOf('ShareCancelIneffective')).toHaveLength(1);
  });

  it('concludes nothing from a listing that did not finish', async () => {
    const w = sweepWorld({ shares: account() });
    const run1 = await sweepAt(w, T0);
    w.runs.answer(run1.runId, '101', 'cancelled', T0 + MINUTE);
    w.lister.failAfter = 2;
    const failed = await sweepAt(w, T0 + DAY);
    expect([failed.status, failed.cancelVerification]).toEqual(['failed', undefined]);
    expect(w.inventory.items.get('101')).toMatchObject({ cancelRunId: run1.runId });
    expect(w.inventory.items.get('101')!.cancelMisses).toBeUndefined();
  });

  it('does not judge an answer younger than the settle time when the listing started, nor a failed cancel', async () => {
    const w = sweepWorld({ shares: account() });
    const run1 = await sweepAt(w, T0);
    w.runs.answer(run1.runId, '101', 'cancelled', T0 + DAY - 5 * MINUTE);
    w.runs.answer(run1.runId, '104', 'failed', T0 + MINUTE);
    const run2 = await sweepAt(w, T0 + DAY);
    expect(run2.cancelVerification).toEqual({ checked: 1, ineffective: [], givenUpEarlier: [] });
    expect(w.inventory.items.get('104')!.cancelMisses).toBeUndefined();
  });

  it('lets an exemption added since win over the retry', async () => {
    const w = sweepWorld({ shares: account() });
    const run1 = await sweepAt(w, T0);
    w.runs.answer(run1.runId, '101', 'cancelled', T0 + MINUTE);
    w.policyItems = [maxAgePolicy(), { kind: 'exemption', exemptionId: 'legal', shareIds: ['101'], reason: 'legal hold' }];
    const run2 = await sweepAt(w, T0 + DAY);
    expect(run2.enqueued).toEqual(['104']);
    expect(run2.cancelVerification!.ineffective).toEqual([expect.objectContaining({ shareId: '101', action: 'not-retried', note: 'an exemption protects it now' })]);
    expect(w.runs.auditOf(run2.runId).find((e) => e.shareId === '101')).toMatchObject({ decision: 'cancel-ineffective', outcome: 'skipped' });
  });

  it('says nothing about a cancel that took (the share left the listing)', async () => {
    const w = sweepWorld({ shares: account() });
    const run1 = await sweepAt(w, T0);
    w.runs.answer(run1.runId, '101', 'cancelled', T0 + MINUTE);
    w.lister.shares = account().filter((s) => s.shareId !== '101');
    const run2 = await sweepAt(w, T0 + DAY);
    expect(run2.cancelVerification).toEqual({ checked: 0, ineffective: [], givenUpEarlier: [] });
  });
});

describe('shares the product created, missing from a complete listing', () => {
  const record = (requestId: string, fields: Partial<ShareRecord>): ShareRecord => ({
    accountId: 'default',
    requestId,
    requester: 'marketing',
    status: 'created',
    updatedAtMs: T0 - 2 * DAY,
    createdAtMs: T0 - 2 * DAY,
    period: 0,
    ...fields,
  });

  it('fails the run, naming the shares and the way out, and cancels and writes nothing', async () => {
    const w = sweepWorld({ shares: account() });
    w.records.records = [record('req-gone', { shareId: '999', shortUrl: '1gone' }), record('req-ok', { shareId: '102' })];
    const result = await sweepAt(w, T0);
    expect([result.status, result.failedPhase]).toEqual(['failed', 'join']);
    expect(result.reason).toContain('request req-gone (share 999, short url 1gone');
    expect(result.reason).toContain('share-lifecycle runs acknowledge-missing req-gone');
    expect(result.missingShares).toEqual([{ requestId: 'req-gone', shareId: '999', shortUrl: '1gone', createdAtMs: T0 - 2 * DAY, requester: 'marketing' }]);
    expect([w.cancelQueue.batches, w.inventory.puts, w.runs.auditOf(result.runId)]).toEqual([[], [], []]);
    expect(metric(w, SWEEP_METRICS.createdSharesMissing)).toEqual([1]);
  });

  it.each([
    ['created minutes ago (the list may lag)', { shareId: '999', createdAtMs: T0 - 10 * MINUTE }],
    ['expired by its period', { shareId: '999', period: 1 as const }],
    ['found by its short url, written without the leading 1', { shortUrl: 's101' }],
    ['found by its full link', { shortUrl: 'https://www.terabox.com/s/1s102' }],
  ])('does not count a share %s', async (_case, fields) => {
    const w = sweepWorld({ shares: account() });
    w.records.records = [record('req-x', fields)];
    const result = await sweepAt(w, T0);
    expect([result.status, result.missingShares]).toEqual(['completed', []]);
  });

  it('proceeds once a person acknowledged the share as deleted outside the product', async () => {
    const w = sweepWorld({ shares: account() });
    w.records.records = [record('req-gone', { shareId: '999' })];
    expect((await sweepAt(w, T0)).status).toBe('failed');
    const store = {
      get: async (id: string) => w.records.records.find((r) => r.requestId === id),
      markCancelled: async (input: { requestId?: string; reason: string; now: number }) => {
        const r = w.records.records.find((x) => x.requestId === input.requestId)!;
        Object.assign(r, { status: 'cancelled', cancelReason: input.reason, cancelledAtMs: input.now });
        return r;
      },
    };
    const results = await acknowledgeMissingShares({ shareRecords: store, now: T0 + MINUTE }, ['req-gone', 'req-none'], 'deleted by Ana');
    expect(results.map((r) => r.kind)).toEqual(['acknowledged', 'not-found']);
    expect(w.records.records[0]).toMatchObject({ status: 'cancelled', cancelReason: expect.stringContaining('deleted outside the product') });
    expect(w.records.records[0]!.cancelReason).toContain('deleted by Ana');
    expect((await sweepAt(w, T0 + DAY)).status).toBe('completed');
  });

  it.each([['1abc'], ['abc'], ['https://www.terabox.com/s/1abc?x=1'], ['https://www.terabox.com/sharing/link?surl=abc']])(
    'finds a record whose short url is %p in a listing that spells it 1abc',
    (recorded) => {
      const created = record('r1', { shortUrl: recorded, createdAtMs: T0 - DAY });
      const missing = (listed: string) => findMissingCreatedShares({ records: [created], listed: [{ shareId: '9', shortUrl: listed }], listingStartedAtMs: T0, graceMs: 0 });
      expect(missing('1abc')).toEqual([]);
      expect(missing('1abd')).toHaveLength(1);
    },
  );
});
