/**
 * The pure parts of the handlers: a use-case outcome → the record's log line and retry decision,
 * `settleRecord`, and the sweep's capped result.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { CreateShareOutcome } from '../../../lib/app/create-share';
import type { CancelBatchOutcome } from '../../../lib/app/cancel-shares';
import type { SweepReport } from '../../../lib/app/sweep-report';
import { cancelOutcomeVerdict } from '../../../functions/cancel-shares/outcome';
import { createOutcomeVerdict } from '../../../functions/create-shares/outcome';
import { settleRecord, type RecordVerdict } from '../../../functions/shared';
import { MAX_RETURNED_DECISIONS, SweepFailedError, sweepHandlerResult } from '../../../functions/sweep-shares/report';

const message = { messageId: 'm-1', receiveCount: 2 };

describe('createOutcomeVerdict', () => {
  it('logs a created share at info with its ids and asks for no retry', () => {
    const outcome = { status: 'created', retry: false, requestId: 'r-1', record: { shareId: 7, shortUrl: 'abc' }, reconciled: true } as unknown as CreateShareOutcome;
    expect(createOutcomeVerdict(outcome, message)).toEqual({
      level: 'info',
      message: 'share created',
      attributes: { ...message, requestId: 'r-1', shareId: 7, shortUrl: 'abc', reconciled: true },
    });
  });

  it('asks for a retry with the kind and reason of a transient failure', () => {
    const verdict = createOutcomeVerdict({ status: 'retry', retry: true, requestId: 'r-1', kind: 'transient', reason: 'timeout' } as CreateShareOutcome, message);
    expect(verdict).toMatchObject({ level: 'warn', retry: 'transient: timeout', attributes: { kind: 'transient', reason: 'timeout' } });
  });

  it('sends an unidentifiable request back with its reasons, logged at error', () => {
    const verdict = createOutcomeVerdict({ status: 'unidentifiable', retry: true, reasons: ['requestId: missing', 'path: bad'] }, message);
    expect(verdict).toMatchObject({ level: 'error', retry: 'unidentifiable: requestId: missing; path: bad', attributes: { ...message, reasons: ['requestId: missing', 'path: bad'] } });
  });

  it('asks for no retry when a request is rejected or refused for good', () => {
    expect(createOutcomeVerdict({ status: 'rejected', retry: false, requestId: 'r', reasons: ['x'], recorded: true }, message).retry).toBeUndefined();
    expect(createOutcomeVerdict({ status: 'failed', retry: false, requestId: 'r', reason: 'no', record: {} } as unknown as CreateShareOutcome, message).retry).toBeUndefined();
  });
});

describe('cancelOutcomeVerdict', () => {
  const processed = (failed: number): CancelBatchOutcome => ({
    status: 'processed',
    retry: failed > 0,
    runId: 'run-1',
    cancelled: [1, 2] as never,
    alreadyGone: [3] as never,
    unconfirmed: [],
    failed: Array.from({ length: failed }, (_, i) => ({ shareId: i, error: 'boom' })) as never,
    bookkeepingFailed: [],
  });

  it('logs a done batch with its counts and asks for no retry', () => {
    expect(cancelOutcomeVerdict(processed(0), message)).toEqual({
      level: 'info',
      message: 'cancel batch done',
      attributes: { ...message, runId: 'run-1', cancelled: 2, alreadyGone: 1, unconfirmed: 0, failed: [], bookkeepingFailed: [] },
    });
  });

  it('retries a partly failed batch and lists at most 20 failures', () => {
    const verdict = cancelOutcomeVerdict(processed(25), message);
    expect(verdict.retry).toBe('25 share(s) failed, 0 not recorded');
    expect(verdict.attributes.failed).toHaveLength(20);
  });

  it('sends an invalid batch back; a global dry run skip is done', () => {
    expect(cancelOutcomeVerdict({ status: 'invalid', retry: true, reasons: ['a', 'b'] }, message)).toMatchObject({ level: 'error', retry: 'invalid cancel batch: a; b' });
    expect(cancelOutcomeVerdict({ status: 'skipped', retry: false, runId: 'r', shareIds: [1, 2] as never }, message)).toMatchObject({
      level: 'warn',
      attributes: { shares: 2 },
    });
  });
});

describe('settleRecord', () => {
  class Again extends Error {
    override readonly name = 'Again';
  }
  const logger = (): Logger => {
    const l = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    jest.spyOn(l, 'warn');
    return l;
  };

  it('logs the verdict and returns when no retry is asked', () => {
    const l = logger();
    settleRecord(l, { level: 'warn', message: 'hello', attributes: { a: 1 } }, Again);
    expect(l.warn).toHaveBeenCalledWith('hello', { a: 1 });
  });

  it('logs, then throws the retry error with the reason', () => {
    const l = logger();
    const verdict: RecordVerdict = { level: 'warn', message: 'again', attributes: {}, retry: 'because' };
    expect(() => settleRecord(l, verdict, Again)).toThrow(new Again('because'));
    expect(l.warn).toHaveBeenCalledTimes(1);
  });
});

describe('sweepHandlerResult', () => {
  const report = (status: string, decisions: number): SweepReport =>
    ({ runId: 'run-1', status, decisions: Array.from({ length: decisions }, (_, i) => ({ shareId: String(i) })), errors: ['listing incomplete'] }) as unknown as SweepReport;

  it('returns a small report as it is', () => {
    const r = report('completed', 3);
    expect(sweepHandlerResult(r)).toBe(r);
  });

  it('caps the decisions and says how many there were', () => {
    const result = sweepHandlerResult(report('completed', MAX_RETURNED_DECISIONS + 5));
    expect(result.decisions).toHaveLength(MAX_RETURNED_DECISIONS);
    expect(result.decisionsTruncated).toEqual({ total: MAX_RETURNED_DECISIONS + 5, returned: MAX_RETURNED_DECISIONS });
  });

  it('counts the decisions the run made when the report already holds only the first ones', () => {
    const result = sweepHandlerResult({ ...report('completed', MAX_RETURNED_DECISIONS), decisionsTotal: 750_000 });
    expect(result.decisions).toHaveLength(MAX_RETURNED_DECISIONS);
    expect(result.decisionsTruncated).toEqual({ total: 750_000, returned: MAX_RETURNED_DECISIONS });
  });

  it('throws a failed run as SweepFailedError carrying the report', () => {
    expect(() => sweepHandlerResult(report('failed', 1))).toThrow(SweepFailedError);
    expect(() => sweepHandlerResult(report('failed', 1))).toThrow('sweep run-1 failed: listing incomplete');
  });
});
