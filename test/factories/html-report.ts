/** Typed inputs of the HTML run report, with hostile user data where user data goes. */
import type { RunDiff } from '../../lib/app/run-diff';
import type { AuditDecision, AuditEntry, RunSummary } from '../../lib/app/store-ports';
import type { HtmlReportInput, ReportPolicy } from '../../lib/format/html-report';
import { T0 } from './store-items';

/** A file name that runs script if it is ever parsed as markup. */
export const HOSTILE_NAME = '<img src=x onerror=alert(1)>.txt';
/** More of the same: breaking out of an attribute, out of the JSON script, a U+2028 line separator. */
export const HOSTILE_PATHS = [`/Public/${HOSTILE_NAME}`, '/Team/"><svg onload=alert(2)>.pdf', '/Archive/</script><script>alert(3)</script>\u2028.zip'];
export const HOSTILE_REQUESTER = `'"><iframe src="https://evil.example/x"></iframe>`;
export const HOSTILE_POLICY_ID = '<b onmouseover=alert(4)>policy</b>';

export function aReportRun(overrides: Partial<RunSummary> = {}): RunSummary {
  const dayCounts = Array.from({ length: 121 }, (_, d) => (d * 7) % 5);
  return {
    accountId: 'default',
    runId: '20310501T100000000Z-1a2b3c4d',
    status: 'completed',
    mode: 'enforce',
    trigger: 'schedule',
    startedAtMs: T0,
    finishedAtMs: T0 + 1234,
    counts: { inventory: 300, evaluated: 300, keep: 250, cancel: 20, 'would-cancel': 15, exempt: 8, marked: 4, unevaluable: 2, enqueued: 20 },
    guardrail: { tripped: false, trips: [], planned: 20, maxCancellations: 500, maxCancellationPercent: 20 },
    errors: [],
    timings: { list: 800, evaluate: 12, write: 95, total: 1234 },
    ages: { dayCounts, unknown: 2, clocks: { 'terabox-created': 290, 'first-seen': 8 } },
    ...overrides,
  };
}

export const REPORT_POLICIES: ReportPolicy[] = [
  { policyId: 'archive-60', mode: 'dry-run', enabled: true, rule: 'max age 60 days', maxAgeDays: 60 },
  { policyId: 'no-secrets', mode: 'enforce', enabled: true, rule: 'names: deny **/*.env' },
  { policyId: 'public-90', mode: 'enforce', enabled: true, rule: 'max age 90 days', maxAgeDays: 90 },
];

function entry(i: number, decision: AuditDecision, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    runId: '20310501T100000000Z-1a2b3c4d',
    shareId: String(30_000_000_000 + i * 7919),
    decision,
    policyIds: [decision === 'would-cancel' ? 'archive-60' : 'public-90'],
    reasons: [`created ${90 + i}.0 days ago, limit 90 days (public-90)`],
    paths: [`/Public/file-${i}.pdf`],
    requester: i % 3 === 0 ? 'marketing' : undefined,
    recordedAtMs: T0,
    ...(decision === 'cancel' ? { outcome: 'cancelled' as const, outcomeAtMs: T0 + 2000 } : {}),
    ...overrides,
  };
}

const CYCLE: AuditDecision[] = ['cancel', 'would-cancel', 'exempt', 'marked', 'unevaluable', 'cancel-ineffective'];

/** Entries of every decision, three plain keeps (which the report leaves out) and three hostile ones. */
export function reportEntries(count = 36): AuditEntry[] {
  const plain = Array.from({ length: count }, (_, i) => entry(i, CYCLE[i % CYCLE.length] as AuditDecision));
  const keeps = [1, 2, 3].map((i) => entry(1000 + i, 'keep'));
  const hostile = HOSTILE_PATHS.map((p, i) =>
    entry(2000 + i, 'cancel', { paths: [p], requester: HOSTILE_REQUESTER, policyIds: [HOSTILE_POLICY_ID, 'no-secrets'], reasons: [`path "${p}" matches deny pattern "**/*.txt" (no-secrets)`] }),
  );
  return [...plain, ...keeps, ...hostile];
}

export function aRunDiff(overrides: Partial<RunDiff> = {}): RunDiff {
  return {
    fromRunId: '20310430T100000000Z-00000000',
    toRunId: '20310501T100000000Z-1a2b3c4d',
    policies: [
      { policyId: HOSTILE_POLICY_ID, new: ['30000015838'], still: [], resolved: [] },
      { policyId: 'public-90', new: ['30000000000', '30000007919'], still: ['30000023757'], resolved: ['29999999999'] },
    ],
    totals: { new: 3, still: 1, resolved: 1 },
    ...overrides,
  };
}

export function aReportInput(overrides: Partial<HtmlReportInput> = {}): HtmlReportInput {
  return {
    summary: aReportRun(),
    entries: reportEntries(),
    policies: REPORT_POLICIES,
    policiesSource: 'as stored when this report was written',
    diff: aRunDiff(),
    generatedAtMs: T0 + 5000,
    ...overrides,
  };
}
