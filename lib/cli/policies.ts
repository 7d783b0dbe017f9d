/**
 * `share-lifecycle policies validate|apply|list|delete|history`: the policies table from the command line.
 * `apply` validates every item of the file first and writes nothing when one is invalid.
 */
import type { Command } from 'commander';
import { unknownAccountProblems } from '../app/policy-accounts';
import type { PolicyItems, StoredPolicy } from '../app/store-ports';
import { describeRule, parsePolicyFile, PolicyValidationError, validatePolicyItems, type ValidatedItems } from '../domain';
import { CliError, EXIT, printJson } from './io';
import { readInput, type CommandRunner, type Run } from './command';
import { renderTable, plural } from '../format/plain-text';
import { registerPolicyHistory } from './policy-history';

interface JsonOption {
  json?: boolean;
}

/** Reads and validates a policy file; a file that is not a JSON array is a failure (exit 1). */
export async function loadPolicyFile(file: string, run: Run): Promise<ValidatedItems> {
  const text = await readInput(file, run.io);
  try {
    return parsePolicyFile(text);
  } catch (error) {
    if (error instanceof PolicyValidationError) throw new CliError(`${file}: ${error.issues.join('; ')}`, EXIT.failure);
    throw error;
  }
}

function invalidLines(result: ValidatedItems): string[] {
  return result.invalid.flatMap((item) => item.errors);
}

const namesAccounts = (result: ValidatedItems): boolean => [...result.policies, ...result.exemptions].some((i) => i.accounts !== undefined);

/**
 * The `accounts` entries of a valid file that name no registered account (the deployment's own
 * ACCOUNT_ID always counts). A file that names no accounts is not checked (nothing is read). Without
 * the policies table (`validate` offline) the check is skipped with a note, unless `required`.
 */
async function unregisteredAccounts(run: Run, result: ValidatedItems, required: boolean): Promise<string[]> {
  if (!namesAccounts(result)) return [];
  const env = await run.context.env();
  if (!required && (env.POLICIES_TABLE ?? '').trim() === '') {
    run.io.err('share-lifecycle: the accounts named were not checked against the registry (no POLICIES_TABLE; set it or pass --stack NAME)\n');
    return [];
  }
  await run.context.check({ tables: ['policies'] });
  return unknownAccountProblems(result, await run.context.knownAccountIds());
}

/** Registers the `policies` command group. */
export function registerPolicyCommands(program: Command, runner: CommandRunner): void {
  const policies = program
    .command('policies')
    .description('Check, apply, list and delete sweep policies (the policies table).');
  registerValidate(policies, runner);
  registerApply(policies, runner);
  registerList(policies, runner);
  registerDelete(policies, runner);
  registerPolicyHistory(policies, runner);
}

function registerValidate(policies: Command, runner: CommandRunner): void {
  policies
    .command('validate')
    .description('Validate a policy file (a JSON array of policies and exemptions) without writing anything.')
    .argument('<file>', 'policy file, or - for stdin')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit code 0 when every item is valid, 1 when one is not.\n\nExample:\n  share-lifecycle policies validate samples/policies.json')
    .action(runner(validatePolicies));
}

async function validatePolicies(run: Run, file: string, options: JsonOption): Promise<number> {
  const result = await loadPolicyFile(file, run);
  const unknown = result.invalid.length === 0 ? await unregisteredAccounts(run, result, false) : [];
  const valid = result.invalid.length === 0 && unknown.length === 0;
  if (options.json === true) {
    await printJson(run.io, {
      valid,
      policies: result.policies.map((p) => p.policyId),
      exemptions: result.exemptions.map((e) => e.exemptionId),
      invalid: result.invalid,
      ...(unknown.length > 0 ? { unregisteredAccounts: unknown } : {}),
    });
  } else {
    for (const p of result.policies) run.io.out(`ok       policy ${p.policyId} (${p.mode}${p.enabled ? '' : ', disabled'}): ${describeRule(p.rule)}\n`);
    for (const e of result.exemptions) run.io.out(`ok       exemption ${e.exemptionId}\n`);
    for (const line of invalidLines(result)) run.io.out(`invalid  ${line}\n`);
    for (const line of unknown) run.io.out(`invalid  ${line}\n`);
    run.io.out(
      unknown.length > 0
        ? `${file}: ${plural(unknown.length, 'unregistered account')} named\n`
        : valid
        ? `${file}: ${plural(result.policies.length, 'policy', 'policies')} and ${plural(result.exemptions.length, 'exemption')}, all valid\n`
        : `${file}: ${plural(result.invalid.length, 'invalid item')}\n`,
    );
  }
  return valid ? EXIT.ok : EXIT.failure;
}

function registerApply(policies: Command, runner: CommandRunner): void {
  policies
    .command('apply')
    .description('Validate a policy file, then write all of its policies and exemptions (nothing is written if one item is invalid).')
    .argument('<file>', 'policy file, or - for stdin')
    .option('--json', 'print what was written as JSON')
    .addHelpText(
      'after',
      '\nPolicies are created or replaced by policyId; policies not in the file are left as they are\n(remove them with `policies delete`). The policies go in one DynamoDB transaction, each with\nits history entry (`policies history ID`): at most 50 policies a file.\n\nExample:\n  share-lifecycle --stack ShareLifecycle policies apply samples/policies.json',
    )
    .action(runner(applyPolicies));
}

async function applyPolicies(run: Run, file: string, options: JsonOption): Promise<number> {
  const result = await loadPolicyFile(file, run);
  if (result.invalid.length > 0) {
    throw new CliError(`${file}: ${plural(result.invalid.length, 'invalid item')}; nothing was applied`, EXIT.failure, invalidLines(result));
  }
  await run.context.check({ tables: ['policies'] });
  const unknown = await unregisteredAccounts(run, result, true);
  if (unknown.length > 0) throw new CliError(`${file}: ${plural(unknown.length, 'unregistered account')} named; nothing was applied`, EXIT.failure, unknown);
  const stores = await run.context.stores();
  const now = Date.now();
  const actor = await run.context.actor();
  const written = result.policies.length > 0 ? await stores.policies.putPolicies(result.policies, now, { actor }) : { created: [], updated: [] };
  for (const exemption of result.exemptions) await stores.policies.putExemption(exemption, now);
  const exemptions = result.exemptions.map((e) => e.exemptionId);
  if (options.json === true) {
    await printJson(run.io, { created: written.created, updated: written.updated, exemptions, actor });
  } else {
    if (result.policies.length > 0) run.io.out(`history  recorded as ${actor.id} (${actor.source === 'sts' ? 'AWS caller identity' : actor.note ?? actor.source})\n`);
    for (const id of written.created) run.io.out(`created  policy ${id}\n`);
    for (const id of written.updated) run.io.out(`updated  policy ${id}\n`);
    for (const id of exemptions) run.io.out(`written  exemption ${id}\n`);
    run.io.out(`applied ${plural(result.policies.length, 'policy', 'policies')} and ${plural(exemptions.length, 'exemption')}\n`);
  }
  return EXIT.ok;
}

function registerList(policies: Command, runner: CommandRunner): void {
  policies
    .command('list')
    .description('List the policies and exemptions in the policies table, with their validity.')
    .option('--json', 'print them as JSON (the stored policy documents)')
    .action(runner(listPolicies));
}

/** One stored policy document as `policies list` shows it: its errors when invalid, its version. */
interface PolicyRow {
  id: string;
  raw: Record<string, unknown>;
  errors: string[] | undefined;
  updatedAt: string | undefined;
  version: number | undefined;
}

/** What `policies list` reads from the table, with every item validated again. */
interface PolicyListing {
  items: PolicyItems;
  checked: ValidatedItems;
  rows: PolicyRow[];
}

async function listPolicies(run: Run, options: JsonOption): Promise<number> {
  await run.context.check({ tables: ['policies'] });
  const stores = await run.context.stores();
  const [items, stored] = await Promise.all([stores.policies.loadItems(), stores.policies.listPolicies()]);
  const listing = checkPolicyItems(items, stored);
  if (options.json === true) await printJson(run.io, policyListJson(listing));
  else printPolicyList(run, listing);
  return EXIT.ok;
}

/** Validates the stored items and pairs each policy document with its errors and stored version. */
export function checkPolicyItems(items: PolicyItems, stored: readonly StoredPolicy[]): PolicyListing {
  const byId = new Map(stored.map((s) => [s.policyId, s]));
  const checked = validatePolicyItems([...items.policies, ...items.exemptions.map((e) => ({ kind: 'exemption', ...(e as object) }))]);
  const errorsById = new Map<string, string[]>();
  for (const bad of checked.invalid) if (bad.id !== undefined) errorsById.set(`${bad.kind}#${bad.id}`, bad.errors);
  const rows = items.policies.map((raw) => {
    const p = raw as Record<string, unknown>;
    const id = String(p.policyId);
    const errors = errorsById.get(`policy#${id}`);
    return { id, raw: p, errors, updatedAt: byId.get(id)?.updatedAt, version: byId.get(id)?.version };
  });
  return { items, checked, rows };
}

function policyListJson({ items, rows }: PolicyListing): Record<string, unknown> {
  return {
    policies: rows.map((r) => ({
      policy: r.raw,
      valid: r.errors === undefined,
      ...(r.errors ? { errors: r.errors } : {}),
      ...(r.updatedAt ? { updatedAt: r.updatedAt } : {}),
      ...(r.version !== undefined ? { version: r.version } : {}),
    })),
    exemptions: items.exemptions,
    unrecognized: items.unrecognized,
  };
}

function printPolicyList(run: Run, { items, checked, rows }: PolicyListing): void {
  const validById = new Map(checked.policies.map((p) => [p.policyId, p]));
  // The ACCOUNTS column appears once a policy names accounts: a one-account deployment's list stays as it was.
  const scoped = checked.policies.some((p) => p.accounts !== undefined);
  const table = rows.map((r) => {
    const p = validById.get(r.id);
    const row = p
      ? [r.id, p.mode, p.enabled ? 'yes' : 'no', accountsText(p.accounts), describeRule(p.rule), r.updatedAt]
      : [r.id, 'INVALID', '-', '-', (r.errors ?? ['invalid']).join('; '), r.updatedAt];
    return scoped ? row : row.filter((_, i) => i !== 3);
  });
  const headings = ['POLICY', 'MODE', 'ENABLED', ...(scoped ? ['ACCOUNTS'] : []), 'RULE', 'UPDATED'];
  run.io.out(renderTable(headings, table, 80));
  for (const e of checked.exemptions) {
    const scope = e.accounts ? ` [accounts: ${e.accounts.join(', ')}]` : '';
    run.io.out(`exemption ${e.exemptionId}: ${e.reason}${e.expiresAt ? ` (until ${e.expiresAt})` : ''}${scope}\n`);
  }
  for (const bad of checked.invalid.filter((i) => i.kind === 'exemption')) run.io.out(`invalid exemption: ${bad.errors.join('; ')}\n`);
  for (const u of items.unrecognized) run.io.out(`unrecognized item ${u.itemId}: ${u.reason}\n`);
  if (rows.length === 0) run.io.out('no policies\n');
}

/** The accounts scope as `policies list` shows it: `all`, or the ids. */
function accountsText(accounts: readonly string[] | undefined): string {
  return accounts === undefined ? 'all' : accounts.join(', ');
}

function registerDelete(policies: Command, runner: CommandRunner): void {
  policies
    .command('delete')
    .description('Delete one policy (or, with --exemption, one exemption) by id.')
    .argument('<id>', 'policyId (or exemptionId)')
    .option('--exemption', 'delete the exemption with this id instead of a policy')
    .action(runner(deletePolicy));
}

async function deletePolicy(run: Run, id: string, options: { exemption?: boolean }): Promise<number> {
  await run.context.check({ tables: ['policies'] });
  const stores = await run.context.stores();
  const kind = options.exemption === true ? 'exemption' : 'policy';
  const deleted =
    options.exemption === true
      ? await stores.policies.deleteExemption(id)
      : await stores.policies.deletePolicy(id, Date.now(), { actor: await run.context.actor() });
  if (!deleted) throw new CliError(`no ${kind} ${JSON.stringify(id)} in the policies table`, EXIT.failure);
  run.io.out(`deleted ${kind} ${id}\n`);
  return EXIT.ok;
}
