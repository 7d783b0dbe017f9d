/**
 * `share-lifecycle runs list|show|diff|acknowledge-missing`: the audit trail of sweeps (the runs
 * table): every run's summary, and for one run each share's decision, the policies behind it and
 * what happened; and the way out of a sweep that fails because shares the product created are
 * missing from the listing (lib/app/missing-shares.ts).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { acknowledgeMissingShares } from '../app/missing-shares';
import type { AuditEntry, RunSummary } from '../app/store-ports';
import { describeShapeChange } from '../app/response-shape';
import type { CommandRunner, Run } from './command';
import { formatDuration, formatTime, plural, renderFields, renderTable, tableLines } from '../format/plain-text';
import { htmlReportInput, writeHtmlReport } from './html-report';
import { CliError, EXIT, Progress, printJson, writeOut } from './io';
import { registerRunsDiff, runDiffWithPrevious } from './runs-diff';
import { accountOption } from './account-option';

function parseLimit(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000.');
  return n;
}

const DECISIONS = ['keep', 'cancel', 'would-cancel', 'exempt', 'unevaluable', 'marked', 'cancel-ineffective'] as const;

/** The summary's lines about the list response's shape and the cancels that did not take. */
export function trustLines(summary: RunSummary): string[] {
  const lines: string[] = [];
  for (const warning of summary.warnings ?? []) lines.push(`  warning: ${warning}`);
  const shape = summary.apiShape;
  if (shape !== undefined) {
    const against = shape.baselineRunId === undefined ? 'first recorded: the baseline' : `compared with run ${shape.baselineRunId}`;
    const change = shape.change === undefined ? 'no change' : `CHANGED: ${describeShapeChange(shape.change)}`;
    lines.push(`  api shape: ${shape.fingerprint} (${shape.fields} fields over ${shape.items} shares; ${against}; ${change})`);
  }
  const v = summary.cancelVerification;
  if (v !== undefined && (v.checked > 0 || v.ineffective.length > 0 || v.givenUpEarlier.length > 0)) {
    lines.push(`  cancels verified: ${v.checked} judged, ${v.ineffective.length} did not take`);
    for (const c of v.ineffective) {
      const what = c.action === 'retried' ? 'cancelled again' : c.action === 'given-up' ? 'GIVEN UP: a person must look' : `not cancelled again: ${c.note ?? ''}`;
      lines.push(`  cancel-ineffective: share ${c.shareId} answered ${c.answer} by run ${c.cancelRunId}, miss ${c.misses}: ${what}`);
    }
    if (v.givenUpEarlier.length > 0) lines.push(`  given up earlier, still listed (a person must look): ${v.givenUpEarlier.join(', ')}`);
  }
  return lines;
}

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
  registerRunsList(runs, runner);
  registerRunsShow(runs, runner);
  registerRunsDiff(runs, runner);
  registerAcknowledgeMissing(runs, runner);
}

function registerRunsList(runs: Command, runner: CommandRunner): void {
  runs
    .command('list')
    .addOption(accountOption())
    .description('List recent runs, newest first: of every account (the deployment\'s and the registered ones), or of --account.')
    .addOption(new Option('--limit <n>', 'how many runs (1-1000)').argParser(parseLimit).default(20))
    .option('--json', 'print the run summaries as JSON')
    .action(runner(listRuns));
}

/**
 * The accounts `runs list` reads: the one of `--account`; else the deployment's and every
 * registered account (when the registry can be read: without POLICIES_TABLE, the deployment's only).
 */
async function listedAccounts(run: Run, account: string | undefined): Promise<string[]> {
  if (account !== undefined) return [await run.context.accountId()];
  const env = await run.context.env();
  if ((env.POLICIES_TABLE ?? '').trim() === '') return [await run.context.deploymentAccountId()];
  return [...(await run.context.knownAccountIds())].sort();
}

async function listRuns(run: Run, options: { limit: number; json?: boolean; account?: string }): Promise<number> {
  await run.context.check({ tables: ['runs'] });
  const accounts = await listedAccounts(run, options.account);
  const lists = await Promise.all(accounts.map(async (id) => (await run.context.storesOf(id)).runs.listRuns({ limit: options.limit, newestFirst: true })));
  // Newest first across accounts; run ids start with their start time, so they break ties.
  const list = lists
    .flat()
    .sort((a, b) => b.startedAtMs - a.startedAtMs || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0))
    .slice(0, options.limit);
  const withAccount = accounts.length > 1 || options.account !== undefined;
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
      [...(withAccount ? ['ACCOUNT'] : []), 'RUN ID', 'STARTED', 'MODE', 'STATUS', 'TRIGGER', 'GUARDRAIL', 'COUNTS'],
      list.map((r) => [
        ...(withAccount ? [r.accountId] : []),
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
}

interface ShowOptions {
  decision?: string;
  json?: boolean;
  html?: string;
}

function registerRunsShow(runs: Command, runner: CommandRunner): void {
  runs
    .command('show')
    .addOption(accountOption())
    .description('Show one run: its summary and every audit entry (decision, policies, reasons, outcome).')
    .argument('<runId>', 'a run id from `runs list`')
    .addOption(new Option('--decision <kind>', 'only entries with this decision').choices([...DECISIONS]))
    .option('--json', 'print the summary and the entries as JSON')
    .option('--html <file>', 'also write a self-contained HTML report of the run (charts, every decision) to this file')
    .action(runner(showRun));
}

async function showRun(run: Run, runId: string, options: ShowOptions): Promise<number> {
  await run.context.check({ tables: options.html === undefined ? ['runs'] : ['runs', 'policies'] });
  const stores = await run.context.stores();
  const summary = await stores.runs.getRun(runId);
  if (summary === undefined) throw new CliError(`no run ${JSON.stringify(runId)} in the runs table`, EXIT.failure);
  const all = await readAuditEntries(run, stores.runs.listAudit(runId), options.html === undefined ? options : { ...options, decision: undefined });
  const entries = options.decision === undefined ? all : all.filter((e) => e.decision === options.decision);
  if (options.html !== undefined) {
    const diff = await runDiffWithPrevious(stores, summary);
    await writeHtmlReport(options.html, await htmlReportInput(stores, summary, { entries: all, now: Date.now(), ...(diff ? { diff } : {}) }));
    run.io.err(`wrote the HTML report of run ${runId} to ${options.html}\n`);
  }
  if (options.json === true) {
    await printJson(run.io, { run: runToJson(summary), entries });
    return EXIT.ok;
  }
  run.io.out(renderFields(summaryFields(summary)));
  for (const trip of summary.guardrail?.trips ?? []) run.io.out(`  guardrail: ${trip.message}\n`);
  for (const line of trustLines(summary)) run.io.out(`${line}\n`);
  for (const error of summary.errors ?? []) run.io.out(`  error: ${error}\n`);
  run.io.out('\n');
  const table = tableLines(
    ['SHARE ID', 'DECISION', 'OUTCOME', 'POLICIES', 'REASONS'],
    entries.map((e) => [e.shareId, e.decision, e.outcome ?? '-', policiesText(e), e.reasons.join('; ') + (e.error ? ` [${e.error}]` : '')]),
    90,
  );
  await writeOut(run.io, [...table, `${plural(entries.length, 'audit entry', 'audit entries')}\n`]);
  return EXIT.ok;
}

/** An entry's policies, each with the version that decided where known (`public-30d@v3`). */
function policiesText(entry: AuditEntry): string {
  return entry.policyIds.map((id) => (entry.policyVersions?.[id] !== undefined ? `${id}@v${entry.policyVersions[id]}` : id)).join(',');
}

/** Collects a run's audit entries (those with the `--decision` asked for), counting them on stderr. */
async function readAuditEntries(run: Run, audit: AsyncIterable<AuditEntry>, options: ShowOptions): Promise<AuditEntry[]> {
  const progress = Progress.for(run.io, options);
  const entries: AuditEntry[] = [];
  for await (const entry of audit) {
    if (options.decision === undefined || entry.decision === options.decision) entries.push(entry);
    progress.update(`reading audit entries: ${entries.length}`);
  }
  progress.done();
  return entries;
}

/** The summary's diff counts in one line: `new 2, still 5, resolved 1 against run ...`. */
function diffText(diff: RunSummary['diff']): string | undefined {
  if (diff === undefined) return undefined;
  const t = diff.totals;
  return `new ${t.new}, still ${t.still}, resolved ${t.resolved} ${diff.fromRunId === undefined ? '(first run: everything is new)' : `against run ${diff.fromRunId}`}`;
}

/** The summary block of `runs show`, as label/value pairs (undefined values are left out). */
function summaryFields(summary: RunSummary): Array<[string, string | undefined]> {
  return [
    ['run', summary.runId],
    ['mode', summary.mode],
    ['status', summary.status],
    ['trigger', summary.trigger],
    ['started', formatTime(summary.startedAtMs)],
    ['finished', summary.finishedAtMs === undefined ? undefined : formatTime(summary.finishedAtMs)],
    ['counts', countsText(summary.counts)],
    ['diff', diffText(summary.diff)],
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
  ];
}

function registerAcknowledgeMissing(runs: Command, runner: CommandRunner): void {
  runs
    .command('acknowledge-missing')
    .addOption(accountOption())
    .description(
      'Confirm that shares the product created were deleted outside it (a sweep fails while a created share is missing from the listing): ' +
        'their share records move to cancelled and the next sweep proceeds.',
    )
    .argument('<requestId...>', 'request ids named by the failed run')
    .option('--note <text>', 'who and why, kept in the record\'s cancel reason')
    .option('--json', 'print the results as JSON')
    .action(runner(acknowledgeMissing));
}

async function acknowledgeMissing(run: Run, requestIds: string[], options: { note?: string; json?: boolean }): Promise<number> {
  await run.context.check({ tables: ['shares'] });
  const stores = await run.context.stores();
  const results = await acknowledgeMissingShares({ shareRecords: stores.shareRecords, now: Date.now() }, requestIds, options.note);
  if (options.json === true) {
    await printJson(run.io, results.map((r) => (r.kind === 'acknowledged' ? { requestId: r.requestId, kind: r.kind, status: r.record.status } : r)));
  } else {
    for (const r of results) {
      const line =
        r.kind === 'acknowledged'
          ? `${r.requestId}: acknowledged (record now cancelled: deleted outside the product)`
          : r.kind === 'not-found'
            ? `${r.requestId}: no such share record`
            : `${r.requestId}: left alone (status ${r.status}, not created)`;
      run.io.out(`${line}\n`);
    }
  }
  return results.every((r) => r.kind === 'acknowledged') ? EXIT.ok : EXIT.failure;
}
