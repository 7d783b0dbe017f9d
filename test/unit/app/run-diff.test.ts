import { computeRunDiff, countRunDiff, FlaggedSetBuilder } from '../../../lib/app/run-diff';
import type { Decision, PolicyFinding } from '../../../lib/domain/decision';

const finding = (policyId: string, outcome: PolicyFinding['outcome']): PolicyFinding => ({ policyId, outcome, reason: `(${policyId})` });
const decision = (shareId: string, ...findings: PolicyFinding[]): Pick<Decision, 'shareId' | 'findings'> => ({ shareId, findings });

function flaggedSetOf(decisions: readonly Pick<Decision, 'shareId' | 'findings'>[]): Record<string, string[]> {
  const builder = new FlaggedSetBuilder();
  for (const d of decisions) builder.add(d);
  return builder.build();
}

describe('FlaggedSetBuilder', () => {
  it('flags a share for each policy that decided cancel, would-cancel or marked, never for exempt or unevaluable', () => {
    expect(
      flaggedSetOf([
        decision('30', finding('age', 'cancel'), finding('name', 'would-cancel')),
        decision('4', finding('age', 'marked')),
        decision('100', finding('age', 'exempt'), finding('name', 'unevaluable')),
        decision('7'),
      ]),
    ).toEqual({ age: ['4', '30'], name: ['30'] });
  });
});

describe('computeRunDiff', () => {
  const older = { runId: 'run-1', flagged: { age: ['1', '2', '3'], name: ['3', '9'], gone: ['5'] } };
  const newer = { runId: 'run-2', flagged: { age: ['2', '3', '4', '10'], name: ['9', '3'], added: ['1'] } };

  it('splits each policy\'s shares into new, still and resolved, sorted as numbers, and counts distinct shares in the totals', () => {
    expect(computeRunDiff(older, newer)).toEqual({
      fromRunId: 'run-1',
      toRunId: 'run-2',
      policies: [
        { policyId: 'added', new: ['1'], still: [], resolved: [] },
        { policyId: 'age', new: ['4', '10'], still: ['2', '3'], resolved: ['1'] },
        { policyId: 'gone', new: [], still: [], resolved: ['5'] },
        { policyId: 'name', new: [], still: ['3', '9'], resolved: [] },
      ],
      // Share 1 left policy age but another policy flags it now: still flagged as a share.
      totals: { new: 2, still: 4, resolved: 1 },
    });
  });

  it('has everything new on a first run (no older run)', () => {
    expect(computeRunDiff(undefined, newer)).toEqual({
      toRunId: 'run-2',
      policies: [
        { policyId: 'added', new: ['1'], still: [], resolved: [] },
        { policyId: 'age', new: ['2', '3', '4', '10'], still: [], resolved: [] },
        { policyId: 'name', new: ['3', '9'], still: [], resolved: [] },
      ],
      totals: { new: 6, still: 0, resolved: 0 },
    });
  });

  it('is empty for two empty sets', () => {
    expect(computeRunDiff({ runId: 'a', flagged: {} }, { runId: 'b', flagged: {} })).toEqual({ fromRunId: 'a', toRunId: 'b', policies: [], totals: { new: 0, still: 0, resolved: 0 } });
  });

  it('gives the counts the summary and the event carry, the lengths of the lists', () => {
    const diff = computeRunDiff(older, newer);
    const counts = countRunDiff(older, newer);
    expect(counts.totals).toEqual(diff.totals);
    for (const p of diff.policies) expect(counts.perPolicy[p.policyId]).toEqual({ new: p.new.length, still: p.still.length, resolved: p.resolved.length });
    expect(counts).toEqual({
      fromRunId: 'run-1',
      totals: { new: 2, still: 4, resolved: 1 },
      perPolicy: {
        added: { new: 1, still: 0, resolved: 0 },
        age: { new: 2, still: 2, resolved: 1 },
        gone: { new: 0, still: 0, resolved: 1 },
        name: { new: 0, still: 2, resolved: 0 },
      },
    });
    expect(countRunDiff(undefined, { runId: 'r', flagged: {} })).toEqual({ totals: { new: 0, still: 0, resolved: 0 }, perPolicy: {} });
  });
});
