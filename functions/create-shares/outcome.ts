/** A create-share outcome as the record's log line and retry decision (logs never carry the body). */
import type { CreateShareOutcome } from '../../lib/app/create-share';
import type { RecordVerdict } from '../shared';

/** `message`: the record's fields (message id, receive count, body size) that every line carries. */
export function createOutcomeVerdict(outcome: CreateShareOutcome, message: Record<string, unknown>): RecordVerdict {
  switch (outcome.status) {
    case 'created':
      return {
        level: 'info',
        message: 'share created',
        attributes: { ...message, requestId: outcome.requestId, shareId: outcome.record.shareId, shortUrl: outcome.record.shortUrl, reconciled: outcome.reconciled },
      };
    case 'duplicate':
      return {
        level: 'info',
        message: 'duplicate delivery of a finished request',
        attributes: { ...message, requestId: outcome.requestId, recordStatus: outcome.record.status },
      };
    case 'rejected':
      return {
        level: 'warn',
        message: 'invalid share request rejected',
        attributes: { ...message, requestId: outcome.requestId, reasons: outcome.reasons, recorded: outcome.recorded },
      };
    case 'failed':
      return { level: 'warn', message: 'TeraBox refused the share request', attributes: { ...message, requestId: outcome.requestId, reason: outcome.reason } };
    case 'retry':
      return {
        level: 'warn',
        message: 'share request not done; it will be retried',
        attributes: { ...message, requestId: outcome.requestId, kind: outcome.kind, reason: outcome.reason },
        retry: `${outcome.kind}: ${outcome.reason}`,
      };
    case 'unidentifiable':
      // The reasons name fields and rules, never values; the body itself is not logged.
      return {
        level: 'error',
        message: 'unidentifiable share request; it goes to the dead-letter queue after the last retry',
        attributes: { ...message, reasons: outcome.reasons },
        retry: `unidentifiable: ${outcome.reasons.join('; ')}`,
      };
  }
}
