/**
 * sweep-shares: invoked by EventBridge Scheduler (`{"trigger":"schedule","scheduledTime":…,
 * "executionId":…}`) or by hand (`{"dryRun": true}`). Parses the event (event.ts), runs one sweep
 * (compose.ts over lib/app/sweep/) and returns its JSON report (report.ts). A failed run
 * (listing incomplete, a store down...) is recorded first, then thrown as `SweepFailedError`, so
 * that the function's error alarm fires; a run skipped because another sweep holds the lease
 * returns normally.
 */
import type { Context } from 'aws-lambda';
import { lazyHandler, withObservability, type LambdaHandler } from '../shared';
import { composeSweep, type SweepHandlerDeps } from './compose';
import { parseSweepEvent, type SweepEvent } from './event';
import { sweepHandlerResult, type SweepHandlerResult } from './report';

export type { SweepHandlerDeps } from './compose';
export { SweepEventError, type SweepEvent } from './event';
export { MAX_RETURNED_DECISIONS, SweepFailedError, type SweepHandlerResult } from './report';

/** The sweep handler over the given adapters (tests and the local run); `handler` uses the environment. */
export function createSweepHandler(deps: SweepHandlerDeps = {}): LambdaHandler<SweepEvent | null | undefined, SweepHandlerResult> {
  const { runtime, sweep } = composeSweep(deps);

  const handle = async (event: SweepEvent | null | undefined, context: Context): Promise<SweepHandlerResult> => {
    const request = parseSweepEvent(event);
    return sweepHandlerResult(await sweep(request, context));
  };
  return withObservability(handle, runtime);
}

/** The Lambda entry point: configuration from `process.env`, adapters built on the first invocation. */
export const handler = lazyHandler(() => createSweepHandler());
