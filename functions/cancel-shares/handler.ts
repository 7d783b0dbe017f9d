/**
 * cancel-shares: SQS cancel batches (from the sweep) → TeraBox cancellations (lib/app/cancel-shares.ts).
 *
 * Thin: each record is parsed at the edge, handed to the use case (compose.ts), and its outcome
 * (outcome.ts) becomes "done" or a batch item failure. A failed share fails its whole message:
 * the retry re-sends the ids already cancelled, which come back "already gone", so retrying the
 * whole batch is safe.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadCancelConfig } from '../../lib/config/env';
import { parseCancelBatch } from '../../lib/contracts/cancel-batch';
import { lazyHandler, recordFields, runRecordUseCase, settleRecord, sqsBatchHandler, type AccountRuntimes, type LambdaHandler, type Runtime } from '../shared';
import { composeCancel, type CancelSharesHandlerDeps } from './compose';
import { cancelOutcomeVerdict } from './outcome';

export { FUNCTION_NAME, type CancelSharesHandlerDeps } from './compose';

/** The handler, with the runtime it was built on. */
export type CancelSharesHandler = LambdaHandler<SQSEvent, SQSBatchResponse> & { runtime: Runtime; accounts: AccountRuntimes };

/** A cancel message handed back to SQS (delivered again, then moved to the DLQ). */
export class CancelBatchRetryError extends Error {
  override readonly name = 'CancelBatchRetryError';
}

/** Builds the cancel-shares handler on injected adapters (tests, the local run) or on the defaults. */
export function createCancelSharesHandler(deps: CancelSharesHandlerDeps): CancelSharesHandler {
  const composed = composeCancel(deps);
  const { runtime } = composed;
  const { logger } = runtime;

  const onRecord = async (record: SQSRecord): Promise<void> => {
    const message = recordFields(record);
    const parsed = parseCancelBatch(record.body);
    const runId = parsed.ok ? parsed.batch.runId : parsed.runId;
    const account = parsed.ok ? { account: parsed.batch.accountId } : {};
    const outcome = await runRecordUseCase(logger, 'cancel batch failed; it will be retried', { ...message, ...account, runId }, () => composed.cancelBatch(parsed));
    settleRecord(logger, cancelOutcomeVerdict(outcome, message), CancelBatchRetryError);
  };

  const handler = sqsBatchHandler(onRecord, runtime);
  return Object.assign((event: SQSEvent, context: Context) => handler(event, context), { runtime, accounts: composed.accounts });
}

/** The Lambda entry point: configuration from the environment, adapters built on the first invocation. */
export const handler = lazyHandler(() => createCancelSharesHandler({ config: loadCancelConfig(process.env) }));
