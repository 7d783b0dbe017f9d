import { runSweep, type SweepResult } from '../../../lib/app/sweep';
import { buildSweepReport, renderSweepReport } from '../../../lib/app/sweep-report';
import { aShare, maxAgePolicy, sweepWorld, type SweepWorld } from './sweep-fakes';

const BIG_ID = '9007199254740993'; // beyond 2^53: must stay exact

function world(options: Parameters<typeof sweepWorld>[0] = {}): SweepWorld {
  return sweepWorld({
    shares: [
      aShare('101', { ageDays: 40 }),
      aShare('102', { ageDays: 10 }),
      aShare(BIG_ID, { ageDays: 60 }),
      aShare('104', { ageDays: 50, paths: ['/Public/keep/a.pdf'] }),
      aShare('105', { ageDays: 50, paths: [] }),
    ],
    policies: [
      maxAgePolicy({ exempt: { pathPrefixes: ['/Public/keep/'] } }),
      maxAgePolicy({ policyId: 'try-20d', mode: 'dry-run', rule: { type: 'max-age', maxAgeDays: 5 }, exempt: { pathPrefixes: ['/Public/keep/'] } }),
    ],
    ...options,
  });
}

async function run(w: SweepWorld, dryRun = false): Promise<SweepResult> {
  return runSweep(w.deps(), { trigger: 'cli', dryRun });
}

describe('buildSweepReport', () => {
  it('has the documented shape, with every id a string', async () => {
    const result = await run(world());
    const report = buildSweepReport(result);

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
      runId: result.runId,
      status: 'completed',
      mode: 'enforce',
      inventory: { shares: 5, pages: 1, complete: true, new: 5, gone: 0 },
      decisions: [
        {
          shareId: '101',
          action: 'cancel',
          policyIds: ['public-30d', 'try-20d'],
          reasons: ['created 40.0 days ago, limit 30 days (public-30d)', 'created 40.0 days ago, limit 5 days (try-20d, dry-run)'],
        },
        { shareId: '102', action: 'would-cancel', policyIds: ['try-20d'], reasons: ['created 10.0 days ago, limit 5 days (try-20d, dry-run)'] },
        {
          shareId: '104',
          action: 'exempt',
          policyIds: ['public-30d', 'try-20d'],
          reasons: [
            'created 50.0 days ago, limit 30 days, but exempt by the policy (path "/Public/keep/a.pdf") (public-30d)',
            'created 50.0 days ago, limit 5 days, but exempt by the policy (path "/Public/keep/a.pdf") (try-20d)',
          ],
        },
        { shareId: '105', action: 'unevaluable', policyIds: ['public-30d', 'try-20d'], reasons: [expect.any(String), expect.any(String)] },
        { shareId: BIG_ID, action: 'cancel', policyIds: ['public-30d', 'try-20d'], reasons: [expect.any(String), expect.any(String)] },
      ],
      cancelled: ['101', BIG_ID],
      guardrail: { tripped: false, planned: 2, maxCancellations: 500, maxCancellationPercent: 100, trips: [] },
      errors: [],
      warnings: [],
      ineffectiveCancels: [],
      givenUp: [],
      missingShares: [],
    });
    const json = JSON.parse(JSON.stringify(report)) as typeof report;
    expect(json.decisions.every((d) => typeof d.shareId === 'string')).toBe(true);
    expect(json.cancelled).toContain(BIG_ID);
  });

  it('lists nothing as cancelled in a dry run, and the plan as would-cancel', async () => {
    const report = buildSweepReport(await run(world(), true));
    expect(report.mode).toBe('dry-run');
    expect(report.cancelled).toEqual([]);
    expect(report.decisions.filter((d) => d.action === 'would-cancel').map((d) => d.shareId)).toEqual(['101', '102', BIG_ID]);
  });

  it('takes what TeraBox answered when the run cancelled directly', async () => {
    const result = await run(world());
    const report = buildSweepReport(result, {
      outcomes: [
        { shareId: '101', outcome: 'cancelled' },
        { shareId: BIG_ID, outcome: 'failed', errno: -9, error: 'unknown errno' },
      ],
    });
    expect(report.cancelled).toEqual(['101']);
    expect(report.errors).toEqual([`share ${BIG_ID}: cancel failed (errno -9): unknown errno`]);
  });

  it('counts an unconfirmed cancel as cancelled and names it apart; no unconfirmed field without one', async () => {
    const result = await run(world());
    const report = buildSweepReport(result, {
      outcomes: [
        { shareId: '101', outcome: 'cancelled' },
        { shareId: BIG_ID, outcome: 'unconfirmed', errno: -7 },
      ],
    });
    expect(report.cancelled).toEqual(['101', BIG_ID]);
    expect(report.unconfirmed).toEqual([BIG_ID]);
    expect(report.errors).toEqual([]);
    expect(buildSweepReport(result, { outcomes: [{ shareId: '101', outcome: 'cancelled' }] })).not.toHaveProperty('unconfirmed');
    expect(renderSweepReport(result, { outcomes: [{ shareId: '101', outcome: 'cancelled' }, { shareId: BIG_ID, outcome: 'unconfirmed', errno: -7 }] })).toMatch(
      new RegExp(`^ {2}of which 1 share unconfirmed \\(TeraBox's answer was no proof the share is gone; the next sweep checks\\): ${BIG_ID}$`, 'm'),
    );
  });

  it('shows a share waiting out its grace period as marked', async () => {
    const report = buildSweepReport(await run(world({ policies: [maxAgePolicy({ graceHours: 24 })] })));
    expect(report.decisions.map((d) => [d.shareId, d.action])).toEqual([
      ['101', 'marked'],
      ['104', 'marked'],
      ['105', 'unevaluable'],
      [BIG_ID, 'marked'],
    ]);
    expect(report.cancelled).toEqual([]);
  });

  it('lists plain keeps only when asked', async () => {
    const result = await run(world({ policies: [] }));
    expect(buildSweepReport(result).decisions).toEqual([]);
    expect(buildSweepReport(result, { includeKeep: true }).decisions.map((d) => d.action)).toEqual(['keep', 'keep', 'keep', 'keep', 'keep']);
  });

  it('has no guardrail and an incomplete inventory when the listing failed', async () => {
    const w = world();
    w.lister.pageSize = 2;
    w.lister.failAfter = 2;
    const report = buildSweepReport(await run(w));
    expect(report).toMatchObject({ status: 'failed', guardrail: null, decisions: [], cancelled: [], inventory: { complete: false, shares: 2 } });
    expect(report.errors).toEqual([expect.stringMatching(/^the share listing did not finish/)]);
  });

  it('says which guardrail tripped and by how much', async () => {
    const report = buildSweepReport(await run(world({ settings: { guardrails: { maxCancellations: 1, maxCancellationPercent: 100 } } })));
    expect(report.cancelled).toEqual([]);
    expect(report.guardrail).toMatchObject({
      tripped: true,
      planned: 2,
      trips: [{ limit: 'global-count', limitValue: 1, allowed: 1, planned: 2, excess: 1, message: 'the run planned 2 cancellations, the limit is 1 (1 over)' }],
    });
  });
});

describe('renderSweepReport', () => {
  it.each([
    [
      'an enforcing run',
      {},
      false,
      [
        /^Sweep \S+ \(enforce, completed; trigger cli; account default\)$/m,
        /^Inventory: 5 shares listed in 1 page \(5 new, 0 gone since the last run\)$/m,
        /^ {2}public-30d +enforce +4 +2 +0 +0 +1 +1 +ok$/m,
        /^ {2}try-20d +dry-run +4 +0 +3 +0 +1 +1 +ok$/m,
        /^Sent for cancellation \(2\):\n {2}101 \/Public\/file-101\.pdf\n {6}created 40\.0 days ago, limit 30 days \(public-30d\)/m,
        /^Would be cancelled \(dry-run policies\) \(1\):/m,
        /^Exempt \(1\):/m,
        /^Guardrails: ok \(2 planned; limits 500 per run and 100% of the inventory\)$/m,
        /^Cancel queue: 2 shares in 1 batch$/m,
        /^Timings: lease \d+ ms, policies \d+ ms, list \d+ ms, join \d+ ms, evaluate \d+ ms, write \d+ ms, enqueue \d+ ms, finish \d+ ms, total \d+ ms$/m,
      ],
    ],
    ['a dry run', {}, true, [/\(dry-run, completed/, /^Would be cancelled \(dry run\) \(3\):/m]],
    [
      'a tripped guardrail',
      { settings: { guardrails: { maxCancellations: 1, maxCancellationPercent: 100 } } },
      false,
      [/^Planned for cancellation, held by the guardrail \(2\):/m, /^Guardrail TRIPPED: nothing was cancelled, and no grace marks were written nor notices sent\.\n {2}- the run planned 2 cancellations, the limit is 1 \(1 over\)$/m],
    ],
  ])('renders %s for a person', async (_label, options, dryRun, expected) => {
    const text = renderSweepReport(await run(world(options as Parameters<typeof sweepWorld>[0]), dryRun));
    for (const pattern of expected) expect(text).toMatch(pattern);
  });

  it('says when each grace notice was sent and when its grace ends, or that it was not sent', async () => {
    const w = world({ policies: [maxAgePolicy({ graceHours: 24 })] });
    const real = w.events.publish.bind(w.events);
    w.events.publish = async (events) => {
      if (events.some((e) => e.detailType === 'ShareMarkedForCancel' && e.detail.shareId === BIG_ID)) {
        const index = events.findIndex((e) => e.detailType === 'ShareMarkedForCancel' && e.detail.shareId === BIG_ID);
        await real(events.filter((_, i) => i !== index));
        throw Object.assign(new Error('1 event could not be published'), { failures: [{ index, detailType: 'ShareMarkedForCancel', errorCode: 'InternalFailure', errorMessage: 'x' }] });
      }
      await real(events);
    };
    const text = renderSweepReport(await run(w));
    expect(text).toMatch(
      /^ {2}101 \/Public\/file-101\.pdf\n {6}created 40\.0 days ago, limit 30 days; marked for cancellation, the grace of 24 h starts when its notice is sent \(public-30d\)\n {6}notice sent 2026-05-01T10:00:00\.000Z: grace ends 2026-05-02T10:00:00\.000Z \(public-30d\)$/m,
    );
    expect(text).toMatch(new RegExp(`^ {2}${BIG_ID} .*\\n.*\\n {6}notice NOT sent: no grace period yet, the next run sends it \\(public-30d\\)$`, 'm'));
    expect(text).toMatch(/^Grace marks: 3 written, 0 cleared; notices 2 sent, 1 NOT sent \(the next run sends them\)$/m);
  });

  it('renders a failed listing and a skipped run with their reasons', async () => {
    const w = world();
    w.lister.failAfter = 3;
    expect(renderSweepReport(await run(w))).toMatch(/Failed: the share listing did not finish[\s\S]*Inventory: listing INCOMPLETE after 0 pages and 0 shares: nothing was cancelled/);
    const held = world();
    held.lease.holder = { owner: 'other', acquiredAtMs: 0, expiresAtMs: Number.MAX_SAFE_INTEGER / 2 };
    expect(renderSweepReport(await run(held))).toMatch(/^Sweep \S+ \(enforce, skipped; trigger cli; account default\)\n {2}Skipped: another sweep holds the lease/);
  });

  it('splits the planned cancels by outcome: a run stopped part-way never calls a share cancelled that was not', async () => {
    const text = renderSweepReport(await run(world()), { outcomes: [{ shareId: '101', outcome: 'cancelled' }] });
    expect(text).toMatch(/^Cancelled \(1\):\n {2}101 \/Public\/file-101\.pdf\n {6}created 40\.0 days ago/m);
    expect(text).toMatch(new RegExp(`^Planned for cancellation, not cancelled \\(1\\):\\n {2}${BIG_ID} `, 'm'));
  });

  it('lists every cancelled share of a run kept in memory, and never points to runs show', async () => {
    const shares = Array.from({ length: 30 }, (_, i) => aShare(String(500 + i), { ageDays: 40 }));
    const outcomes = shares.map((s) => ({ shareId: s.shareId, outcome: 'cancelled' as const }));
    const text = renderSweepReport(await run(sweepWorld({ shares })), { maxItems: 5, outcomes, runShowable: false });
    expect(text).toMatch(/^Cancelled \(30\):$/m);
    for (const s of shares) expect(text).toMatch(new RegExp(`^ {2}${s.shareId} `, 'm'));
    expect(text).not.toContain('runs show');
  });

  it('caps long sections and points to the full report', async () => {
    const shares = Array.from({ length: 30 }, (_, i) => aShare(String(500 + i), { ageDays: 40 }));
    const text = renderSweepReport(await run(sweepWorld({ shares })), { maxItems: 5 });
    expect(text).toMatch(/^Sent for cancellation \(30\):$/m);
    expect(text).toMatch(/^ {2}\.\.\. and 25 more \(see --json, or runs show \S+\)$/m);
  });
});
