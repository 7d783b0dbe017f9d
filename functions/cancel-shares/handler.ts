/**
 * cancel-shares: SQS cancel batches (from the sweep) → TeraBox cancellations (lib/app/cancel-shares.ts).
 *
 * Thin: each record is parsed at the edge, handed to the use case, and becomes "done" or a batch
 * item failure. A failed share fails its whole message: the retry re-sends the ids already
 * cancelled, which come back "already gone", so retrying the whole batch is safe.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { cancelShareBatch, type CancelBatchOutcome, type CancelSharesDeps } from '../../lib/app/cancel-shares';
import { loadCancelConfig, type CancelConfig } from '../../lib/config/env';
import { parseCancelBatch } from '../../lib/contracts/cancel-batch';
import {
  METRIC_NAMES,
  buildRuntime,
  countMetric,
  errorAttributes,
  lazyHandler,
  receiveCount,
  sqsBatchHandler,
  useCaseLog,
  type LambdaHandler,
  type Runtime,
  type RuntimeOverrides,
} from '../shared';

export const FUNCTION_NAME = 'cancel-shares';

export interface CancelSharesHandlerDeps {
  config: CancelConfig;
  /** Adapters to inject (DynamoDB client, credentials provider, event bus, TeraBox settings, clock, logger...). */
  overrides?: RuntimeOverrides;
  /** A runtime built elsewhere; when given, `overrides` is ignored. */
  runtime?: Runtime;
}

/** The handler, with the runtime it was built on. */
export type CancelSharesHandler = LambdaHandler<SQSEvent, SQSBatchResponse> & { runtime: Runtime };

/** A cancel message handed back to SQS (delivered again, then moved to the DLQ). */
export class CancelBatchRetryError extends Error {
  override readonly name = 'CancelBatchRetryError';
}

/** Builds the cancel-shares handler on injected adapters (tests, the local run) or on the defaults. */
export function createCancelSharesHandler(deps: CancelSharesHandlerDeps): CancelSharesHandler {
  const runtime = deps.runtime ?? buildRuntime(deps.config, { functionName: FUNCTION_NAME, ...deps.overrides });
  const { logger, metrics } = runtime;
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

  const onRecord = async (record: SQSRecord): Promise<void> => {
    const message = { messageId: record.messageId, receiveCount: receiveCount(record) };
    const parsed = parseCancelBatch(record.body);
    let outcome: CancelBatchOutcome;
    try {
      outcome = await cancelShareBatch(useCase(), parsed);
    } catch (error) {
      logger.error('cancel batch failed; it will be retried', { ...message, runId: parsed.ok ? parsed.batch.runId : parsed.runId, ...errorAttributes(error) });
      throw error;
    }
    logOutcome(runtime, outcome, message);
    if (outcome.retry) throw new CancelBatchRetryError(retryReason(outcome));
  };

  const handler = sqsBatchHandler(onRecord, runtime);
  return Object.assign((event: SQSEvent, context: Context) => handler(event, context), { runtime });
}

function retryReason(outcome: CancelBatchOutcome): string {
  if (outcome.status === 'invalid') return `invalid cancel batch: ${outcome.reasons.join('; ')}`;
  if (outcome.status === 'processed') return `${outcome.failed.length} share(s) failed, ${outcome.bookkeepingFailed.length} not recorded`;
  return 'retry';
}

function logOutcome(runtime: Runtime, outcome: CancelBatchOutcome, message: Record<string, unknown>): void {
  const { logger } = runtime;
  switch (outcome.status) {
    case 'invalid':
      logger.error('invalid cancel batch: nothing cancelled; it goes to the dead-letter queue after the last retry', {
        ...message,
        runId: outcome.runId,
        reasons: outcome.reasons,
      });
      return;
    case 'skipped':
      logger.warn('global dry run: cancel batch skipped', { ...message, runId: outcome.runId, shares: outcome.shareIds.length });
      return;
    case 'processed': {
      const summary = {
        ...message,
        runId: outcome.runId,
        cancelled: outcome.cancelled.length,
        alreadyGone: outcome.alreadyGone.length,
        unconfirmed: outcome.unconfirmed.length,
        failed: outcome.failed.slice(0, 20),
        bookkeepingFailed: outcome.bookkeepingFailed.slice(0, 20),
      };
      if (outcome.retry) logger.warn('cancel batch partly failed; it will be retried', summary);
      else logger.info('cancel batch done', summary);
      return;
    }
  }
}

/** The Lambda entry point: configuration from the environment, adapters built on the first invocation. */
export const handler = lazyHandler(() => createCancelSharesHandler({ config: loadCancelConfig(process.env) }));
