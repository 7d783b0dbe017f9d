/** Builds the cancel-shares runtime and use case (the handler only parses, calls and shapes). */
import { cancelShareBatch, type CancelBatchOutcome, type CancelSharesDeps } from '../../lib/app/cancel-shares';
import type { CancelConfig } from '../../lib/config/env';
import type { ParseCancelBatchResult } from '../../lib/contracts/cancel-batch';
import { buildRuntime, countMetric, METRIC_NAMES, useCaseLog, type Runtime, type RuntimeOverrides } from '../shared';

export const FUNCTION_NAME = 'cancel-shares';

export interface CancelSharesHandlerDeps {
  config: CancelConfig;
  /** Adapters to inject (DynamoDB client, credentials provider, event bus, TeraBox settings, clock, logger...). */
  overrides?: RuntimeOverrides;
  /** A runtime built elsewhere; when given, `overrides` is ignored. */
  runtime?: Runtime;
}

export interface ComposedCancel {
  runtime: Runtime;
  cancelBatch(parsed: ParseCancelBatchResult): Promise<CancelBatchOutcome>;
}

export function composeCancel(deps: CancelSharesHandlerDeps): ComposedCancel {
  const runtime = deps.runtime ?? buildRuntime(deps.config, { functionName: FUNCTION_NAME, ...deps.overrides });
  const { logger, metrics } = runtime;
  // Built per record: the stores and the event publisher are lazy getters of the runtime.
  const useCase = (): CancelSharesDeps => ({
    terabox: runtime.terabox,
    shareRecords: runtime.stores.shareRecords,
    runs: runtime.stores.runs,
    events: runtime.events,
    clock: runtime.clock,
    accountId: deps.config.accountId,
    globalDryRun: deps.config.globalDryRun,
    log: useCaseLog(logger),
    countCancelled: (count) => countMetric(metrics, METRIC_NAMES.sharesCancelled, count),
  });
  return { runtime, cancelBatch: (parsed) => cancelShareBatch(useCase(), parsed) };
}
