/**
 * The wire contract between the sweep state machine (Step Functions) and the sweep Lambda: one
 * event per step, and the state each step hands to the next. JSON only.
 *
 * The machine: start -> (skipped? end) -> list (again while `listing.done` is false) -> evaluate
 * -> end. Any error after start goes to abandon (the run is recorded failed, the lease released,
 * nothing cancelled), then the execution fails.
 */

/** What starts an execution: the schedule sends `{}` (or `{ "trigger": "schedule" }`), a person `{ "dryRun": true }`. */
export interface SweepExecutionInput {
  dryRun?: boolean;
  trigger?: string;
  /** Later: one execution per account in a Map state. Absent = the deployment's account. */
  accountId?: string;
}

/** The state carried from step to step. */
export interface SweepStepState {
  runId: string;
  accountId: string;
  startedAtMs: number;
  mode: 'enforce' | 'dry-run';
  /** `schedule`, `manual`... (recorded with the run). */
  trigger: string;
  /** `skipped`: another run holds the lease; this execution ends at once. */
  status: 'running' | 'skipped';
  listing: {
    /** The listing has ended: the next step is evaluate. */
    done: boolean;
    chunks: number;
    pages: number;
    shares: number;
    /** Time spent listing so far, ms (the run summary's `list` timing). */
    listMs: number;
  };
}

export type SweepStepEvent =
  | {
      step: 'start';
      input: SweepExecutionInput;
      /**
       * The execution (its context object's `Id` and `StartTime`, ISO 8601): the run id is derived
       * from them, so that a Start retried after its answer was lost names the same run and goes on with it.
       */
      executionId?: string;
      executionStartTime?: string;
    }
  | { step: 'list'; state: SweepStepState }
  | { step: 'evaluate'; state: SweepStepState }
  | { step: 'abandon'; state: SweepStepState; error?: { Error?: string; Cause?: string } };

/** What evaluate and abandon return: the run as recorded (the execution fails when `status` is `failed`). */
export interface SweepStepReport {
  runId: string;
  status: 'completed' | 'failed';
  reason?: string;
  counts?: Record<string, number>;
}
