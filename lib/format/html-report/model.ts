/**
 * The HTML report's input and the figures drawn from it. Everything here is pure: the CLI and the
 * local run read the run summary, its audit entries, the policies and the diff, and hand them in.
 */
import type { RunDiff } from '../../app/run-diff';
import type { AuditDecision, AuditEntry, RunSummary } from '../../app/store-ports';
import { describeRule } from '../../domain/rules/registry';
import type { Policy, PolicyMode } from '../../domain/policy-types';

/** What the report shows of one policy. */
export interface ReportPolicy {
  policyId: string;
  mode: PolicyMode;
  enabled: boolean;
  /** The rule in words (`max age 90 days`). */
  rule: string;
  /** Set for max-age policies: drawn as a line on the age histogram. */
  maxAgeDays?: number;
}

export interface HtmlReportInput {
  summary: RunSummary;
  /** The run's audit entries (keeps, if any, are left out of the report). */
  entries: readonly AuditEntry[];
  policies: readonly ReportPolicy[];
  /** Where the policies come from, said on the page (e.g. "as stored when the report was written"). */
  policiesSource?: string;
  /** The diff against the previous run; undefined: there is none to show. */
  diff: RunDiff | undefined;
  /** When the report was written (epoch ms). */
  generatedAtMs: number;
}

/** The decisions the report shows, in the order of the chart's stacks and the legend. */
export const REPORT_DECISIONS = ['cancel', 'would-cancel', 'marked', 'exempt', 'unevaluable', 'cancel-ineffective'] as const satisfies readonly AuditDecision[];
export type ReportDecision = (typeof REPORT_DECISIONS)[number];

/** One colour per decision, chosen to stay apart for the common colour-vision deficiencies. */
export const DECISION_COLOURS: Record<ReportDecision, string> = {
  cancel: '#c0392b',
  'would-cancel': '#e67e22',
  marked: '#8e44ad',
  exempt: '#2e86c1',
  unevaluable: '#7f8c8d',
  'cancel-ineffective': '#1e8449',
};

export const isReportDecision = (d: AuditDecision): d is ReportDecision => d !== 'keep';

/** The entries the report lists: every decision but a plain keep. */
export function reportedEntries(entries: readonly AuditEntry[]): AuditEntry[] {
  return entries.filter((e) => isReportDecision(e.decision));
}

export interface PolicyBar {
  policyId: string;
  counts: Record<ReportDecision, number>;
  total: number;
}

const zeroCounts = (): Record<ReportDecision, number> => ({ cancel: 0, 'would-cancel': 0, marked: 0, exempt: 0, unevaluable: 0, 'cancel-ineffective': 0 });

/**
 * Per policy, its shares by decision: each entry counts once on every policy it names (a share
 * flagged by two policies is on both bars). Policies with nothing to show still get a bar of 0;
 * entries that name no policy are counted under "(no policy)".
 */
export function policyBars(entries: readonly AuditEntry[], policies: readonly ReportPolicy[]): PolicyBar[] {
  const bars = new Map<string, PolicyBar>();
  const bar = (policyId: string): PolicyBar => {
    let b = bars.get(policyId);
    if (b === undefined) {
      b = { policyId, counts: zeroCounts(), total: 0 };
      bars.set(policyId, b);
    }
    return b;
  };
  for (const p of policies) bar(p.policyId);
  for (const e of entries) {
    if (!isReportDecision(e.decision)) continue;
    const ids = e.policyIds.length > 0 ? e.policyIds : ['(no policy)'];
    for (const id of ids) {
      const b = bar(id);
      b.counts[e.decision] += 1;
      b.total += 1;
    }
  }
  return [...bars.values()];
}

/** A validated policy as the report shows it. */
export function reportPolicy(policy: Policy): ReportPolicy {
  return {
    policyId: policy.policyId,
    mode: policy.mode,
    enabled: policy.enabled,
    rule: describeRule(policy.rule),
    ...(policy.rule.type === 'max-age' ? { maxAgeDays: policy.rule.maxAgeDays } : {}),
  };
}

/** Age histogram bins: `width` days each, `counts[i]` covering days [i*width, (i+1)*width). */
export interface AgeBins {
  width: number;
  counts: number[];
}

const NICE_WIDTHS = [1, 2, 5, 7, 10, 14, 30, 60, 90, 180, 365];

/** Groups day counts into at most `maxBins` bins of a round width, covering `minDays` at least (the longest limit). */
export function ageBins(dayCounts: readonly number[], minDays: number, maxBins = 40): AgeBins {
  const span = Math.max(dayCounts.length, Math.ceil(minDays) + 1, 1);
  const width = NICE_WIDTHS.find((w) => Math.ceil(span / w) <= maxBins) ?? Math.ceil(span / maxBins);
  const counts = new Array<number>(Math.ceil(span / width)).fill(0);
  dayCounts.forEach((n, day) => {
    const i = Math.floor(day / width);
    counts[i] = (counts[i] ?? 0) + n;
  });
  return { width, counts };
}
