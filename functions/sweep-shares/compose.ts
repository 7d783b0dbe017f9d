/** Builds the sweep-shares runtime and use case (the handler only parses, calls and shapes). */
import type { Context } from 'aws-lambda';
import { policyStoreSource, type PolicySource } from '../../lib/app/policy-source';
import { abandonSweepStep, evaluateSweepStep, listSweepStep, runSweep, startSweepStep, sweepSettingsFromConfig, type SweepDeps, type SweepResult, type SweepSettings } from '../../lib/app/sweep';
import type { SweepAccountList, SweepStepReport, SweepStepState } from '../../lib/contracts/sweep-steps';
import type { AccountRegistry } from '../../lib/app/ports/account-registry';
import { DynamoDbAccountRegistry } from '../../lib/stores/account-store';
import { buildSweepReport, type SweepReport } from '../../lib/app/sweep-report';
import { loadSweepConfig, type Env, type SweepConfig } from '../../lib/config/env';
import { Redactor } from '../../lib/terabox/redact';
import { buildRuntime, useCaseLog, useCaseMetrics, type Runtime, type RuntimeOverrides } from '../shared';
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
}

export interface ComposedSweep {
  runtime: Runtime;
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
  const runtime = deps.runtime ?? buildRuntime(config, { functionName: 'sweep-shares', ...deps.overrides });
  // The invocation returns at most MAX_RETURNED_DECISIONS decisions: the result holds no more (the audit trail has them all).
  const settings: SweepSettings = { ...sweepSettingsFromConfig(config), reportDecisions: MAX_RETURNED_DECISIONS, ...deps.settings };
  const policies = deps.policies ?? policyStoreSource(runtime.stores.policies);

  /** `staged`: the listing goes to the Runs table between steps; a whole sweep in one invocation keeps it in memory. */
  const depsFor = async (staged: boolean): Promise<SweepDeps> => {
    const redactor = await secretRedactor(runtime);
    return {
      shares: runtime.terabox,
      policies,
      shareRecords: runtime.stores.shareRecords,
      inventory: runtime.stores.inventory,
      runs: runtime.stores.runs,
      lease: runtime.stores.lease,
      events: runtime.events,
      cancelQueue: runtime.cancelQueue,
      clock: runtime.clock,
      settings,
      metrics: useCaseMetrics(runtime.metrics),
      logger: useCaseLog(runtime.logger),
      redact: (text) => redactor.redact(text),
      ...(staged ? { staging: runtime.stores.listingStaging } : {}),
      diffs: { flaggedSets: runtime.stores.flaggedSets, runs: runtime.stores.runs },
    };
  };

  const sweep = async ({ trigger, dryRun }: SweepRequest, context: Context | undefined): Promise<SweepReport> => {
    const sweepDeps = await depsFor(false);
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
      const registry = deps.registry ?? new DynamoDbAccountRegistry({ ...(deps.overrides?.dynamoClient ? { client: deps.overrides.dynamoClient } : {}), tableName: config.policiesTable });
      return listSweepAccounts({ registry, deploymentAccountId: settings.accountId, warn: (message, details) => runtime.logger.warn(message, details) }, event.input);
    }
    const asked = event.step === 'start' ? event.input?.accountId : event.state.accountId;
    if (asked !== undefined && asked !== settings.accountId) {
      throw new SweepEventError(`this deployment sweeps account "${settings.accountId}", not "${asked}"; nothing was done`);
    }
    const sweepDeps = await depsFor(true);
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
        return stepReport(logReport(runtime, await evaluateSweepStep(sweepDeps, event.state)));
      case 'abandon':
        return stepReport(logReport(runtime, await abandonSweepStep(sweepDeps, event.state, { reason: abandonReason(event.error) })));
    }
  };
  return { runtime, sweep, step };
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
