/**
 * `share-lifecycle sweep`: one sweep run from this machine against the TeraBox account.
 *
 * - With `--policies-file FILE` it needs no AWS at all: the policies come from the file, the
 *   stores are an in-memory DynamoDB (dynalite on 127.0.0.1, gone when the command ends), and the
 *   cancellations go straight through the cancel use case. So a user can try policies against an
 *   account before deploying anything. (No share records exist then: `per: "requester"` quotas and
 *   requester scopes match nothing, and every share's "first seen" is now.)
 * - Without it, the run uses the deployed tables (policies, share records, inventory, runs, the
 *   lease shared with the scheduled Lambda) and is recorded in the audit trail like any other run;
 *   cancellations are still made from here, through the same use case.
 */
import type { Command } from 'commander';
import type { EventPublisher } from '../app/messaging-ports';
import { policyFileSource, policyStoreSource } from '../app/policy-source';
import { systemClock } from '../app/ports';
import { runSweep, type SweepDeps, type SweepProgress, type SweepResult } from '../app/sweep';
import { buildSweepReport, renderSweepReport } from '../app/sweep-report';
import { startEmbeddedDynamoDb } from '../stores/embedded-dynamodb';
import { EventBridgePublisher } from '../messages/eventbridge-publisher';
import { InMemoryEventBus } from '../messages/in-memory-event-bus';
import type { Stores } from '../stores/create-stores';
import { Redactor } from '../terabox';
import type { CommandRunner, Run } from './command';
import type { CliContext } from './context';
import { DirectCancelQueue } from './direct-cancel';
import { CliError, EXIT, EXIT_INTERRUPTED, Progress, printJson, writeJsonFile } from './io';
import { plural } from '../format/plain-text';
import { loadPolicyFile } from './policies';
import { accountOption } from './account-option';

interface SweepOptions {
  dryRun?: boolean;
  policiesFile?: string;
  json?: boolean;
  reportFile?: string;
}

function progressText(p: SweepProgress): string {
  switch (p.phase) {
    case 'list':
      return `listing shares: ${p.pages ?? 0} pages, ${p.shares ?? 0} shares`;
    case 'evaluate':
      return `evaluating ${p.shares ?? 0} shares`;
    case 'enqueue':
      return `cancelling: ${p.batches ?? 0} batches`;
    default:
      return `${p.phase}...`;
  }
}

const SWEEP_HELP = [
  '',
  'Without --policies-file the deployed tables are used (POLICIES_TABLE, SHARES_TABLE, INVENTORY_TABLE,',
  'RUNS_TABLE or --stack) and the run appears in `runs list`. TeraBox: TERABOX_BASE_URL + TERABOX_NDUS,',
  'or TERABOX_SECRET_ID. Guardrails: MAX_CANCELLATIONS_PER_RUN (500), MAX_CANCELLATION_PERCENT (20),',
  'GLOBAL_DRY_RUN=true makes every run a plan.',
  '',
  'Exit code 0 when the run completed (also when a guardrail held the cancellations back),',
  '1 when it failed, was skipped (another sweep holds the lease) or a cancellation failed,',
  '130 when interrupted: Ctrl-C (or SIGTERM) lets the cancel batch in flight finish, starts nothing',
  'more, and prints the report of what was done; a second Ctrl-C stops at once.',
  '',
  'Examples:',
  '  share-lifecycle sweep --dry-run --policies-file samples/policies.json',
  '  share-lifecycle sweep --dry-run --policies-file my-policies.json --json | jq \'.decisions[] | select(.action=="cancel")\'',
  '  share-lifecycle --stack ShareLifecycle sweep --dry-run',
].join('\n');

/** Registers `sweep`. */
export function registerSweepCommand(program: Command, runner: CommandRunner): void {
  program
    .command('sweep')
    .addOption(accountOption())
    .description('Run one sweep from this machine: list every share, evaluate the policies, cancel what breaks them.')
    .option('--dry-run', 'plan only: report what would be cancelled, cancel nothing')
    .option('--policies-file <file>', 'take the policies from this file and keep everything else in memory (no AWS needed)')
    .option('--json', 'print the report as JSON: { runId, mode, inventory, decisions, cancelled, guardrail, errors }')
    .option('--report-file <file>', 'also write the JSON report to this file (the lasting record of a --policies-file run)')
    .addHelpText('after', SWEEP_HELP)
    .action(runner(sweep));
}

async function sweep(run: Run, options: SweepOptions): Promise<number> {
  const { context, io } = run;
  const policiesFile = options.policiesFile;
  const local = policiesFile !== undefined;
  // Refuse a bad file before anything is listed: the sweep would otherwise run with what is valid.
  if (local) await refuseInvalidPolicies(run, policiesFile);
  await context.check({ terabox: true, ...(local ? {} : { tables: ['policies', 'shares', 'inventory', 'runs'] as const }) });
  const { limits, globalDryRun } = await context.guardrails();
  const accountId = await context.accountId();
  const credentials = await context.teraboxCredentials();
  const redactor = new Redactor([credentials.ndus, credentials.jsToken, credentials.bdstoken]);
  const terabox = await context.teraboxClient();
  const stores = local ? await embeddedStores(context, accountId) : await context.stores();
  const busName = (await context.env()).EVENT_BUS_NAME?.trim();
  const events: EventPublisher = !local && busName ? new EventBridgePublisher({ busName }) : new InMemoryEventBus();

  const progress = Progress.for(io, options);
  const interrupt = stopOnInterrupt(run, progress);
  const cancelQueue = new DirectCancelQueue(
    { terabox, shareRecords: stores.shareRecords, runs: stores.runs, events, clock: systemClock, accountId, globalDryRun },
    (done, total) => progress.update(`cancelling: batch ${done} of ${total}`, true),
    interrupt.signal,
  );
  const deps: SweepDeps = {
    shares: terabox,
    policies: local ? policyFileSource(policiesFile) : policyStoreSource(stores.policies),
    shareRecords: stores.shareRecords,
    inventory: stores.inventory,
    runs: stores.runs,
    lease: stores.lease,
    events,
    cancelQueue,
    clock: systemClock,
    settings: { accountId, guardrails: limits, globalDryRun },
    redact: (text) => redactor.redact(text),
    diffs: { flaggedSets: stores.flaggedSets, runs: stores.runs },
  };
  const result = await runSweep(deps, {
    trigger: 'cli',
    dryRun: options.dryRun === true,
    signal: interrupt.signal,
    onProgress: (p) => progress.update(progressText(p)),
  });
  progress.done();
  return reportSweep(run, options, result, cancelQueue.outcomes, interrupt.by());
}

async function refuseInvalidPolicies(run: Run, file: string): Promise<void> {
  const checked = await loadPolicyFile(file, run);
  if (checked.invalid.length > 0) {
    throw new CliError(`${file}: invalid policies; nothing was swept`, EXIT.failure, checked.invalid.flatMap((i) => i.errors));
  }
}

/** In-memory stores (dynalite on 127.0.0.1) for a --policies-file run, gone when the command ends. */
async function embeddedStores(context: CliContext, accountId: string): Promise<Stores> {
  const embedded = await startEmbeddedDynamoDb({ tablePrefix: 'cli', accountId });
  context.onClose(() => void embedded.close());
  return embedded.stores;
}

interface Interrupt {
  signal: AbortSignal;
  /** The signal that stopped the sweep, if one did. */
  by(): string | undefined;
}

/**
 * The first interrupt stops new work: an unfinished listing fails the run (nothing is cancelled),
 * and no cancel batch starts after it; the batch in flight finishes with its bookkeeping, and the
 * report says what was done.
 */
function stopOnInterrupt(run: Run, progress: Progress): Interrupt {
  const controller = new AbortController();
  let interruptedBy: string | undefined;
  const unsubscribe = run.io.onInterrupt?.((signal) => {
    interruptedBy = signal;
    controller.abort(new Error(`interrupted by ${signal}`));
    progress.update('stopping: finishing the cancel batch in flight (again to stop at once)', true);
  });
  run.context.onClose(() => unsubscribe?.());
  return { signal: controller.signal, by: () => interruptedBy };
}

/** Prints (and writes) the report and returns the exit code of the run. */
async function reportSweep(
  run: Run,
  options: SweepOptions,
  result: SweepResult,
  cancelOutcomes: DirectCancelQueue['outcomes'],
  interruptedBy: string | undefined,
): Promise<number> {
  const { io } = run;
  const outcomes = result.mode === 'enforce' && result.enqueued.length > 0 ? { outcomes: cancelOutcomes } : {};
  const report = buildSweepReport(result, outcomes);
  if (options.reportFile !== undefined) await writeJsonFile(options.reportFile, report);
  if (options.json === true) await printJson(io, report);
  else io.out(renderSweepReport(result, { ...outcomes, runShowable: options.policiesFile === undefined }));
  if (interruptedBy !== undefined) {
    const notCancelled = report.decisions.filter((d) => d.action === 'cancel').length - report.cancelled.length;
    io.err(
      `share-lifecycle: interrupted by ${interruptedBy}: ${plural(report.cancelled.length, 'share')} cancelled before the stop, ` +
        `${notCancelled} planned not cancelled; the report ${options.json === true ? 'on stdout' : 'above'} lists them\n`,
    );
    return EXIT_INTERRUPTED;
  }
  const cancelFailed = cancelOutcomes.some((o) => o.outcome === 'failed');
  return result.status === 'completed' && !cancelFailed ? EXIT.ok : EXIT.failure;
}
