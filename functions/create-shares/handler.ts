/**
 * create-shares: SQS share requests → TeraBox shares (lib/app/create-share.ts).
 *
 * Thin: each record is parsed at the edge, handed to the use case, and its outcome becomes
 * "done" or a batch item failure (partial batch response). Logs carry ids, statuses and reasons,
 * never a message body (it may hold a share password).
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  BatchShareIdLookup,
  createShareFromRequest,
  DEFAULT_CREATE_SHARE_SETTINGS,
  type CreateShareDeps,
  type CreateShareOutcome,
  type CreateShareSettings,
} from '../../lib/app/create-share';
import { loadCreateSharesConfig, type CreateSharesConfig } from '../../lib/config/env';
import { parseShareRequest } from '../../lib/contracts/share-request';
import {
  buildRuntime,
  classifyTeraboxCreateFailure,
  errorAttributes,
  lazyHandler,
  receiveCount,
  sqsBatchHandler,
  useCaseLog,
  type LambdaHandler,
  type Runtime,
  type RuntimeOverrides,
} from '../shared';

export const FUNCTION_NAME = 'create-shares';

export interface CreateSharesHandlerDeps {
  config: CreateSharesConfig;
  /** Adapters to inject (DynamoDB client, credentials provider, event bus, TeraBox settings, clock, logger...). */
  overrides?: RuntimeOverrides;
  /** A runtime built elsewhere; when given, `overrides` is ignored. */
  runtime?: Runtime;
  /** Use case settings (claim lifetime, search reach). */
  settings?: Partial<CreateShareSettings>;
}

/** The handler, with the runtime it was built on (to close it, or to reach its adapters in tests). */
export type CreateSharesHandler = LambdaHandler<SQSEvent, SQSBatchResponse> & { runtime: Runtime };

/** A record handed back to SQS; the message is delivered again (then moved to the DLQ). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

/** Builds the create-shares handler on injected adapters (tests, the local run) or on the defaults. */
export function createCreateSharesHandler(deps: CreateSharesHandlerDeps): CreateSharesHandler {
  const runtime = deps.runtime ?? buildRuntime(deps.config, { functionName: FUNCTION_NAME, ...deps.overrides });
  const { logger } = runtime;
  const lookupOptions = {
    maxShares: deps.settings?.shareIdLookupShares ?? DEFAULT_CREATE_SHARE_SETTINGS.shareIdLookupShares,
    maxWaitMs: deps.settings?.shareIdLookupMaxWaitMs ?? DEFAULT_CREATE_SHARE_SETTINGS.shareIdLookupMaxWaitMs,
  };
  // Built on the first invocation (the stores and the event publisher are lazy), then reused.
  let base: CreateShareDeps | undefined;
  const useCase = (): CreateShareDeps =>
    (base ??= {
      shareRecords: runtime.stores.shareRecords,
      terabox: runtime.terabox,
      events: runtime.events,
      clock: runtime.clock,
      classifyFailure: classifyTeraboxCreateFailure,
      log: useCaseLog(logger),
      ...(deps.settings !== undefined ? { settings: deps.settings } : {}),
    });

  const onRecord = async (record: SQSRecord, _context: Context, shareIdLookup: BatchShareIdLookup): Promise<void> => {
    const message = { messageId: record.messageId, receiveCount: receiveCount(record) };
    const parsed = parseShareRequest(record.body, { period: deps.config.defaultPeriod });
    const requestId = parsed.ok ? parsed.request.requestId : parsed.requestId;
    let outcome: CreateShareOutcome;
    try {
      outcome = await createShareFromRequest({ ...useCase(), shareIdLookup }, parsed);
    } catch (error) {
      logger.error('share request failed; it will be retried', { ...message, requestId, ...errorAttributes(error) });
      throw error;
    }
    logOutcome(runtime, outcome, { ...message, bodyBytes: Buffer.byteLength(record.body, 'utf8') });
    if (outcome.retry) {
      throw new RetryLaterError(outcome.status === 'retry' ? `${outcome.kind}: ${outcome.reason}` : `unidentifiable: ${outcome.reasons.join('; ')}`);
    }
  };

  // One share id lookup per invocation: the records of a batch share one `sharelist` read.
  const handler = sqsBatchHandler(onRecord, runtime, { perBatch: () => new BatchShareIdLookup(runtime.terabox, lookupOptions) });
  return Object.assign((event: SQSEvent, context: Context) => handler(event, context), { runtime });
}

function logOutcome(runtime: Runtime, outcome: CreateShareOutcome, message: Record<string, unknown>): void {
  const { logger } = runtime;
  switch (outcome.status) {
    case 'created':
      logger.info('share created', {
        ...message,
        requestId: outcome.requestId,
        shareId: outcome.record.shareId,
        shortUrl: outcome.record.shortUrl,
        reconciled: outcome.reconciled,
      });
      return;
    case 'duplicate':
      logger.info('duplicate delivery of a finished request', { ...message, requestId: outcome.requestId, recordStatus: outcome.record.status });
      return;
    case 'rejected':
      logger.warn('invalid share request rejected', { ...message, requestId: outcome.requestId, reasons: outcome.reasons, recorded: outcome.recorded });
      return;
    case 'failed':
      logger.warn('TeraBox refused the share request', { ...message, requestId: outcome.requestId, reason: outcome.reason });
      return;
    case 'retry':
      logger.warn('share request not done; it will be retried', { ...message, requestId: outcome.requestId, kind: outcome.kind, reason: outcome.reason });
      return;
    case 'unidentifiable':
      // The reasons name fields and rules, never values; the body itself is not logged.
      logger.error('unidentifiable share request; it goes to the dead-letter queue after the last retry', { ...message, reasons: outcome.reasons });
      return;
  }
}

/** The Lambda entry point: configuration from the environment, adapters built on the first invocation. */
export const handler = lazyHandler(() => createCreateSharesHandler({ config: loadCreateSharesConfig(process.env) }));
