/**
 * The wire contract between the sweep state machine (Step Functions) and the sweep Lambda: one
 * event per step, and the state each step hands to the next. JSON only.
 *
 * The machine: accounts (the accounts to sweep) -> for each account, one at a time: start ->
 * (skipped? done) -> list (again while `listing.done` is false) -> evaluate -> done. Any error after
 * start goes to abandon (the run is recorded failed, the lease released, nothing cancelled), and
 * that account's result is `failed`; the execution fails after every account was swept when any
 * account's result is `failed`.
 */

/** What starts an execution: the schedule sends `{}` (or `{ "trigger": "schedule" }`), a person `{ "dryRun": true }`. */
export interface SweepExecutionInput {
  dryRun?: boolean;
  trigger?: string;
  /** Sweep only this account (refused when unknown or disabled). Absent: every enabled account. */
  accountId?: string;
}

/** One account the execution sweeps: the input of its Map iteration (and of its start step). */
export interface SweepAccountItem {
  accountId: string;
  dryRun: boolean;
  trigger: string;
}

/** What the accounts step answers: the accounts to sweep, sorted by id. */
export interface SweepAccountList {
  accounts: SweepAccountItem[];
}

/** How one account's sweep ended (a Map iteration's output). */
export interface SweepAccountResult {
  accountId: string;
  status: 'completed' | 'skipped' | 'failed';
  runId?: string;
  reason?: string;
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
  | { step: 'accounts'; input: SweepExecutionInput }
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
