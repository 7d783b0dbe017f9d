import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { abandonReason } from '../../../functions/sweep-shares/event';
import { createSweepHandler, handler, SweepEventError } from '../../../functions/sweep-shares/handler';
import { ConfigError, loadSweepConfig } from '../../../lib/config/env';
import { localLambdaContext } from '../../../lib/messages/in-memory-queue';
import { aScheduledSweepEvent } from '../../factories/sweep-events';

const ENV = {
  POLICIES_TABLE: 'tsl-Policies',
  SHARES_TABLE: 'tsl-ShareRecords',
  INVENTORY_TABLE: 'tsl-Inventory',
  RUNS_TABLE: 'tsl-Runs',
  TERABOX_SECRET_ID: 'terabox/ndus',
  CANCEL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/cancel',
  EVENT_BUS_NAME: 'share-lifecycle',
  GLOBAL_DRY_RUN: 'false',
};

describe('sweep-shares handler (event parsing)', () => {
  const credentials = { get: jest.fn(), invalidate: jest.fn() };
  const sweep = createSweepHandler({
    config: loadSweepConfig(ENV),
    overrides: {
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'TeraboxShareLifecycle', serviceName: 'sweep-shares' }),
      credentials,
      // An empty registry: only the deployment's account is served.
      stores: { accounts: { list: async () => ({ accounts: [], invalid: [] }), get: jest.fn(), add: jest.fn(), setEnabled: jest.fn(), remove: jest.fn() } },
    },
  });

  it.each([
    ['a misspelt dry-run switch', { dryrun: true }, 'unknown field(s) "dryrun"'],
    ['a dry-run switch given as text', { dryRun: 'true' }, 'dryRun: must be true or false (a JSON boolean)'],
    ['an event that is not an object', ['dryRun'], 'event: '],
    ['a trigger with spaces', { trigger: 'by hand' }, 'trigger: '],
    ['a direct sweep of an account not served', { dryRun: true, accountId: 'someone-else' }, 'account "someone-else" is not served by this deployment: it is not in the account registry'],
  ])('refuses %s before doing anything', async (_label, event, problem) => {
    const error = await sweep(event as never, localLambdaContext('sweep-shares')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SweepEventError);
    expect((error as Error).message).toContain(problem);
    expect((error as Error).message).toMatch(/; nothing was done$/);
    expect(credentials.get).not.toHaveBeenCalled();
  });

  const state = { runId: 'r1', accountId: 'default', startedAtMs: 1, mode: 'enforce', trigger: 'schedule', status: 'running', listing: { done: false, chunks: 0, pages: 0, shares: 0, listMs: 0 } };
  it.each([
    ['an unknown step', { step: 'cancel-everything', state }, 'step: '],
    ['a list step without its state', { step: 'list' }, 'state: '],
    ['a state with a mode it does not know', { step: 'evaluate', state: { ...state, mode: 'yolo' } }, 'state.mode: '],
    ['a start step with a misspelt dry-run switch', { step: 'start', input: { dryrun: true } }, 'input: '],
    ['a step with a field too many', { step: 'list', state, extra: 1 }, 'event: '],
    ['a start for another account', { step: 'start', input: { accountId: 'someone-else' } }, 'account "someone-else" is not served by this deployment: it is not in the account registry'],
    ['a start whose execution start time is not a time', { step: 'start', input: {}, executionId: 'arn:x', executionStartTime: 'yesterday' }, 'executionStartTime: must be an ISO 8601 time'],
  ])('refuses %s of the state machine before doing anything', async (_label, event, problem) => {
    const error = await sweep(event as never, localLambdaContext('sweep-shares')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SweepEventError);
    expect((error as Error).message).toContain(problem);
    expect((error as Error).message).toMatch(/; nothing was done$/);
    expect(credentials.get).not.toHaveBeenCalled();
  });

  it.each([
    [{ Error: 'SweepPhaseError', Cause: JSON.stringify({ errorType: 'SweepPhaseError', errorMessage: 'the share listing did not finish' }) }, 'SweepPhaseError: the share listing did not finish'],
    [{ Error: 'States.Timeout', Cause: 'Task timed out' }, 'States.Timeout: Task timed out'],
    [{ Error: 'Lambda.Unknown' }, 'a step of the sweep failed (Lambda.Unknown)'],
    [undefined, 'a step of the sweep failed'],
  ])('reads the reason of a failed step from the state machine error %j', (error, reason) => {
    expect(abandonReason(error)).toBe(reason);
  });

  it("fails the exported handler's invocation with every missing setting when the environment is incomplete", async () => {
    // (lazyHandler throws synchronously when the factory fails; Lambda fails the invocation either way.)
    const error = await Promise.resolve()
      .then(() => handler(aScheduledSweepEvent(Date.UTC(2026, 4, 1)), localLambdaContext('sweep-shares')))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining(['POLICIES_TABLE is missing or empty', 'RUNS_TABLE is missing or empty', 'CANCEL_QUEUE_URL is missing or empty']),
    );
  });
});
