/**
 * `--account ID`: which TeraBox account a command works on. The deployment's own account
 * (`ACCOUNT_ID`) needs no registry entry (a deployment made before the registry keeps working);
 * any other account must be registered. Its runs, inventory, shares and share records are read in
 * its own partition; the policies stay in the deployment account's partition, where they are stored
 * once for every account. A command that talks to TeraBox takes that account's origin and secret
 * from its entry and refuses a disabled account.
 */
import { Option } from 'commander';
import type { AccountRegistry, RegisteredAccount } from '../app/ports/account-registry';
import { accountEntrySchema } from '../contracts/account-entry';
import { UsageError } from './io';

/** The account a command works on: the deployment's own (no entry needed) or a registered one. */
export type SelectedAccount = { accountId: string; deployment: true; entry?: RegisteredAccount } | { accountId: string; deployment: false; entry: RegisteredAccount };

/** The `--account` option, as every command that touches one account declares it. */
export function accountOption(): Option {
  return new Option('--account <id>', 'the account to work on (default ACCOUNT_ID; any other must be registered: `accounts list`)');
}

/**
 * Resolves `--account` against the registry. The deployment's account is looked up only for its
 * entry (absent is fine); another account that is not registered is a UsageError naming it.
 */
export async function selectAccount(requested: string | undefined, deploymentAccountId: string, registry: () => AccountRegistry): Promise<SelectedAccount> {
  if (requested === undefined || requested === deploymentAccountId) return { accountId: deploymentAccountId, deployment: true };
  if (!accountEntrySchema.shape.accountId.safeParse(requested).success) {
    throw new UsageError(`--account ${JSON.stringify(requested)}: not an account id (letters, digits, dots, dashes or underscores)`);
  }
  const entry = await registry().get(requested);
  if (entry === undefined) {
    throw new UsageError(`--account ${requested}: no such account in the registry (the deployment's own is ${deploymentAccountId}; see \`share-lifecycle accounts list\`)`);
  }
  return { accountId: requested, deployment: false, entry };
}

/** For a command that talks to TeraBox: a disabled account is refused (its sweeps and requests are stopped). */
export function requireEnabled(account: SelectedAccount): void {
  if (!account.deployment && !account.entry.enabled) {
    throw new UsageError(`--account ${account.accountId}: the account is disabled (\`share-lifecycle accounts enable ${account.accountId}\` turns it back on)`);
  }
}

/** Every account id a policy's `accounts` may name: the registered ones and the deployment's own. */
export async function knownAccountIds(deploymentAccountId: string, registry: AccountRegistry): Promise<Set<string>> {
  const { accounts } = await registry.list();
  return new Set([deploymentAccountId, ...accounts.map((a) => a.accountId)]);
}
