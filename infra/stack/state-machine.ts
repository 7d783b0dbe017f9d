/**
 * The sweep state machine: it drives the sweep Lambda through the steps of
 * lib/contracts/sweep-steps.ts, one invocation per step, so that a sweep can list for longer than
 * one Lambda may run, for every account the deployment serves, one account at a time.
 *
 *   ListAccounts ─> SweepAccounts (Map over $.accounts, MaxConcurrency 1), per account:
 *       Start ─> StartedOrSkipped ─ skipped ─> AccountSkipped
 *         └─> ListChunk ─> ListingDone ─ not done ─> ListChunk (again)
 *                            └─ done ─> Evaluate ─> EvaluateOutcome ─ failed ─> AccountFailed(WithoutReason)
 *                                                     └─> AccountCompleted
 *       Any error of ListChunk or Evaluate (after their retries) ─> Abandon ─> AccountAbandoned
 *       An error of Start (after its retries) ─> AccountStartFailed (nothing to abandon)
 *   ListAccounts ─> AnyAccount ─ none ─> NoAccounts (succeed)
 *   SweepAccounts ─> Summary ─> AnyAccountFailed ─ yes ─> SweepFailedCause ─> SweepFailed (fail, naming the accounts)
 *                                 └─> Completed (succeed)
 *
 * An inline Map fails as a whole when one iteration fails, so an iteration never fails: it ends
 * with its account's result (SweepAccountResult: `{ accountId, status, runId?, reason? }`), and
 * the execution fails only after every account was swept. One account's expired cookie never
 * stops the others. An error of ListAccounts fails the execution at once (nothing was started).
 *
 * The state's JSON between the steps of one account (kept small: each task's result replaces it):
 *   iteration input          SweepAccountItem, e.g. {"accountId":"brand","dryRun":false,"trigger":"schedule"}
 *   after Start, ListChunk   { "state": SweepStepState }
 *   after a caught error     { "state": SweepStepState, "error": { "Error": "...", "Cause": "..." } }
 *   after Evaluate           { "state": SweepStepState, "report": SweepStepReport }
 * A Catch writes only `$.error`, so Abandon gets the last state that a step returned and the error.
 * The execution's output: `{ "accounts": SweepAccountResult[], "anyFailed": false }`.
 *
 * Loop guards: the execution timeout (SWEEP_EXECUTION_TIMEOUT) and the handler's own chunk cap.
 * A STANDARD execution keeps at most 25,000 history events for all its accounts, about 8 per
 * chunk, so the chunks of all accounts together must stay well under 3,000.
 */
import { Duration, RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  JitterType,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  type IChainable,
  type RetryProps,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, type LambdaInvokeProps } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { StackConfig } from '../config';
import { SWEEP_EXECUTION_TIMEOUT, SWEEP_TIMEOUT } from './names';

/** Errors of the Lambda service itself (the handler never ran, or its answer was lost): always worth a retry. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

const SERVICE_ERROR_RETRY: RetryProps = {
  errors: [...LAMBDA_SERVICE_ERRORS],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 6,
};

// The sweep has reserved concurrency 1: while one execution's chunk runs, a second execution's
// Start is throttled. Waiting (at most about 25 minutes in all) lets it run and end as skipped instead
// of failing the execution.
const THROTTLE_RETRY: RetryProps = {
  errors: ['Lambda.TooManyRequestsException'],
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 10,
  maxDelay: Duration.minutes(5),
  jitterStrategy: JitterType.FULL,
};

// Re-listing the checkpointed pages is idempotent, so a chunk that failed (a TeraBox hiccup, a
// Lambda timeout) may run again. Start and Evaluate are retried only for the service errors
// above (a Start retried names the same run, from the execution; an Evaluate retried after its
// run ended reports it), never for the handler's own errors: an evaluate that failed half-way
// may have acted on part of its plan.
const CHUNK_RETRY: RetryProps = {
  errors: [Errors.TASKS_FAILED],
  interval: Duration.seconds(10),
  backoffRate: 2,
  maxAttempts: 2,
};

/** A sweep step: the sweep Lambda invoked with `payload`; its answer is the task's result. */
function sweepStep(scope: Construct, id: string, sweep: IFunction, props: Pick<LambdaInvokeProps, 'payload' | 'resultSelector' | 'resultPath'>): LambdaInvoke {
  const task = new LambdaInvoke(scope, id, {
    lambdaFunction: sweep,
    payloadResponseOnly: true,
    // Our own service-error retriers below, the same on every step (CDK's default lacks throttling).
    retryOnServiceExceptions: false,
    // The function's own timeout ends an invocation first; this only bounds a hung invoke.
    taskTimeout: Timeout.duration(SWEEP_TIMEOUT.plus(Duration.minutes(1))),
    ...props,
  });
  task.addRetry(SERVICE_ERROR_RETRY);
  task.addRetry(THROTTLE_RETRY);
  return task;
}

/** The result of one account's iteration (a Pass state): `fields` are JSON paths or constants. */
function accountResult(scope: Construct, id: string, status: 'completed' | 'skipped' | 'failed', fields: Record<string, string>): Pass {
  return new Pass(scope, id, { parameters: { status, ...fields } });
}

/** One account's sweep (the Map's iteration): today's chain, its terminal states results instead of Succeed/Fail. */
function accountChain(scope: Construct, sweep: IFunction): IChainable {
  // Each step's answer (a SweepStepState) becomes `{ "state": ... }`, replacing the whole state.
  const keepAsState = { resultSelector: { state: JsonPath.entirePayload } };
  const start = sweepStep(scope, 'Start', sweep, {
    // The execution and the account name the run: a retried Start finds its own run (not a rival's
    // lease), and two accounts of one execution get two runs.
    payload: TaskInput.fromObject({
      step: 'start',
      input: JsonPath.entirePayload,
      executionId: JsonPath.format('{}/account/{}', JsonPath.executionId, JsonPath.stringAt('$.accountId')),
      executionStartTime: JsonPath.executionStartTime,
    }),
    ...keepAsState,
  });
  const listChunk = sweepStep(scope, 'ListChunk', sweep, {
    payload: TaskInput.fromObject({ step: 'list', state: JsonPath.objectAt('$.state') }),
    ...keepAsState,
  });
  listChunk.addRetry(CHUNK_RETRY);
  const evaluate = sweepStep(scope, 'Evaluate', sweep, {
    payload: TaskInput.fromObject({ step: 'evaluate', state: JsonPath.objectAt('$.state') }),
    resultPath: '$.report',
  });
  const abandon = sweepStep(scope, 'Abandon', sweep, {
    payload: TaskInput.fromObject({ step: 'abandon', state: JsonPath.objectAt('$.state'), error: JsonPath.objectAt('$.error') }),
    // The report is dropped: the account's result names the error that was caught.
    resultPath: JsonPath.DISCARD,
  });
  const ofState = { accountId: JsonPath.stringAt('$.state.accountId'), runId: JsonPath.stringAt('$.state.runId') };
  // The caught error's name always exists; its Cause need not (a missing path would fail the Pass).
  const abandoned = accountResult(scope, 'AccountAbandoned', 'failed', {
    ...ofState,
    reason: JsonPath.format('{}: a step failed after the sweep of this account started; the run is recorded failed and nothing was cancelled', JsonPath.stringAt('$.error.Error')),
  });
  for (const task of [listChunk, evaluate]) task.addCatch(abandon, { errors: [Errors.ALL], resultPath: '$.error' });
  // An Abandon that failed leaves the run to its lease's expiry; the account still fails alone.
  abandon.addCatch(abandoned, { errors: [Errors.ALL], resultPath: '$.abandonError' });
  abandon.next(abandoned);
  start.addCatch(
    accountResult(scope, 'AccountStartFailed', 'failed', {
      accountId: JsonPath.stringAt('$.accountId'),
      reason: JsonPath.format('{}: the sweep of this account did not start; nothing was done', JsonPath.stringAt('$.error.Error')),
    }),
    { errors: [Errors.ALL], resultPath: '$.error' },
  );

  const outcome = new Choice(scope, 'EvaluateOutcome')
    .when(
      Condition.and(Condition.stringEquals('$.report.status', 'failed'), Condition.isPresent('$.report.reason')),
      accountResult(scope, 'AccountFailed', 'failed', { ...ofState, reason: JsonPath.stringAt('$.report.reason') }),
    )
    .when(Condition.stringEquals('$.report.status', 'failed'), accountResult(scope, 'AccountFailedWithoutReason', 'failed', { ...ofState, reason: 'The sweep run was recorded failed (no reason given).' }))
    .otherwise(accountResult(scope, 'AccountCompleted', 'completed', ofState));
  const listing = new Choice(scope, 'ListingDone')
    .when(Condition.booleanEquals('$.state.listing.done', true), evaluate.next(outcome))
    .otherwise(listChunk);
  return start.next(
    new Choice(scope, 'StartedOrSkipped')
      .when(Condition.stringEquals('$.state.status', 'skipped'), accountResult(scope, 'AccountSkipped', 'skipped', ofState))
      .otherwise(listChunk.next(listing)),
  );
}

/** The states and their transitions (see the header); `scope` holds the state constructs. */
export function sweepDefinition(scope: Construct, sweep: IFunction): IChainable {
  const listAccounts = sweepStep(scope, 'ListAccounts', sweep, {
    payload: TaskInput.fromObject({ step: 'accounts', input: JsonPath.entirePayload }),
  });
  // One account at a time: the sweep function has reserved concurrency 1, and TeraBox sees one account's pace at a time.
  const accounts = new MapState(scope, 'SweepAccounts', {
    itemsPath: '$.accounts',
    maxConcurrency: 1,
    // `statuses` is never empty (NoAccounts below): a path that matches nothing fails a state.
    resultSelector: { results: JsonPath.entirePayload, statuses: JsonPath.listAt('$[*].status') },
  }).itemProcessor(accountChain(scope, sweep));
  const summary = new Pass(scope, 'Summary', {
    parameters: { accounts: JsonPath.objectAt('$.results'), anyFailed: JsonPath.arrayContains(JsonPath.listAt('$.statuses'), 'failed') },
  });
  // Filters only where they match something (at least one account failed).
  const failedFilter = "$.accounts[?(@.status == 'failed')]";
  const failedCause = new Pass(scope, 'SweepFailedCause', {
    parameters: {
      cause: JsonPath.format(
        'The sweep failed for the account(s) {}; every other account was swept. Their results (each run is recorded, see share-lifecycle runs show): {}',
        JsonPath.jsonToString(JsonPath.listAt(`${failedFilter}.accountId`)),
        JsonPath.jsonToString(JsonPath.listAt(failedFilter)),
      ),
    },
  });
  const anyFailed = new Choice(scope, 'AnyAccountFailed')
    .when(Condition.booleanEquals('$.anyFailed', true), failedCause.next(new Fail(scope, 'SweepFailed', { error: 'SweepFailed', causePath: '$.cause' })))
    .otherwise(new Succeed(scope, 'Completed'));
  const anyAccount = new Choice(scope, 'AnyAccount')
    .when(Condition.isPresent('$.accounts[0]'), accounts.next(summary).next(anyFailed))
    .otherwise(new Succeed(scope, 'NoAccounts', { comment: 'Every account is disabled: nothing to sweep.' }));
  return listAccounts.next(anyAccount);
}

export interface SweepStateMachine {
  stateMachine: StateMachine;
  logGroup: LogGroup;
}

/** Adds the sweep state machine (STANDARD, logged, traced, with a timeout) that invokes `sweep`. */
export function addSweepStateMachine(stack: Stack, sweep: IFunction, config: StackConfig): SweepStateMachine {
  const logGroup = new LogGroup(stack, 'SweepStateMachineLogs', {
    // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy for Step Functions small.
    logGroupName: `/aws/vendedlogs/states/${stack.stackName}-sweep`,
    retention: config.logRetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stateMachine = new StateMachine(stack, 'SweepStateMachine', {
    comment: 'One share sweep: start (take the lease), list in chunks until the last page, evaluate and act once; abandon on error',
    stateMachineType: StateMachineType.STANDARD,
    definitionBody: DefinitionBody.fromChainable(sweepDefinition(new Construct(stack, 'SweepSteps'), sweep)),
    timeout: SWEEP_EXECUTION_TIMEOUT,
    tracingEnabled: true,
    // Every event, without the states' data: the data holds run ids and counts (and error
    // causes, which may name shares or paths); the Lambda's own logs and the execution history
    // have them. The data never holds a TeraBox secret either way.
    logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
  });
  return { stateMachine, logGroup };
}
