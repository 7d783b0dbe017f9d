/** The Runs table's items read back as the run store's records: every field checked, unknown values dropped. */
import type { AuditDecision, AuditEntry, AuditOutcome, RunMode, RunStatus, RunSummary, StoredApiShape } from '../app/store-ports';
import type { FieldShape } from '../app/response-shape';
import { compact, num, numRecord, str, strList, type Item } from './dynamo';

export function toStoredApiShape(item: Item): StoredApiShape | undefined {
  const runId = str(item.runId);
  const fingerprint = str(item.fingerprint);
  const raw = item.shape as { items?: unknown; fields?: unknown } | undefined;
  if (runId === undefined || fingerprint === undefined || typeof raw !== 'object' || raw === null) return undefined;
  const fields: Record<string, FieldShape> = {};
  if (typeof raw.fields === 'object' && raw.fields !== null) {
    for (const [name, value] of Object.entries(raw.fields as Record<string, unknown>)) {
      const f = value as { kinds?: unknown; seenIn?: unknown };
      const kinds = strList(f?.kinds);
      if (kinds === undefined) continue;
      fields[name] = { kinds: kinds as FieldShape['kinds'], seenIn: num(f.seenIn) ?? 0 };
    }
  }
  return compact<StoredApiShape>({
    runId,
    fingerprint,
    recordedAtMs: num(item.recordedAtMs) ?? 0,
    shape: { items: num(raw.items) ?? 0, fields },
    truncated: item.truncated === true ? true : undefined,
  });
}

const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'failed', 'skipped'];
const DECISIONS: readonly AuditDecision[] = ['keep', 'cancel', 'would-cancel', 'exempt', 'unevaluable', 'marked', 'cancel-ineffective'];
const OUTCOMES: readonly AuditOutcome[] = ['cancelled', 'already-gone', 'unconfirmed', 'failed', 'enqueued', 'skipped', 'given-up'];

export function toRunSummary(item: Item, accountId: string): RunSummary {
  const guardrail = item.guardrail;
  return compact<RunSummary>({
    accountId: str(item.accountId) ?? accountId,
    runId: str(item.runId) ?? '',
    status: RUN_STATUSES.find((s) => s === item.status) ?? 'failed',
    mode: (item.mode === 'enforce' ? 'enforce' : 'dry-run') satisfies RunMode,
    trigger: str(item.trigger),
    startedAtMs: num(item.startedAtMs) ?? 0,
    finishedAtMs: num(item.finishedAtMs),
    counts: numRecord(item.counts),
    // Stored as the engine wrote it; checked only for its one field every reader relies on.
    guardrail:
      typeof guardrail === 'object' && guardrail !== null && typeof (guardrail as { tripped?: unknown }).tripped === 'boolean'
        ? (guardrail as RunSummary['guardrail'])
        : undefined,
    errors: strList(item.errors),
    timings: numRecord(item.timings),
    reason: str(item.reason),
    warnings: strList(item.warnings),
    // Written by the sweep in these shapes; checked only for the field every reader relies on.
    apiShape: typeof (item.apiShape as { fingerprint?: unknown } | undefined)?.fingerprint === 'string' ? (item.apiShape as RunSummary['apiShape']) : undefined,
    cancelVerification: Array.isArray((item.cancelVerification as { ineffective?: unknown } | undefined)?.ineffective)
      ? (item.cancelVerification as RunSummary['cancelVerification'])
      : undefined,
    diff: typeof (item.diff as { totals?: unknown } | undefined)?.totals === 'object' ? (item.diff as RunSummary['diff']) : undefined,
    ages: Array.isArray((item.ages as { dayCounts?: unknown } | undefined)?.dayCounts) ? (item.ages as RunSummary['ages']) : undefined,
  });
}

export function toAuditEntry(item: Item, runId: string): AuditEntry {
  return compact<AuditEntry>({
    runId: str(item.runId) ?? runId,
    shareId: str(item.sk) ?? '',
    decision: DECISIONS.find((d) => d === item.decision) ?? 'unevaluable',
    policyIds: strList(item.policyIds) ?? [],
    policyVersions: numRecord(item.policyVersions),
    reasons: strList(item.reasons) ?? [],
    outcome: OUTCOMES.find((o) => o === item.outcome),
    error: str(item.error),
    shortUrl: str(item.shortUrl),
    paths: strList(item.paths),
    requester: str(item.requester),
    recordedAtMs: num(item.recordedAtMs) ?? 0,
    outcomeAtMs: num(item.outcomeAtMs),
  });
}
