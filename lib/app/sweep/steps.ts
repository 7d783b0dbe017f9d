/**
 * The sweep as steps a state machine drives across invocations (lib/contracts/sweep-steps.ts):
 * start (lease, run record), list (one chunk; again until the list has ended), evaluate (the
 * policies over the staged listing, the actions, the summary, the lease released), and abandon
 * (a step failed: the run is recorded failed, nothing is cancelled, the lease is released).
 * `runSweep` runs the same steps in one process.
 */
import type { SweepStepState } from '../../contracts/sweep-steps';
import { SweepContext } from './context';
import { lastPageOf, listChunk } from './listing';
import { SweepRun } from './run';
import type { RunSummary, SweepCheckpoint } from '../store-ports';
import { SweepPhaseError, type SweepDeps, type SweepPhase, type SweepRequest, type SweepResult } from './types';

/** What a step takes beyond the state: the trigger and mode of a new run, the deadline of an invocation. */
export type StepRequest = Pick<SweepRequest, 'trigger' | 'dryRun' | 'execution' | 'shouldStop' | 'signal' | 'onProgress'>;

function resumed(deps: SweepDeps, state: SweepStepState, extra: Pick<SweepRequest, 'shouldStop' | 'signal'> = {}): SweepRun {
  const request: SweepRequest = { trigger: state.trigger, dryRun: state.mode === 'dry-run', run: { runId: state.runId, startedAtMs: state.startedAtMs }, ...extra };
  return new SweepRun(new SweepContext(deps, request)).resume();
}

/** Takes the lease and records the run; `skipped` (recorded too) when another run holds the lease. */
export async function startSweepStep(deps: SweepDeps, request: StepRequest): Promise<SweepStepState> {
  const run = new SweepRun(new SweepContext(deps, request));
  const { result } = run.ctx;
  let acquired: boolean;
  try {
    acquired = await run.start();
  } catch (error) {
    await run.releaseLease();
    throw error;
  }
  if (!acquired) await run.skip();
  return {
    runId: result.runId,
    accountId: result.accountId,
    startedAtMs: result.startedAtMs,
    mode: result.mode,
    trigger: result.trigger,
    status: acquired ? 'running' : 'skipped',
    listing: { done: false, chunks: 0, pages: 0, shares: 0, listMs: 0 },
  };
}

/** Lists one chunk and saves the checkpoint; throws (a SweepPhaseError) when the listing cannot go on. */
export async function listSweepStep(deps: SweepDeps, state: SweepStepState, request: Pick<SweepRequest, 'shouldStop' | 'signal'> = {}): Promise<SweepStepState> {
  const { ctx } = resumed(deps, state, request);
  const started = ctx.timer();
  const checkpoint = await listChunk(ctx);
  return {
    ...state,
    listing: {
      done: checkpoint.cursor.ended,
      chunks: checkpoint.chunks,
      pages: lastPageOf(checkpoint),
      shares: checkpoint.shares,
      listMs: Math.round(state.listing.listMs + ctx.timer() - started),
    },
  };
}

/**
 * Evaluates the staged listing and acts on it, then records the run and releases the lease. Never
 * throws for a failed run. A run already recorded as ended (a retried evaluate step: the first
 * attempt's answer was lost) is reported as recorded, and nothing is done again.
 */
export async function evaluateSweepStep(deps: SweepDeps, state: SweepStepState): Promise<SweepResult> {
  const run = resumed(deps, state);
  const { ctx } = run;
  const t0 = ctx.timer();
  ctx.result.timings.list = state.listing.listMs;
  try {
    const recorded = await deps.runs.getRun(state.runId);
    if (recorded !== undefined && recorded.status !== 'running') return endedEarlier(ctx.result, recorded);
    let checkpoint: SweepCheckpoint | undefined;
    try {
      checkpoint = await ctx.staging.getCheckpoint(state.accountId, state.runId);
    } catch (error) {
      throw new SweepPhaseError('list', `could not read the listing checkpoint: ${ctx.describe(error)}; nothing was cancelled`, { cause: error });
    }
    if (!checkpoint?.cursor.ended) {
      throw new SweepPhaseError('list', `the listing of run ${state.runId} has not ended (${checkpoint ? `${checkpoint.chunks} chunk(s) staged` : 'no checkpoint'}); nothing was cancelled`);
    }
    await run.evaluate(checkpoint);
  } catch (error) {
    run.fail(error);
  }
  return run.end(t0);
}

function endedEarlier(result: SweepResult, recorded: RunSummary): SweepResult {
  result.status = recorded.status === 'running' || recorded.status === 'completed' ? 'completed' : recorded.status;
  if (recorded.reason !== undefined) result.reason = recorded.reason;
  result.counts = { ...recorded.counts };
  if (recorded.finishedAtMs !== undefined) result.finishedAtMs = recorded.finishedAtMs;
  return result;
}

/** A step failed for good: the run is recorded failed with the reason, and its lease released. */
export async function abandonSweepStep(deps: SweepDeps, state: SweepStepState, failure: { phase?: SweepPhase; reason: string }): Promise<SweepResult> {
  const run = resumed(deps, state);
  const t0 = run.ctx.timer();
  run.ctx.result.timings.list = state.listing.listMs;
  run.ctx.result.inventory.pages = state.listing.pages;
  const reason = failure.reason.includes('nothing was cancelled') ? failure.reason : `${failure.reason}; nothing was cancelled`;
  run.fail(new SweepPhaseError(failure.phase ?? 'list', reason));
  return run.end(t0);
}
