import { appliesToAccount, policiesForAccount, unknownAccountProblems } from '../../../lib/app/policy-accounts';
import { runSweep } from '../../../lib/app/sweep';
import { aShare, maxAgePolicy, sweepWorld } from './sweep-fakes';
import { anExemption, aPolicy } from '../../factories/policies';

describe('policies scoped to accounts', () => {
  it.each([
    [undefined, 'a', true],
    [['a'], 'a', true],
    [['b', 'a'], 'a', true],
    [['b'], 'a', false],
  ])('an item with accounts %j applies to account %s: %s', (accounts, accountId, applies) => {
    expect(appliesToAccount(accounts === undefined ? {} : { accounts }, accountId)).toBe(applies);
  });

  it('keeps what names the account or names none, in order, and counts what it left out', () => {
    const all = aPolicy({ policyId: 'all' });
    const onlyA = aPolicy({ policyId: 'only-a', accounts: ['a'] });
    const onlyB = aPolicy({ policyId: 'only-b', accounts: ['b'] });
    const holdB = anExemption({ exemptionId: 'hold-b', accounts: ['b'] });
    const hold = anExemption({ exemptionId: 'hold' });
    expect(policiesForAccount({ policies: [all, onlyA, onlyB], exemptions: [holdB, hold] }, 'a')).toEqual({
      policies: [all, onlyA],
      exemptions: [hold],
      leftOut: { policies: 1, exemptions: 1 },
    });
  });

  it('names every accounts entry that is not a known account', () => {
    const items = {
      policies: [aPolicy({ policyId: 'p', accounts: ['a', 'c'] }), aPolicy({ policyId: 'all' })],
      exemptions: [anExemption({ exemptionId: 'e', accounts: ['d'] })],
    };
    expect(unknownAccountProblems(items, new Set(['a', 'b']))).toEqual([
      'policy "p": accounts: "c" is not a registered account (see `share-lifecycle accounts list`)',
      'exemption "e": accounts: "d" is not a registered account (see `share-lifecycle accounts list`)',
    ]);
    expect(unknownAccountProblems(items, new Set(['a', 'c', 'd']))).toEqual([]);
  });

  describe("an account's sweep", () => {
    const shares = [aShare('101', { ageDays: 40 }), aShare('102', { ageDays: 40 })];
    const policies = [
      maxAgePolicy({ policyId: 'old-b', accounts: ['b'] }),
      { kind: 'exemption', exemptionId: 'hold-a', shareIds: ['102'], reason: 'hold', accounts: ['a'] },
    ];

    it('never evaluates a policy scoped to another account, and says how many it left out', async () => {
      const w = sweepWorld({ shares, policies, settings: { accountId: 'a' } });
      const result = await runSweep(w.deps(), { trigger: 'schedule' });
      expect(result.status).toBe('completed');
      expect(result.policyIds).toEqual([]);
      expect(result.enqueued).toEqual([]);
      expect(w.cancelQueue.batches).toEqual([]);
      expect(result.errors).toEqual([]);
      expect(w.runs.runs.get(result.runId)!.counts).toMatchObject({ policies: 0, policiesOtherAccounts: 1, exemptionsOtherAccounts: 0 });
    });

    it("evaluates the policy in the account it names, without the other account's exemption", async () => {
      const w = sweepWorld({ shares, policies, settings: { accountId: 'b' } });
      const result = await runSweep(w.deps(), { trigger: 'schedule' });
      expect(result.policyIds).toEqual(['old-b']);
      expect(result.enqueued).toEqual(['101', '102']);
      expect(w.runs.runs.get(result.runId)!.counts).toMatchObject({ policiesOtherAccounts: 0, exemptionsOtherAccounts: 1 });
    });

    it('keeps the summary of a run with nothing scoped away as it was', async () => {
      const w = sweepWorld({ shares, policies: [maxAgePolicy()], settings: { accountId: 'a' } });
      const result = await runSweep(w.deps(), { trigger: 'schedule' });
      expect(result.scopedOut).toBeUndefined();
      expect(w.runs.runs.get(result.runId)!.counts).not.toHaveProperty('policiesOtherAccounts');
    });
  });
});
