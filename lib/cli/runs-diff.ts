/**
 * `share-lifecycle runs diff [RUN_A] [RUN_B]`: what changed between two runs' flagged sets, per
 * policy: shares newly flagged, still flagged, no longer flagged (lib/app/run-diff.ts).
 */
import type { Command } from 'commander';
import { computeRunDiff, type FlaggedSet, type RunDiff } from '../app/run-diff';
import type { FlaggedSetStore, RunStore, RunSummary } from '../app/store-ports';
import { formatTime, tableLines } from '../format/plain-text';
import type { CommandRunner, Run } from './command';
import { CliError, EXIT, printJson, writeOut } from './io';
import { accountOption } from './account-option';

/** Share ids printed per list in text (`--json` has them all). */
const SHOWN_IDS = 10;
/** Recent runs searched for completed ones. */
const RUN_SEARCH = 200;

/** Registers `runs diff` on the `runs` group. */
export function registerRunsDiff(runs: Command, runner: CommandRunner): void {
  runs
    .command('diff')
    .addOption(accountOption())
    .description('Compare two runs\' flagged shares per policy: new, still flagged, resolved.')
    .argument('[runA]', 'the older run (default: the completed run before RUN_B)')
    .argument('[runB]', 'the newer run (default: the last completed run)')
    .option('--json', 'print the whole diff as JSON (every share id)')
    .addHelpText(
      'after',
      '\nWith no run id: the last two completed runs. With one: that run against the completed run\nbefore it. A first run has everything new.\n\nExample:\n  share-lifecycle runs diff\n  share-lifecycle runs diff 20261201T100000000Z-1a2b3c4d 20261202T100000000Z-5e6f7a8b --json | jq .totals',
    )
    .action(runner(diffRuns));
}

interface Sides {
  older: RunSummary | undefined;
  newer: RunSummary;
}

async function diffRuns(run: Run, runA: string | undefined, runB: string | undefined, options: { json?: boolean }): Promise<number> {
  await run.context.check({ tables: ['runs'] });
  const stores = await run.context.stores();
  const sides = await chooseRuns(run, runA, runB);
  const flaggedOf = async (summary: RunSummary): Promise<FlaggedSet> => {
    const set = await stores.flaggedSets.getFlaggedSet(summary.runId);
    if (set === undefined) {
      throw new CliError(
        `run ${summary.runId} has no stored flagged set (status ${summary.status}: it stopped before evaluating, ran before flagged sets were stored, or its set expired)`,
        EXIT.failure,
      );
    }
    return set;
  };
  const newer = { runId: sides.newer.runId, flagged: await flaggedOf(sides.newer) };
  const older = sides.older === undefined ? undefined : { runId: sides.older.runId, flagged: await flaggedOf(sides.older) };
  const diff = computeRunDiff(older, newer);
  if (options.json === true) {
    await printJson(run.io, diff);
    return EXIT.ok;
  }
  await writeOut(run.io, diffLines(diff, sides));
  return EXIT.ok;
}

/** The two runs: as given, or the last completed ones (see the command's help). */
async function chooseRuns(run: Run, runA: string | undefined, runB: string | undefined): Promise<Sides> {
  const stores = await run.context.stores();
  const get = async (runId: string): Promise<RunSummary> => {
    const summary = await stores.runs.getRun(runId);
    if (summary === undefined) throw new CliError(`no run ${JSON.stringify(runId)} in the runs table`, EXIT.failure);
    return summary;
  };
  if (runA !== undefined && runB !== undefined) {
    const [older, newer] = await Promise.all([get(runA), get(runB)]);
    return { older, newer };
  }
  const completed = (await stores.runs.listRuns({ limit: RUN_SEARCH, newestFirst: true })).filter((r) => r.status === 'completed');
  if (runA !== undefined) {
    const newer = await get(runA);
    return { older: completed.find((r) => r.startedAtMs < newer.startedAtMs && r.runId !== newer.runId), newer };
  }
  const [newer, older] = completed;
  if (newer === undefined) throw new CliError('no completed run in the runs table yet: nothing to compare', EXIT.failure);
  return { older, newer };
}

/** What `runDiffWithPrevious` reads. */
export interface DiffSources {
  runs: Pick<RunStore, 'listRuns'>;
  flaggedSets: Pick<FlaggedSetStore, 'getFlaggedSet'>;
}

/**
 * The run's diff against the completed run before it (a first run: everything new); undefined
 * when a flagged set it needs is not stored (the HTML report then says there is nothing to compare).
 */
export async function runDiffWithPrevious(sources: DiffSources, summary: RunSummary): Promise<RunDiff | undefined> {
  const flagged = await sources.flaggedSets.getFlaggedSet(summary.runId);
  if (flagged === undefined) return undefined;
  const completed = (await sources.runs.listRuns({ limit: RUN_SEARCH, newestFirst: true })).filter((r) => r.status === 'completed');
  const older = completed.find((r) => r.startedAtMs < summary.startedAtMs && r.runId !== summary.runId);
  const olderSet = older === undefined ? undefined : await sources.flaggedSets.getFlaggedSet(older.runId);
  if (older !== undefined && olderSet === undefined) return undefined;
  return computeRunDiff(older && olderSet ? { runId: older.runId, flagged: olderSet } : undefined, { runId: summary.runId, flagged });
}

/** The diff as text: a heading, a table of counts per policy, then the first share ids of each list. */
export function diffLines(diff: RunDiff, sides: Sides): string[] {
  const heading = sides.older
    ? `run ${diff.toRunId} (${formatTime(sides.newer.startedAtMs)}, ${sides.newer.mode}) against run ${sides.older.runId} (${formatTime(sides.older.startedAtMs)}, ${sides.older.mode})\n`
    : `run ${diff.toRunId} (${formatTime(sides.newer.startedAtMs)}, ${sides.newer.mode}): no completed run before it, so everything flagged is new\n`;
  const rows = diff.policies.map((p) => [p.policyId, p.new.length, p.still.length, p.resolved.length]);
  rows.push(['all shares', diff.totals.new, diff.totals.still, diff.totals.resolved]);
  const lines = [heading, '\n', ...tableLines(['POLICY', 'NEW', 'STILL', 'RESOLVED'], rows, 80)];
  for (const p of diff.policies) {
    for (const [what, ids] of [['new', p.new], ['still', p.still], ['resolved', p.resolved]] as const) {
      if (ids.length === 0) continue;
      const more = ids.length > SHOWN_IDS ? ` (and ${ids.length - SHOWN_IDS} more)` : '';
      lines.push(`${p.policyId} ${what}: ${ids.slice(0, SHOWN_IDS).join(', ')}${more}\n`);
    }
  }
  if (diff.policies.length === 0) lines.push('no share flagged in either run\n');
  return lines;
}
