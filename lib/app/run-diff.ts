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

/** A flagged set gathered one decision at a time (in any order). */
export class FlaggedSetBuilder {
  private readonly out: Record<string, ShareId[]> = {};

  add(d: Pick<Decision, 'shareId' | 'findings'>): void {
    for (const f of d.findings) if (FLAGGING.has(f.outcome)) (this.out[f.policyId] ??= []).push(d.shareId);
  }

  /** The set, each policy's shares sorted. */
  build(): Record<string, ShareId[]> {
    for (const ids of Object.values(this.out)) ids.sort(compareShareIds);
    return this.out;
  }
}

/** The flagged set of a run's decisions, each policy's shares sorted. */
export function flaggedSetOf(decisions: readonly Pick<Decision, 'shareId' | 'findings'>[]): Record<string, ShareId[]> {
  const builder = new FlaggedSetBuilder();
  for (const d of decisions) builder.add(d);
  return builder.build();
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
    const { added, kept, removed } = compareSets(distinctSorted([before[policyId] ?? []]), distinctSorted([after[policyId] ?? []]));
    if (added.length + kept.length + removed.length > 0) policies.push({ policyId, new: added, still: kept, resolved: removed });
  }
  const all = compareSets(distinctSorted(Object.values(before)), distinctSorted(Object.values(after)));
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

/** The distinct ids of several sorted lists, sorted. */
function distinctSorted(lists: readonly (readonly ShareId[])[]): ShareId[] {
  const all = lists.flat().sort(compareShareIds);
  return all.filter((id, k) => k === 0 || id !== all[k - 1]);
}

/** Two lists sorted by share id (each id once), merged: what only the second has, what both have, what only the first has. */
function compareSets(before: readonly ShareId[], after: readonly ShareId[]): { added: ShareId[]; kept: ShareId[]; removed: ShareId[] } {
  const added: ShareId[] = [];
  const kept: ShareId[] = [];
  const removed: ShareId[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const order = i >= before.length ? 1 : j >= after.length ? -1 : compareShareIds(before[i]!, after[j]!);
    if (order === 0) {
      kept.push(after[j]!);
      i += 1;
      j += 1;
    } else if (order < 0) removed.push(before[i++]!);
    else added.push(after[j++]!);
  }
  return { added, kept, removed };
}
