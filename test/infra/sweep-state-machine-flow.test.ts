/**
 * The sweep state machine's control flow: the synthesized definition run by aws-local-stepfunctions
 * with a scripted step handler (this tests the definition, not the steps; the steps bound to the
 * real handlers are tested with the sweep).
 */
import type { SweepStepEvent, SweepStepReport, SweepStepState } from '../../lib/contracts/sweep-steps';
import { runSweepMachine } from '../support/sweep-state-machine';

function stepState(overrides: Partial<SweepStepState> = {}): SweepStepState {
  return {
    runId: 'run-1',
    accountId: 'default',
    startedAtMs: 1_700_000_000_000,
    mode: 'enforce',
    trigger: 'schedule',
    status: 'running',
    listing: { done: false, chunks: 0, pages: 0, shares: 0, listMs: 0 },
    ...overrides,
  };
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

interface Script {
  /** The accounts the accounts step answers (default: just `default`). */
  accounts?: string[];
  /** What start answers (default: a running state). */
  start?: () => SweepStepState;
  /** Chunks before the listing is done (default 3). */
  chunks?: number;
  /** Throws instead of answering the n-th list call (1-based) when it returns an error. */
  listError?: (call: number) => Error | undefined;
  evaluate?: (state: SweepStepState) => SweepStepReport;
  abandon?: () => SweepStepReport;
}

/** A step handler that follows `script` and records every event it receives. */
function scriptedHandler(script: Script = {}): { events: SweepStepEvent[]; handler: (event: SweepStepEvent) => Promise<unknown> } {
  const events: SweepStepEvent[] = [];
  let listCalls = 0;
  const handler = async (event: SweepStepEvent): Promise<unknown> => {
    events.push(structuredClone(event));
    switch (event.step) {
      case 'accounts':
        return { accounts: (script.accounts ?? ['default']).map((accountId) => ({ accountId, dryRun: event.input.dryRun === true, trigger: event.input.trigger ?? 'manual' })) };
      case 'start':
        return script.start ? script.start() : stepState({ accountId: event.input.accountId ?? 'default', runId: `run-${event.input.accountId ?? 'default'}` });
      case 'list': {
        listCalls += 1;
        const error = script.listError?.(listCalls);
        if (error) throw error;
        const chunks = event.state.listing.chunks + 1;
        const listing = { done: chunks >= (script.chunks ?? 3), chunks, pages: chunks * 10, shares: chunks * 1_000, listMs: 0 };
        return { ...event.state, listing };
      }
      case 'evaluate':
        return script.evaluate ? script.evaluate(event.state) : { runId: event.state.runId, status: 'completed', counts: { cancelled: 7 } };
      case 'abandon':
        return script.abandon ? script.abandon() : { runId: event.state.runId, status: 'failed', reason: 'abandoned' };
    }
  };
  return { events, handler };
}

const stepsOf = (events: SweepStepEvent[]): string[] => events.map((event) => event.step);

describe('the sweep state machine, run locally with a scripted step handler', () => {
  it('starts, lists three chunks, evaluates and succeeds with the report', async () => {
    const { events, handler } = scriptedHandler();
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);

    expect(outcome).toMatchObject({ status: 'succeeded', output: { runId: 'run-1', status: 'completed', counts: { cancelled: 7 } } });
    expect(stepsOf(events)).toEqual(['start', 'list', 'list', 'list', 'evaluate']);
    expect(events[0]).toEqual({ step: 'start', input: { trigger: 'schedule' }, executionId: expect.stringMatching(/^arn:aws:states:.*:execution:SweepStateMachine:local-\d+$/), executionStartTime: expect.any(String) });
    // Each step gets exactly the state the step before it returned.
    expect(events.slice(1, 4).map((e) => (e as { state: SweepStepState }).state.listing.chunks)).toEqual([0, 1, 2]);
    expect(events[4]).toEqual({ step: 'evaluate', state: stepState({ listing: { done: true, chunks: 3, pages: 30, shares: 3_000, listMs: 0 } }) });
    expect(outcome.states).toEqual([
      'Start',
      'StartedOrSkipped',
      ...['ListChunk', 'ListingDone', 'ListChunk', 'ListingDone', 'ListChunk', 'ListingDone'],
      'Evaluate',
      'EvaluateOutcome',
      'Completed',
    ]);
  });

  it('hands a manual input to start as it came', async () => {
    const { events, handler } = scriptedHandler({ chunks: 1 });
    await runSweepMachine({ dryRun: true, trigger: 'manual' }, handler);
    expect(events[0]).toMatchObject({ step: 'start', input: { dryRun: true, trigger: 'manual' } });
  });

  it('ends at once, successfully, when start finds the lease taken (skipped)', async () => {
    const { events, handler } = scriptedHandler({ start: () => stepState({ status: 'skipped' }) });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome).toMatchObject({ status: 'succeeded', states: ['Start', 'StartedOrSkipped', 'Skipped'] });
    expect(stepsOf(events)).toEqual(['start']);
  });

  it('abandons with the last state and the error when a list step keeps failing, and the execution fails', async () => {
    // Chunk 1 lists; chunk 2 fails on its first try and on both retries.
    const { events, handler } = scriptedHandler({
      listError: (call) => (call >= 2 ? namedError('ListingShiftedError', 'the list moved in a way the checkpoint cannot reconcile') : undefined),
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);

    expect(stepsOf(events)).toEqual(['start', 'list', 'list', 'list', 'list', 'abandon']);
    const afterChunk1 = stepState({ listing: { done: false, chunks: 1, pages: 10, shares: 1_000, listMs: 0 } });
    expect(events[5]).toEqual({
      step: 'abandon',
      state: afterChunk1,
      error: { Error: 'ListingShiftedError', Cause: 'the list moved in a way the checkpoint cannot reconcile' },
    });
    expect(outcome).toMatchObject({ status: 'failed', error: 'ListingShiftedError' });
    expect(outcome.states.slice(-2)).toEqual(['Abandon', 'SweepAbandoned']);
  });

  it('retries a failed list step (re-listing a checkpointed chunk is idempotent) and goes on', async () => {
    const { events, handler } = scriptedHandler({ listError: (call) => (call === 2 ? namedError('TeraboxNetworkError', 'socket hang up') : undefined) });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome.status).toBe('succeeded');
    expect(stepsOf(events)).toEqual(['start', 'list', 'list', 'list', 'list', 'evaluate']);
    // The retry got the same state as the failed try.
    expect(events[2]).toEqual(events[3]);
  });

  it('fails the execution, with the reason as its cause, when evaluate records the run failed', async () => {
    const { events, handler } = scriptedHandler({
      evaluate: (state) => ({ runId: state.runId, status: 'failed', reason: 'guardrail tripped: 40% of shares would be cancelled' }),
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: 'guardrail tripped: 40% of shares would be cancelled' });
    expect(stepsOf(events)).not.toContain('abandon');
  });

  it('fails the execution when evaluate records the run failed without a reason', async () => {
    const { handler } = scriptedHandler({ evaluate: (state) => ({ runId: state.runId, status: 'failed' }) });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: expect.stringMatching(/no reason/) });
  });

  it('abandons without retrying evaluate when evaluate throws', async () => {
    const { events, handler } = scriptedHandler({
      chunks: 1,
      evaluate: () => {
        throw namedError('StagingReadError', 'a staged page is missing');
      },
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(stepsOf(events)).toEqual(['start', 'list', 'evaluate', 'abandon']);
    expect(events[3]).toMatchObject({
      state: { listing: { done: true, chunks: 1 } },
      error: { Error: 'StagingReadError', Cause: 'a staged page is missing' },
    });
    expect(outcome).toMatchObject({ status: 'failed', error: 'StagingReadError' });
  });

  it('fails at once, without abandon or a retry, when start throws', async () => {
    const { events, handler } = scriptedHandler({
      start: () => {
        throw namedError('LeaseStoreError', 'the runs table did not answer');
      },
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(stepsOf(events)).toEqual(['start']);
    expect(outcome).toMatchObject({ status: 'failed', error: 'LeaseStoreError', states: ['Start'] });
  });

  it('fails the execution with the error of abandon when abandon itself fails', async () => {
    const { events, handler } = scriptedHandler({
      chunks: 1,
      evaluate: () => {
        throw namedError('PlanError', 'boom');
      },
      abandon: () => {
        throw namedError('RunsTableError', 'could not record the run failed');
      },
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(stepsOf(events)).toEqual(['start', 'list', 'evaluate', 'abandon']);
    expect(outcome).toMatchObject({ status: 'failed', error: 'RunsTableError' });
  });

  it.each([
    ['Lambda.ServiceException', 'start'],
    ['Lambda.TooManyRequestsException', 'start'],
    ['Lambda.SdkClientException', 'evaluate'],
  ] as const)('retries %s on %s (the Lambda service, not the handler, failed)', async (errorName, failingStep) => {
    const failed = new Set<string>();
    const { events, handler } = scriptedHandler({ chunks: 1 });
    const flaky = async (event: SweepStepEvent): Promise<unknown> => {
      if (event.step === failingStep && !failed.has(failingStep)) {
        failed.add(failingStep);
        throw namedError(errorName, 'Rate exceeded');
      }
      return handler(event);
    };
    const outcome = await runSweepMachine({ trigger: 'schedule' }, flaky);
    expect(outcome.status).toBe('succeeded');
    expect(stepsOf(events)).toEqual(['start', 'list', 'evaluate']);
  });
});
