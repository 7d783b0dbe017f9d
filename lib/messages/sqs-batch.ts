/**
 * SendMessageBatch with the limits SQS documents: at most 10 entries, at most 256 KiB per
 * message and per batch (the sum of the bodies), only the XML 1.0 characters
 * #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
 * (Queues may now allow up to 1 MiB, but 256 KiB is the default and fits every queue.)
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { chunkBySize, describeError, resolveRetry, utf8Bytes, type EntryRetryOptions } from './batching';
import { sendUntilProcessed } from '../shared/until-processed';

export const SQS_MAX_BATCH_ENTRIES = 10;
export const SQS_MAX_MESSAGE_BYTES = 262_144;

// Characters outside SQS's allowed set (U+FFFE and U+FFFF are the only ones JSON.stringify
// leaves unescaped: it already escapes C0 controls and lone surrogates).
export const SQS_DISALLOWED_CHARACTER = /[^\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

/** JSON text for an SQS body; escapes U+FFFE/U+FFFF, which SQS would reject, so JSON readers see the same value. */
export function toMessageBody(value: unknown): string {
  return JSON.stringify(value).replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

export interface SqsSendOptions {
  retry?: EntryRetryOptions;
  /** Per-message and per-batch byte limit (default 256 KiB). */
  maxBytes?: number;
}

export interface SqsSendFailure {
  /** Index into the bodies given. */
  index: number;
  error: string;
}

export interface SqsSendResult {
  sent: number;
  failed: SqsSendFailure[];
}

/**
 * Sends bodies as independent messages, 10 (and at most `maxBytes`) per request. Entries that
 * SQS reports failed through no fault of the sender are retried with backoff; sender faults
 * (bad body, too large) and errors of the whole request (after the SDK's own retries) are
 * final. Never throws: every body is either sent or in `failed`.
 */
export async function sendMessageBatches(
  client: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  options: SqsSendOptions = {},
): Promise<SqsSendResult> {
  const maxBytes = options.maxBytes ?? SQS_MAX_MESSAGE_BYTES;
  const retry = resolveRetry(options.retry);
  const failed: SqsSendFailure[] = [];
  const pending: number[] = [];
  bodies.forEach((body, index) => {
    const size = utf8Bytes(body);
    if (size > maxBytes) failed.push({ index, error: `message is ${size} bytes, above the limit of ${maxBytes}` });
    else if (SQS_DISALLOWED_CHARACTER.test(body)) failed.push({ index, error: 'message contains characters SQS does not accept' });
    else pending.push(index);
  });

  let sent = 0;
  // The last reason each entry was handed back for; only read for the entries still left at the end.
  const retryable = new Map<number, string>();
  const { left, attempts } = await sendUntilProcessed(pending, async (indices) => {
    const again: number[] = [];
    for (const chunk of chunkBySize(indices, (i) => utf8Bytes(bodies[i] as string), SQS_MAX_BATCH_ENTRIES, maxBytes)) {
      let response;
      try {
        response = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            // Entry ids only need to be unique within one request: `m<index>` also maps answers back.
            Entries: chunk.map((index) => ({ Id: `m${index}`, MessageBody: bodies[index] as string })),
          }),
        );
      } catch (error) {
        for (const index of chunk) failed.push({ index, error: describeError(error) });
        continue;
      }
      const succeeded = new Set((response.Successful ?? []).map((entry) => entry.Id));
      const failures = new Map((response.Failed ?? []).map((entry) => [entry.Id, entry]));
      for (const index of chunk) {
        const id = `m${index}`;
        const failure = failures.get(id);
        if (succeeded.has(id) && failure === undefined) {
          sent += 1;
        } else if (failure === undefined) {
          retryable.set(index, 'SQS returned no result for the entry');
          again.push(index);
        } else {
          const error = `${failure.Code ?? 'Unknown'}: ${failure.Message ?? 'no message'}`;
          if (failure.SenderFault === true) failed.push({ index, error });
          else {
            retryable.set(index, error);
            again.push(index);
          }
        }
      }
    }
    return again;
  }, retry);
  for (const index of left) failed.push({ index, error: `${retryable.get(index) ?? 'unknown'} (after ${attempts} attempts)` });
  failed.sort((a, b) => a.index - b.index);
  return { sent, failed };
}
