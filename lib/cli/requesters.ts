/**
 * `share-lifecycle requesters set|list|remove`: the requester directory (where each requester's
 * grace notices are mailed) and the account's fallback address, from the command line. An entry is
 * validated as a whole before anything is written: every problem is named in one message.
 */
import { Option, type Command } from 'commander';
import { validateFallbackEntry, validateRequesterEntry, type RequesterEntryInput } from '../contracts/requester-entry';
import type { DirectoryEntry } from '../app/store-ports';
import { plural, renderTable } from '../format/plain-text';
import { CliError, EXIT, printJson, UsageError } from './io';
import type { CommandRunner, Run } from './command';
import { accountOption } from './account-option';

interface SetOptions {
  email?: string[];
  name?: string;
  fallback?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Registers the `requesters` command group. */
export function registerRequesterCommands(program: Command, runner: CommandRunner): void {
  const requesters = program
    .command('requesters')
    .description("The requester directory: where each requester's grace notices are mailed, and the account's fallback address.");
  requesters
    .command('set')
    .addOption(accountOption())
    .description('Create or replace the entry of a requester (the `requester` of share requests), or the fallback with --fallback. Nothing is written when it is invalid.')
    .argument('[requester]', 'the requester, exactly as share requests name it')
    .option('--email <address>', 'an address (repeat for several, at most 10); without any, the requester is known but the fallback gets the notices', collect)
    .option('--name <display-name>', 'a name the digest greets them with')
    .option('--fallback', "set the account's fallback address(es) instead: they get the notices of requesters without an address and of shares no request created")
    .option('--json', 'print what was written as JSON')
    .addHelpText('after', '\nExamples:\n  share-lifecycle requesters set marketing --email mkt@example.com --name "Marketing team"\n  share-lifecycle requesters set --fallback --email links-admin@example.com')
    .action(runner(setEntry));
  requesters.command('list').description('List the directory, its fallback and any item that is not a valid entry.').addOption(accountOption()).option('--json', 'print them as JSON').action(runner(listEntries));
  requesters
    .command('remove')
    .addOption(accountOption())
    .description('Remove the entry of a requester (their notices then go to the fallback), or the fallback with --fallback.')
    .argument('[requester]')
    .option('--fallback', 'remove the fallback address(es)')
    .addOption(new Option('--yes', 'confirm the removal').makeOptionMandatory())
    .action(runner(removeEntry));
}

/** The requester argument, or the fallback: exactly one of them. */
function target(requester: string | undefined, fallback: boolean | undefined): string | undefined {
  if (fallback === true && requester !== undefined) throw new UsageError('give a requester or --fallback, not both');
  if (fallback !== true && requester === undefined) throw new UsageError('name the requester (or pass --fallback)');
  return requester;
}

async function setEntry(run: Run, requester: string | undefined, options: SetOptions): Promise<number> {
  const who = target(requester, options.fallback);
  await run.context.check({ tables: ['policies'] });
  const emails = options.email ?? [];
  if (who === undefined) {
    if (options.name !== undefined) throw new UsageError('--name is for a requester; the fallback has addresses only');
    const checked = validateFallbackEntry({ emails });
    if (!checked.ok) throw new CliError('the fallback is invalid; nothing was written', EXIT.failure, checked.errors);
    await (await run.context.stores()).requesters.setFallback(checked.entry, Date.now());
    if (options.json === true) await printJson(run.io, { fallback: checked.entry });
    else run.io.out(`set the fallback: ${checked.entry.emails.join(', ')}\n`);
    return EXIT.ok;
  }
  const input: RequesterEntryInput = { requester: who, emails, ...(options.name !== undefined ? { displayName: options.name } : {}) };
  const checked = validateRequesterEntry(input);
  if (!checked.ok) throw new CliError('the requester entry is invalid; nothing was written', EXIT.failure, checked.errors);
  const written = await (await run.context.stores()).requesters.set(checked.entry, Date.now());
  if (options.json === true) await printJson(run.io, written);
  else run.io.out(`set requester ${who}: ${written.emails.length > 0 ? written.emails.join(', ') : 'no address (the fallback gets their notices)'}\n`);
  return EXIT.ok;
}

async function listEntries(run: Run, options: { json?: boolean }): Promise<number> {
  await run.context.check({ tables: ['policies'] });
  const { entries, fallback, invalid } = await (await run.context.stores()).requesters.list();
  if (options.json === true) {
    await printJson(run.io, { requesters: entries, fallback: fallback ?? null, invalid });
    return EXIT.ok;
  }
  if (entries.length > 0) run.io.out(renderTable(['REQUESTER', 'NAME', 'EMAILS'], entries.map(row), 100));
  run.io.out(`fallback: ${fallback ? fallback.emails.join(', ') : 'none (notices of requesters without an address are not sent)'}\n`);
  for (const bad of invalid) run.io.out(`invalid directory item ${bad.itemId}: ${bad.errors.join('; ')}\n`);
  run.io.out(`${plural(entries.length, 'requester')}${invalid.length > 0 ? `, ${plural(invalid.length, 'invalid item')}` : ''}\n`);
  return EXIT.ok;
}

function row(e: DirectoryEntry): string[] {
  return [e.requester, e.displayName ?? '-', e.emails.length > 0 ? e.emails.join(', ') : '- (fallback)'];
}

async function removeEntry(run: Run, requester: string | undefined, options: { fallback?: boolean }): Promise<number> {
  const who = target(requester, options.fallback);
  await run.context.check({ tables: ['policies'] });
  const directory = (await run.context.stores()).requesters;
  if (who === undefined) {
    if (!(await directory.removeFallback())) throw new CliError('no fallback is set', EXIT.failure);
    run.io.out('removed the fallback\n');
    return EXIT.ok;
  }
  if (!(await directory.remove(who))) throw new CliError(`no requester ${JSON.stringify(who)} in the directory`, EXIT.failure);
  run.io.out(`removed requester ${who} (their notices now go to the fallback)\n`);
  return EXIT.ok;
}
