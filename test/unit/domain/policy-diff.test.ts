import { diffPolicyDocuments } from '../../../lib/domain/policy-diff';

describe('diffPolicyDocuments', () => {
  it.each([
    ['a create: every field is new', undefined, { policyId: 'p', enabled: true }, [{ field: 'enabled', new: true }, { field: 'policyId', new: 'p' }]],
    ['a delete: every field is gone', { policyId: 'p', enabled: true }, undefined, [{ field: 'enabled', old: true }, { field: 'policyId', old: 'p' }]],
    ['nothing changed', { a: 1, rule: { x: 1, y: [1, 2] } }, { rule: { y: [1, 2], x: 1 }, a: 1 }, []],
    ['a nested change shows the whole top-level field', { rule: { type: 'max-age', maxAgeDays: 30 } }, { rule: { type: 'max-age', maxAgeDays: 60 } }, [
      { field: 'rule', old: { type: 'max-age', maxAgeDays: 30 }, new: { type: 'max-age', maxAgeDays: 60 } },
    ]],
    ['array order counts', { tags: ['a', 'b'] }, { tags: ['b', 'a'] }, [{ field: 'tags', old: ['a', 'b'], new: ['b', 'a'] }]],
    ['fields added and removed, sorted by name', { z: 1, mode: 'dry-run' }, { mode: 'enforce', graceHours: 24 }, [
      { field: 'graceHours', new: 24 },
      { field: 'mode', old: 'dry-run', new: 'enforce' },
      { field: 'z', old: 1 },
    ]],
  ])('%s', (_what, before, after, expected) => {
    expect(diffPolicyDocuments(before, after)).toEqual(expected);
  });
});
