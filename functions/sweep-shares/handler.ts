/**
 * sweep-shares: a step of the sweep state machine (`{"step":"start"|"list"|"evaluate"|"abandon",…}`,
 * lib/contracts/sweep-steps.ts), which answers the next state or the run's status; or, invoked
 * directly (`{"dryRun": true}`), a whole sweep in this invocation. Parses the event (event.ts),
 * runs the step or the sweep (compose.ts over lib/app/sweep/) and returns its JSON report (report.ts). A failed run
 * (listing incomplete, a store down...) is recorded first, then thrown as `SweepFailedError`, so
 * that the function's error alarm fires; a run skipped because another sweep holds the lease
 * returns normally.
 */
import type { Context } from 'aws-lambda';
import { lazyHandler, withObservability, type AccountRuntimes, type LambdaHandler } from '../shared';
import { composeSweep, type SweepHandlerDeps } from './compose';
import type { SweepAccountList, SweepStepEvent, SweepStepReport, SweepStepState } from '../../lib/contracts/sweep-steps';
import { isStepEvent, parseStepEvent, parseSweepEvent, type SweepEvent } from './event';
import { sweepHandlerResult, type SweepHandlerResult } from './report';

export type { SweepHandlerDeps } from './compose';
export { SweepEventError, type SweepEvent } from './event';
export { MAX_RETURNED_DECISIONS, SweepFailedError, type SweepHandlerResult } from './report';

/** A step event gets the step's answer; a direct invocation the whole run's report. */
export interface SweepLambdaHandler {
  (event: SweepStepEvent, context: Context): Promise<SweepStepState | SweepStepReport | SweepAccountList>;
  (event: SweepEvent | null | undefined, context: Context): Promise<SweepHandlerResult>;
}

/** The sweep handler over the given adapters (tests and the local run); `handler` uses the environment. */
export function createSweepHandler(deps: SweepHandlerDeps = {}): SweepLambdaHandler & { accounts: AccountRuntimes } {
  const { runtime, accounts, sweep, step } = composeSweep(deps);

  const handle = async (event: SweepEvent | SweepStepEvent | null | undefined, context: Context): Promise<SweepHandlerResult | SweepStepState | SweepStepReport | SweepAccountList> => {
    if (isStepEvent(event)) return step(parseStepEvent(event), context);
    return sweepHandlerResult(await sweep(parseSweepEvent(event), context));
  };
  const observed: LambdaHandler<SweepEvent | SweepStepEvent | null | undefined, SweepHandlerResult | SweepStepState | SweepStepReport | SweepAccountList> = withObservability(handle, runtime);
  // The answer's type follows the event's (isStepEvent above): the overloads say so to the callers.
  return Object.assign(observed as SweepLambdaHandler, { accounts });
}

/** The Lambda entry point: configuration from `process.env`, adapters built on the first invocation. */
export const handler = lazyHandler(() => createSweepHandler());
