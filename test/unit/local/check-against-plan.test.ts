/** The local run's check of the enforcing sweep against its plan (local/lifecycle.ts). */
import type { SweepHandlerResult } from '../../../functions/sweep-shares/handler';
import type { ReportAction } from '../../../lib/app/sweep-report';
import { checkAgainstPlan } from '../../../local/lifecycle';

function result(decisions: Array<[string, ReportAction]>, options: { planned?: number; tripped?: boolean; cancelled?: string[] } = {}): SweepHandlerResult {
  return {
    decisions: decisions.map(([shareId, action]) => ({ shareId, action, policyIds: ['p'], reasons: [] })),
    cancelled: options.cancelled ?? [],
    guardrail: { tripped: options.tripped ?? false, planned: options.planned ?? 0, trips: [], maxCancellations: 500, maxCancellationPercent: 20 },
  } as unknown as SweepHandlerResult;
}

describe('checkAgainstPlan', () => {
  const plan = result(
    [
      ['1', 'would-cancel'],
      ['2', 'would-cancel'],
      ['3', 'keep'],
    ],
    { planned: 1 },
  );

  it('finds nothing when the enforcing run cancelled what the plan planned', () => {
    const enforce = result(
      [
        ['1', 'cancel'],
        ['2', 'would-cancel'],
        ['3', 'keep'],
      ],
      { planned: 1, cancelled: ['1'] },
    );
    expect(checkAgainstPlan(plan, enforce, ['1'])).toEqual([]);
  });

  it('names every way the enforcing run differs from its plan', () => {
    const enforce = result([['1', 'cancel'], ['2', 'cancel']], { planned: 2, cancelled: ['1'] });
    expect(checkAgainstPlan(plan, enforce, ['2'])).toEqual([
      'the plan planned 1 cancellations, the enforcing run 2',
      'the shares gone from TeraBox are not the ones the enforcing run decided to cancel',
      'the shares sent for cancellation are not the ones decided',
    ]);
  });

  it('reports flagged shares that the enforcing run neither cancelled nor reported', () => {
    const enforce = result([['1', 'cancel']], { planned: 1, cancelled: ['1'] });
    expect(checkAgainstPlan(plan, enforce, ['1'])).toEqual(['the shares the plan flagged differ from the shares the enforcing run cancelled or reported']);
  });

  it('expects nothing gone when the guardrail tripped', () => {
    const enforce = result([['1', 'cancel'], ['2', 'would-cancel']], { planned: 1, tripped: true });
    expect(checkAgainstPlan(plan, enforce, [])).toEqual([]);
    expect(checkAgainstPlan(plan, enforce, ['1'])).toEqual(['the shares gone from TeraBox are not the ones the enforcing run decided to cancel']);
  });
});
