/**
 * The emulator from the command line:
 *   npx tsx lib/terabox/emulator/main.ts --port 8787 --seed "shares=300" --faults "latency=20"
 * The `share-lifecycle emulator` command reuses runEmulatorCli.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { startEmulator, type RunningEmulator } from './server';
import { EmulatorSpecError, parseFaultSpec, parseSeedSpec } from './specs';
import type { CancelMissingMode, EmulatorOptions, ListOrder, MainNdusCookie, MainPageForm, OrderParamMode, OversizePageMode, ResponseShape, SharelistScope, WriteAnswerBody } from './types';
import { SHAPE_VARIANTS, type ShapeVariant } from './variants';

/** Where runEmulatorCli writes and how it is stopped; every field has a process default. */
export interface EmulatorCliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Called once the emulator listens (tests use it to reach the state). */
  onStarted?: (emulator: RunningEmulator) => void;
  /** Stops the emulator when aborted (in addition to SIGINT/SIGTERM when `handleSignals`). */
  signal?: AbortSignal;
  /** Close on SIGINT/SIGTERM (Ctrl-C); default true. */
  handleSignals: boolean;
}

/** The CLI's default data: enough to try policies on, small enough to start at once. */
export const CLI_DEFAULT_SEED = 'files=1000,shares=300';

function integer(name: string, min: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}.`);
    return n;
  };
}

function anyInteger(name: string): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    return n;
  };
}

function spec<T>(parse: (s: string) => T): (raw: string) => string {
  return (raw) => {
    try {
      parse(raw); // validate now so that the error names the option
      return raw;
    } catch (e) {
      throw new InvalidArgumentError(e instanceof EmulatorSpecError ? e.problems.join('; ') : String(e));
    }
  };
}

function buildCommand(io: EmulatorCliIo): Command {
  return new Command('emulator')
    .description('Run the TeraBox emulator (a fake of the TeraBox web API) over HTTP.')
    .option('--port <n>', 'TCP port (0 = any free port)', integer('--port', 0), 8787)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--ndus <value>', 'the ndus cookie value to accept', 'emulator-ndus')
    .option('--seed <spec>', 'seed data, e.g. "files=1000,shares=300,maxAgeDays=120,seed=42,public=0.7"', spec(parseSeedSpec), CLI_DEFAULT_SEED)
    .option('--faults <spec>', 'faults, e.g. "latency=20,jitter=5,http5xx=0.1,rotateEvery=500,shape=baidu"', spec(parseFaultSpec), '')
    .addOption(new Option('--shape <shape>', 'sharelist/pset response shape').choices(['seed', 'baidu']).default('seed'))
    .addOption(new Option('--variant <variant>', 'a shape variant of the sharelist answer (what doctor must catch)').choices([...SHAPE_VARIANTS]))
    .option('--no-total', 'list pages carry no total / has_more / count / nextpage')
    .option('--page-size-max <n>', 'largest sharelist / record page', integer('--page-size-max', 1), 100)
    .addOption(new Option('--sharelist-scope <scope>', 'shares sharelist lists: all, or only TeraTransfer ones').choices(['all', 'transfer-only']).default('all'))
    .addOption(new Option('--list-order <order>', 'list order when none is asked (or it is ignored)').choices(['newest-first', 'oldest-first', 'unordered']).default('newest-first'))
    .addOption(new Option('--order-param <mode>', 'follow order=ctime&desc=1|0 or ignore it').choices(['honor', 'ignore']).default('honor'))
    .addOption(new Option('--oversize-page <mode>', 'larger page_size: clamp or errno 2').choices(['clamp', 'error']).default('clamp'))
    .option('--region-prefix <prefix>', 'answer /api/check/login with Region-Domain-Prefix: <prefix>')
    .option('--main-redirect <origin>', 'answer GET /main with a 302 to <origin>/main')
    .addOption(
      new Option('--cancel-missing <mode>', 'gone ids: skipped with errno 0 (ok), an all-gone batch refused (errno), any gone id refuses the batch (refuse-batch)')
        .choices(['ok', 'errno', 'refuse-batch'])
        .default('ok'),
    )
    .option('--cancel-missing-errno <n>', 'errno of --cancel-missing errno (default -7) or refuse-batch (default -24)', anyInteger('--cancel-missing-errno'))
    .option('--cancel-max-ids <n>', 'most ids one cancel takes', integer('--cancel-max-ids', 1), 999)
    .option('--cancel-too-many-errno <n>', 'errno above --cancel-max-ids (-33; 3 or 31075 as TeraBox clients name)', anyInteger('--cancel-too-many-errno'), -33)
    .addOption(new Option('--cancel-body <body>', 'successful cancel answer: normal, {} (empty) or {"code":0} (code)').choices(['normal', 'empty', 'code']).default('normal'))
    .addOption(new Option('--pset-body <body>', 'successful pset answer: normal, {} (empty) or {"code":0} (code)').choices(['normal', 'empty', 'code']).default('normal'))
    .addOption(new Option('--main-page-form <form>', 'where /main carries the jsToken').choices(['template', 'eval', 'window', 'none']).default('template'))
    .addOption(new Option('--main-ndus-cookie <mode>', "/main's Set-Cookie deletes or renews ndus (the client must ignore it)").choices(['deleted', 'renewed']))
    .option('--require-main-cookies', "API calls need /main's csrfToken and PANWEB cookies (else errno 4000020)")
    .option('--strict-cookie-order', 'a Cookie header not starting with ndus= reads as no cookie (-6)')
    .option('--link-host <host>', 'host in share links', 'www.terabox.com')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
}

interface CliOptions {
  port: number;
  host: string;
  ndus: string;
  seed: string;
  faults: string;
  shape: ResponseShape;
  variant?: ShapeVariant;
  total: boolean;
  pageSizeMax: number;
  sharelistScope: SharelistScope;
  listOrder: ListOrder;
  orderParam: OrderParamMode;
  oversizePage: OversizePageMode;
  regionPrefix?: string;
  mainRedirect?: string;
  cancelMissing: CancelMissingMode;
  cancelMissingErrno?: number;
  cancelMaxIds: number;
  cancelTooManyErrno: number;
  cancelBody: WriteAnswerBody;
  psetBody: WriteAnswerBody;
  mainPageForm: MainPageForm;
  mainNdusCookie?: MainNdusCookie;
  requireMainCookies?: boolean;
  strictCookieOrder?: boolean;
  linkHost: string;
}

/**
 * Runs the emulator CLI with `argv` (the arguments after the command, e.g. `['--port', '8787']`):
 * starts it, prints its URL and ndus, and resolves with an exit code once it is closed (Ctrl-C,
 * SIGTERM or `io.signal`). Bad arguments print a clear message and resolve with 2.
 */
export async function runEmulatorCli(argv: string[], io: Partial<EmulatorCliIo> = {}): Promise<number> {
  const cli: EmulatorCliIo = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    handleSignals: true,
    ...io,
  };
  const command = buildCommand(cli);
  try {
    command.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // help/version print and exit 0
    throw e;
  }
  const o = command.opts<CliOptions>();
  const options: EmulatorOptions = {
    port: o.port,
    host: o.host,
    ndus: o.ndus,
    seed: o.seed,
    faults: o.faults,
    shape: o.shape,
    ...(o.variant !== undefined ? { variant: o.variant } : {}),
    reportTotal: o.total,
    pageSizeMax: o.pageSizeMax,
    sharelistScope: o.sharelistScope,
    listOrder: o.listOrder,
    orderParam: o.orderParam,
    oversizePage: o.oversizePage,
    regionPrefix: o.regionPrefix,
    mainRedirect: o.mainRedirect,
    cancelMissing: o.cancelMissing,
    ...(o.cancelMissingErrno !== undefined ? { cancelMissingErrno: o.cancelMissingErrno } : {}),
    cancelMaxIds: o.cancelMaxIds,
    cancelTooManyErrno: o.cancelTooManyErrno,
    cancelBody: o.cancelBody,
    psetBody: o.psetBody,
    mainPageForm: o.mainPageForm,
    ...(o.mainNdusCookie !== undefined ? { mainNdusCookie: o.mainNdusCookie } : {}),
    requireMainCookies: o.requireMainCookies === true,
    strictCookieOrder: o.strictCookieOrder === true,
    linkHost: o.linkHost,
  };
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator(options);
  } catch (e) {
    cli.err(`emulator: could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  cli.out(
    `TeraBox emulator listening on ${emulator.url}\n` +
      // The emulator's own fake credential: the user needs it to point a client here.
      `ndus: ${o.ndus}   (send as Cookie: ndus=${o.ndus})\n` +
      `shares: ${emulator.state.shares.size}, files: ${emulator.state.files.size}, shape: ${o.shape}${o.variant ? `, variant: ${o.variant}` : ''}` +
      `${o.faults ? `, faults: ${o.faults}` : ''}\n` +
      `Press Ctrl-C to stop.\n`,
  );
  cli.onStarted?.(emulator);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      cli.signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (cli.handleSignals) {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
    if (cli.signal?.aborted) stop();
    else cli.signal?.addEventListener('abort', stop, { once: true });
  });
  await emulator.close();
  cli.out('emulator stopped\n');
  return 0;
}

if (require.main === module) {
  runEmulatorCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`emulator: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
