/**
 * The `share-lifecycle` command line (bin/share-lifecycle.js runs the compiled copy of this file;
 * `npx tsx lib/cli/main.ts ...` runs the source).
 *
 * Every command group lives in its own file; this one builds the program, maps failures to one
 * clear line and an exit code (0 ok, 1 failure, 2 usage or configuration, 130 interrupted), and makes sure no
 * credential ever reaches the terminal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { StoreError } from '../app/store-ports';
import { PolicyError } from '../domain/policy-errors';
import { Redactor, TeraboxAuthError, TeraboxError } from '../terabox';
import { commandRunner, type ExitCodeHolder } from './command';
import { CLI_ENVIRONMENT, type ContextDeps } from './context';
import { registerCreateCommand } from './create';
import { registerDoctorCommand } from './doctor';
import { registerEmulatorCommand } from './emulator';
import { CliError, EXIT, processIo, type CliIo } from './io';
import { registerAccountCommands } from './accounts';
import { registerPolicyCommands } from './policies';
import { registerRequestCommands } from './requests';
import { registerRequesterCommands } from './requesters';
import { registerRunCommands } from './runs';
import { registerShareCommands } from './shares';
import { registerSweepCommand } from './sweep';

const PROGRAM = 'share-lifecycle';

function packageVersion(): string {
  // lib/cli/main.ts (source) and dist/lib/cli/main.js (compiled) sit at different depths.
  for (const up of [['..', '..'], ['..', '..', '..']]) {
    const file = join(__dirname, ...up, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'terabox-share-lifecycle' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // fall through to the next candidate
      }
    }
  }
  return '0.0.0';
}

function environmentHelp(): string {
  const width = Math.max(...CLI_ENVIRONMENT.map(([name]) => name.length));
  return [
    '',
    'Configuration (environment variables; --stack NAME reads the table names, queue URL and secret from the stack):',
    ...CLI_ENVIRONMENT.map(([name, what]) => `  ${name.padEnd(width)}  ${what}`),
    '',
    'Exit codes: 0 ok, 1 the operation failed or found problems, 2 usage or configuration error, 130 a sweep stopped by Ctrl-C.',
    'Run `share-lifecycle <command> --help` for a command\'s options and examples.',
  ].join('\n');
}

/** Builds the program for one run; exported for the tests of the help texts. */
export function buildProgram(io: CliIo, holder: ExitCodeHolder, deps: ContextDeps = {}): Command {
  const program = new Command(PROGRAM)
    .description('Keep a TeraBox account\'s share links under control: requests, policies, sweeps and their audit trail.')
    .version(packageVersion(), '-V, --version')
    .option('--stack <name>', 'read table names, the request queue URL and the secret id from this CloudFormation stack\'s outputs')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      // commander's own errors ("error: unknown option '--x'"), as one line under the program's name.
      outputError: (text, write) => write(`${PROGRAM}: ${text.replace(/^error: /, '')}`),
    })
    .addHelpText('after', environmentHelp());
  const runner = commandRunner(io, holder, deps);
  registerPolicyCommands(program, runner);
  registerAccountCommands(program, runner);
  registerRequesterCommands(program, runner);
  registerRequestCommands(program, runner);
  registerCreateCommand(program, runner);
  registerShareCommands(program, runner);
  registerSweepCommand(program, runner);
  registerRunCommands(program, runner);
  registerEmulatorCommand(program, runner);
  registerDoctorCommand(program, runner);
  return program;
}

/** One line (plus detail lines) for a failure, and its exit code. Never a stack trace. */
export function describeFailure(error: unknown): { lines: string[]; exitCode: number } {
  if (error instanceof CliError) return { lines: [error.message, ...error.details.map((d) => `  ${d}`)], exitCode: error.exitCode };
  if (error instanceof TeraboxAuthError) {
    return { lines: [`${error.message} (the CLI uses TERABOX_NDUS when it is set, else that secret)`], exitCode: EXIT.failure };
  }
  if (error instanceof TeraboxError) return { lines: [`TeraBox: ${error.message}`], exitCode: EXIT.failure };
  if (error instanceof StoreError) return { lines: [`DynamoDB: ${error.message}`], exitCode: EXIT.failure };
  if (error instanceof PolicyError) return { lines: [error.message], exitCode: EXIT.failure };
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return { lines: ['AWS credentials not found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or log in with `aws sso login`)'], exitCode: EXIT.usage };
  }
  if (/Region is missing/i.test(message)) return { lines: ['AWS region not set: set AWS_REGION (or a region in your AWS profile)'], exitCode: EXIT.usage };
  if (name === 'ResourceNotFoundException') return { lines: [`DynamoDB: ${message} (check the table names)`], exitCode: EXIT.failure };
  return { lines: [`${name}: ${message}`], exitCode: EXIT.failure };
}

/**
 * Runs the CLI with `argv` as `process.argv` gives it (node, script, arguments...) and resolves with
 * the exit code. `io` defaults to the process streams and environment.
 */
export async function main(argv: string[], io: CliIo = processIo(), deps: ContextDeps = {}): Promise<number> {
  if (io.env === process.env) {
    // The CLI owns its process. The AWS SDK warns on every run under Node 20 that its releases
    // from 2027 will need Node 22: a fact about future SDK versions, not about this command, and
    // noise on stderr of every invocation. (Set the variable to "false" to see it.)
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  }
  const holder: ExitCodeHolder = { code: EXIT.ok };
  const redactor = new Redactor([io.env.TERABOX_NDUS, io.env.AWS_SECRET_ACCESS_KEY, io.env.AWS_SESSION_TOKEN]);
  const program = buildProgram(io, holder, deps);
  let code: number;
  try {
    await program.parseAsync(argv, { from: 'node' });
    code = holder.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exitCode 0; a group called without a subcommand prints its
      // help with exitCode 1: that is a usage error here, as are unknown options and bad values.
      code = error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    } else {
      const failure = describeFailure(error);
      io.err(failure.lines.map((line, i) => `${i === 0 ? `${PROGRAM}: ` : ''}${redactor.redact(line)}\n`).join(''));
      code = failure.exitCode;
    }
  }
  // The command ends when its output is out, not when it is queued: a pipe to a slow reader
  // (`| jq`) may still hold megabytes, and ending the process then would cut them off.
  await io.flush?.();
  return code;
}

/**
 * What bin/share-lifecycle.js runs: `main` on the process, with the exit code set for when the
 * process ends on its own (never `process.exit()`, which would drop output still queued).
 */
export async function runAsProcess(argv: string[] = process.argv): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    process.stderr.write(`${PROGRAM}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.failure;
  }
}

if (require.main === module) void runAsProcess();
