/**
 * `share-lifecycle runs list|show`: the audit trail of sweeps (the runs table): every run's
 * summary, and for one run each share's decision, the policies behind it and what happened.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AuditEntry, RunSummary } from '../app/store-ports';
import type { CommandRunner } from './command';
import { formatDuration, formatTime, plural, renderFields, renderTable, tableLines } from './format';
import { CliError, EXIT, Progress, printJson, writeOut } from './io';

function parseLimit(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000.');
  return n;
}

const DECISIONS = ['keep', 'cancel', 'would-cancel', 'exempt', 'unevaluable', 'marked'] as const;

/** A run summary for --json: times as ISO 8601 next to the stored fields. */
export function runToJson(run: RunSummary): Record<string, unknown> {
  return {
    ...run,
    startedAt: new Date(run.startedAtMs).toISOString(),
    ...(run.finishedAtMs === undefined ? {} : { finishedAt: new Date(run.finishedAtMs).toISOString() }),
  };
}

function countsText(counts: Record<string, number> | undefined): string {
  if (counts === undefined) return '-';
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/** Registers the `runs` command group. */
export function registerRunCommands(program: Command, runner: CommandRunner): void {
  const runs = program.command('runs').description('Read the audit trail of sweep runs.');

  runs
    .command('list')
    .description('List recent runs, newest first.')
    .addOption(new Option('--limit <n>', 'how many runs (1-1000)').argParser(parseLimit).default(20))
    .option('--json', 'print the run summaries as JSON')
    .action(
      runner(async (run, options: { limit: number; json?: boolean }) => {
        await run.context.check({ tables: ['runs'] });
        const stores = await run.context.stores();
        const list = await stores.runs.listRuns({ limit: options.limit, newestFirst: true });
        if (options.json === true) {
          await printJson(run.io, list.map(runToJson));
          return EXIT.ok;
        }
        if (list.length === 0) {
          run.io.out('no runs yet\n');
          return EXIT.ok;
        }
        run.io.out(
          renderTable(
            ['RUN ID', 'STARTED', 'MODE', 'STATUS', 'TRIGGER', 'GUARDRAIL', 'COUNTS'],
            list.map((r) => [
              r.runId,
              formatTime(r.startedAtMs),
              r.mode,
              r.status,
              r.trigger,
              r.guardrail === undefined ? '-' : r.guardrail.tripped ? 'TRIPPED' : 'ok',
              countsText(r.counts),
            ]),
            100,
          ),
        );
        return EXIT.ok;
      }),
    );

  runs
    .command('show')
    .description('Show one run: its summary and every audit entry (decision, policies, reasons, outcome).')
    .argument('<runId>', 'a run id from `runs list`')
    .addOption(new Option('--decision <kind>', 'only entries with this decision').choices([...DECISIONS]))
    .option('--json', 'print the summary and the entries as JSON')
    .action(
      runner(async (run, runId: string, options: { decision?: string; json?: boolean }) => {
        await run.context.check({ tables: ['runs'] });
        const stores = await run.context.stores();
        const summary = await stores.runs.getRun(runId);
        if (summary === undefined) throw new CliError(`no run ${JSON.stringify(runId)} in the runs table`, EXIT.failure);
        const progress = Progress.for(run.io, options);
        const entries: AuditEntry[] = [];
        for await (const entry of stores.runs.listAudit(runId)) {
          if (options.decision === undefined || entry.decision === options.decision) entries.push(entry);
          progress.update(`reading audit entries: ${entries.length}`);
        }
        progress.done();
        if (options.json === true) {
          await printJson(run.io, { run: runToJson(summary), entries });
          return EXIT.ok;
        }
        run.io.out(
          renderFields([
            ['run', summary.runId],
            ['mode', summary.mode],
            ['status', summary.status],
            ['trigger', summary.trigger],
            ['started', formatTime(summary.startedAtMs)],
            ['finished', summary.finishedAtMs === undefined ? undefined : formatTime(summary.finishedAtMs)],
            ['counts', countsText(summary.counts)],
            ['guardrail', summary.guardrail === undefined ? undefined : summary.guardrail.tripped ? 'TRIPPED: nothing was cancelled' : `ok (${summary.guardrail.planned} planned)`],
            ['reason', summary.reason],
            [
              'timings',
              summary.timings === undefined
                ? undefined
                : Object.entries(summary.timings)
                    .map(([k, ms]) => `${k} ${formatDuration(ms)}`)
                    .join(', '),
            ],
          ]),
        );
        for (const trip of summary.guardrail?.trips ?? []) run.io.out(`  guardrail: ${trip.message}\n`);
        for (const error of summary.errors ?? []) run.io.out(`  error: ${error}\n`);
        run.io.out('\n');
        const table = tableLines(
          ['SHARE ID', 'DECISION', 'OUTCOME', 'POLICIES', 'REASONS'],
          entries.map((e) => [e.shareId, e.decision, e.outcome ?? '-', e.policyIds.join(','), e.reasons.join('; ') + (e.error ? ` [${e.error}]` : '')]),
          90,
        );
        await writeOut(run.io, [...table, `${plural(entries.length, 'audit entry', 'audit entries')}\n`]);
        return EXIT.ok;
      }),
    );
}
