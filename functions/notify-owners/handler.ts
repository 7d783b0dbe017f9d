/**
 * notify-owners: SQS batches of `ShareMarkedForCancel` events (an EventBridge rule's target) →
 * one digest mail per run and requester through SES (lib/app/notify-owners).
 *
 * Thin: each record is parsed at the edge; the use case groups the whole batch (a digest spans
 * records, so records are not handled one by one). A record that is not a notice is a batch item
 * failure (redelivered, then the DLQ, where it can be read); so are the records of a group another
 * invocation is sending, or whose stores failed. A failed send is not handed back to SQS: the
 * notice stays undelivered and the sweep's next run notices the mark again.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { NoticeRecord } from '../../lib/app/notify-owners';
import { loadNotifyConfig } from '../../lib/config/env';
import { parseNoticeMessage } from '../../lib/contracts/notice-event';
import { lazyHandler, withObservability, type LambdaHandler } from '../shared';
import { composeNotify, type NotifyOwnersHandlerDeps } from './compose';

export { FUNCTION_NAME, type NotifyOwnersHandlerDeps } from './compose';

export function createNotifyOwnersHandler(deps: NotifyOwnersHandlerDeps): LambdaHandler<SQSEvent, SQSBatchResponse> {
  const composed = composeNotify(deps);
  const { logger } = composed;
  return withObservability<SQSEvent, SQSBatchResponse>(
    async (event: SQSEvent, _context: Context) => {
      const failures = new Set<string>();
      const records: NoticeRecord[] = [];
      for (const record of event.Records) {
        const parsed = parseNoticeMessage(record.body);
        if (parsed.ok) records.push({ id: record.messageId, notice: parsed.notice });
        else {
          logger.error('not a grace notice; it goes to the dead-letter queue after its deliveries', { messageId: record.messageId, errors: parsed.errors });
          failures.add(record.messageId);
        }
      }
      const outcome = await composed.notify(records);
      for (const id of outcome.retry) failures.add(id);
      return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
    },
    { logger, metrics: composed.metrics },
  );
}

/** The Lambda entry point: configuration from the environment, adapters built on the first invocation. */
export const handler = lazyHandler(() => createNotifyOwnersHandler({ config: loadNotifyConfig(process.env) }));
