/**
 * `share-lifecycle policies history ID`: every recorded change of one policy, newest first: who,
 * when, the versions before and after, and the top-level fields that changed (old -> new).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { PolicyHistoryEntry } from '../app/store-ports';
import { formatTime, plural } from '../format/plain-text';
import { truncate } from '../shared/text';
import type { CommandRunner, Run } from './command';
import { CliError, EXIT, printJson, writeOut } from './io';

/** A field value in a text line: JSON, cut at this many characters (`--json` has them whole). */
const MAX_VALUE_TEXT = 160;

function parseLimit(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000.');
  return n;
}

/** Registers `policies history` on the `policies` group. */
export function registerPolicyHistory(policies: Command, runner: CommandRunner): void {
  policies
    .command('history')
    .description('Show the recorded changes of one policy, newest first (who, when, versions, changed fields).')
    .argument('<id>', 'policyId')
    .addOption(new Option('--limit <n>', 'the newest n changes (1-1000)').argParser(parseLimit))
    .option('--json', 'print the history entries as JSON (the whole old and new policy of each change)')
    .addHelpText(
      'after',
      '\nEvery `policies apply` and `policies delete` records one entry per policy it changes, in the\nsame transaction as the change. The version is the one audit entries of runs name.\n\nExample:\n  share-lifecycle policies history public-links-90-days',
    )
    .action(runner(showPolicyHistory));
}

async function showPolicyHistory(run: Run, policyId: string, options: { limit?: number; json?: boolean }): Promise<number> {
  await run.context.check({ tables: ['policies'] });
  const stores = await run.context.stores();
  const entries = await stores.policies.listHistory(policyId, options.limit !== undefined ? { limit: options.limit } : {});
  if (entries.length === 0) {
    const exists = (await stores.policies.listPolicies()).some((p) => p.policyId === policyId);
    if (!exists) throw new CliError(`no policy ${JSON.stringify(policyId)} and no recorded change of one in the policies table`, EXIT.failure);
  }
  if (options.json === true) {
    await printJson(run.io, { policyId, entries });
    return EXIT.ok;
  }
  if (entries.length === 0) {
    run.io.out(`policy ${policyId}: no recorded changes (it was last written before the history existed)\n`);
    return EXIT.ok;
  }
  await writeOut(run.io, [...entries.flatMap(historyLines), `${plural(entries.length, 'change')} of policy ${policyId}\n`]);
  return EXIT.ok;
}

/** One entry as text: a heading line, then one line per changed field. */
export function historyLines(entry: PolicyHistoryEntry): string[] {
  const version =
    entry.change === 'delete' ? `v${entry.versionBefore ?? '?'} deleted` : entry.versionBefore === undefined ? `v${entry.versionAfter ?? '?'}` : `v${entry.versionBefore} -> v${entry.versionAfter ?? '?'}`;
  const who = `${entry.actor.id} (${entry.actor.source === 'sts' ? 'AWS caller identity' : entry.actor.note ?? entry.actor.source})`;
  const lines = [`${formatTime(entry.atMs)}  ${entry.change.padEnd(6)}  ${version}  by ${who}\n`];
  for (const change of entry.diff) lines.push(`    ${change.field}: ${valueText(change.old)} -> ${valueText(change.new)}\n`);
  if (entry.diff.length === 0) lines.push('    (no field changed)\n');
  return lines;
}

function valueText(value: unknown): string {
  return value === undefined ? '(none)' : truncate(JSON.stringify(value), MAX_VALUE_TEXT);
}
