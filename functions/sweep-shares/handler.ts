/**
 * sweep-shares: invoked by EventBridge Scheduler (`{"trigger":"schedule","scheduledTime":…,
 * "executionId":…}`) or by hand (`{"dryRun": true}`). Parses the event, runs one sweep
 * (lib/app/sweep.ts) and returns its JSON report. A failed run (listing incomplete, a store
 * down...) is recorded first, then thrown as `SweepFailedError`, so that the function's error
 * alarm fires; a run skipped because another sweep holds the lease returns normally.
 */
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { policyStoreSource, type PolicySource } from '../../lib/app/policy-source';
import { runSweep, sweepSettingsFromConfig, type SweepDeps, type SweepSettings } from '../../lib/app/sweep';
import { buildSweepReport, type SweepReport } from '../../lib/app/sweep-report';
import { loadSweepConfig, type Env, type SweepConfig } from '../../lib/config/env';
import { Redactor } from '../../lib/terabox/redact';
import { buildRuntime, lazyHandler, MetricUnit, withObservability, type LambdaHandler, type Runtime, type RuntimeOverrides } from '../shared';

// Strict: a typo such as `{"dryrun": true}` must be refused, never read as an enforcing run.
const sweepEventSchema = z.strictObject({
  trigger: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/).optional(),
  dryRun: z.boolean({ error: 'must be true or false (a JSON boolean)' }).optional(),
  scheduledTime: z.string().max(64).optional(),
  executionId: z.string().max(256).optional(),
});

/** The event: the schedule's input, or `{ "dryRun": true }` by hand (an empty event is a manual run). */
export type SweepEvent = z.input<typeof sweepEventSchema>;

/** The invocation event is not one the sweep understands; nothing was done. */
export class SweepEventError extends Error {
  override readonly name = 'SweepEventError';
}

/** The run failed (recorded in the runs table); `report` says why and what was (not) done. */
export class SweepFailedError extends Error {
  override readonly name = 'SweepFailedError';
  constructor(readonly report: SweepHandlerResult) {
    super(`sweep ${report.runId} failed: ${report.errors[report.errors.length - 1] ?? 'unknown reason'}`);
  }
}

/** The report returned by the Lambda: the `sweep --json` report, its decisions capped to keep the response small. */
export type SweepHandlerResult = SweepReport & { decisionsTruncated?: { total: number; returned: number } };

/** Decisions returned in the invocation response (the full plan is in the audit trail). */
export const MAX_RETURNED_DECISIONS = 1000;
/** Kept back from the Lambda deadline to stop the listing and record the run. */
const DEADLINE_MARGIN_MS = 60_000;

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

function parseEvent(event: unknown): { trigger: string; dryRun: boolean } {
  const value = event === null || event === undefined ? {} : event;
  const parsed = sweepEventSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const field = i.path.length > 0 ? i.path.join('.') : 'event';
      return i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}` : `${field}: ${i.message}`;
    });
    throw new SweepEventError(
      `invalid sweep event (expected {"dryRun": true} or the schedule's input): ${problems.join('; ')}; nothing was done`,
    );
  }
  const e = parsed.data;
  return { trigger: e.trigger ?? 'manual', dryRun: e.dryRun === true };
}

/** Stops the listing before the Lambda is killed, so that the run is still recorded and its lease released. */
function deadlineSignal(context: Context | undefined): { signal?: AbortSignal; clear: () => void } {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (typeof remaining !== 'number' || !Number.isFinite(remaining) || remaining <= 0) return { clear: () => undefined };
  const controller = new AbortController();
  const margin = Math.min(DEADLINE_MARGIN_MS, remaining / 4);
  const timer = setTimeout(() => controller.abort(new Error('the Lambda time limit is near')), remaining - margin);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** The sweep handler over the given adapters (tests and the local run); `handler` uses the environment. */
export function createSweepHandler(deps: SweepHandlerDeps = {}): LambdaHandler<SweepEvent | null | undefined, SweepHandlerResult> {
  const config = deps.config ?? loadSweepConfig(deps.env ?? process.env);
  const runtime = deps.runtime ?? buildRuntime(config, { functionName: 'sweep-shares', ...deps.overrides });
  const { logger, metrics } = runtime;
  const settings: SweepSettings = { ...sweepSettingsFromConfig(config), ...deps.settings };
  const policies = deps.policies ?? policyStoreSource(runtime.stores.policies);

  const sweep = async (event: SweepEvent | null | undefined, context: Context): Promise<SweepHandlerResult> => {
    const { trigger, dryRun } = parseEvent(event);
    // Error text is scrubbed by pattern in the use case; this adds the secret's actual values.
    const redactor = new Redactor();
    try {
      const credentials = await runtime.credentials.get();
      for (const value of [credentials.ndus, credentials.jsToken, credentials.bdstoken]) redactor.addSecret(value);
    } catch {
      // The listing meets the same problem and the run records it.
    }
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
      metrics: { add: (name, value, unit) => metrics.addMetric(name, unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count, value) },
      logger: {
        info: (message, details) => logger.info(message, details ?? {}),
        warn: (message, details) => logger.warn(message, details ?? {}),
        error: (message, details) => logger.error(message, details ?? {}),
      },
      redact: (text) => redactor.redact(text),
    };
    const deadline = deadlineSignal(context);
    let report: SweepHandlerResult;
    try {
      const result = await runSweep(sweepDeps, { trigger, dryRun, ...(deadline.signal ? { signal: deadline.signal } : {}) });
      report = buildSweepReport(result);
    } finally {
      deadline.clear();
    }
    if (report.decisions.length > MAX_RETURNED_DECISIONS) {
      report = { ...report, decisions: report.decisions.slice(0, MAX_RETURNED_DECISIONS), decisionsTruncated: { total: report.decisions.length, returned: MAX_RETURNED_DECISIONS } };
    }
    if (report.status === 'failed') throw new SweepFailedError(report);
    return report;
  };
  return withObservability(sweep, { logger, metrics });
}

/** The Lambda entry point: configuration from `process.env`, adapters built on the first invocation. */
export const handler = lazyHandler(() => createSweepHandler());
