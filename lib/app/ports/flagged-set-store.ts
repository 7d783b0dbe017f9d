/** The flagged sets of runs (what `runs diff` and the run summary's diff compare). */
import type { FlaggedSet } from '../run-diff';

export interface FlaggedSetStore {
  /** Stores the run's flagged set, replacing one stored earlier for the run (a retried step). */
  putFlaggedSet(runId: string, flagged: FlaggedSet, now: number): Promise<void>;
  /** The run's flagged set; undefined when none is stored (an older run, a failed one, or expired). */
  getFlaggedSet(runId: string): Promise<FlaggedSet | undefined>;
}
