/**
 * Typed factories for the SQS events the create-shares and cancel-shares handlers receive, and a
 * Lambda context. Bodies are built with the same serializer the producers use (`toMessageBody`).
 */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { CancelBatchMessage } from '../../lib/contracts/cancel-batch';
import { localLambdaContext } from '../../lib/messages/in-memory-queue';
import type { ShareRequestMessage } from '../../lib/contracts/share-request';
import { toMessageBody } from '../../lib/messages/sqs-batch';
import { aCancelBatch, aShareRequest, anSqsRecord } from './messages';

export interface RecordOptions {
  messageId?: string;
  /** `ApproximateReceiveCount` (default 1). */
  receiveCount?: number;
}

/** An SQS record with an exact body (valid or not). */
export function anSqsRecordWithBody(body: string, options: RecordOptions = {}): SQSRecord {
  const record = anSqsRecord(body, options.messageId !== undefined ? { messageId: options.messageId } : {});
  if (options.receiveCount !== undefined) record.attributes.ApproximateReceiveCount = String(options.receiveCount);
  return record;
}

/** An SQS record of the request queue carrying a share request (the README example with overrides). */
export function aShareRequestRecord(overrides: Partial<ShareRequestMessage> = {}, options: RecordOptions = {}): SQSRecord {
  return anSqsRecordWithBody(toMessageBody(aShareRequest(overrides)), options);
}

/** An SQS record of the cancel queue carrying a cancel batch. */
export function aCancelBatchRecord(overrides: Partial<CancelBatchMessage> = {}, options: RecordOptions = {}): SQSRecord {
  return { ...anSqsRecordWithBody(toMessageBody(aCancelBatch(overrides)), options), eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:cancel-batches' };
}

/** An SQS event of the given records. */
export function anSqsEventOf(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context for a direct handler call. */
export function aLambdaContext(functionName = 'test-function'): Context {
  return localLambdaContext(functionName);
}
