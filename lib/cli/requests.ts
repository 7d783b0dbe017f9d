/**
 * `share-lifecycle requests send|get`: puts share requests on the request queue (validated first,
 * nothing is sent when one is invalid) and reads what became of one (the share records table).
 */
import type { Command } from 'commander';
import type { ShareRecord } from '../app/store-ports';
import { accountEntrySchema } from '../contracts/account-entry';
import { formatIssues } from '../contracts/issues';
import { parseShareRequestLines, type ShareRequestMessage } from '../contracts/share-request';
import { readInput, type CommandRunner, type Run } from './command';
import { formatTime, plural, renderFields } from '../format/plain-text';
import { CliError, EXIT, Progress, printJson } from './io';
import { accountOption } from './account-option';

/** A share record as the CLI prints it (`--json`): ids as strings, times as ISO 8601. */
export function recordToJson(record: ShareRecord): Record<string, unknown> {
  const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    requestId: record.requestId,
    status: record.status,
    requester: record.requester,
    shareId: record.shareId,
    link: record.link,
    shortUrl: record.shortUrl,
    visibility: record.visibility,
    period: record.period,
    fsIds: record.fsIds,
    paths: record.paths,
    label: record.label,
    error: record.error,
    createdAt: iso(record.createdAtMs),
    cancelledAt: iso(record.cancelledAtMs),
    cancelReason: record.cancelReason,
    cancelRunId: record.cancelRunId,
    attempts: record.attempts,
    updatedAt: iso(record.updatedAtMs),
  };
}

/** Registers the `requests` command group. */
export function registerRequestCommands(program: Command, runner: CommandRunner): void {
  const requests = program.command('requests').description('Send share requests to the request queue and look them up.');
  registerSend(requests, runner);
  registerGet(requests, runner);
}

function registerSend(requests: Command, runner: CommandRunner): void {
  requests
    .command('send')
    .description('Validate share requests (JSON, a JSON array, or JSON lines) and send them to the request queue.')
    .argument('<file>', 'request file, or - for stdin')
    .option('--json', 'print the result as JSON')
    .option('--account <id>', 'the TeraBox account of every request that names none (required by the deployment once it serves several accounts)')
    .addHelpText(
      'after',
      [
        '',
        'Every request is validated before anything is sent: one invalid request and nothing is sent (exit 1).',
        'A request: {"requestId":"req-1","requester":"marketing","paths":["/Public/a.pdf"],"period":7}',
        '(fsIds and/or paths; optional period 0|1|7|30, password (4 of 0-9a-z), label, account).',
        '',
        'Examples:',
        '  share-lifecycle requests send samples/requests.jsonl',
        `  echo '{"requestId":"r-42","requester":"me","fsIds":["123"]}' | share-lifecycle requests send -`,
        '  share-lifecycle requests send --account brand samples/requests.jsonl',
      ].join('\n'),
    )
    .action(runner(sendRequests));
}

/**
 * `--account`: names the account of every request that names none; a request naming another
 * account is an error (nothing is sent), since one of the two is a mistake.
 */
export function withAccount(requests: ShareRequestMessage[], account: string | undefined): { ok: true; requests: ShareRequestMessage[] } | { ok: false; errors: string[] } {
  if (account === undefined) return { ok: true, requests };
  const id = accountEntrySchema.shape.accountId.safeParse(account);
  if (!id.success) return { ok: false, errors: [`--account: ${formatIssues(id.error.issues).join('; ')}`] };
  const errors = requests
    .filter((r) => r.account !== undefined && r.account !== id.data)
    .map((r) => `request ${r.requestId}: names account "${r.account as string}", not --account "${id.data}"`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, requests: requests.map((r) => ({ ...r, account: id.data })) };
}

async function sendRequests(run: Run, file: string, options: { json?: boolean; account?: string }): Promise<number> {
  const text = await readInput(file, run.io);
  const lines = parseShareRequestLines(text);
  const parsed = lines.ok ? withAccount(lines.requests, options.account) : lines;
  if (!parsed.ok) throw new CliError(`${file === '-' ? 'stdin' : file}: invalid requests; nothing was sent`, EXIT.failure, parsed.errors);
  await run.context.check({ requestQueue: true });
  const queue = await run.context.requestQueue();
  const progress = Progress.for(run.io, options);
  progress.update(`sending ${plural(parsed.requests.length, 'request')}...`, true);
  const result = await queue.send(parsed.requests);
  progress.done();
  if (options.json === true) {
    await printJson(run.io, { sent: result.sent, failed: result.failed, requestIds: parsed.requests.map((r) => r.requestId) });
  } else {
    run.io.out(`sent ${plural(result.sent, 'request')}${result.failed.length > 0 ? `, ${result.failed.length} failed` : ''}\n`);
    for (const f of result.failed) run.io.out(`failed  ${f.requestId}: ${f.error}\n`);
  }
  return result.failed.length > 0 ? EXIT.failure : EXIT.ok;
}

function registerGet(requests: Command, runner: CommandRunner): void {
  requests
    .command('get')
    .addOption(accountOption())
    .description('Show what became of one share request (its record in the share records table).')
    .argument('<requestId>', 'the requestId that was sent')
    .option('--json', 'print the record as JSON')
    .action(runner(getRequest));
}

async function getRequest(run: Run, requestId: string, options: { json?: boolean }): Promise<number> {
  await run.context.check({ tables: ['shares'] });
  const stores = await run.context.stores();
  const record = await stores.shareRecords.get(requestId);
  if (record === undefined) {
    throw new CliError(`no request ${JSON.stringify(requestId)} in the share records table (not processed yet, or never sent)`, EXIT.failure);
  }
  if (options.json === true) {
    await printJson(run.io, recordToJson(record));
    return EXIT.ok;
  }
  run.io.out(renderFields(recordFields(record)));
  return EXIT.ok;
}

/** A share record as `requests get` prints it, as label/value pairs (undefined values are left out). */
function recordFields(record: ShareRecord): Array<readonly [string, unknown]> {
  return [
    ['request', record.requestId],
    ['status', record.status],
    ['requester', record.requester],
    ['share id', record.shareId],
    ['link', record.link],
    ['visibility', record.visibility],
    ['period', record.period === undefined ? undefined : record.period === 0 ? 'permanent' : `${record.period} days`],
    ['paths', record.paths],
    ['fs ids', record.fsIds],
    ['label', record.label],
    ['error', record.error],
    ['created', record.createdAtMs === undefined ? undefined : formatTime(record.createdAtMs)],
    ['cancelled', record.cancelledAtMs === undefined ? undefined : formatTime(record.cancelledAtMs)],
    ['cancel reason', record.cancelReason],
    ['cancel run', record.cancelRunId],
    ['updated', formatTime(record.updatedAtMs)],
  ];
}
