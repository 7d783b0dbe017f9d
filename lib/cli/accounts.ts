/**
 * `share-lifecycle accounts add|list|enable|disable|remove`: the account registry (the TeraBox
 * accounts one deployment serves) from the command line. An entry is validated as a whole before
 * anything is written: every problem is named in one message.
 */
import { Option, type Command } from 'commander';
import { defaultSecretName, secretPrefixOf, secretPrefixProblems, validateAccountEntry, type AccountEntryInput } from '../contracts/account-entry';
import type { RegisteredAccount } from '../app/store-ports';
import { renderTable, plural } from '../format/plain-text';
import { CliError, EXIT, printJson, UsageError } from './io';
import type { CommandRunner, Run } from './command';

interface AddOptions {
  name: string;
  secretName?: string;
  baseUrl?: string;
  timeZone?: string;
  rate?: string;
  maxCancellations?: string;
  maxCancellationPercent?: string;
  disabled?: boolean;
  json?: boolean;
}

/** Registers the `accounts` command group. */
export function registerAccountCommands(program: Command, runner: CommandRunner): void {
  const accounts = program
    .command('accounts')
    .description("Add, list, enable, disable and remove entries of the account registry (the functions still serve ACCOUNT_ID only; see the README).");
  accounts
    .command('add')
    .description('Register a TeraBox account. Nothing is written when the entry is invalid or the id is taken.')
    .argument('<account-id>', 'letters, digits, dots, dashes or underscores (it goes into table keys)')
    .requiredOption('--name <display-name>', 'a name people recognize, e.g. "Brand account"')
    .option('--secret-name <name>', 'the Secrets Manager secret holding {"ndus","baseUrl"}, under the deployment\'s prefix (default <stack>/accounts/<account-id>)')
    .option('--base-url <url>', 'TeraBox origin (default https://www.terabox.com)')
    .option('--time-zone <zone>', 'IANA time zone of the account (default UTC)')
    .option('--rate <requests-per-second>', "this account's TeraBox request rate (default: the deployment's)")
    .option('--max-cancellations <n>', "this account's cancellation cap per run (default: the deployment's)")
    .option('--max-cancellation-percent <p>', "this account's cap as a percentage of its shares (default: the deployment's)")
    .option('--disabled', 'register it disabled (until `accounts enable`)')
    .option('--json', 'print the registered entry as JSON')
    .addHelpText('after', '\nExample:\n  share-lifecycle --stack ShareLifecycle accounts add brand --name "Brand account" --time-zone Europe/Berlin')
    .action(runner(addAccount));
  accounts.command('list').description('List the registered accounts (and any registry item that is not a valid entry).').option('--json', 'print them as JSON').action(runner(listAccounts));
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    accounts
      .command(name)
      .description(enabled ? 'Enable an account in the registry.' : 'Disable an account in the registry; its data stays.')
      .argument('<account-id>')
      .action(runner((run: Run, id: string) => setEnabled(run, id, enabled)));
  }
  accounts
    .command('remove')
    .description('Remove an account from the registry (its secret, policies, inventory and runs are left as they are).')
    .argument('<account-id>')
    .addOption(new Option('--yes', 'confirm the removal').makeOptionMandatory())
    .action(runner(removeAccount));
}

/** A whole number or a number from an option; a usage error names the option otherwise. */
function numberOption(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${option} must be a number (got ${JSON.stringify(value)})`);
  return n;
}

/** The entry the options describe, with its secret's name (validated by the caller). */
function entryFromOptions(accountId: string, options: AddOptions, secretName: string): AccountEntryInput {
  const rate = numberOption(options.rate, '--rate');
  const maxCancellations = numberOption(options.maxCancellations, '--max-cancellations');
  const maxCancellationPercent = numberOption(options.maxCancellationPercent, '--max-cancellation-percent');
  const guardrails = {
    ...(maxCancellations !== undefined ? { maxCancellations } : {}),
    ...(maxCancellationPercent !== undefined ? { maxCancellationPercent } : {}),
  };
  return {
    accountId,
    displayName: options.name,
    secretName,
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
    ...(rate !== undefined ? { requestsPerSecond: rate } : {}),
    ...(Object.keys(guardrails).length > 0 ? { guardrails } : {}),
    ...(options.disabled === true ? { enabled: false } : {}),
  };
}

async function addAccount(run: Run, accountId: string, options: AddOptions): Promise<number> {
  await run.context.check({ tables: ['policies'] });
  const deploymentSecret = (await run.context.env()).TERABOX_SECRET_ID;
  const prefix = deploymentSecret !== undefined && deploymentSecret.trim() !== '' ? secretPrefixOf(deploymentSecret) : undefined;
  const secretName = options.secretName ?? (prefix !== undefined ? defaultSecretName(prefix, accountId) : undefined);
  if (secretName === undefined) {
    throw new UsageError("name the account's secret with --secret-name: the deployment's secret prefix is not known (set TERABOX_SECRET_ID or pass --stack)");
  }
  const input = entryFromOptions(accountId, options, secretName);
  const checked = validateAccountEntry(input);
  const problems = [...(checked.ok ? [] : checked.errors), ...(prefix !== undefined ? secretPrefixProblems(input, prefix) : [])];
  if (!checked.ok || problems.length > 0) throw new CliError(`the account entry is invalid; nothing was written`, EXIT.failure, problems);
  const stores = await run.context.stores();
  if (!(await stores.accounts.add(checked.entry, Date.now()))) {
    throw new CliError(`account ${JSON.stringify(accountId)} is registered already; nothing was written (remove it first to replace it)`, EXIT.failure);
  }
  const added = await stores.accounts.get(accountId);
  if (options.json === true) await printJson(run.io, added ?? checked.entry);
  else run.io.out(`added account ${accountId} (${checked.entry.displayName}${checked.entry.enabled ? '' : ', disabled'}): its secret is ${checked.entry.secretName}\n`);
  return EXIT.ok;
}

async function listAccounts(run: Run, options: { json?: boolean }): Promise<number> {
  await run.context.check({ tables: ['policies'] });
  const { accounts, invalid } = await (await run.context.stores()).accounts.list();
  if (options.json === true) {
    await printJson(run.io, { accounts, invalid });
    return EXIT.ok;
  }
  if (accounts.length > 0) run.io.out(renderTable(['ACCOUNT', 'NAME', 'ENABLED', 'TIME ZONE', 'SECRET', 'OWN SETTINGS'], accounts.map(accountRow), 100));
  for (const bad of invalid) run.io.out(`invalid registry item ${bad.itemId}: ${bad.errors.join('; ')}\n`);
  run.io.out(`${plural(accounts.length, 'account')}${invalid.length > 0 ? `, ${plural(invalid.length, 'invalid item')}` : ''}\n`);
  return EXIT.ok;
}

function accountRow(a: RegisteredAccount): string[] {
  const own = [
    a.baseUrl !== 'https://www.terabox.com' ? a.baseUrl : undefined,
    a.requestsPerSecond !== undefined ? `${a.requestsPerSecond} requests/s` : undefined,
    a.guardrails?.maxCancellations !== undefined ? `at most ${a.guardrails.maxCancellations} cancels` : undefined,
    a.guardrails?.maxCancellationPercent !== undefined ? `at most ${a.guardrails.maxCancellationPercent}%` : undefined,
  ].filter((x): x is string => x !== undefined);
  return [a.accountId, a.displayName, a.enabled ? 'yes' : 'no', a.timeZone, a.secretName, own.join(', ') || '-'];
}

async function setEnabled(run: Run, accountId: string, enabled: boolean): Promise<number> {
  await run.context.check({ tables: ['policies'] });
  const updated = await (await run.context.stores()).accounts.setEnabled(accountId, enabled, Date.now());
  if (updated === undefined) throw new CliError(`no account ${JSON.stringify(accountId)} in the registry`, EXIT.failure);
  run.io.out(`${enabled ? 'enabled' : 'disabled'} account ${accountId}\n`);
  return EXIT.ok;
}

async function removeAccount(run: Run, accountId: string): Promise<number> {
  await run.context.check({ tables: ['policies'] });
  if (!(await (await run.context.stores()).accounts.remove(accountId))) throw new CliError(`no account ${JSON.stringify(accountId)} in the registry`, EXIT.failure);
  run.io.out(`removed account ${accountId} from the registry (its secret and data are left as they are)\n`);
  return EXIT.ok;
}
