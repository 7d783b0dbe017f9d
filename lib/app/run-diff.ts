/**
 * What changed between two runs' flagged sets: per policy, the shares newly flagged, still
 * flagged and no longer flagged. `runs diff`, the run summary, the SweepCompleted event and the
 * HTML report all read this one shape.
 */
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
