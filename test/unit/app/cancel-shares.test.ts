/**
 * The cancel use case on hand-written fakes: outcomes per share, records, audit, events, the
 * global dry run and what makes a message retried.
 */
import { cancelShareBatch, type CancelSharesDeps } from '../../../lib/app/cancel-shares';
import type { ShareCancelledDetail } from '../../../lib/contracts/events';
import { StoreError } from '../../../lib/app/store-ports';
import { parseCancelBatch } from '../../../lib/contracts/cancel-batch';
import { toMessageBody } from '../../../lib/messages/sqs-batch';
import { aCancelBatch } from '../../factories/messages';
import { FakeClock, FakeEvents, FakeRuns, FakeShareRecords, FakeTerabox, T0, asRunStore } from './create-share-fakes';

const RUN = 'run-2026-05-01T00:00:00Z';

function world(options: { globalDryRun?: boolean } = {}) {
  const clock = new FakeClock();
  const records = new FakeShareRecords();
  const terabox = new FakeTerabox(clock);
  const events = new FakeEvents();
  const runs = new FakeRuns();
  const counted: number[] = [];
  const deps: CancelSharesDeps = {
    terabox,
    shareRecords: records,
    runs: asRunStore(runs),
    events,
    clock,
    accountId: 'default',
    globalDryRun: options.globalDryRun ?? false,
    countCancelled: (n) => counted.push(n),
  };
  // Two live shares (1001 made through a request, 1002 by hand); 1003 is gone already.
  terabox.add({ paths: ['/a'], period: 7 });
  terabox.add({ paths: ['/b'], period: 7 });
  records.records.set('req-a', { accountId: 'default', requestId: 'req-a', status: 'created', shareId: '1001', updatedAtMs: T0 });
  const run = (overrides: Parameters<typeof aCancelBatch>[0] = {}) =>
    cancelShareBatch(deps, parseCancelBatch(toMessageBody(aCancelBatch({ runId: RUN, shareIds: ['1001', '1002', '1003'], reasons: { '1001': 'older than 30 days' }, policyIds: { '1001': ['max-age-30'] }, ...overrides }))));
  return { clock, records, terabox, events, runs, counted, deps, run };
}

describe('cancelShareBatch', () => {
  it('cancels the live shares, counts the gone one as done, and records both', async () => {
    const w = world();
    const outcome = await w.run();
    expect(outcome).toEqual({
      status: 'processed',
      retry: false,
      runId: RUN,
      cancelled: ['1001', '1002'],
      alreadyGone: ['1003'],
      unconfirmed: [],
      failed: [],
      bookkeepingFailed: [],
    });
    expect(w.terabox.shares).toEqual([]);
    expect(w.records.records.get('req-a')).toMatchObject({ status: 'cancelled', cancelReason: 'older than 30 days', cancelRunId: RUN, cancelledAtMs: T0 });
    expect(Object.fromEntries(w.runs.outcomes)).toEqual({
      [`${RUN}/1001`]: { outcome: 'cancelled' },
      [`${RUN}/1002`]: { outcome: 'cancelled' },
      [`${RUN}/1003`]: { outcome: 'already-gone' },
    });
    expect(w.counted).toEqual([2]);
  });

  it('announces ShareCancelled for cancelled and already-gone shares, with the request id when known', async () => {
    const w = world();
    await w.run();
    const details = w.events.published.map((e) => e.detail as ShareCancelledDetail).sort((a, b) => a.shareId.localeCompare(b.shareId));
    expect(details).toEqual([
      { shareId: '1001', runId: RUN, policyIds: ['max-age-30'], reason: 'older than 30 days', requestId: 'req-a' },
      { shareId: '1002', runId: RUN, policyIds: [], reason: `cancelled by run ${RUN}` },
      { shareId: '1003', runId: RUN, policyIds: [], reason: `cancelled by run ${RUN} (already gone)` },
    ]);
  });

  it('names in ShareCancelled the version of each policy that decided, when the batch carries them', async () => {
    const w = world();
    await w.run({ policyIds: { '1001': ['max-age-30'], '1002': ['no-temp'] }, policyVersions: { 'max-age-30': 3, 'no-temp': 1 } });
    const details = w.events.published.map((e) => e.detail as ShareCancelledDetail).sort((a, b) => a.shareId.localeCompare(b.shareId));
    expect(details.map((d) => [d.shareId, d.policyIds, d.policyVersions])).toEqual([
      ['1001', ['max-age-30'], { 'max-age-30': 3 }],
      ['1002', ['no-temp'], { 'no-temp': 1 }],
      ['1003', [], undefined],
    ]);
  });

  it('counts an unconfirmed cancel (errno -7) as done: record cancelled, audit outcome unconfirmed, an event that says so', async () => {
    const w = world();
    w.terabox.cancelOutcomes.set('1001', { shareId: '1001', outcome: 'unconfirmed', errno: -7 });
    const outcome = await w.run();
    expect(outcome).toMatchObject({ status: 'processed', retry: false, cancelled: ['1002'], alreadyGone: ['1003'], unconfirmed: ['1001'], failed: [] });
    expect(w.records.records.get('req-a')).toMatchObject({ status: 'cancelled', cancelRunId: RUN });
    expect(w.runs.outcomes.get(`${RUN}/1001`)).toEqual({ outcome: 'unconfirmed' });
    const detail = w.events.published.map((e) => e.detail as ShareCancelledDetail).find((d) => d.shareId === '1001');
    expect(detail).toEqual({
      shareId: '1001',
      runId: RUN,
      policyIds: ['max-age-30'],
      reason: 'older than 30 days (unconfirmed: TeraBox answered errno -7; the next listing checks)',
      requestId: 'req-a',
    });
    expect(w.counted).toEqual([1]); // the SharesCancelled metric counts only confirmed cancels
  });

  it('is safe to repeat: a retried batch finds its shares already gone and counts nothing twice', async () => {
    const w = world();
    await w.run();
    const again = await w.run();
    expect(again).toMatchObject({ status: 'processed', retry: false, cancelled: [], alreadyGone: ['1001', '1002', '1003'] });
    expect(w.counted).toEqual([2]);
    expect(w.records.records.get('req-a')?.status).toBe('cancelled');
  });

  it('retries the message when a share failed, recording the failure in the audit', async () => {
    const w = world();
    w.terabox.cancelOutcomes.set('1002', { shareId: '1002', outcome: 'failed', errno: 9999, error: 'TeraboxApiError: errno 9999' });
    const outcome = await w.run();
    expect(outcome).toMatchObject({ retry: true, cancelled: ['1001'], failed: [{ shareId: '1002', error: 'TeraboxApiError: errno 9999' }] });
    expect(w.runs.outcomes.get(`${RUN}/1002`)).toEqual({ outcome: 'failed', error: 'TeraboxApiError: errno 9999' });
  });

  it('retries the message when a share was cancelled but its audit could not be written', async () => {
    const w = world();
    w.runs.failFor.add('1001');
    const outcome = await w.run();
    expect(outcome).toMatchObject({ retry: true, cancelled: ['1001', '1002'], bookkeepingFailed: [{ shareId: '1001' }] });
  });

  it('looks each gone share up by share id when the message carries no request ids (a message from before them)', async () => {
    const w = world();
    await w.run();
    expect(w.records.lookups).toBe(3);
    expect(w.records.records.get('req-a')?.status).toBe('cancelled');
  });

  it('uses the request ids of the message instead of lookups, and writes the audit in one batched call', async () => {
    const w = world();
    const outcome = await w.run({ requestIds: { '1001': 'req-a', '1002': null, '1003': null } });
    expect(outcome).toMatchObject({ status: 'processed', retry: false, cancelled: ['1001', '1002'], alreadyGone: ['1003'] });
    expect(w.records.lookups).toBe(0);
    expect(w.records.records.get('req-a')).toMatchObject({ status: 'cancelled', cancelRunId: RUN });
    expect(w.runs.calls).toEqual({ single: 0, batched: 1 });
    expect(w.events.published.map((e) => (e.detail as ShareCancelledDetail).requestId)).toEqual(['req-a', undefined, undefined]);
  });

  it.each([
    ['a request id with no record', 'req-missing'],
    ['the request id of another share\'s record', 'req-other'],
  ])('falls back to the lookup when the message names %s, leaving other records alone', async (_what, requestId) => {
    const w = world();
    w.records.records.set('req-other', { accountId: 'default', requestId: 'req-other', status: 'created', shareId: '5555', updatedAtMs: T0 });
    const outcome = await w.run({ requestIds: { '1001': requestId } });
    expect(outcome).toMatchObject({ retry: false, cancelled: ['1001', '1002'] });
    expect(w.records.records.get('req-a')?.status).toBe('cancelled');
    expect(w.records.records.get('req-other')?.status).toBe('created');
    expect(w.records.lookups).toBe(3); // 1001 after its wrong request id, 1002 and 1003 as in an older message
  });

  it('retries the message for exactly the shares whose audit outcome the batched write could not store', async () => {
    const w = world();
    w.runs.failFor.add('1002');
    const outcome = await w.run({ requestIds: { '1001': 'req-a', '1002': null, '1003': null } });
    expect(outcome).toMatchObject({ retry: true, cancelled: ['1001', '1002'], alreadyGone: ['1003'], failed: [], bookkeepingFailed: [{ shareId: '1002', error: expect.stringMatching(/^AuditOutcomesNotWrittenError: /) }] });
    expect([...w.runs.outcomes.keys()]).toEqual([`${RUN}/1001`, `${RUN}/1003`]);
    expect(w.events.published.map((e) => (e.detail as ShareCancelledDetail).shareId)).toEqual(['1001', '1003']);
  });

  it('leaves the audit entry of a share whose record could not be written as it was, and retries the message', async () => {
    const w = world();
    const markCancelled = w.records.markCancelled.bind(w.records);
    w.records.markCancelled = async (input) => {
      if (input.shareId === '1001') throw new StoreError('throttled', { retryable: true });
      return markCancelled(input);
    };
    const outcome = await w.run({ requestIds: { '1001': 'req-a', '1002': null, '1003': null } });
    expect(outcome).toMatchObject({ retry: true, cancelled: ['1001', '1002'], bookkeepingFailed: [{ shareId: '1001', error: 'StoreError: throttled' }] });
    expect([...w.runs.outcomes.keys()]).toEqual([`${RUN}/1002`, `${RUN}/1003`]);
    expect(w.events.published.map((e) => (e.detail as ShareCancelledDetail).shareId)).toEqual(['1002', '1003']);
  });

  it('cancels nothing under the global dry run and audits every share as skipped', async () => {
    const w = world({ globalDryRun: true });
    const outcome = await w.run();
    expect(outcome).toEqual({ status: 'skipped', retry: false, runId: RUN, shareIds: ['1001', '1002', '1003'] });
    expect(w.terabox.shares).toHaveLength(2);
    expect(w.terabox.cancelled).toEqual([]);
    expect([...w.runs.outcomes.values()].map((o) => o.outcome)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(w.events.published).toEqual([]);
  });

  it.each([
    ['a batch for another account', { accountId: 'other' }, /accountId: the batch is for account other/],
    ['a batch that claims to be a dry run', { dryRun: true as unknown as false }, /dryRun: must be false/],
    ['an empty batch', { shareIds: [], reasons: {}, policyIds: {} }, /shareIds: must have at least 1 share id/],
  ])('refuses %s, cancelling nothing', async (_what, overrides, reason) => {
    const w = world();
    const outcome = await w.run(overrides);
    expect(outcome).toMatchObject({ status: 'invalid', retry: true });
    expect(outcome.status === 'invalid' && outcome.reasons.join('; ')).toMatch(reason);
    expect(w.terabox.cancelled).toEqual([]);
  });
});
