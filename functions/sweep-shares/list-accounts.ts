/**
 * The sweep state machine's first step (`{"step":"accounts"}`): the accounts one execution sweeps.
 * The deployment's own account (`ACCOUNT_ID`) is served as before the registry existed, registered
 * or not, unless the registry holds it disabled; every other account must be registered and enabled.
 */
import type { AccountRegistry } from '../../lib/app/ports/account-registry';
import type { SweepAccountItem, SweepAccountList, SweepExecutionInput } from '../../lib/contracts/sweep-steps';
import { SweepEventError } from './event';

export interface ListAccountsDeps {
  registry: Pick<AccountRegistry, 'list'>;
  /** The deployment's own account (`ACCOUNT_ID`). */
  deploymentAccountId: string;
  /** Told about registry items that are not valid entries (they are not swept). */
  warn?: (message: string, details: Record<string, unknown>) => void;
}

/**
 * The accounts to sweep, sorted by id, each with the execution's `dryRun` and `trigger`; only the
 * account the input names when it names one. Throws `SweepEventError` when that account is
 * unknown or disabled (nothing is swept).
 */
export async function listSweepAccounts(deps: ListAccountsDeps, input: SweepExecutionInput | null | undefined): Promise<SweepAccountList> {
  const { accounts: registered, invalid } = await deps.registry.list();
  if (invalid.length > 0) {
    deps.warn?.('registry items that are not valid accounts are not swept', { items: invalid.map((item) => ({ itemId: item.itemId, errors: item.errors })) });
  }
  const enabled = new Map<string, boolean>(registered.map((account) => [account.accountId, account.enabled]));
  const ids = new Set(registered.filter((account) => account.enabled).map((account) => account.accountId));
  if (enabled.get(deps.deploymentAccountId) !== false) ids.add(deps.deploymentAccountId);

  const asked = input?.accountId;
  if (asked !== undefined && !ids.has(asked)) {
    const why = enabled.get(asked) === false ? 'is disabled in the account registry (`share-lifecycle accounts enable` turns it on)' : 'is not registered (`share-lifecycle accounts list` shows the registered ones)';
    throw new SweepEventError(`account ${JSON.stringify(asked)} ${why}; nothing was swept`);
  }
  const chosen = asked !== undefined ? [asked] : [...ids].sort();
  const item = (accountId: string): SweepAccountItem => ({ accountId, dryRun: input?.dryRun === true, trigger: input?.trigger ?? 'manual' });
  return { accounts: chosen.map(item) };
}
