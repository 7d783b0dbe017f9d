/** The alarms (all to the alarm topic) and the product metrics they and the dashboard read. */
import { Duration, type Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { AlarmTopic } from '../constructs/alarm-topic';
import type { SecureQueue } from '../constructs/secure-queue';
import type { ServiceFunction } from '../constructs/service-function';
import { FUNCTION_NAMES, METRICS_NAMESPACE, PRODUCT_METRICS, type FunctionName } from './names';

/** A product metric of one function (Powertools adds the `service` dimension), summed over 5 minutes; of one TeraBox account with `account`. */
export function productMetric(metricName: string, service: FunctionName, label?: string, account?: string): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service, ...(account !== undefined ? { account } : {}) },
    statistic: 'Sum',
    period: Duration.minutes(5),
    ...(label ? { label } : {}),
  });
}

/**
 * Any function can meet an expired session or a verification request; SUM(METRICS()) adds
 * whichever of them reported.
 */
function fromEveryFunction(metricName: string, label: string, account?: string): MathExpression {
  return new MathExpression({
    expression: 'SUM(METRICS())',
    usingMetrics: Object.fromEntries(
      FUNCTION_NAMES.map((name) => [name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()), productMetric(metricName, name, undefined, account)]),
    ),
    period: Duration.minutes(5),
    label,
  });
}

/** Alarms on a product metric of the sweep: [alarm id, metric name, description]. */
const SWEEP_ALARMS: readonly (readonly [string, string, string])[] = [
  [
    'GuardrailTripped',
    PRODUCT_METRICS.guardrailTripped,
    'A sweep would have cancelled more shares than the guardrails allow and cancelled nothing. Check the policies.',
  ],
  [
    'ApiShapeChanged',
    PRODUCT_METRICS.apiShapeChanged,
    "TeraBox's share list answered in another shape than on the last completed sweep (fields added, removed or retyped). " +
      'Read the warning in `share-lifecycle runs show <runId>` and check that shares are still read right.',
  ],
  [
    'CancelsIneffective',
    PRODUCT_METRICS.cancelsIneffective,
    'A cancel TeraBox answered as done did not take: a complete listing still shows the share. The sweep cancels it once more; see `runs show`.',
  ],
  [
    'CancelsGivenUp',
    PRODUCT_METRICS.cancelsGivenUp,
    'Two cancels answered done did not remove a share: the product stopped cancelling it (ShareCancelIneffective event). A person must look.',
  ],
  [
    'CreatedSharesMissing',
    PRODUCT_METRICS.createdSharesMissing,
    'A complete listing did not show shares the product created, so the sweep failed and cancelled nothing. ' +
      'If they were deleted by hand, confirm it with `share-lifecycle runs acknowledge-missing`; otherwise run `share-lifecycle doctor --write-test` (the list endpoint may not list every share).',
  ],
];

export interface AlarmedResources {
  topic: AlarmTopic;
  requestQueue: SecureQueue;
  cancelQueue: SecureQueue;
  functions: Readonly<Record<FunctionName, ServiceFunction>>;
  sweepStateMachine: IStateMachine;
  /** The TeraBox accounts with auth alarms of their own (CDK context `shareLifecycle:accounts`). */
  accounts: readonly string[];
}

/**
 * Sweep executions that ended without success: failed (a step's error, an abandoned or failed run)
 * or timed out. SUM(METRICS()) rather than `a + b`: each metric has datapoints only when it happened.
 */
export function sweepExecutionsFailed(sweepStateMachine: IStateMachine): MathExpression {
  const period = Duration.minutes(5);
  return new MathExpression({
    expression: 'SUM(METRICS())',
    usingMetrics: {
      failed: sweepStateMachine.metricFailed({ period, statistic: 'Sum' }),
      timedOut: sweepStateMachine.metricTimedOut({ period, statistic: 'Sum' }),
    },
    period,
    label: 'Sweep executions failed or timed out',
  });
}

/**
 * Errors of the sweep function a state machine retry absorbs (ListChunk is retried twice): one
 * failed attempt of a chunk that then succeeds wakes nobody; a chunk that failed every attempt
 * (three errors) does, as does its failed execution (SweepExecutionsFailed).
 */
export const SWEEP_ERRORS_ABSORBED = 2;

/** Adds every alarm (threshold: any datapoint above 0, unless said) with the topic as its action. */
export function addAlarms(stack: Stack, { topic, requestQueue, cancelQueue, functions, sweepStateMachine, accounts }: AlarmedResources): Alarm[] {
  const alarmAction = new SnsAction(topic.topic);
  const alarms: Alarm[] = [];
  const alarm = (id: string, metric: IMetric, description: string, threshold = 0): void => {
    const created = new Alarm(stack, id, {
      metric,
      alarmDescription: description,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    created.addAlarmAction(alarmAction);
    alarms.push(created);
  };
  const dlqs: [string, Queue][] = [
    ['RequestDlqNotEmpty', requestQueue.deadLetterQueue],
    ['CancelDlqNotEmpty', cancelQueue.deadLetterQueue],
  ];
  for (const [id, dlq] of dlqs) {
    alarm(
      id,
      dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      'Messages reached a dead-letter queue: they failed every retry. Inspect them, fix the cause, then redrive.',
    );
  }
  const anyError = (name: FunctionName): string => `The ${name} function failed (an invocation threw or timed out).`;
  const functionAlarms: Record<FunctionName, { id: string; description: string; threshold: number }> = {
    'create-shares': { id: 'CreateSharesErrors', description: anyError('create-shares'), threshold: 0 },
    'sweep-shares': {
      id: 'SweepSharesErrors',
      description: `The sweep-shares function failed more often than the state machine's retries absorb (more than ${SWEEP_ERRORS_ABSORBED} errors in 5 minutes).`,
      threshold: SWEEP_ERRORS_ABSORBED,
    },
    'cancel-shares': { id: 'CancelSharesErrors', description: anyError('cancel-shares'), threshold: 0 },
  };
  for (const name of FUNCTION_NAMES) {
    const { id, description, threshold } = functionAlarms[name];
    alarm(id, functions[name].function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), description, threshold);
  }
  alarm(
    'SweepExecutionsFailed',
    sweepExecutionsFailed(sweepStateMachine),
    'A sweep execution failed or timed out: the run is recorded failed and nothing was cancelled. ' +
      'The execution history (SweepStateMachineArn) names the failed step; `share-lifecycle runs show <runId>` has the run.',
  );
  for (const [id, metricName, description] of SWEEP_ALARMS) alarm(id, productMetric(metricName, 'sweep-shares'), description);
  alarm(
    'TeraboxAuthFailures',
    fromEveryFunction(PRODUCT_METRICS.authFailures, 'TeraBox auth failures'),
    'TeraBox rejected the session (ndus cookie expired or revoked). Put a fresh ndus into the secret.',
  );
  alarm(
    'TeraboxVerificationRequired',
    fromEveryFunction(PRODUCT_METRICS.verificationRequired, 'TeraBox verification requests'),
    'TeraBox asks for a verification (errno 9019, 400141 or 132): sign in to TeraBox in a browser with this account and complete it. Until then nothing is created or cancelled.',
  );
  for (const [id, description] of Object.entries(accountAuthAlarms(accounts))) alarm(id, description.metric, description.text);
  return alarms;
}

/**
 * The auth alarms of each named account (the functions emit the auth metrics with an `account`
 * dimension too), so that one account's expired cookie names that account: alarm id -> metric and text.
 */
export function accountAuthAlarms(accounts: readonly string[]): Record<string, { metric: MathExpression; text: string }> {
  const alarms: Record<string, { metric: MathExpression; text: string }> = {};
  for (const account of accounts) {
    // Construct ids keep the account id as it is; the logical ids drop its dots, dashes and underscores.
    alarms[`TeraboxAuthFailures-${account}`] = {
      metric: fromEveryFunction(PRODUCT_METRICS.authFailures, `TeraBox auth failures of ${account}`, account),
      text: `TeraBox rejected the session of account "${account}" (ndus cookie expired or revoked). Put a fresh ndus into that account's secret (share-lifecycle accounts list shows it); the other accounts go on.`,
    };
    alarms[`TeraboxVerificationRequired-${account}`] = {
      metric: fromEveryFunction(PRODUCT_METRICS.verificationRequired, `TeraBox verification requests of ${account}`, account),
      text: `TeraBox asks account "${account}" for a verification (errno 9019, 400141 or 132): sign in to TeraBox in a browser with that account and complete it. Until then nothing is created or cancelled for it.`,
    };
  }
  return alarms;
}
