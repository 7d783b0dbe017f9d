/**
 * The sweep state machine's control flow: the synthesized definition run by aws-local-stepfunctions
 * with a scripted step handler (this tests the definition, not the steps; the steps bound to the
 * real handlers are tested with the sweep). One account unless a test says otherwise: the Map over
 * the accounts runs today's chain once.
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
  listError?: (call: number, state: SweepStepState) => Error | undefined;
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
        const error = script.listError?.(listCalls, event.state);
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
/** The steps after the accounts step (one account). */
const accountSteps = (events: SweepStepEvent[]): string[] => stepsOf(events).slice(1);
const MAP_ENTRY = ['ListAccounts', 'AnyAccount', 'SweepAccounts'];
const SUMMARY_OK = ['Summary', 'AnyAccountFailed', 'Completed'];
const SUMMARY_FAILED = ['Summary', 'AnyAccountFailed', 'SweepFailedCause', 'SweepFailed'];

describe('the sweep state machine, run locally with a scripted step handler', () => {
  it('lists the accounts, then starts, lists three chunks, evaluates and succeeds with the account results', async () => {
    const { events, handler } = scriptedHandler();
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);

    expect(outcome).toMatchObject({ status: 'succeeded', output: { accounts: [{ accountId: 'default', status: 'completed', runId: 'run-default' }], anyFailed: false } });
    expect(stepsOf(events)).toEqual(['accounts', 'start', 'list', 'list', 'list', 'evaluate']);
    expect(events[0]).toEqual({ step: 'accounts', input: { trigger: 'schedule' } });
    expect(events[1]).toEqual({
      step: 'start',
      input: { accountId: 'default', dryRun: false, trigger: 'schedule' },
      executionId: expect.stringMatching(/^arn:aws:states:.*:execution:SweepStateMachine:local-\d+\/account\/default$/),
      executionStartTime: expect.any(String),
    });
    // Each step gets exactly the state the step before it returned.
    expect(events.slice(2, 5).map((e) => (e as { state: SweepStepState }).state.listing.chunks)).toEqual([0, 1, 2]);
    expect(events[5]).toEqual({ step: 'evaluate', state: stepState({ runId: 'run-default', listing: { done: true, chunks: 3, pages: 30, shares: 3_000, listMs: 0 } }) });
    expect(outcome.states).toEqual([
      ...MAP_ENTRY,
      'Start',
      'StartedOrSkipped',
      ...['ListChunk', 'ListingDone', 'ListChunk', 'ListingDone', 'ListChunk', 'ListingDone'],
      'Evaluate',
      'EvaluateOutcome',
      'AccountCompleted',
      ...SUMMARY_OK,
    ]);
  });

  it('hands a manual input to the accounts step as it came, and each account its dryRun and trigger', async () => {
    const { events, handler } = scriptedHandler({ chunks: 1 });
    await runSweepMachine({ dryRun: true, trigger: 'manual' }, handler);
    expect(events[0]).toEqual({ step: 'accounts', input: { dryRun: true, trigger: 'manual' } });
    expect(events[1]).toMatchObject({ step: 'start', input: { accountId: 'default', dryRun: true, trigger: 'manual' } });
  });

  it('ends the account at once, as skipped, when start finds the lease taken; the execution succeeds', async () => {
    const { events, handler } = scriptedHandler({ start: () => stepState({ status: 'skipped' }) });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome).toMatchObject({ status: 'succeeded', states: [...MAP_ENTRY, 'Start', 'StartedOrSkipped', 'AccountSkipped', ...SUMMARY_OK] });
    expect(outcome).toMatchObject({ output: { accounts: [{ accountId: 'default', status: 'skipped', runId: 'run-1' }] } });
    expect(accountSteps(events)).toEqual(['start']);
  });

  it('abandons with the last state and the error when a list step keeps failing, and the execution fails naming the account', async () => {
    // Chunk 1 lists; chunk 2 fails on its first try and on both retries.
    const { events, handler } = scriptedHandler({
      listError: (call) => (call >= 2 ? namedError('ListingShiftedError', 'the list moved in a way the checkpoint cannot reconcile') : undefined),
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);

    expect(accountSteps(events)).toEqual(['start', 'list', 'list', 'list', 'list', 'abandon']);
    const afterChunk1 = stepState({ runId: 'run-default', listing: { done: false, chunks: 1, pages: 10, shares: 1_000, listMs: 0 } });
    expect(events[6]).toEqual({
      step: 'abandon',
      state: afterChunk1,
      error: { Error: 'ListingShiftedError', Cause: 'the list moved in a way the checkpoint cannot reconcile' },
    });
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: expect.stringMatching(/^The sweep failed for the account\(s\) \["default"\].*ListingShiftedError/) });
    expect(outcome.states.slice(-6)).toEqual(['Abandon', 'AccountAbandoned', ...SUMMARY_FAILED]);
  });

  it('retries a failed list step (re-listing a checkpointed chunk is idempotent) and goes on', async () => {
    const { events, handler } = scriptedHandler({ listError: (call) => (call === 2 ? namedError('TeraboxNetworkError', 'socket hang up') : undefined) });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome.status).toBe('succeeded');
    expect(accountSteps(events)).toEqual(['start', 'list', 'list', 'list', 'list', 'evaluate']);
    // The retry got the same state as the failed try.
    expect(events[3]).toEqual(events[4]);
  });

  it('fails the execution, the reason in its cause, when evaluate records the run failed', async () => {
    const { events, handler } = scriptedHandler({
      evaluate: (state) => ({ runId: state.runId, status: 'failed', reason: 'guardrail tripped: 40% of shares would be cancelled' }),
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: expect.stringContaining('"reason":"guardrail tripped: 40% of shares would be cancelled"') });
    expect(outcome.states).toContain('AccountFailed');
    expect(stepsOf(events)).not.toContain('abandon');
  });

  it('fails the execution when evaluate records the run failed without a reason', async () => {
    const { handler } = scriptedHandler({ evaluate: (state) => ({ runId: state.runId, status: 'failed' }) });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: expect.stringMatching(/no reason/) });
    expect(outcome.states).toContain('AccountFailedWithoutReason');
  });

  it('abandons without retrying evaluate when evaluate throws', async () => {
    const { events, handler } = scriptedHandler({
      chunks: 1,
      evaluate: () => {
        throw namedError('StagingReadError', 'a staged page is missing');
      },
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(accountSteps(events)).toEqual(['start', 'list', 'evaluate', 'abandon']);
    expect(events[4]).toMatchObject({
      state: { listing: { done: true, chunks: 1 } },
      error: { Error: 'StagingReadError', Cause: 'a staged page is missing' },
    });
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: expect.stringContaining('StagingReadError') });
  });

  it('fails the account, without abandon or a retry, when start throws; the execution fails naming it', async () => {
    const { events, handler } = scriptedHandler({
      start: () => {
        throw namedError('LeaseStoreError', 'the runs table did not answer');
      },
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(accountSteps(events)).toEqual(['start']);
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', states: [...MAP_ENTRY, 'Start', 'AccountStartFailed', ...SUMMARY_FAILED] });
    expect(outcome).toMatchObject({ cause: expect.stringContaining('"reason":"LeaseStoreError: the sweep of this account did not start; nothing was done"') });
  });

  it('fails the execution, the first error in its cause, when abandon itself fails', async () => {
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
    expect(accountSteps(events)).toEqual(['start', 'list', 'evaluate', 'abandon']);
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: expect.stringContaining('PlanError') });
  });

  it('fails at once, sweeping nothing, when the accounts step throws', async () => {
    const { events, handler } = scriptedHandler({ accounts: ['default'] });
    const failing = async (event: SweepStepEvent): Promise<unknown> => {
      if (event.step === 'accounts') throw namedError('SweepEventError', 'account "nope" is not registered; nothing was swept');
      return handler(event);
    };
    const outcome = await runSweepMachine({ accountId: 'nope' }, failing);
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepEventError', states: ['ListAccounts'] });
    expect(events).toEqual([]);
  });

  it.each([
    ['Lambda.ServiceException', 'start'],
    ['Lambda.TooManyRequestsException', 'start'],
    ['Lambda.TooManyRequestsException', 'accounts'],
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
    expect(stepsOf(events)).toEqual(['accounts', 'start', 'list', 'evaluate']);
  });
});

describe('the sweep state machine over two accounts', () => {
  const abandonedState = (events: SweepStepEvent[], accountId: string) =>
    events.filter((e): e is Extract<SweepStepEvent, { step: 'abandon' }> => e.step === 'abandon' && e.state.accountId === accountId);

  it('sweeps each account in turn with its own run, and succeeds when both complete', async () => {
    const { events, handler } = scriptedHandler({ accounts: ['a', 'b'], chunks: 2 });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);

    expect(outcome).toMatchObject({
      status: 'succeeded',
      output: { accounts: [{ accountId: 'a', status: 'completed', runId: 'run-a' }, { accountId: 'b', status: 'completed', runId: 'run-b' }], anyFailed: false },
    });
    // One account at a time: every step of a comes before the first of b.
    const accountOf = (e: SweepStepEvent): string => (e.step === 'start' ? e.input.accountId! : e.step === 'accounts' ? '-' : e.state.accountId);
    expect(events.map((e) => `${e.step}:${accountOf(e)}`)).toEqual(['accounts:-', 'start:a', 'list:a', 'list:a', 'evaluate:a', 'start:b', 'list:b', 'list:b', 'evaluate:b']);
    const starts = events.filter((e): e is Extract<SweepStepEvent, { step: 'start' }> => e.step === 'start');
    // The run id is derived from the execution and the account: two accounts, two runs.
    expect(new Set(starts.map((e) => e.executionId)).size).toBe(2);
    expect(starts.map((e) => e.executionId)).toEqual([expect.stringMatching(/\/account\/a$/), expect.stringMatching(/\/account\/b$/)]);
  });

  it('when the listing of b keeps failing: a completes, b is abandoned with its state, and the execution fails naming b only', async () => {
    const { events, handler } = scriptedHandler({
      accounts: ['a', 'b'],
      listError: (_, state) => (state.accountId === 'b' ? namedError('TeraboxAuthError', 'the session expired (errno -6)') : undefined),
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);

    expect(abandonedState(events, 'a')).toEqual([]);
    expect(abandonedState(events, 'b')).toEqual([
      { step: 'abandon', state: stepState({ accountId: 'b', runId: 'run-b' }), error: { Error: 'TeraboxAuthError', Cause: 'the session expired (errno -6)' } },
    ]);
    expect(events.filter((e) => e.step === 'evaluate').map((e) => (e as { state: SweepStepState }).state.accountId)).toEqual(['a']);
    expect(outcome).toMatchObject({ status: 'failed', error: 'SweepFailed', cause: expect.stringMatching(/^The sweep failed for the account\(s\) \["b"\]; every other account was swept/) });
    const cause = outcome.status === 'failed' ? outcome.cause! : '';
    expect(cause).not.toContain('"accountId":"a"');
    expect(outcome.states).toEqual(expect.arrayContaining(['AccountCompleted', 'AccountAbandoned']));
  });

  it('a failing first account does not stop the second', async () => {
    const { events, handler } = scriptedHandler({
      accounts: ['a', 'b'],
      listError: (_, state) => (state.accountId === 'a' ? namedError('TeraboxAuthError', 'expired') : undefined),
    });
    const outcome = await runSweepMachine({ trigger: 'schedule' }, handler);
    expect(events.filter((e) => e.step === 'evaluate').map((e) => (e as { state: SweepStepState }).state.accountId)).toEqual(['b']);
    expect(outcome).toMatchObject({ status: 'failed', cause: expect.stringMatching(/account\(s\) \["a"\]/) });
  });
});
