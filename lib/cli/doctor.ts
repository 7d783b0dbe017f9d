/** `share-lifecycle doctor`: is it safe to let sweeps cancel shares on this account? (lib/doctor) */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { runDoctor, writeBundle, type DoctorReport } from '../doctor';
import { globalFetch } from '../terabox';
import type { CommandRunner } from './command';
import { CliError, EXIT, UsageError, printJson, writeOut, type CliIo } from './io';
import { accountOption } from './account-option';

interface DoctorCliOptions {
  json?: boolean;
  record?: string;
  keepPaths?: boolean;
  writeTest?: boolean;
  path?: string;
  yes?: boolean;
  pageSize: number;
}

function parsePageSize(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('must be a whole number from 1 to 100.');
  return n;
}

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** The report as text: one line per check, its details indented, the verdict last. */
export function reportLines(report: DoctorReport): string[] {
  const lines = [`TeraBox account on ${report.baseUrlHost}, checked ${report.checkedAt}\n`];
  for (const c of report.checks) {
    lines.push(`  ${MARK[c.status]}  ${c.title}: ${c.reason}\n`);
    for (const d of c.details) lines.push(`          ${d}\n`);
  }
  lines.push(`verdict: ${report.verdict}\n`);
  return lines;
}

function whatTheWriteTestDoes(path: string): string {
  return `create a 1-day public share of ${path}, look for it in the share listing, cancel it and check that it is gone`;
}

/** Consent for the write test: --yes, or a "y" typed at a terminal; otherwise a refusal naming what it would do. */
async function consent(io: CliIo, options: DoctorCliOptions): Promise<void> {
  if (options.yes === true) return;
  const path = options.path ?? '';
  const stdin = io.stdin as { isTTY?: boolean };
  if (stdin.isTTY === true) {
    io.err(`doctor --write-test will ${whatTheWriteTestDoes(path)}. Go ahead? [y/N] `);
    const answer = await readLine(io);
    if (/^\s*y(es)?\s*$/i.test(answer)) return;
    throw new CliError('write test not run: no consent', EXIT.usage);
  }
  throw new UsageError(`--write-test changes the account: it would ${whatTheWriteTestDoes(path)}. Pass --yes to allow it (or run it in a terminal to be asked).`);
}

async function readLine(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0] ?? '';
}

function validate(options: DoctorCliOptions): void {
  if (options.writeTest === true && (options.path === undefined || !options.path.startsWith('/'))) {
    throw new UsageError('--write-test needs --path with the absolute path of a file to share for the test');
  }
  if (options.path !== undefined && options.writeTest !== true) throw new UsageError('--path is for --write-test');
  if (options.keepPaths === true && options.record === undefined) throw new UsageError('--keep-paths is for --record');
}

/** Registers `doctor`. */
export function registerDoctorCommand(program: Command, runner: CommandRunner): void {
  program
    .command('doctor')
    .addOption(accountOption())
    .description('Check, read-only, that the client understands every answer of this TeraBox account, and say whether it is safe to enforce policies.')
    .option('--json', 'print the report as JSON')
    .option('--record <dir>', 'write a redacted bundle of the raw answers and the verdicts into <dir> (to attach to a bug report)')
    .option('--keep-paths', 'with --record: keep file paths and names (replaced by placeholders otherwise)')
    .option('--write-test', 'also create one share of --path, find it, cancel it and check it is gone (needs --yes or a terminal)')
    .option('--path <path>', 'with --write-test: the file to share for the test')
    .option('--yes', 'consent to the write test without being asked')
    .addOption(new Option('--page-size <n>', 'shares per TeraBox page (1-100)').argParser(parsePageSize).default(100))
    .addHelpText(
      'after',
      [
        '',
        'Exit code 0 when safe to enforce, 1 when not (every failed check says why).',
        'Examples:',
        '  share-lifecycle doctor',
        '  share-lifecycle doctor --json | jq .verdict',
        '  share-lifecycle doctor --record ./doctor-bundle',
        '  share-lifecycle doctor --write-test --path /Public/test.txt --yes',
      ].join('\n'),
    )
    .action(
      runner(async (run, options: DoctorCliOptions) => {
        validate(options);
        await run.context.check({ terabox: true });
        if (options.writeTest === true) await consent(run.io, options);
        const credentials = await run.context.teraboxCredentials();
        const listEndpoint = await run.context.teraboxListEndpoint();
        const requestsPerSecond = await run.context.teraboxRequestsPerSecond();
        const { report, exchanges } = await runDoctor({
          credentials: { ndus: credentials.ndus, baseUrl: credentials.baseUrl, jsToken: credentials.jsToken, bdstoken: credentials.bdstoken },
          fetch: globalFetch,
          client: { ...(listEndpoint ? { listEndpoint } : {}), ...(requestsPerSecond !== undefined ? { requestsPerSecond } : {}) },
          pageSize: options.pageSize,
          ...(options.writeTest === true && options.path !== undefined ? { writeTest: { path: options.path, pageSize: options.pageSize } } : {}),
        });
        if (options.record !== undefined) {
          await writeBundle({
            dir: options.record,
            exchanges,
            report,
            secrets: [credentials.ndus, credentials.jsToken, credentials.bdstoken],
            keepPaths: options.keepPaths === true,
            pageSize: options.pageSize,
            tool: { name: 'share-lifecycle', version: program.version() ?? '0.0.0' },
          });
        }
        if (options.json === true) await printJson(run.io, { ...report, ...(options.record !== undefined ? { bundle: options.record } : {}) });
        else await writeOut(run.io, [...reportLines(report), ...(options.record !== undefined ? [`bundle: ${options.record}\n`] : [])]);
        return report.safe ? EXIT.ok : EXIT.failure;
      }),
    );
}
