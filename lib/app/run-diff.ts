/**
 * What changed between two runs' flagged sets: per policy, the shares newly flagged, still
 * flagged and no longer flagged. `runs diff`, the run summary, the SweepCompleted event and the
 * HTML report all read this one shape.
 */
import type { Decision, FindingOutcome } from '../domain/decision';
import { compareShareIds } from '../domain/inventory';
import type { ShareId } from '../domain/share';

/** One policy's part of a diff. */
export interface PolicyDiff {
  policyId: string;
  /** Flagged by this policy in the newer run and not in the older one. */
  new: ShareId[];
  /** Flagged by this policy in both runs. */
  still: ShareId[];
  /** Flagged in the older run, not in the newer one (fixed, exempted, cancelled or gone). */
  resolved: ShareId[];
}

export interface DiffCounts {
  new: number;
  still: number;
  resolved: number;
}

export interface RunDiff {
  /** The older run; absent when the newer run is the first one (everything is new). */
  fromRunId?: string;
  toRunId: string;
  /** Sorted by policy id; a policy appears when any of its lists is non-empty. */
  policies: PolicyDiff[];
  /** Distinct shares over all policies (a share flagged by two policies counts once). */
  totals: DiffCounts;
}

/** The counts of a diff, as the run summary and the SweepCompleted event carry them. */
export interface RunDiffCounts {
  /** The older run; absent when there was none (the first run: everything is new). */
  fromRunId?: string;
  totals: DiffCounts;
  perPolicy: Record<string, DiffCounts>;
}

/**
 * One run's flagged shares by policy: policy id -> the shares that policy decided cancel,
 * would-cancel or marked (exempt and unevaluable findings do not flag a share).
 */
export type FlaggedSet = Readonly<Record<string, readonly ShareId[]>>;

/** The finding outcomes that flag a share. */
const FLAGGING: ReadonlySet<FindingOutcome> = new Set<FindingOutcome>(['cancel', 'would-cancel', 'marked']);

/** The flagged set of a run's decisions, each policy's shares sorted. */
export function flaggedSetOf(decisions: readonly Pick<Decision, 'shareId' | 'findings'>[]): Record<string, ShareId[]> {
  const out: Record<string, ShareId[]> = {};
  for (const d of decisions) {
    for (const f of d.findings) if (FLAGGING.has(f.outcome)) (out[f.policyId] ??= []).push(d.shareId);
  }
  for (const ids of Object.values(out)) ids.sort(compareShareIds);
  return out;
}

/**
 * What changed from `older`'s flagged set to `newer`'s: per policy, the shares newly flagged,
 * still flagged and no longer flagged (each list sorted by share id), and the totals over
 * distinct shares (a share flagged by any policy in both runs is `still`, whichever policies).
 * No older run: everything is new.
 */
export function computeRunDiff(older: { runId: string; flagged: FlaggedSet } | undefined, newer: { runId: string; flagged: FlaggedSet }): RunDiff {
  const before = older?.flagged ?? {};
  const after = newer.flagged;
  const policyIds = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const policies: PolicyDiff[] = [];
  for (const policyId of policyIds) {
    const { added, kept, removed } = compareSets(before[policyId] ?? [], after[policyId] ?? []);
    if (added.length + kept.length + removed.length > 0) policies.push({ policyId, new: added, still: kept, resolved: removed });
  }
  const all = compareSets(Object.values(before).flat(), Object.values(after).flat());
  const diff: RunDiff = {
    toRunId: newer.runId,
    policies,
    totals: { new: all.added.length, still: all.kept.length, resolved: all.removed.length },
  };
  if (older !== undefined) diff.fromRunId = older.runId;
  return diff;
}

/** The counts of a diff (what the summary keeps: the share ids stay in the flagged sets). */
export function diffCounts(diff: RunDiff): RunDiffCounts {
  const perPolicy: Record<string, DiffCounts> = {};
  for (const p of diff.policies) perPolicy[p.policyId] = { new: p.new.length, still: p.still.length, resolved: p.resolved.length };
  return { ...(diff.fromRunId !== undefined ? { fromRunId: diff.fromRunId } : {}), totals: { ...diff.totals }, perPolicy };
}

function compareSets(before: readonly ShareId[], after: readonly ShareId[]): { added: ShareId[]; kept: ShareId[]; removed: ShareId[] } {
  const was = new Set(before);
  const is = new Set(after);
  const added = [...is].filter((id) => !was.has(id)).sort(compareShareIds);
  const kept = [...is].filter((id) => was.has(id)).sort(compareShareIds);
  const removed = [...was].filter((id) => !is.has(id)).sort(compareShareIds);
  return { added, kept, removed };
}
