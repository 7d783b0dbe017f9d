/**
 * The run's flagged set, stored for `runs diff`, and its diff against the previous completed
 * run, whose counts go into the run summary and the SweepCompleted event. Bookkeeping: a failure
 * is a run error, never a reason to fail the run or to hold a cancel back.
 */
import { countRunDiff, type FlaggedSet } from '../run-diff';
import type { SweepContext } from './context';

/** How many recent runs are searched for the previous completed one. */
const PREVIOUS_RUN_SEARCH = 50;

export async function recordFlagged(ctx: SweepContext, flagged: FlaggedSet, now: number): Promise<void> {
  const { deps, result } = ctx;
  const diffs = deps.diffs;
  if (diffs === undefined) return;
  try {
    await diffs.flaggedSets.putFlaggedSet(result.runId, flagged, now);
  } catch (error) {
    ctx.addError(`could not store the flagged set: ${ctx.describe(error)}; later runs cannot be compared with this one`);
    return;
  }
  try {
    const previous = (await diffs.runs.listRuns({ limit: PREVIOUS_RUN_SEARCH, newestFirst: true })).find(
      (r) => r.status === 'completed' && r.runId !== result.runId && r.startedAtMs <= result.startedAtMs,
    );
    if (previous === undefined) {
      result.diff = countRunDiff(undefined, { runId: result.runId, flagged });
      return;
    }
    const older = await diffs.flaggedSets.getFlaggedSet(previous.runId);
    if (older === undefined) {
      // A run from before the flagged sets were stored (or whose set expired): nothing to compare with, and no guess.
      deps.logger?.info('no diff: the previous completed run has no stored flagged set', { runId: result.runId, previousRunId: previous.runId });
      return;
    }
    result.diff = countRunDiff({ runId: previous.runId, flagged: older }, { runId: result.runId, flagged });
  } catch (error) {
    ctx.addError(`could not compare the flagged set with the previous run's: ${ctx.describe(error)}`);
  }
}
