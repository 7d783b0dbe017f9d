/** `policies list`: stored items validated again and paired with their stored versions (lib/cli/policies.ts). */
import { checkPolicyItems } from '../../../lib/cli/policies';

const good = { policyId: 'old-links', enabled: true, mode: 'enforce', rule: { type: 'max-age', maxAgeDays: 30 } };
const bad = { policyId: 'broken', enabled: true, mode: 'enforce', rule: { type: 'max-age' } };
const exemption = { exemptionId: 'legal', pathPrefixes: ['/Legal/'], reason: 'legal hold' };

describe('checkPolicyItems', () => {
  const listing = checkPolicyItems(
    { policies: [good, bad], exemptions: [exemption], unrecognized: [{ itemId: 'x', reason: 'unknown kind' }] },
    [
      { policyId: 'old-links', policy: good, updatedAt: '2026-01-01T00:00:00.000Z', version: 3 },
      { policyId: 'broken', policy: bad },
    ],
  );

  it('keeps one row per stored policy, in the stored order, with its version', () => {
    expect(listing.rows.map((r) => [r.id, r.updatedAt, r.version])).toEqual([
      ['old-links', '2026-01-01T00:00:00.000Z', 3],
      ['broken', undefined, undefined],
    ]);
    expect(listing.rows[0]?.raw).toBe(good);
  });

  it('gives an invalid policy its errors and a valid one none', () => {
    expect(listing.rows[0]?.errors).toBeUndefined();
    expect(listing.rows[1]?.errors?.length).toBeGreaterThan(0);
    expect(listing.checked.policies.map((p) => p.policyId)).toEqual(['old-links']);
  });

  it('validates the exemptions as exemptions', () => {
    expect(listing.checked.exemptions.map((e) => e.exemptionId)).toEqual(['legal']);
    expect(listing.checked.invalid.filter((i) => i.kind === 'exemption')).toEqual([]);
  });
});
