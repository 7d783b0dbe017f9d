/** The sweep handler's result: the `sweep --json` report, capped, or a `SweepFailedError`. */
import type { SweepReport } from '../../lib/app/sweep-report';

/** The report returned by the Lambda: the `sweep --json` report, its decisions capped to keep the response small. */
export type SweepHandlerResult = SweepReport & { decisionsTruncated?: { total: number; returned: number } };

/** Decisions returned in the invocation response (the full plan is in the audit trail). */
export const MAX_RETURNED_DECISIONS = 1000;

/** The run failed (recorded in the runs table); `report` says why and what was (not) done. */
export class SweepFailedError extends Error {
  override readonly name = 'SweepFailedError';
  constructor(readonly report: SweepHandlerResult) {
    super(`sweep ${report.runId} failed: ${report.errors[report.errors.length - 1] ?? 'unknown reason'}`);
  }
}

/** The handler's answer: the report with at most `MAX_RETURNED_DECISIONS` decisions; a failed run throws. */
export function sweepHandlerResult(full: SweepReport): SweepHandlerResult {
  let report: SweepHandlerResult = full;
  const total = full.decisionsTotal ?? full.decisions.length;
  if (total > MAX_RETURNED_DECISIONS) {
    const decisions = full.decisions.slice(0, MAX_RETURNED_DECISIONS);
    report = { ...report, decisions, decisionsTruncated: { total, returned: decisions.length } };
  }
  if (report.status === 'failed') throw new SweepFailedError(report);
  return report;
}
