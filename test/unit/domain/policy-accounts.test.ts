import { accountEntrySchema } from '../../../lib/contracts/account-entry';
import { ACCOUNT_ID_PATTERN } from '../../../lib/domain/schema-parts';
import { validatePolicyItems } from '../../../lib/domain/validate';
import { rawExemption, rawPolicy } from '../../factories/policies';

const P = 'policy "public-links-30-days"';
const E = 'exemption "legal-hold"';

function errorsOf(item: unknown): string[] {
  return validatePolicyItems([item]).invalid.flatMap((i) => i.errors);
}

describe('accounts on policies and exemptions', () => {
  it('keeps the accounts a policy and an exemption name', () => {
    const result = validatePolicyItems([rawPolicy({ accounts: ['team-b', 'acct.2'] }), rawExemption({ accounts: ['team-b'] })]);
    expect(result.invalid).toEqual([]);
    expect(result.policies[0]!.accounts).toEqual(['team-b', 'acct.2']);
    expect(result.exemptions[0]!.accounts).toEqual(['team-b']);
  });

  it('leaves accounts out when the item names none (it applies to every account)', () => {
    const result = validatePolicyItems([rawPolicy(), rawExemption()]);
    expect(result.policies[0]).not.toHaveProperty('accounts');
    expect(result.exemptions[0]).not.toHaveProperty('accounts');
  });

  it.each([
    [[], `${P}: accounts: must not be empty`],
    ['team-b', `${P}: accounts: must be an array`],
    [['team b'], `${P}: accounts[0]: must be an account id: 1-64 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit`],
    [['ok', 7], `${P}: accounts[1]: must be a string`],
    [['-team'], `${P}: accounts[0]: must be an account id: 1-64 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit`],
    [['a', 'b', 'a'], `${P}: accounts[2]: account "a" is listed twice`],
  ])('refuses a policy whose accounts are %j', (accounts, error) => {
    expect(errorsOf(rawPolicy({ accounts }))).toEqual([error]);
  });

  it('refuses an exemption naming an account twice', () => {
    expect(errorsOf(rawExemption({ accounts: ['b', 'b'] }))).toEqual([`${E}: accounts[1]: account "b" is listed twice`]);
  });

  it.each([
    ['a', true], ['A1', true], ['team-b', true], ['x.y_z', true], ['a'.repeat(64), true],
    ['a'.repeat(65), false], ['-a', false], ['a-', false], ['a/b', false], ['a#b', false], ['', false], ['a b', false], ['é', false],
  ])('the one account-id rule (registry, policies, shareLifecycle:accounts) takes %j: %s', (id, ok) => {
    expect(ACCOUNT_ID_PATTERN.test(id)).toBe(ok);
    expect(accountEntrySchema.shape.accountId.safeParse(id).success).toBe(ok);
  });
});
