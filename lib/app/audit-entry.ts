/**
 * One audit entry of a run, built in one place: the sweep's decisions, the entries the cancel
 * verification adds, and the cancels a run could not queue all start here.
 */
import type { ShareId } from '../domain/share';
import type { AuditDecision, AuditEntry } from './store-ports';

/** What the audit entries and the reports show about a share. */
export interface ShareSubject {
  shortUrl?: string;
  paths: readonly string[];
  requester?: string;
}

/** An entry keeps a share's first paths only: it must stay far below DynamoDB's 400 KB. */
export const MAX_AUDIT_PATHS = 20;

export type RunAuditEntry = Omit<AuditEntry, 'runId'>;

/** The versions of `policyIds` that `versions` knows (undefined when it knows none). */
export function policyVersionsOf(
  policyIds: readonly string[],
  versions: Readonly<Record<string, number>> | undefined,
): Record<string, number> | undefined {
  if (versions === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const id of policyIds) {
    const version = versions[id];
    if (version !== undefined) out[id] = version;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The entries, each naming the versions of its policies that decided (a run evaluates one version of each). */
export function withPolicyVersions(entries: RunAuditEntry[], versions: Readonly<Record<string, number>>): RunAuditEntry[] {
  for (const entry of entries) {
    const named = policyVersionsOf(entry.policyIds, versions);
    if (named !== undefined) entry.policyVersions = named;
  }
  return entries;
}

export function auditEntry(
  shareId: ShareId,
  decision: AuditDecision,
  why: { policyIds: readonly string[]; reasons: readonly string[] },
  subject: ShareSubject | undefined,
  now: number,
): RunAuditEntry {
  const entry: RunAuditEntry = { shareId, decision, policyIds: why.policyIds, reasons: why.reasons, recordedAtMs: now };
  if (subject?.shortUrl !== undefined) entry.shortUrl = subject.shortUrl;
  if (subject && subject.paths.length > 0) entry.paths = subject.paths.slice(0, MAX_AUDIT_PATHS);
  if (subject?.requester !== undefined) entry.requester = subject.requester;
  return entry;
}
