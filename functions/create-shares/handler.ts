/**
 * create-shares: SQS share requests → TeraBox shares (lib/app/create-share.ts).
 *
 * Thin: each record is parsed at the edge, handed to the use case (compose.ts), and its outcome
 * (outcome.ts) becomes "done" or a batch item failure (partial batch response). Logs carry ids,
 * statuses and reasons, never a message body (it may hold a share password).
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadCreateSharesConfig } from '../../lib/config/env';
import { parseShareRequest } from '../../lib/contracts/share-request';
import { lazyHandler, recordFields, runRecordUseCase, settleRecord, sqsBatchHandler, type AccountRuntimes, type LambdaHandler, type Runtime } from '../shared';
import { composeCreate, type CreateBatch, type CreateSharesHandlerDeps } from './compose';
import { createOutcomeVerdict } from './outcome';

export { FUNCTION_NAME, type CreateSharesHandlerDeps } from './compose';

/** The handler, with the runtime it was built on (to close it, or to reach its adapters in tests). */
export type CreateSharesHandler = LambdaHandler<SQSEvent, SQSBatchResponse> & { runtime: Runtime; accounts: AccountRuntimes };

/** A record handed back to SQS; the message is delivered again (then moved to the DLQ). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

/** Builds the create-shares handler on injected adapters (tests, the local run) or on the defaults. */
export function createCreateSharesHandler(deps: CreateSharesHandlerDeps): CreateSharesHandler {
  const composed = composeCreate(deps);
  const { runtime } = composed;
  const { logger } = runtime;

  const onRecord = async (record: SQSRecord, _context: Context, batch: CreateBatch): Promise<void> => {
    const parsed = parseShareRequest(record.body, { period: deps.config.defaultPeriod });
    const account = parsed.ok && parsed.request.account !== undefined ? { account: parsed.request.account } : {};
    const message = { ...recordFields(record), ...account };
    const requestId = parsed.ok ? parsed.request.requestId : parsed.requestId;
    const outcome = await runRecordUseCase(logger, 'share request failed; it will be retried', { ...message, requestId }, () => composed.createShare(parsed, batch));
    const verdict = createOutcomeVerdict(outcome, { ...message, bodyBytes: Buffer.byteLength(record.body, 'utf8') });
    settleRecord(logger, verdict, RetryLaterError);
  };

  const handler = sqsBatchHandler(onRecord, runtime, { perBatch: () => composed.newBatch() });
  return Object.assign((event: SQSEvent, context: Context) => handler(event, context), { runtime, accounts: composed.accounts });
}

/** The Lambda entry point: configuration from the environment, adapters built on the first invocation. */
export const handler = lazyHandler(() => createCreateSharesHandler({ config: loadCreateSharesConfig(process.env) }));
