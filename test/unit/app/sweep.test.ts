import { runSweep, SWEEP_METRICS, type SweepResult } from '../../../lib/app/sweep';
import { buildSweepReport } from '../../../lib/app/sweep-report';
import { RULE_KINDS } from '../../../lib/domain/rules/registry';
import type { MaxAgeRule } from '../../../lib/domain/policy-types';
import { CancelQueueSendError } from '../../../lib/messages/sqs-cancel-queue';
import type { Share } from '../../../lib/domain/share';
import { aShare, DAY, HOUR, maxAgePolicy, sweepWorld, T0, type SweepWorld } from './sweep-fakes';

/** 101 and 104 are older than 30 days under /Public/; 102 is young; 103 is old but out of scope. */
function account(): Share[] {
  return [
    aShare('101', { ageDays: 40 }),
    aShare('102', { ageDays: 10 }),
    aShare('103', { ageDays: 45, paths: ['/Team/plan.docx'] }),
    aShare('104', { ageDays: 50 }),
  ];
}

function world(options: Parameters<typeof sweepWorld>[0] = {}): SweepWorld {
  return sweepWorld({ shares: account(), ...options });
}

const sweep = (w: SweepWorld, request: { dryRun?: boolean; trigger?: string } = {}): Promise<SweepResult> =>
  runSweep(w.deps(), { trigger: 'schedule', ...request });

describe('runSweep', () => {
  it('queues exactly the shares that break an enforce policy, with their reasons, and records the run', async () => {
    const w = world();
    const result = await sweep(w);

    expect(result.status).toBe('completed');
    expect(result.mode).toBe('enforce');
    expect(result.enqueued).toEqual(['101', '104']);
    expect(w.cancelQueue.batches).toEqual([
      {
        runId: result.runId,
        accountId: 'default',
        shareIds: ['101', '104'],
        reasons: {
          '101': 'created 40.0 days ago, limit 30 days (public-30d)',
          '104': 'created 50.0 days ago, limit 30 days (public-30d)',
        },
        policyIds: { '101': ['public-30d'], '104': ['public-30d'] },
        // No share record, and TeraBox made them long enough ago that none can have appeared since.
        requestIds: { '101': null, '104': null },
        dryRun: false,
      },
    ]);
    expect(w.runs.auditOf(result.runId).map((e) => [e.shareId, e.decision, e.outcome])).toEqual([
      ['101', 'cancel', 'enqueued'],
      ['104', 'cancel', 'enqueued'],
    ]);
    const run = w.runs.runs.get(result.runId)!;
    expect(run).toMatchObject({ status: 'completed', mode: 'enforce', trigger: 'schedule', errors: [] });
    expect(run.counts).toMatchObject({ inventory: 4, cancel: 2, keep: 2, planned: 2, enqueued: 2, batches: 1, new: 4 });
    expect(Object.keys(run.timings!)).toEqual(expect.arrayContaining(['lease', 'policies', 'list', 'join', 'evaluate', 'write', 'enqueue', 'total']));
    // The share ages the HTML report draws: every listed share on the day of its age, by TeraBox's clock.
    expect(run.ages).toMatchObject({ unknown: 0, clocks: { 'terabox-created': 4 } });
    expect(run.ages!.dayCounts.reduce((a, b) => a + b, 0)).toBe(4);
    expect([run.ages!.dayCounts[40], run.ages!.dayCounts[50]]).toEqual([1, 1]);
    expect(w.events.detailsOf('SweepCompleted')).toEqual([{ runId: result.runId, mode: 'enforce', counts: expect.objectContaining({ enqueued: 2 }) }]);
    expect(w.lease.holder).toBeUndefined();
    expect(w.lease.releases).toEqual([result.runId]);
  });

  it.each([
    ['the event asks for a dry run', { dryRun: true }, false],
    ['the configuration sets the global dry run', {}, true],
  ])('plans without acting when %s', async (_label, request, globalDryRun) => {
    const w = world({ settings: { globalDryRun, guardrails: { maxCancellations: 500, maxCancellationPercent: 100 } }, policies: [maxAgePolicy({ graceHours: 24 })] });
    w.policyItems.push(maxAgePolicy({ policyId: 'now-30d', graceHours: 0 }));
    const result = await sweep(w, request);

    expect(result.mode).toBe('dry-run');
    expect(result.status).toBe('completed');
    expect(w.cancelQueue.batches).toEqual([]);
    expect(result.enqueued).toEqual([]);
    expect(w.inventory.setMarkCalls).toEqual([]);
    expect(w.events.ofType('ShareMarkedForCancel')).toEqual([]);
    // The plan is written to the audit trail, without outcomes.
    expect(w.runs.auditOf(result.runId).map((e) => [e.shareId, e.decision, e.outcome])).toEqual([
      ['101', 'would-cancel', undefined],
      ['104', 'would-cancel', undefined],
    ]);
    expect(result.evaluation!.plannedCancels).toEqual(['101', '104']);
  });

  it.each([
    ['the run-wide count', { maxCancellations: 1, maxCancellationPercent: 100 }, {}, { guardrail: 'maxCancellations', limit: 1, actual: 2 }],
    ['the run-wide percentage', { maxCancellations: 500, maxCancellationPercent: 25 }, {}, { guardrail: 'maxCancellationPercent', limit: 25, actual: 50 }],
    [
      "the policy's own limit",
      { maxCancellations: 500, maxCancellationPercent: 100 },
      { maxCancellationsPerRun: 1 },
      { guardrail: 'policy.maxCancellationsPerRun', limit: 1, actual: 2, policyId: 'public-30d' },
    ],
  ])('cancels nothing and says why when %s trips', async (_label, guardrails, policy, trip) => {
    const w = world({ settings: { guardrails }, policies: [maxAgePolicy(policy)] });
    const result = await sweep(w);

    expect(result.status).toBe('completed');
    expect(w.cancelQueue.batches).toEqual([]);
    expect(result.evaluation!.guardrail.tripped).toBe(true);
    expect(result.evaluation!.guardrail.trips[0]!.excess).toBe(1);
    expect(w.events.detailsOf('GuardrailTripped')).toEqual([{ runId: result.runId, trips: [trip] }]);
    expect(w.metrics.sum(SWEEP_METRICS.guardrailTripped)).toBe(1);
    const audit = w.runs.auditOf(result.runId);
    expect(audit.map((e) => [e.shareId, e.decision, e.outcome])).toEqual([
      ['101', 'cancel', 'skipped'],
      ['104', 'cancel', 'skipped'],
    ]);
    expect(audit[0]!.error).toMatch(/^held by the guardrail: .*1 over\)$/);
  });

  it('keeps only the first decisions in its result when told to, with every one in the audit trail', async () => {
    const full = await sweep(world());
    const w = world({ settings: { reportDecisions: 1 } });
    const capped = await sweep(w);
    expect(capped.enqueued).toEqual(full.enqueued);
    expect(capped.evaluation?.decisions).toEqual(full.evaluation?.decisions.slice(0, 1));
    expect(w.runs.auditOf(capped.runId)).toHaveLength(full.evaluation!.decisions.length);
    expect(buildSweepReport(capped).decisionsTotal).toBe(full.evaluation!.decisions.length);
    expect(buildSweepReport(full).decisionsTotal).toBeUndefined();
  });

  it('writes no grace marks when a guardrail trips', async () => {
    const w = world({ settings: { guardrails: { maxCancellations: 0, maxCancellationPercent: 100 } }, policies: [maxAgePolicy({ policyId: 'a' }), maxAgePolicy({ policyId: 'b', graceHours: 24 })] });
    await sweep(w);
    expect(w.inventory.setMarkCalls).toEqual([]);
    expect(w.events.ofType('ShareMarkedForCancel')).toEqual([]);
  });

  it('does nothing but record a skipped run while another sweep holds the lease', async () => {
    const w = world();
    w.lease.holder = { owner: 'other-run', acquiredAtMs: T0 - 60_000, expiresAtMs: T0 + 10 * 60_000 };
    const result = await sweep(w);

    expect(result.status).toBe('skipped');
    expect(result.reason).toBe('another sweep holds the lease of account default: run other-run (until 2026-05-01T10:10:00.000Z); this run did nothing');
    expect(w.lister.calls).toEqual([]);
    expect(w.inventory.puts).toEqual([]);
    expect(w.cancelQueue.batches).toEqual([]);
    expect(w.runs.runs.get(result.runId)).toMatchObject({ status: 'skipped', reason: result.reason });
    expect(w.lease.holder?.owner).toBe('other-run');
    expect(w.lease.releases).toEqual([]);
    expect(w.events.events).toEqual([]);
  });

  it('takes over a lease whose holder let it expire', async () => {
    const w = world();
    w.lease.holder = { owner: 'crashed-run', acquiredAtMs: T0 - DAY, expiresAtMs: T0 - HOUR };
    const result = await sweep(w);
    expect(result.status).toBe('completed');
    expect(result.enqueued).toEqual(['101', '104']);
  });

  it('cancels and writes nothing when the listing fails halfway, and keeps the token out of the reason', async () => {
    const shares = Array.from({ length: 300 }, (_, i) => aShare(String(1000 + i), { ageDays: 40 + (i % 5) }));
    const w = sweepWorld({ shares });
    w.lister.failAfter = 150;
    const result = await sweep(w);

    expect(result.status).toBe('failed');
    expect(result.failedPhase).toBe('list');
    expect(result.reason).toBe(
      'the share listing did not finish (stopped after 1 page and 100 shares): Error: HTTP 502 on /share/teratransfer/sharelist?jsToken=[REDACTED]&page=3; nothing was cancelled and no marks were written',
    );
    expect(result.inventory).toMatchObject({ complete: false, listed: 100, pages: 1 });
    expect(w.cancelQueue.batches).toEqual([]);
    expect(w.inventory.puts).toEqual([]);
    expect(w.inventory.setMarkCalls).toEqual([]);
    expect(w.runs.audit.size).toBe(0);
    expect(w.runs.runs.get(result.runId)).toMatchObject({ status: 'failed', reason: result.reason, errors: [result.reason] });
    expect(JSON.stringify([...w.runs.runs.values()])).not.toContain('tok-abcdef123456');
    expect(w.events.ofType('SweepCompleted')).toEqual([]);
    expect(w.metrics.sum(SWEEP_METRICS.failed)).toBe(1);
    expect(w.lease.holder).toBeUndefined();
  });

  it('marks first, then cancels on a later run once the grace is over and the share still breaks the policy', async () => {
    const w = world({ policies: [maxAgePolicy({ graceHours: 48 })] });
    const first = await sweep(w);
    expect(first.enqueued).toEqual([]);
    expect(w.inventory.setMarkCalls).toEqual([
      [
        { shareId: '101', policyId: 'public-30d' },
        { shareId: '104', policyId: 'public-30d' },
      ],
    ]);
    expect(w.events.detailsOf('ShareMarkedForCancel').map((d) => [d.shareId, d.policyId, d.graceEndsAt])).toEqual([
      ['101', 'public-30d', '2026-05-03T10:00:00.000Z'],
      ['104', 'public-30d', '2026-05-03T10:00:00.000Z'],
    ]);
    expect(w.inventory.items.get('101')!.violatingSince).toEqual({ 'public-30d': T0 });
    expect(w.runs.auditOf(first.runId).map((e) => e.decision)).toEqual(['marked', 'marked']);

    // A day later: still within the grace; 104 moved out of /Public/ and loses its mark.
    w.clock.advance(DAY);
    w.lister.shares = account().map((s) => (s.shareId === '104' ? { ...s, paths: ['/Team/moved.pdf'] } : s));
    const second = await sweep(w);
    expect(second.enqueued).toEqual([]);
    expect(second.cleared).toEqual([{ shareId: '104', policyId: 'public-30d' }]);
    expect(w.inventory.items.get('104')!.violatingSince).toBeUndefined();
    expect(w.events.ofType('ShareMarkedForCancel')).toHaveLength(2);

    // After the grace: 101 still breaks the policy and is cancelled.
    w.clock.advance(DAY + HOUR);
    const third = await sweep(w);
    expect(third.enqueued).toEqual(['101']);
    expect(w.cancelQueue.batches[0]!.reasons!['101']).toContain('grace of 48 h ended 2026-05-03T10:00:00.000Z');
  });

  it('reports invalid policies and exemptions and still runs the valid ones', async () => {
    const w = world({
      policies: [
        maxAgePolicy(),
        { ...maxAgePolicy({ policyId: 'bad-age' }), rule: { type: 'max-age', maxAgeDays: -1 } },
        { policyId: 'typo', enabled: true, rule: { type: 'max-age', maxAgeDays: 1 }, scope: { pathPrefix: ['/'] } },
        { kind: 'exemption', exemptionId: 'no-reason', shareIds: ['101'] },
      ],
    });
    const result = await sweep(w);

    expect(result.status).toBe('completed');
    expect(result.enqueued).toEqual(['101', '104']);
    expect(result.policyIds).toEqual(['public-30d']);
    expect(result.invalidPolicies.map((i) => [i.kind, i.id])).toEqual([
      ['policy', 'bad-age'],
      ['policy', 'typo'],
      ['exemption', 'no-reason'],
    ]);
    expect(result.errors).toHaveLength(3);
    expect(result.errors[0]).toMatch(/^invalid policy skipped: policy "bad-age": rule\.maxAgeDays: /);
    expect(result.errors[1]).toMatch(/policy "typo".*pathPrefix/);
    expect(result.errors[2]).toMatch(/exemption "no-reason".*reason/);
    expect(w.metrics.sum(SWEEP_METRICS.invalidPolicies)).toBe(3);
    expect(w.runs.runs.get(result.runId)!.errors).toEqual(result.errors);
  });

  it('applies global exemptions from the policy source', async () => {
    const w = world({ policies: [maxAgePolicy(), { kind: 'exemption', exemptionId: 'legal', shareIds: ['104'], reason: 'legal hold' }] });
    const result = await sweep(w);
    expect(result.enqueued).toEqual(['101']);
    expect(w.runs.auditOf(result.runId).find((e) => e.shareId === '104')).toMatchObject({ decision: 'exempt' });
  });

  it('keeps the inventory: first sightings, daily last-seen, gone shares kept a week then deleted', async () => {
    const w = world({ policies: [] });
    await sweep(w);
    expect(w.inventory.puts[0]!.map((i) => [i.shareId, i.firstSeenAtMs, i.lastSeenAtMs])).toEqual([
      ['101', T0, T0],
      ['102', T0, T0],
      ['103', T0, T0],
      ['104', T0, T0],
    ]);

    // An hour later 102 is gone: only its item changes.
    w.clock.advance(HOUR);
    w.lister.shares = account().filter((s) => s.shareId !== '102');
    const second = await sweep(w);
    expect(w.inventory.puts[1]).toEqual([{ shareId: '102', firstSeenAtMs: T0, lastSeenAtMs: T0, goneAtMs: T0 + HOUR }]);
    expect(second.inventory).toMatchObject({ new: 0, gone: 1, deleted: 0, written: 1 });

    // Eight days later: 102 is deleted; the others get a new last-seen (a day has passed).
    w.clock.advance(8 * DAY);
    const third = await sweep(w);
    expect(w.inventory.deletes).toEqual([['102']]);
    expect(third.inventory).toMatchObject({ gone: 0, deleted: 1, written: 3 });
    expect(w.inventory.items.get('101')).toEqual({ shareId: '101', firstSeenAtMs: T0, lastSeenAtMs: T0 + HOUR + 8 * DAY });
  });

  it('forgets that a share was gone when a later listing shows it again', async () => {
    const w = world({ policies: [] });
    w.inventory.items.set('102', { shareId: '102', firstSeenAtMs: T0 - 5 * DAY, lastSeenAtMs: T0 - DAY, goneAtMs: T0 - HOUR });
    await sweep(w);
    expect(w.inventory.items.get('102')).toEqual({ shareId: '102', firstSeenAtMs: T0 - 5 * DAY, lastSeenAtMs: T0 });
  });

  it('ages a share without a creation time from its first sighting', async () => {
    const w = sweepWorld({ shares: [aShare('201', { noCtime: true })] });
    w.inventory.items.set('201', { shareId: '201', firstSeenAtMs: T0 - 31 * DAY, lastSeenAtMs: T0 - DAY });
    const result = await sweep(w);
    expect(result.enqueued).toEqual(['201']);
    expect(result.evaluation!.decisions[0]!.clock).toBe('first-seen');
  });

  it('joins the share records: requester and product creation time, share ids learnt by short url', async () => {
    const w = sweepWorld({
      shares: [aShare('301', { noCtime: true, shortUrl: '1abc' }), aShare('302', { noCtime: true }), aShare('303', { noCtime: true })],
      policies: [maxAgePolicy({ scope: { requesters: ['marketing'] }, rule: { type: 'max-age', maxAgeDays: 5 } })],
    });
    const record = (requestId: string, fields: object) => ({ accountId: 'default', requestId, status: 'created' as const, updatedAtMs: T0, ...fields });
    w.records.records = [
      record('req-1', { requester: 'marketing', shortUrl: '1abc', createdAtMs: T0 - 6 * DAY }),
      record('req-2', { requester: 'marketing', shareId: '302', createdAtMs: T0 - 6 * DAY }),
      record('req-3', { requester: 'sales', shareId: '303', createdAtMs: T0 - 6 * DAY }),
    ];
    const result = await sweep(w);

    expect(w.records.attached).toEqual([{ requestId: 'req-1', shareId: '301' }]);
    expect(result.enqueued).toEqual(['301', '302']);
    expect(result.evaluation!.decisions.find((d) => d.shareId === '301')!.clock).toBe('product-created');
    expect(w.runs.auditOf(result.runId)[0]).toMatchObject({ shareId: '301', requester: 'marketing', shortUrl: '1abc', paths: ['/Public/file-301.pdf'] });
  });

  it.each([
    ['a full link', 'https://www.1024terabox.com/s/1abc'],
    ['the code without its leading 1', 'abc'],
    ['the surl link form', 'https://www.terabox.com/sharing/link?surl=abc'],
  ])('joins a record that holds the short url as %s', async (_n, stored) => {
    const w = sweepWorld({ shares: [aShare('301', { noCtime: true, shortUrl: '1abc' })], policies: [maxAgePolicy()] });
    w.records.records = [{ accountId: 'default', requestId: 'req-1', status: 'created' as const, updatedAtMs: T0, requester: 'marketing', shortUrl: stored }];
    await sweep(w);
    expect(w.records.attached).toEqual([{ requestId: 'req-1', shareId: '301' }]);
  });

  it.each<[string, Share, { shareId?: string; shortUrl?: string } | undefined, string | null | undefined]>([
    ['the request id of a record joined by share id', aShare('401', { ageDays: 40 }), { shareId: '401' }, 'req-401'],
    ['the request id of a record joined by short url', aShare('401', { ageDays: 40, shortUrl: '1short' }), { shortUrl: '1short' }, 'req-401'],
    ['null for a share without a record that TeraBox made more than 15 days ago', aShare('401', { ageDays: 16 }), undefined, null],
    ['nothing for a share without a record made 15 days ago or less (cancel-shares looks it up)', aShare('401', { ageDays: 14 }), undefined, undefined],
    ['nothing for a share without a record and without a creation time', aShare('401', { noCtime: true }), undefined, undefined],
  ])('tells cancel-shares %s', async (_what, share, recordFields, expected) => {
    const w = sweepWorld({ shares: [share], policies: [maxAgePolicy({ rule: { type: 'max-age', maxAgeDays: 10 } })] });
    if (share.createdAtMs === undefined) w.inventory.items.set(share.shareId, { shareId: share.shareId, firstSeenAtMs: T0 - 31 * DAY, lastSeenAtMs: T0 - DAY });
    if (recordFields) w.records.records = [{ accountId: 'default', requestId: 'req-401', status: 'created', updatedAtMs: T0, createdAtMs: T0 - 40 * DAY, ...recordFields }];
    const result = await sweep(w);

    expect(result.enqueued).toEqual(['401']);
    expect(w.cancelQueue.batches[0]!.requestIds).toEqual(expected === undefined ? undefined : { '401': expected });
  });

  it('reports the unsent batches and does not count them as queued when the cancel queue fails for some', async () => {
    const w = world({ settings: { cancelBatchSize: 1 } });
    w.cancelQueue.send = async (batches) => {
      w.cancelQueue.batches.push(batches[0]!);
      throw new CancelQueueSendError(1, [{ batchIndex: 1, runId: batches[1]!.runId, shareIds: batches[1]!.shareIds, error: 'ThrottlingException' }]);
    };
    const result = await sweep(w);

    expect(result.status).toBe('failed');
    expect(result.failedPhase).toBe('enqueue');
    expect(result.enqueued).toEqual(['101']);
    expect(result.batches).toBe(1);
    expect(result.reason).toMatch(/^1 of 2 cancel batch\(es\) could not be queued \(1 shares not cancelled\)/);
    expect(w.runs.auditOf(result.runId).map((e) => [e.shareId, e.outcome])).toEqual([
      ['101', 'enqueued'],
      ['104', 'skipped'],
    ]);
  });

  it('counts no batch as queued when the cancel queue fails without naming the unsent ones', async () => {
    const w = world();
    w.cancelQueue.failure = new Error('queue unreachable');
    const result = await sweep(w);
    expect(result.status).toBe('failed');
    expect(result.enqueued).toEqual([]);
    expect(w.runs.auditOf(result.runId).map((e) => e.outcome)).toEqual(['skipped', 'skipped']);
  });

  it.each([
    ['the policies cannot be loaded', (w: SweepWorld) => (w.deps = ((d) => () => ({ ...d(), policies: { description: 'policies table', load: () => Promise.reject(new Error('ResourceNotFoundException')) } }))(w.deps)), 'policies'],
    ['the inventory cannot be written', (w: SweepWorld) => (w.inventory.failPut = new Error('ProvisionedThroughputExceededException')), 'write'],
    ['the inventory cannot be read', (w: SweepWorld) => (w.inventory.scan = () => rejectingScan(new Error('AccessDeniedException'))), 'join'],
  ])('fails without cancelling anything when %s', async (_label, breakIt, phase) => {
    const w = world();
    breakIt(w);
    const result = await sweep(w);
    expect(result.status).toBe('failed');
    expect(result.failedPhase).toBe(phase);
    expect(result.reason).toMatch(/nothing was (cancelled|done)$/);
    expect(w.cancelQueue.batches).toEqual([]);
    expect(w.lease.holder).toBeUndefined();
    expect(w.runs.runs.get(result.runId)!.status).toBe('failed');
  });

  it('stops without acting when its lease was taken over during the run', async () => {
    const w = world({ settings: { leaseTtlMs: 60_000 } });
    w.lister.afterPage = () => {
      // The listing took longer than the lease: another run took it.
      w.clock.advance(2 * 60_000);
      w.lease.holder = { owner: 'newer-run', acquiredAtMs: w.clock.now(), expiresAtMs: w.clock.now() + 60_000 };
    };
    const result = await sweep(w);
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/LeaseLostError: the lease of run .* was lost/);
    expect(w.cancelQueue.batches).toEqual([]);
    expect(w.inventory.puts).toEqual([]);
    expect(w.lease.holder?.owner).toBe('newer-run');
  });

  it('keeps a completed run completed when an event cannot be published, and says so', async () => {
    const w = world();
    w.events.publish = () => Promise.reject(new Error('EventBridge down'));
    const result = await sweep(w);
    expect(result.status).toBe('completed');
    expect(result.enqueued).toEqual(['101', '104']);
    expect(result.errors).toEqual(['could not publish 1 event(s): Error: EventBridge down']);
    expect(w.metrics.sum(SWEEP_METRICS.eventPublishFailures)).toBe(1);
  });

  it('reports a run whose summary could not be written as failed, and still releases the lease', async () => {
    const w = world();
    w.runs.failFinish = new Error('InternalServerError');
    const result = await sweep(w);
    expect(result.status).toBe('failed');
    expect(result.failedPhase).toBe('finish');
    expect(result.errors).toEqual(['could not write the run summary: Error: InternalServerError']);
    expect(w.lease.holder).toBeUndefined();
  });

  it('passes the listing settings to the gateway and reports progress and metrics', async () => {
    const w = world({ settings: { listConcurrency: 3, pageSize: 2 } });
    w.lister.pageSize = 2;
    const progress: unknown[] = [];
    await runSweep(w.deps(), { trigger: 'cli', onProgress: (p) => progress.push(p) });
    expect(w.lister.calls[0]).toMatchObject({ concurrency: 3, pageSize: 2 });
    expect(progress).toEqual(expect.arrayContaining([{ phase: 'list', pages: 2, shares: 4 }, { phase: 'enqueue', batches: 1 }]));
    expect(w.metrics.sum(SWEEP_METRICS.sharesListed)).toBe(4);
    expect(w.metrics.sum(SWEEP_METRICS.plannedForCancel)).toBe(2);
    expect(w.metrics.sum(SWEEP_METRICS.enqueuedForCancel)).toBe(2);
    expect(w.metrics.values.find((m) => m.name === SWEEP_METRICS.duration)!.unit).toBe('Milliseconds');
  });

  it('reports policy items the source could not recognise', async () => {
    const w = world();
    const deps = {
      ...w.deps(),
      policies: {
        description: 'test',
        load: async () => ({ policies: [maxAgePolicy()], exemptions: [], unrecognized: [{ itemId: 'policy#x', reason: 'key disagrees with the id inside' }] }),
      },
    };
    const result = await runSweep(deps, { trigger: 'schedule' });
    expect(result.enqueued).toEqual(['101', '104']);
    expect(result.errors).toEqual(['test: item "policy#x" skipped: key disagrees with the id inside']);
  });

  it('leaves out a policy the engine refuses and evaluates the others', async () => {
    // zz-broken's rule (31 days) stands for one that skipped validation and does not compile.
    const kind = RULE_KINDS['max-age'];
    const compile = kind.compile.bind(kind);
    const spy = jest.spyOn(kind, 'compile').mockImplementation((rule: MaxAgeRule, now: number) => {
      if (rule.maxAgeDays === 31) throw new Error('pattern does not compile');
      return compile(rule, now);
    });
    try {
      const w = world({ policies: [maxAgePolicy(), maxAgePolicy({ policyId: 'zz-broken', rule: { type: 'max-age', maxAgeDays: 31 } })] });
      const result = await sweep(w);
      // Built twice: public-30d and zz-broken (refused), then public-30d alone.
      expect(spy.mock.calls.map(([rule]) => rule.maxAgeDays)).toEqual([30, 31, 30]);
      expect(result.policyIds).toEqual(['public-30d']);
      expect(result.errors).toEqual(['invalid policy skipped: policy "zz-broken": rule: pattern does not compile']);
      expect(result.enqueued).toEqual(['101', '104']);
    } finally {
      spy.mockRestore();
    }
  });

  describe('grace notices', () => {
    const GRACE = 48 * HOUR;
    const graced = () => world({ policies: [maxAgePolicy({ graceHours: 48 })] });
    const notices = (w: SweepWorld) => w.events.detailsOf('ShareMarkedForCancel');
    const noticed = (w: SweepWorld, id: string) => w.inventory.items.get(id)?.notifiedAt;
    /** Makes the bus refuse the ShareMarkedForCancel events `refuse` picks (all, with an error naming none, when it is absent). */
    const refuseNotices = (w: SweepWorld, refuse?: (shareId: string) => boolean) => {
      const real = w.events.publish.bind(w.events);
      w.events.publish = async (events) => {
        if (!events.some((e) => e.detailType === 'ShareMarkedForCancel')) return real(events);
        if (!refuse) throw new Error('EventBridge down');
        const failures = events.flatMap((e, index) => (e.detailType === 'ShareMarkedForCancel' && refuse(e.detail.shareId) ? [{ index, detailType: e.detailType, errorCode: 'InternalFailure', errorMessage: 'x' }] : []));
        await real(events.filter((_, i) => !failures.some((f) => f.index === i)));
        if (failures.length > 0) throw Object.assign(new Error(`${failures.length} event(s) could not be published`), { name: 'EventPublishError', failures });
      };
      return () => (w.events.publish = real);
    };

    it('with email delivery, publishes the notices but leaves notifiedAt to the notifier, and notices an undelivered mark again', async () => {
      const w = world({ policies: [maxAgePolicy({ graceHours: 48 })], settings: { noticeDelivery: 'email' } });
      const first = await sweep(w);
      expect(notices(w).map((n) => [n.shareId, n.runId, n.graceHours])).toEqual([
        ['101', first.runId, 48],
        ['104', first.runId, 48],
      ]);
      expect(w.inventory.notifyCalls).toEqual([]);
      expect([first.notified, first.awaitingDelivery, first.counts.noticesAwaitingDelivery]).toEqual([
        [],
        [{ shareId: '101', policyId: 'public-30d' }, { shareId: '104', policyId: 'public-30d' }],
        2,
      ]);
      // Nobody delivered them: the next run sends both notices again, and cancels nothing.
      w.clock.advance(72 * HOUR);
      const second = await sweep(w);
      expect(notices(w).map((n) => n.runId)).toEqual([first.runId, first.runId, second.runId, second.runId]);
      expect(second.enqueued).toEqual([]);
    });

    it('sends exactly one notice per mark, with what a subscriber needs, and records when the bus accepted it', async () => {
      const w = graced();
      w.records.records = [{ accountId: 'default', requestId: 'req-101', requester: 'marketing', shareId: '101', status: 'created', updatedAtMs: T0, createdAtMs: T0 - 40 * DAY }];
      w.lister.shares = account().map((s) => (s.shareId === '104' ? { ...s, paths: Array.from({ length: 25 }, (_, i) => `/Public/f${i}.pdf`) } : s));
      // The bus takes five seconds to accept: the grace counts from then, the notice says it ends 48 h after it was sent.
      const real = w.events.publish.bind(w.events);
      w.events.publish = async (events) => {
        w.clock.advance(5_000);
        return real(events);
      };
      const first = await sweep(w);

      expect(w.events.ofType('ShareMarkedForCancel').map((e) => e.time)).toEqual([T0, T0]);
      expect(notices(w)).toEqual([
        {
          shareId: '101',
          policyId: 'public-30d',
          graceEndsAt: new Date(T0 + GRACE).toISOString(),
          reason: 'created 40.0 days ago, limit 30 days (public-30d)',
          shortUrl: '1s101',
          paths: ['/Public/file-101.pdf'],
          pathCount: 1,
          requester: 'marketing',
          requestId: 'req-101',
          runId: first.runId,
          graceHours: 48,
        },
        {
          shareId: '104',
          policyId: 'public-30d',
          graceEndsAt: new Date(T0 + GRACE).toISOString(),
          reason: 'created 50.0 days ago, limit 30 days (public-30d)',
          shortUrl: '1s104',
          paths: Array.from({ length: 20 }, (_, i) => `/Public/f${i}.pdf`),
          pathCount: 25,
          runId: first.runId,
          graceHours: 48,
        },
      ]);
      expect(w.inventory.notifyCalls).toEqual([{ marks: [{ shareId: '101', policyId: 'public-30d' }, { shareId: '104', policyId: 'public-30d' }], atMs: T0 + 5_000 }]);
      expect([noticed(w, '101'), noticed(w, '104')]).toEqual([{ 'public-30d': T0 + 5_000 }, { 'public-30d': T0 + 5_000 }]);
      expect(first.notified).toEqual([
        { shareId: '101', policyId: 'public-30d', notifiedAtMs: T0 + 5_000, graceEndsAtMs: T0 + 5_000 + GRACE },
        { shareId: '104', policyId: 'public-30d', notifiedAtMs: T0 + 5_000, graceEndsAtMs: T0 + 5_000 + GRACE },
      ]);
      expect([first.unnotified, first.counts.noticesSent, w.metrics.sum(SWEEP_METRICS.noticesSent)]).toEqual([[], 2, 2]);

      // Further runs within the grace send nothing more for these marks.
      for (const hours of [1, 12, 47]) {
        w.clock.ms = T0 + hours * HOUR;
        const again = await sweep(w);
        expect([again.enqueued, again.notified, again.evaluation!.noticesDue]).toEqual([[], [], []]);
      }
      expect(notices(w)).toHaveLength(2);
      expect(w.inventory.notifyCalls).toHaveLength(1);
      // 48 h after the notice was sent, but not yet after it was accepted: still kept.
      w.clock.ms = T0 + GRACE;
      expect((await sweep(w)).enqueued).toEqual([]);
      w.clock.ms = T0 + 5_000 + GRACE;
      expect((await sweep(w)).enqueued).toEqual(['101', '104']);
      expect(notices(w)).toHaveLength(2);
    });

    it('leaves the marks without a notice when the publish fails; the next run sends it, and the grace counts from then', async () => {
      const w = graced();
      const restore = refuseNotices(w);
      const first = await sweep(w);
      expect(first.status).toBe('completed');
      expect(first.errors).toEqual([
        'could not publish 2 of 2 grace notice(s): Error: EventBridge down; their marks wait without a grace period and the next run sends them again',
      ]);
      expect([w.metrics.sum(SWEEP_METRICS.eventPublishFailures), first.unnotified.length, first.notified.length]).toEqual([2, 2, 0]);
      expect(w.inventory.items.get('101')).toMatchObject({ violatingSince: { 'public-30d': T0 } });
      expect([noticed(w, '101'), noticed(w, '104'), w.inventory.notifyCalls]).toEqual([undefined, undefined, []]);
      expect(w.runs.auditOf(first.runId).map((e) => e.decision)).toEqual(['marked', 'marked']);
      restore();

      // Three days on (past the grace counted from the mark): no cancel, the notices go out now.
      w.clock.ms = T0 + 3 * DAY;
      const second = await sweep(w);
      expect([second.enqueued, second.marked]).toEqual([[], []]);
      expect(second.evaluation!.decisions[0]!.reasons[0]).toContain('notice not sent yet: the grace of 48 h starts when it is');
      expect(notices(w).map((d) => [d.shareId, d.graceEndsAt])).toEqual([
        ['101', new Date(T0 + 3 * DAY + GRACE).toISOString()],
        ['104', new Date(T0 + 3 * DAY + GRACE).toISOString()],
      ]);
      expect(noticed(w, '101')).toEqual({ 'public-30d': T0 + 3 * DAY });

      w.clock.ms = T0 + 3 * DAY + GRACE - 1;
      expect((await sweep(w)).enqueued).toEqual([]);
      w.clock.ms = T0 + 3 * DAY + GRACE;
      expect((await sweep(w)).enqueued).toEqual(['101', '104']);
      expect(notices(w)).toHaveLength(2);
    });

    it('records the notice of exactly the marks whose events the bus accepted when it refuses some', async () => {
      const w = graced();
      const restore = refuseNotices(w, (shareId) => shareId === '104');
      const first = await sweep(w);
      expect(first.errors).toEqual([expect.stringMatching(/^could not publish 1 of 2 grace notice\(s\): EventPublishError: /)]);
      expect([first.notified.map((n) => n.shareId), first.unnotified.map((n) => n.shareId)]).toEqual([['101'], ['104']]);
      expect([noticed(w, '101'), noticed(w, '104')]).toEqual([{ 'public-30d': T0 }, undefined]);
      expect(w.metrics.sum(SWEEP_METRICS.eventPublishFailures)).toBe(1);
      restore();

      w.clock.ms = T0 + 10 * HOUR;
      await sweep(w);
      expect(notices(w).map((d) => d.shareId)).toEqual(['101', '104']);
      expect(noticed(w, '104')).toEqual({ 'public-30d': T0 + 10 * HOUR });
      w.clock.ms = T0 + GRACE;
      expect((await sweep(w)).enqueued).toEqual(['101']);
      w.lister.shares = w.lister.shares.filter((share) => share.shareId !== '101'); // cancelled meanwhile
      w.clock.ms = T0 + 10 * HOUR + GRACE;
      expect((await sweep(w)).enqueued).toEqual(['104']);
      expect(notices(w)).toHaveLength(2);
    });

    it('sends the notices of a run that stopped right after writing its marks', async () => {
      const w = graced();
      const realSetMarks = w.inventory.setMarks.bind(w.inventory);
      w.inventory.setMarks = async (marks, now) => {
        await realSetMarks(marks, now);
        throw new Error('the Lambda was killed'); // nothing after the marks happens in this run
      };
      const first = await sweep(w);
      expect([first.status, first.failedPhase]).toEqual(['failed', 'write']);
      expect([notices(w), w.inventory.notifyCalls, noticed(w, '101')]).toEqual([[], [], undefined]);
      expect(w.inventory.items.get('101')!.violatingSince).toEqual({ 'public-30d': T0 });
      w.inventory.setMarks = realSetMarks;

      w.clock.ms = T0 + 5 * DAY;
      const second = await sweep(w);
      expect([second.status, second.marked, second.enqueued, second.notified.map((n) => n.shareId)]).toEqual(['completed', [], [], ['101', '104']]);
      expect(w.inventory.setMarkCalls).toHaveLength(1); // the first run's only: the marks stay as they were
      w.clock.ms = T0 + 5 * DAY + GRACE;
      expect((await sweep(w)).enqueued).toEqual(['101', '104']);
      expect(notices(w)).toHaveLength(2);
    });

    it('sends a notice again, and counts the grace from the second, when the first could not be recorded', async () => {
      const w = graced();
      w.inventory.failNotify = new Error('ProvisionedThroughputExceededException');
      const first = await sweep(w);
      expect(first.status).toBe('completed');
      expect(first.errors).toEqual([
        '2 grace notice(s) were sent but their time could not be recorded: Error: ProvisionedThroughputExceededException; the next run sends them again and their grace counts from then',
      ]);
      expect([notices(w).length, first.notified.length, first.unnotified.length, noticed(w, '101')]).toEqual([2, 0, 2, undefined]);
      w.inventory.failNotify = undefined;

      w.clock.ms = T0 + HOUR;
      await sweep(w);
      expect(notices(w).map((d) => d.graceEndsAt)).toEqual([T0, T0, T0 + HOUR, T0 + HOUR].map((t) => new Date(t + GRACE).toISOString()));
      w.clock.ms = T0 + GRACE;
      expect((await sweep(w)).enqueued).toEqual([]);
      w.clock.ms = T0 + HOUR + GRACE;
      expect((await sweep(w)).enqueued).toEqual(['101', '104']);
    });

    it.each([
      ['a dry run', { settings: {} }, { dryRun: true }],
      ['a run whose guardrail tripped', { settings: { guardrails: { maxCancellations: 0, maxCancellationPercent: 100 } } }, {}],
    ])('sends no notice, not even one still due, in %s', async (_what, options, request) => {
      const w = world({ policies: [maxAgePolicy({ graceHours: 48 }), maxAgePolicy({ policyId: 'now', rule: { type: 'max-age', maxAgeDays: 45 } })], ...options });
      w.inventory.items.set('101', { shareId: '101', firstSeenAtMs: T0 - 40 * DAY, lastSeenAtMs: T0, violatingSince: { 'public-30d': T0 - DAY } });
      const result = await sweep(w, request);
      expect([notices(w), w.inventory.notifyCalls, w.inventory.setMarkCalls, result.notified]).toEqual([[], [], [], []]);
      expect(result.evaluation!.noticesDue).toEqual([]);
      expect(noticed(w, '101')).toBeUndefined();
    });
  });
});

/** A scan of the inventory that fails when it is read. */
async function* rejectingScan(error: Error): AsyncGenerator<never> {
  yield* [];
  throw error;
}
