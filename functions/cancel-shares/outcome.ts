/** A cancel-batch outcome as the record's log line and retry decision. */
import type { CancelBatchOutcome } from '../../lib/app/cancel-shares';
import type { RecordVerdict } from '../shared';

/** Failures listed in a log line; the rest are in the audit trail. */
const LOGGED_FAILURES = 20;

/** `message`: the record's fields (message id, receive count) that every line carries. */
export function cancelOutcomeVerdict(outcome: CancelBatchOutcome, message: Record<string, unknown>): RecordVerdict {
  switch (outcome.status) {
    case 'invalid':
      return {
        level: 'error',
        message: 'invalid cancel batch: nothing cancelled; it goes to the dead-letter queue after the last retry',
        attributes: { ...message, runId: outcome.runId, reasons: outcome.reasons },
        retry: `invalid cancel batch: ${outcome.reasons.join('; ')}`,
      };
    case 'refused':
      // Done, not retried: the audit entries say why; the next sweep of the account (once it is served) decides again.
      return {
        level: 'error',
        message: 'cancel batch refused: its account is not served by this deployment; nothing cancelled',
        attributes: { ...message, runId: outcome.runId, account: outcome.accountId, reason: outcome.reason, shares: outcome.shareIds.length },
      };
    case 'skipped':
      return {
        level: 'warn',
        message: 'global dry run: cancel batch skipped',
        attributes: { ...message, runId: outcome.runId, shares: outcome.shareIds.length },
      };
    case 'processed': {
      const attributes = {
        ...message,
        runId: outcome.runId,
        cancelled: outcome.cancelled.length,
        alreadyGone: outcome.alreadyGone.length,
        unconfirmed: outcome.unconfirmed.length,
        failed: outcome.failed.slice(0, LOGGED_FAILURES),
        bookkeepingFailed: outcome.bookkeepingFailed.slice(0, LOGGED_FAILURES),
      };
      if (!outcome.retry) return { level: 'info', message: 'cancel batch done', attributes };
      return {
        level: 'warn',
        message: 'cancel batch partly failed; it will be retried',
        attributes,
        retry: `${outcome.failed.length} share(s) failed, ${outcome.bookkeepingFailed.length} not recorded`,
      };
    }
  }
}
