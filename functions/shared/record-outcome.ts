/**
 * How the SQS handlers turn one record into "done" or "deliver again": the use case's outcome
 * becomes a `RecordVerdict` (one log line, and a retry reason when SQS must deliver the record
 * again), which `settleRecord` logs and, on a retry, throws as the handler's retry error so that
 * the record is reported in `batchItemFailures`.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { SQSRecord } from 'aws-lambda';
import { receiveCount } from './handler';
import { errorAttributes } from './observability';

/** The log line of one record's outcome, and whether (and why) the record goes back to SQS. */
export interface RecordVerdict {
  level: 'info' | 'warn' | 'error';
  message: string;
  attributes: Record<string, unknown>;
  /** Set when the record must be delivered again (then moved to the DLQ): the retry error's message. */
  retry?: string;
}

/** The fields every record's log lines carry: its SQS message id and receive count. */
export function recordFields(record: SQSRecord): { messageId: string; receiveCount: number } {
  return { messageId: record.messageId, receiveCount: receiveCount(record) };
}

/**
 * Runs the use case of one record. If it throws (a store or the event bus is down), the error is
 * logged as `failureMessage` with `fields` and rethrown, so that the record is delivered again.
 */
export async function runRecordUseCase<O>(logger: Logger, failureMessage: string, fields: Record<string, unknown>, run: () => Promise<O>): Promise<O> {
  try {
    return await run();
  } catch (error) {
    logger.error(failureMessage, { ...fields, ...errorAttributes(error) } as LogAttributes);
    throw error;
  }
}

/** Logs the verdict; throws `new RetryError(verdict.retry)` when the record must be delivered again. */
export function settleRecord(logger: Logger, verdict: RecordVerdict, RetryError: new (message: string) => Error): void {
  logger[verdict.level](verdict.message, verdict.attributes as LogAttributes);
  if (verdict.retry !== undefined) throw new RetryError(verdict.retry);
}
