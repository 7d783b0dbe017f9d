/** Builds the sweep-shares runtime and use case (the handler only parses, calls and shapes). */
import type { Context } from 'aws-lambda';
import { policyStoreSource, type PolicySource } from '../../lib/app/policy-source';
import { abandonSweepStep, evaluateSweepStep, listSweepStep, runSweep, startSweepStep, sweepSettingsFromConfig, type SweepDeps, type SweepResult, type SweepSettings } from '../../lib/app/sweep';
import type { SweepAccountList, SweepStepReport, SweepStepState } from '../../lib/contracts/sweep-steps';
import type { AccountRegistry } from '../../lib/app/ports/account-registry';
import { buildSweepReport, type SweepReport } from '../../lib/app/sweep-report';
import { loadSweepConfig, type Env, type SweepConfig } from '../../lib/config/env';
import { Redactor } from '../../lib/terabox/redact';
import { AccountRuntimes, AccountUnavailableError, useCaseLog, useCaseMetrics, type AccountRuntime, type Runtime, type RuntimeOverrides } from '../shared';
import { deadlineSignal } from './deadline';
import { abandonReason, SweepEventError, type ParsedStepEvent } from './event';
import { listSweepAccounts } from './list-accounts';
import { MAX_RETURNED_DECISIONS } from './report';

export interface SweepHandlerDeps {
  /** Default: `loadSweepConfig(env)`. */
  config?: SweepConfig;
  /** Default: `process.env`. */
  env?: Env;
  /** Adapters to use instead of the AWS ones (DynamoDB client, credentials, events, cancel queue, clock...). */
  overrides?: RuntimeOverrides;
  /** A runtime built elsewhere (wins over `overrides`). */
  runtime?: Runtime;
  /** Default: the policies table. */
  policies?: PolicySource;
  /** Extra sweep settings (lease ttl, gone retention, page size...). */
  settings?: Partial<SweepSettings>;
  /** The account registry the accounts step reads. Default: the policies table's registry partition. */
  registry?: Pick<AccountRegistry, 'list'>;
}

export interface SweepRequest {
  trigger: string;
  dryRun: boolean;
  /** The account to sweep (default: the deployment's). */
  accountId?: string;
}

export interface ComposedSweep {
  /** The deployment account's runtime (its logger and metrics serve every account). */
  runtime: Runtime;
  /** Every account's runtime. */
  accounts: AccountRuntimes;
  /** Runs one sweep, stopped before the Lambda deadline of `context`, and returns its full `sweep --json` report. */
  sweep(request: SweepRequest, context: Context | undefined): Promise<SweepReport>;
  /** One step of the sweep state machine (lib/contracts/sweep-steps.ts). */
  step(event: ParsedStepEvent, context: Context | undefined): Promise<SweepStepState | SweepStepReport | SweepAccountList>;
}

/** A list step stops reading pages when less than this is left of its invocation (staging and the checkpoint follow). */
const CHUNK_STOP_MARGIN_MS = 180_000;

function chunkDeadline(context: Context | undefined): (() => boolean) | undefined {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return undefined;
  return () => context.getRemainingTimeInMillis() < CHUNK_STOP_MARGIN_MS;
}

/** The step's answer to the state machine: the run as recorded (the full report goes to the log). */
function stepReport(result: SweepResult): SweepStepReport {
  return { runId: result.runId, status: result.status === 'failed' ? 'failed' : 'completed', ...(result.reason !== undefined ? { reason: result.reason } : {}), counts: result.counts };
}

export function composeSweep(deps: SweepHandlerDeps = {}): ComposedSweep {
  const config = deps.config ?? loadSweepConfig(deps.env ?? process.env);
  const accounts = new AccountRuntimes({ config, overrides: { functionName: 'sweep-shares', ...deps.overrides }, ...(deps.runtime ? { runtime: deps.runtime } : {}) });
  const runtime = accounts.deployment;
  const policies = deps.policies ?? policyStoreSource(runtime.stores.policies);

  /** `staged`: the listing goes to the Runs table between steps; a whole sweep in one invocation keeps it in memory. */
  const depsFor = async (account: AccountRuntime, staged: boolean): Promise<SweepDeps> => {
    const own = account.runtime;
    const redactor = await secretRedactor(own);
    // The invocation returns at most MAX_RETURNED_DECISIONS decisions: the result holds no more (the audit trail has them all).
    const settings: SweepSettings = {
      ...sweepSettingsFromConfig({ ...config, accountId: account.accountId, guardrails: account.guardrails ?? config.guardrails }),
      reportDecisions: MAX_RETURNED_DECISIONS,
      ...deps.settings,
    };
    return {
      shares: own.terabox,
      policies,
      shareRecords: own.stores.shareRecords,
      inventory: own.stores.inventory,
      runs: own.stores.runs,
      lease: own.stores.lease,
      events: own.events,
      cancelQueue: own.cancelQueue,
      clock: own.clock,
      settings,
      metrics: useCaseMetrics(own.metrics),
      logger: useCaseLog(own.logger),
      redact: (text) => redactor.redact(text),
      ...(staged ? { staging: own.stores.listingStaging } : {}),
      diffs: { flaggedSets: own.stores.flaggedSets, runs: own.stores.runs },
    };
  };

  const sweep = async ({ trigger, dryRun, accountId }: SweepRequest, context: Context | undefined): Promise<SweepReport> => {
    const sweepDeps = await depsFor(await accountOf(accounts, accountId, 'start'), false);
    const deadline = deadlineSignal(context);
    try {
      return buildSweepReport(await runSweep(sweepDeps, { trigger, dryRun, ...(deadline.signal ? { signal: deadline.signal } : {}) }));
    } finally {
      deadline.clear();
    }
  };
  const step = async (event: ParsedStepEvent, context: Context | undefined): Promise<SweepStepState | SweepStepReport | SweepAccountList> => {
    if (event.step === 'accounts') {
      // Before the account check below: this step serves every account (functions/sweep-shares/list-accounts.ts).
      const registry = deps.registry ?? runtime.stores.accounts;
      return listSweepAccounts({ registry, deploymentAccountId: config.accountId, warn: (message, details) => runtime.logger.warn(message, details) }, event.input);
    }
    const asked = event.step === 'start' ? event.input?.accountId : event.state.accountId;
    const account = await accountOf(accounts, asked, event.step);
    const sweepDeps = await depsFor(account, true);
    switch (event.step) {
      case 'start': {
        const input = event.input ?? {};
        const execution = event.executionId !== undefined && event.executionStartTime !== undefined ? { id: event.executionId, startedAtMs: Date.parse(event.executionStartTime) } : undefined;
        return startSweepStep(sweepDeps, { trigger: input.trigger ?? 'manual', dryRun: input.dryRun === true, ...(execution ? { execution } : {}) });
      }
      case 'list': {
        const deadline = deadlineSignal(context);
        const shouldStop = chunkDeadline(context);
        try {
          return await listSweepStep(sweepDeps, event.state, { ...(shouldStop ? { shouldStop } : {}), ...(deadline.signal ? { signal: deadline.signal } : {}) });
        } finally {
          deadline.clear();
        }
      }
      case 'evaluate':
        return stepReport(logReport(account.runtime, await evaluateSweepStep(sweepDeps, event.state)));
      case 'abandon':
        return stepReport(logReport(account.runtime, await abandonSweepStep(sweepDeps, event.state, { reason: abandonReason(event.error) })));
    }
  };
  return { runtime, accounts, sweep, step };
}

/**
 * The runtime of the step's account (the deployment's when the event names none). A run starts
 * on a fresh read of the registry, so that a disable takes effect at the next sweep; an account
 * that is not served is a `SweepEventError` with nothing done. A disabled account's run can
 * still be abandoned (that only records it failed and releases its lease).
 */
async function accountOf(accounts: AccountRuntimes, accountId: string | undefined, step: ParsedStepEvent['step']): Promise<AccountRuntime> {
  if (step === 'start') accounts.refresh();
  try {
    return await accounts.resolve(accountId, { allowDisabled: step === 'abandon' });
  } catch (error) {
    if (!(error instanceof AccountUnavailableError)) throw error;
    throw new SweepEventError(`${error.message}; nothing was done`, { cause: error });
  }
}

/** The run's full report in the log (the state machine gets only its status and counts). */
function logReport(runtime: Runtime, result: SweepResult): SweepResult {
  const report = buildSweepReport(result);
  runtime.logger.info('sweep report', { report: { ...report, decisions: report.decisions.slice(0, 100), decisionCount: report.decisionsTotal ?? report.decisions.length } });
  return result;
}

/** Error text is scrubbed by pattern in the use case; this adds the secret's actual values. */
async function secretRedactor(runtime: Runtime): Promise<Redactor> {
  const redactor = new Redactor();
  try {
    const credentials = await runtime.credentials.get();
    for (const value of [credentials.ndus, credentials.jsToken, credentials.bdstoken]) redactor.addSecret(value);
  } catch {
    // The listing meets the same problem and the run records it.
  }
  return redactor;
}
