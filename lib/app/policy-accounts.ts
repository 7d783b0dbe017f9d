/**
 * Policies and exemptions scoped to accounts (`accounts`, absent: every account). They are stored
 * once, in the deployment account's partition; each account's sweep evaluates only those that
 * apply to it, and `policies apply` refuses an `accounts` entry that names no registered account.
 */
import type { Exemption, Policy } from '../domain/policy-types';

/** Whether an item with this `accounts` applies to `accountId`. */
export function appliesToAccount(item: { accounts?: readonly string[] }, accountId: string): boolean {
  return item.accounts === undefined || item.accounts.includes(accountId);
}

export interface AccountPolicies {
  policies: Policy[];
  exemptions: Exemption[];
  /** How many were left out because they name only other accounts. */
  leftOut: { policies: number; exemptions: number };
}

/** The policies and exemptions that apply to `accountId`, in their order, and how many were left out. */
export function policiesForAccount(items: { policies: readonly Policy[]; exemptions: readonly Exemption[] }, accountId: string): AccountPolicies {
  const policies = items.policies.filter((p) => appliesToAccount(p, accountId));
  const exemptions = items.exemptions.filter((e) => appliesToAccount(e, accountId));
  return {
    policies,
    exemptions,
    leftOut: { policies: items.policies.length - policies.length, exemptions: items.exemptions.length - exemptions.length },
  };
}

/**
 * One line per `accounts` entry that is not a known account, naming the item and the account
 * (`policy "x": accounts: "team-c" is not a registered account`). Empty when every entry is known.
 */
export function unknownAccountProblems(
  items: { policies: readonly Policy[]; exemptions: readonly Exemption[] },
  known: ReadonlySet<string>,
): string[] {
  const lines: string[] = [];
  const check = (label: string, accounts: readonly string[] | undefined) => {
    for (const id of accounts ?? []) if (!known.has(id)) lines.push(`${label}: accounts: "${id}" is not a registered account (see \`share-lifecycle accounts list\`)`);
  };
  for (const p of items.policies) check(`policy "${p.policyId}"`, p.accounts);
  for (const e of items.exemptions) check(`exemption "${e.exemptionId}"`, e.accounts);
  return lines;
}
