/**
 * The sweep state machine: it drives the sweep Lambda through the steps of
 * lib/contracts/sweep-steps.ts, one invocation per step, so that a sweep can list for longer than
 * one Lambda may run.
 *
 *   Start ─> StartedOrSkipped ─ skipped ─> Skipped (succeed)
 *              └─> ListChunk ─> ListingDone ─ not done ─> ListChunk (again)
 *                                 └─ done ─> Evaluate ─> EvaluateOutcome ─ failed ─> SweepFailed (fail)
 *                                                          └─> Completed (succeed)
 *   Any error of ListChunk or Evaluate (after their retries) ─> Abandon ─> SweepAbandoned (fail)
 *   An error of Start or Abandon fails the execution as it is (nothing to abandon / the lease expires).
 *
 * The state's JSON between the steps (kept small: each task's result replaces it):
 *   execution input          SweepExecutionInput, e.g. {"trigger":"schedule"} or {"dryRun":true}
 *   after Start, ListChunk   { "state": SweepStepState }
 *   after a caught error     { "state": SweepStepState, "error": { "Error": "...", "Cause": "..." } }
 *   after Evaluate           SweepStepReport (also the execution's output)
 * A Catch writes only `$.error`, so Abandon gets the last state that a step returned and the error.
 *
 * Loop guards: the execution timeout (SWEEP_EXECUTION_TIMEOUT) and the handler's own chunk cap.
 * A STANDARD execution keeps at most 25,000 history events, about 8 per chunk, so the chunk cap
 * must stay well under 3,000.
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
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  type FailProps,
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

/** The states and their transitions (see the header); `scope` holds the state constructs. */
export function sweepDefinition(scope: Construct, sweep: IFunction): IChainable {
  // Each step's answer (a SweepStepState) becomes `{ "state": ... }`, replacing the whole state.
  const keepAsState = { resultSelector: { state: JsonPath.entirePayload } };
  const start = sweepStep(scope, 'Start', sweep, {
    // The execution names the run (a retried Start finds its own run, not a rival's lease).
    payload: TaskInput.fromObject({ step: 'start', input: JsonPath.entirePayload, executionId: JsonPath.executionId, executionStartTime: JsonPath.executionStartTime }),
    ...keepAsState,
  });
  const listChunk = sweepStep(scope, 'ListChunk', sweep, {
    payload: TaskInput.fromObject({ step: 'list', state: JsonPath.objectAt('$.state') }),
    ...keepAsState,
  });
  listChunk.addRetry(CHUNK_RETRY);
  const evaluate = sweepStep(scope, 'Evaluate', sweep, {
    payload: TaskInput.fromObject({ step: 'evaluate', state: JsonPath.objectAt('$.state') }),
  });
  const abandon = sweepStep(scope, 'Abandon', sweep, {
    payload: TaskInput.fromObject({ step: 'abandon', state: JsonPath.objectAt('$.state'), error: JsonPath.objectAt('$.error') }),
    // The report is dropped: the execution fails with the error that was caught.
    resultPath: JsonPath.DISCARD,
  });
  // The caught error's name always exists; its Cause need not, so the cause here is fixed.
  const abandoned = new Fail(scope, 'SweepAbandoned', {
    errorPath: '$.error.Error',
    cause: 'A step failed after the sweep started: the run is recorded failed and nothing was cancelled. The failed step in the execution history has the cause.',
  });
  for (const task of [listChunk, evaluate]) task.addCatch(abandon, { errors: [Errors.ALL], resultPath: '$.error' });
  abandon.next(abandoned);

  const failed = (id: string, cause: Pick<FailProps, 'cause' | 'causePath'>): Fail => new Fail(scope, id, { error: 'SweepFailed', ...cause });
  const outcome = new Choice(scope, 'EvaluateOutcome')
    .when(Condition.and(Condition.stringEquals('$.status', 'failed'), Condition.isPresent('$.reason')), failed('SweepFailed', { causePath: '$.reason' }))
    .when(Condition.stringEquals('$.status', 'failed'), failed('SweepFailedWithoutReason', { cause: 'The sweep run was recorded failed (no reason given).' }))
    .otherwise(new Succeed(scope, 'Completed'));
  const listing = new Choice(scope, 'ListingDone')
    .when(Condition.booleanEquals('$.state.listing.done', true), evaluate.next(outcome))
    .otherwise(listChunk);
  return start.next(
    new Choice(scope, 'StartedOrSkipped')
      .when(Condition.stringEquals('$.state.status', 'skipped'), new Succeed(scope, 'Skipped'))
      .otherwise(listChunk.next(listing)),
  );
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
