import { PolicyValidationError } from '../../../lib/domain/policy-errors';
import { parseExemption, parsePolicy, parsePolicyFile, validatePolicyItems } from '../../../lib/domain/validate';
import { rawExemption, rawPolicy } from '../../factories/policies';

const P = 'policy "public-links-30-days"';

/** The errors an item gets (empty when valid). */
function errorsOf(item: unknown): string[] {
  return validatePolicyItems([item]).invalid.flatMap((i) => i.errors);
}

describe('validating policies', () => {
  it('accepts the documented example and fills nothing it was given', () => {
    expect(validatePolicyItems([rawPolicy()])).toEqual({
      policies: [
        {
          policyId: 'public-links-30-days',
          description: 'Public links live at most 30 days',
          enabled: true,
          mode: 'enforce',
          scope: { pathPrefixes: ['/Public/'], visibility: 'public', requesters: ['marketing'] },
          rule: { type: 'max-age', maxAgeDays: 30 },
          exempt: { shareIds: ['12345'], pathPrefixes: ['/Public/evergreen/'] },
          maxCancellationsPerRun: 100,
          graceHours: 0,
        },
      ],
      exemptions: [],
      invalid: [],
    });
  });

  it('defaults to a dry run, enabled, without grace; quotas per account keeping the newest', () => {
    const { policies } = validatePolicyItems([
      { policyId: 'a', rule: { type: 'max-age', maxAgeDays: 1 } },
      { policyId: 'b', rule: { type: 'quota', maxShares: 10 } },
    ]);
    expect(policies).toEqual([
      { policyId: 'a', enabled: true, mode: 'dry-run', graceHours: 0, rule: { type: 'max-age', maxAgeDays: 1 } },
      { policyId: 'b', enabled: true, mode: 'dry-run', graceHours: 0, rule: { type: 'quota', maxShares: 10, per: 'account', keep: 'newest' } },
    ]);
  });

  it('accepts a single pattern where a list is expected and makes it a list', () => {
    const policy = parsePolicy(rawPolicy({ rule: { type: 'name', deny: '**/*.env', allowRegex: '^/Public/' } }));
    expect(policy.rule).toEqual({ type: 'name', deny: ['**/*.env'], allowRegex: ['^/Public/'] });
  });

  it('accepts fractional ages, share ids as safe integers, and drops the table keys', () => {
    const policy = parsePolicy({
      accountId: 'default',
      itemId: 'policy#p1',
      kind: 'policy',
      policyId: 'p1',
      rule: { type: 'max-age', maxAgeDays: 0.5 },
      exempt: { shareIds: [12345] },
    });
    expect(policy).toEqual({
      policyId: 'p1',
      enabled: true,
      mode: 'dry-run',
      graceHours: 0,
      rule: { type: 'max-age', maxAgeDays: 0.5 },
      exempt: { shareIds: ['12345'] },
    });
  });

  it.each([
    ['an unknown top-level field', rawPolicy({ maxAgeDays: 30 }), [`${P}: maxAgeDays: unknown field`]],
    ['an unknown rule field', rawPolicy({ rule: { type: 'max-age', maxAgeDay: 30 } }), [`${P}: rule.maxAgeDays: required`, `${P}: rule.maxAgeDay: unknown field`]],
    ['an unknown scope field', rawPolicy({ scope: { path: '/Public/' } }), [`${P}: scope.path: unknown field`]],
    ['a wrong type', rawPolicy({ rule: { type: 'max-age', maxAgeDays: '30' } }), [`${P}: rule.maxAgeDays: must be a finite number`]],
    ['maxAgeDays of 0', rawPolicy({ rule: { type: 'max-age', maxAgeDays: 0 } }), [`${P}: rule.maxAgeDays: must be greater than 0`]],
    ['a negative maxAgeDays', rawPolicy({ rule: { type: 'max-age', maxAgeDays: -1 } }), [`${P}: rule.maxAgeDays: must be greater than 0`]],
    ['a negative quota', rawPolicy({ rule: { type: 'quota', maxShares: -1 } }), [`${P}: rule.maxShares: must not be negative`]],
    ['a fractional quota', rawPolicy({ rule: { type: 'quota', maxShares: 1.5 } }), [`${P}: rule.maxShares: must be a whole number`]],
    ['an unknown quota grouping', rawPolicy({ rule: { type: 'quota', maxShares: 1, per: 'team' } }), [`${P}: rule.per: must be "account" or "requester"`]],
    ['negative grace hours', rawPolicy({ graceHours: -2 }), [`${P}: graceHours: must not be negative`]],
    ['a negative cancellation limit', rawPolicy({ maxCancellationsPerRun: -5 }), [`${P}: maxCancellationsPerRun: must not be negative`]],
    ['an unknown mode', rawPolicy({ mode: 'enforced' }), [`${P}: mode: must be "enforce" or "dry-run"`]],
    ['enabled as a string', rawPolicy({ enabled: 'yes' }), [`${P}: enabled: must be true or false`]],
    ['an unknown rule type', rawPolicy({ rule: { type: 'size', max: 3 } }), [`${P}: rule.type: must be one of "max-age", "name", "quota"`]],
    ['a rule that is not an object', rawPolicy({ rule: 'max-age' }), [`${P}: rule: must be an object with a "type" of "max-age", "name" or "quota"`]],
    ['a missing rule', rawPolicy({}, ['rule']), [`${P}: rule: required`]],
    ['an empty glob', rawPolicy({ rule: { type: 'name', deny: [''] } }), [`${P}: rule.deny[0]: pattern "": must not be empty`]],
    ['an over-long glob', rawPolicy({ rule: { type: 'name', deny: `/${'a'.repeat(256)}` } }), [`${P}: rule.deny: pattern "/${'a'.repeat(59)}...": must be at most 256 characters (got 257)`]],
    ['too many globs', rawPolicy({ rule: { type: 'name', deny: Array.from({ length: 101 }, (_, k) => `/a${k}`) } }), [`${P}: rule.deny: must have at most 100 entries`]],
    ['an unsupported glob', rawPolicy({ rule: { type: 'name', allow: ['/ok/**', 'Public/*.pdf'] } }), [`${P}: rule.allow[1]: pattern "Public/*.pdf": must start with "/" or "**" (shared paths are absolute), or contain no "/" to match names at any depth`]],
    ['a regex that does not compile', rawPolicy({ rule: { type: 'name', denyRegex: ['(secret'] } }), [`${P}: rule.denyRegex[0]: pattern "(secret": does not compile: missing closing ): \`(secret\``]],
    ['a regex with a lookahead', rawPolicy({ rule: { type: 'name', allowRegex: '^(?!tmp)' } }), [`${P}: rule.allowRegex: pattern "^(?!tmp)": does not compile: invalid or unsupported Perl syntax: \`(?!\``]],
    ['an empty pattern list', rawPolicy({ rule: { type: 'name', allow: [] } }), [`${P}: rule.allow: must not be empty`]],
    ['a name rule without patterns', rawPolicy({ rule: { type: 'name' } }), [`${P}: rule: needs at least one of deny, allow, denyRegex, allowRegex`]],
    ['a relative path prefix', rawPolicy({ scope: { pathPrefixes: ['Public/'] } }), [`${P}: scope.pathPrefixes[0]: must start with "/" (shared paths are absolute)`]],
    ['an empty requester list', rawPolicy({ scope: { requesters: [] } }), [`${P}: scope.requesters: must not be empty`]],
    ['an unknown visibility', rawPolicy({ scope: { visibility: 'shared' } }), [`${P}: scope.visibility: must be "public", "private" or "any"`]],
    ['a share id with leading zeros', rawPolicy({ exempt: { shareIds: ['0123'] } }), [`${P}: exempt.shareIds[0]: must be a decimal share id without leading zeros`]],
    ['a share id rounded by JSON', rawPolicy({ exempt: { shareIds: [2 ** 53 + 2] } }), [`${P}: exempt.shareIds[0]: share ids beyond 2^53 must be written as strings (the number was already rounded)`]],
    ['a mismatched table key', { ...rawPolicy(), itemId: 'policy#other' }, [`${P}: itemId: must be "policy#public-links-30-days" for this item`]],
  ])('rejects %s, naming the policy and the field', (_what, item, errors) => {
    expect(errorsOf(item)).toEqual(errors);
  });

  it.each([
    ['a missing policyId', rawPolicy({}, ['policyId']), ['policy at index 0: policyId: required']],
    ['a policyId with spaces', rawPolicy({ policyId: 'public links' }), ['policy "public links": policyId: must start with a letter or digit and use only letters, digits, ".", "_", ":" or "-"']],
    ['an item that is not an object', 'public-links', ['policy at index 0: must be an object']],
    ['an unknown kind', rawPolicy({ kind: 'rule' }), [`${P}: kind: must be "policy" or "exemption"`]],
  ])('rejects %s', (_what, item, errors) => {
    expect(errorsOf(item)).toEqual(errors);
  });

  it('skips and reports invalid items while the valid ones are kept', () => {
    const result = validatePolicyItems([
      rawPolicy({ policyId: 'good' }),
      rawPolicy({ policyId: 'bad', rule: { type: 'max-age', maxAgeDays: 0 } }),
      rawExemption(),
    ]);
    expect(result.policies.map((p) => p.policyId)).toEqual(['good']);
    expect(result.exemptions.map((e) => e.exemptionId)).toEqual(['legal-hold']);
    expect(result.invalid).toEqual([{ id: 'bad', kind: 'policy', index: 1, errors: ['policy "bad": rule.maxAgeDays: must be greater than 0'] }]);
  });

  it('skips every copy of a duplicated id (which one was meant cannot be known)', () => {
    const result = validatePolicyItems([rawPolicy({ policyId: 'twin' }), rawPolicy({ policyId: 'twin', mode: 'dry-run' }), rawPolicy({ policyId: 'solo' })]);
    expect(result.policies.map((p) => p.policyId)).toEqual(['solo']);
    expect(result.invalid.map((i) => [i.index, i.errors])).toEqual([
      [0, ['policy "twin": policyId: appears 2 times; every copy is skipped']],
      [1, ['policy "twin": policyId: appears 2 times; every copy is skipped']],
    ]);
  });

  it('returns the policies sorted by id whatever the item order', () => {
    const ids = validatePolicyItems([rawPolicy({ policyId: 'c' }), rawPolicy({ policyId: 'a' }), rawPolicy({ policyId: 'b' })]).policies.map((p) => p.policyId);
    expect(ids).toEqual(['a', 'b', 'c']);
  });

  it('throws a PolicyValidationError with every problem from parsePolicy', () => {
    let error: unknown;
    try {
      parsePolicy(rawPolicy({ mode: 'on', graceHours: -1 }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyValidationError);
    expect((error as PolicyValidationError).policyId).toBe('public-links-30-days');
    expect((error as PolicyValidationError).issues).toEqual([
      `${P}: mode: must be "enforce" or "dry-run"`,
      `${P}: graceHours: must not be negative`,
    ]);
  });
});

describe('validating exemptions', () => {
  it('accepts an exemption with a date-time or a date', () => {
    expect(parseExemption(rawExemption())).toEqual({
      exemptionId: 'legal-hold',
      shareIds: ['12345'],
      reason: 'legal hold until the case closes',
      expiresAt: '2026-12-31T00:00:00Z',
    });
    expect(parseExemption(rawExemption({ expiresAt: '2026-12-31' }, ['kind'])).expiresAt).toBe('2026-12-31');
  });

  it.each([
    ['no share ids nor prefixes', rawExemption({}, ['shareIds']), ['exemption "legal-hold": needs shareIds or pathPrefixes (an exemption must exempt something)']],
    ['an empty reason', rawExemption({ reason: '' }), ['exemption "legal-hold": reason: must not be empty']],
    ['a missing reason', rawExemption({}, ['reason']), ['exemption "legal-hold": reason: required']],
    ['a date without a time zone', rawExemption({ expiresAt: '2026-12-31T00:00:00' }), ['exemption "legal-hold": expiresAt: must be an ISO 8601 date or date-time with a time zone (e.g. 2026-12-31T00:00:00Z)']],
    ['an unknown field', rawExemption({ until: '2027-01-01' }), ['exemption "legal-hold": until: unknown field']],
  ])('rejects %s', (_what, item, errors) => {
    expect(errorsOf(item)).toEqual(errors);
  });
});

describe('policy files', () => {
  it('validates a JSON array given as text', () => {
    const result = parsePolicyFile(JSON.stringify([rawPolicy(), rawExemption()]));
    expect([result.policies.length, result.exemptions.length, result.invalid]).toEqual([1, 1, []]);
  });

  it('validates text that starts with a UTF-8 byte-order mark (Windows editors write one)', () => {
    const result = parsePolicyFile(`\uFEFF${JSON.stringify([rawPolicy()])}`);
    expect([result.policies.length, result.invalid]).toEqual([1, []]);
  });

  it.each([
    ['not JSON', '[{"policyId":', /^policy file: not valid JSON \(/],
    ['not an array', { policyId: 'x' }, /^policy file: must be a JSON array of policies and exemptions$/],
  ])('refuses a file that is %s', (_what, input, message) => {
    expect(() => parsePolicyFile(input)).toThrow(message);
    expect(() => parsePolicyFile(input)).toThrow(PolicyValidationError);
  });
});
