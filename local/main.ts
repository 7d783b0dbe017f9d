/**
 * `npm start`: the whole product on this machine, loopback only, no AWS account, no TeraBox cookie.
 * Prints each step as it happens, then the report (report.ts). `--watch` keeps the stack running
 * (watch.ts); `--json` prints the report data instead of the text.
 */
import { performance } from 'node:perf_hooks';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { formatDuration } from '../lib/format/plain-text';
import type { ListEndpointSetting } from '../lib/config/env';
import { EmulatorSpecError, parseFaultSpec, parseSeedSpec } from '../lib/terabox/emulator';
import { runLifecycleOn, runLocalLifecycle } from './lifecycle';
import { startLocalStack } from './local-stack';
import { renderLocalReport } from './report';
import { LOCAL_SEED } from './sample-account';
import { watchLocalStack } from './watch';

interface StartOptions {
  watch?: boolean;
  interval: number;
  inbox: string;
  seed: string;
  faults?: string;
  policies?: string;
  requests?: string;
  json?: boolean;
  logLevel?: string;
  listEndpoint?: ListEndpointSetting;
  /** The HTML report's file; false with --no-html. */
  html: string | false;
}

function listEndpointArg(raw: string): ListEndpointSetting {
  const value = raw.trim().toLowerCase();
  if (value === 'sharelist' || value === 'record') return value;
  throw new InvalidArgumentError('must be sharelist or record');
}

function seconds(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 1 || n > 86_400) throw new InvalidArgumentError('must be a number of seconds from 1 to 86400.');
  return n;
}

function spec(parse: (s: string) => unknown): (raw: string) => string {
  return (raw) => {
    try {
      parse(raw);
      return raw;
    } catch (error) {
      throw new InvalidArgumentError(error instanceof EmulatorSpecError ? error.problems.join('; ') : String(error));
    }
  };
}

/** Runs `npm start` with the arguments after `--`; resolves with the exit code. */
export async function startMain(argv: string[], io: { out: (t: string) => void; err: (t: string) => void } = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
}): Promise<number> {
  const program = new Command('npm start --')
    .description('Run the whole share lifecycle locally: emulator, DynamoDB, the three Lambda handlers, sample policies and requests.')
    .option('--watch', 'keep running: take new requests (stdin JSON lines, --inbox files) and sweep every --interval seconds')
    .option('--interval <seconds>', 'seconds between enforcing sweeps in --watch mode', seconds, 30)
    .option('--inbox <dir>', 'folder watched for request files (*.json, *.jsonl) in --watch mode', 'local-inbox')
    .option('--seed <spec>', 'emulator seed, e.g. "files=1000,shares=300,maxAgeDays=120,seed=7"', spec(parseSeedSpec), LOCAL_SEED)
    .option('--faults <spec>', 'emulator faults, e.g. "latency=20" or "http5xx=0.05"', spec(parseFaultSpec))
    .option('--policies <file>', 'policy file (default samples/policies.json)')
    .option('--requests <file>', 'request file (default samples/requests.jsonl)')
    .option('--json', 'print the report data as JSON')
    .option('--html <file>', "write the enforcing run's HTML report (open it in a browser) to this file", 'local-report.html')
    .option('--no-html', 'write no HTML report')
    .option('--log-level <level>', 'Powertools log level of the handlers (default SILENT)')
    .option('--list-endpoint <name>', 'TERABOX_LIST_ENDPOINT of the handlers: sharelist (default) or record', listEndpointArg)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const o = program.opts<StartOptions>();
  const t0 = performance.now();
  const common = {
    seed: o.seed,
    ...(o.faults !== undefined ? { faults: o.faults } : {}),
    ...(o.policies !== undefined ? { policiesFile: o.policies } : {}),
    ...(o.requests !== undefined ? { requestsFile: o.requests } : {}),
    ...(o.logLevel !== undefined ? { logLevel: o.logLevel } : {}),
    ...(o.listEndpoint !== undefined ? { listEndpoint: o.listEndpoint } : {}),
    ...(o.html !== false ? { htmlFile: o.html } : {}),
    onStep: (line: string) => (o.json === true ? undefined : io.out(`▸ ${line}\n`)),
  };
  try {
    if (o.watch !== true) {
      const report = await runLocalLifecycle(common);
      io.out(o.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderLocalReport(report, { runShowable: false }));
      if (o.json !== true) io.out(`\nDone in ${formatDuration(performance.now() - t0)}. Try \`npm start -- --watch\` to keep it running and use the CLI against it.\n`);
      return report.check.matches && report.htmlReport?.error === undefined ? 0 : 1;
    }
    const stack = await startLocalStack(common);
    try {
      const report = await runLifecycleOn(stack, common, performance.now() - t0);
      io.out(o.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderLocalReport(report, { runShowable: true }));
      const watched = await watchLocalStack(stack, { intervalMs: o.interval * 1000, inbox: o.inbox, stdin: process.stdin, out: io.out });
      if (watched.stoppedBy === undefined) return 0;
      const cut = watched.interruptedSweep;
      io.err(`npm start: interrupted by ${watched.stoppedBy}${cut ? `: sweep ${cut.runId} had cancelled ${cut.cancelled.length} shares (listed above)` : ''}\n`);
      return 130;
    } finally {
      await stack.close();
    }
  } catch (error) {
    io.err(`npm start: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // This process is the local run: the AWS SDK's Node 22 notice is not about it (see lib/cli/main.ts).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The exit code is set, never process.exit(): output still queued for a pipe must not be cut off.
  startMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
