/** Builds the sweep-shares runtime and use case (the handler only parses, calls and shapes). */
import type { Context } from 'aws-lambda';
import { policyStoreSource, type PolicySource } from '../../lib/app/policy-source';
import { runSweep, sweepSettingsFromConfig, type SweepDeps, type SweepSettings } from '../../lib/app/sweep';
import { buildSweepReport, type SweepReport } from '../../lib/app/sweep-report';
import { loadSweepConfig, type Env, type SweepConfig } from '../../lib/config/env';
import { Redactor } from '../../lib/terabox/redact';
import { buildRuntime, useCaseLog, useCaseMetrics, type Runtime, type RuntimeOverrides } from '../shared';
import { deadlineSignal } from './deadline';

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
}

export interface SweepRequest {
  trigger: string;
  dryRun: boolean;
}

export interface ComposedSweep {
  runtime: Runtime;
  /** Runs one sweep, stopped before the Lambda deadline of `context`, and returns its full `sweep --json` report. */
  sweep(request: SweepRequest, context: Context | undefined): Promise<SweepReport>;
}

export function composeSweep(deps: SweepHandlerDeps = {}): ComposedSweep {
  const config = deps.config ?? loadSweepConfig(deps.env ?? process.env);
  const runtime = deps.runtime ?? buildRuntime(config, { functionName: 'sweep-shares', ...deps.overrides });
  const settings: SweepSettings = { ...sweepSettingsFromConfig(config), ...deps.settings };
  const policies = deps.policies ?? policyStoreSource(runtime.stores.policies);

  const sweep = async ({ trigger, dryRun }: SweepRequest, context: Context | undefined): Promise<SweepReport> => {
    const redactor = await secretRedactor(runtime);
    const sweepDeps: SweepDeps = {
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
    };
    const deadline = deadlineSignal(context);
    try {
      return buildSweepReport(await runSweep(sweepDeps, { trigger, dryRun, ...(deadline.signal ? { signal: deadline.signal } : {}) }));
    } finally {
      deadline.clear();
    }
  };
  return { runtime, sweep };
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
