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


function isDistinctSorted(ids: readonly ShareId[]): boolean {
  for (let k = 1; k < ids.length; k += 1) if (compareShareIds(ids[k - 1]!, ids[k]!) >= 0) return false;
  return true;
}

/** The distinct ids of several lists, sorted. */
function distinctSorted(lists: readonly (readonly ShareId[])[]): readonly ShareId[] {
  if (lists.length === 1 && isDistinctSorted(lists[0]!)) return lists[0]!;
  const all = lists.flat().sort(compareShareIds);
  return all.filter((id, k) => k === 0 || id !== all[k - 1]);
}

type Side = 'added' | 'kept' | 'removed';

/** Two lists sorted by share id (each id once), merged: each id with whether only the second list has it, both, or only the first. */
function mergeSorted(before: readonly ShareId[], after: readonly ShareId[], visit: (side: Side, id: ShareId) => void): void {
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const order = i >= before.length ? 1 : j >= after.length ? -1 : compareShareIds(before[i]!, after[j]!);
    if (order === 0) {
      visit('kept', after[j]!);
      i += 1;
      j += 1;
    } else if (order < 0) visit('removed', before[i++]!);
    else visit('added', after[j++]!);
  }
}

function compareSets(before: readonly ShareId[], after: readonly ShareId[]): { added: ShareId[]; kept: ShareId[]; removed: ShareId[] } {
  const out = { added: [] as ShareId[], kept: [] as ShareId[], removed: [] as ShareId[] };
  mergeSorted(before, after, (side, id) => out[side].push(id));
  return out;
}

function countSets(before: readonly ShareId[], after: readonly ShareId[]): DiffCounts {
  const counts = { added: 0, kept: 0, removed: 0 };
  mergeSorted(before, after, (side) => (counts[side] += 1));
  return { new: counts.added, still: counts.kept, resolved: counts.removed };
}

/** The counts of `computeRunDiff(older, newer)`, without building its lists (a run can flag a million shares). */
export function countRunDiff(older: { runId: string; flagged: FlaggedSet } | undefined, newer: { runId: string; flagged: FlaggedSet }): RunDiffCounts {
  const before = older?.flagged ?? {};
  const after = newer.flagged;
  const perPolicy: Record<string, DiffCounts> = {};
  for (const policyId of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const c = countSets(distinctSorted([before[policyId] ?? []]), distinctSorted([after[policyId] ?? []]));
    if (c.new + c.still + c.resolved > 0) perPolicy[policyId] = c;
  }
  const totals = countSets(distinctSorted(Object.values(before)), distinctSorted(Object.values(after)));
  return { ...(older !== undefined ? { fromRunId: older.runId } : {}), totals, perPolicy };
}
