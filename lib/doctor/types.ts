/**
 * What `doctor` reports: one verdict per check and one overall. Plain data: printed as text,
 * as JSON (`--json`) and written into a bundle's manifest.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  /** Stable id (`login`, `share-list`, `share-values`, ...): what tests and scripts read. */
  id: string;
  title: string;
  status: CheckStatus;
  /** One line: why this status. */
  reason: string;
  /** Supporting facts (fields seen, timings, errnos), one per line. */
  details: string[];
}

/** What the real client's listing gave (paginateShares). */
export type ListingOutcome =
  | { ok: true; count: number; shareIds: string[]; pages: number }
  | { ok: false; error: string; count: number; pages: number };

export interface DoctorReport {
  /** True only when no check failed: every answer was understood and the listing finished. */
  safe: boolean;
  /** "safe to enforce" or "not safe to enforce: ..." */
  verdict: string;
  baseUrlHost: string;
  checkedAt: string;
  checks: DoctorCheck[];
  listing: ListingOutcome;
}

export const SAFE_VERDICT = 'safe to enforce';

/** The overall verdict of a list of checks. */
export function overallVerdict(checks: readonly DoctorCheck[]): { safe: boolean; verdict: string } {
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length === 0) {
    const warned = checks.filter((c) => c.status === 'warn').length;
    return { safe: true, verdict: `${SAFE_VERDICT}${warned > 0 ? ` (${warned} warning${warned === 1 ? '' : 's'} to read)` : ''}` };
  }
  return { safe: false, verdict: `not safe to enforce: ${failed.map((c) => `${c.title}: ${c.reason}`).join('; ')}` };
}
