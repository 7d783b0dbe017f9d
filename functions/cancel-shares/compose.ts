/** Builds the cancel-shares runtimes and use case (the handler only parses, calls and shapes). */
import { cancelShareBatch, refuseCancelBatch, type CancelBatchOutcome, type CancelSharesDeps } from '../../lib/app/cancel-shares';
import type { CancelConfig } from '../../lib/config/env';
import type { ParseCancelBatchResult } from '../../lib/contracts/cancel-batch';
import { AccountRuntimes, AccountUnavailableError, countMetric, METRIC_NAMES, useCaseLog, type Runtime, type RuntimeOverrides } from '../shared';

export const FUNCTION_NAME = 'cancel-shares';

export interface CancelSharesHandlerDeps {
  config: CancelConfig;
  /** Adapters to inject (DynamoDB client, credentials provider, event bus, TeraBox settings, clock, logger...). */
  overrides?: RuntimeOverrides;
  /** The deployment account's runtime built elsewhere; other accounts are built from `overrides`. */
  runtime?: Runtime;
}

export interface ComposedCancel {
  /** The deployment account's runtime (its logger and metrics serve every account). */
  runtime: Runtime;
  accounts: AccountRuntimes;
  cancelBatch(parsed: ParseCancelBatchResult): Promise<CancelBatchOutcome>;
}

export function composeCancel(deps: CancelSharesHandlerDeps): ComposedCancel {
  const accounts = new AccountRuntimes({ config: deps.config, overrides: { functionName: FUNCTION_NAME, ...deps.overrides }, ...(deps.runtime ? { runtime: deps.runtime } : {}) });
  const runtime = accounts.deployment;
  const { logger, metrics } = runtime;
  // Built per record: the stores and the event publisher are lazy getters of the runtime.
  const useCase = (own: Runtime, accountId: string): CancelSharesDeps => ({
    terabox: own.terabox,
    shareRecords: own.stores.shareRecords,
    runs: own.stores.runs,
    events: own.events,
    clock: own.clock,
    accountId,
    globalDryRun: deps.config.globalDryRun,
    log: useCaseLog(logger),
    countCancelled: (count) => countMetric(metrics, METRIC_NAMES.sharesCancelled, count),
  });
  const cancelBatch = async (parsed: ParseCancelBatchResult): Promise<CancelBatchOutcome> => {
    if (!parsed.ok) return cancelShareBatch(useCase(runtime, deps.config.accountId), parsed);
    try {
      const account = await accounts.resolve(parsed.batch.accountId);
      return await cancelShareBatch(useCase(account.runtime, account.accountId), parsed);
    } catch (error) {
      if (!(error instanceof AccountUnavailableError)) throw error;
      // Recorded in the account's own run (its partition), without a TeraBox session.
      const runs = accounts.storesOf(error.accountId).runs;
      return refuseCancelBatch({ runs, clock: runtime.clock, log: useCaseLog(logger) }, parsed.batch, error.message);
    }
  };
  return { runtime, accounts, cancelBatch };
}
