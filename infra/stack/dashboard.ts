/** The operations dashboard: queue depth, function errors and durations, cancellations, guardrail trips and sweep executions. */
import { Duration, type Stack } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, MathExpression, SingleValueWidget, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { SecureQueue } from '../constructs/secure-queue';
import type { ServiceFunction } from '../constructs/service-function';
import { productMetric } from './alarms';
import { FUNCTION_NAMES, METRICS_NAMESPACE, PRODUCT_METRICS, type FunctionName } from './names';

export interface DashboardResources {
  requestQueue: SecureQueue;
  cancelQueue: SecureQueue;
  functions: Readonly<Record<FunctionName, ServiceFunction>>;
  sweepStateMachine: IStateMachine;
}

/** A metric of every TeraBox account, one line per account and function (the metrics with an `account` dimension). */
export function perAccount(metricName: string, label: string): MathExpression {
  return new MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},account,service} MetricName="${metricName}"', 'Sum', 300)`,
    usingMetrics: {},
    label,
    period: Duration.minutes(5),
  });
}

export function addDashboard(stack: Stack, { requestQueue, cancelQueue, functions, sweepStateMachine }: DashboardResources): Dashboard {
  const fns = FUNCTION_NAMES.map((name) => functions[name].function);
  return new Dashboard(stack, 'Dashboard', {
    defaultInterval: Duration.days(1),
    widgets: [
      [new TextWidget({ markdown: '# TeraBox share lifecycle', width: 24, height: 1 })],
      [
        new GraphWidget({
          title: 'Queue depth (visible messages)',
          width: 12,
          left: [
            requestQueue.queue.metricApproximateNumberOfMessagesVisible({ label: 'requests' }),
            cancelQueue.queue.metricApproximateNumberOfMessagesVisible({ label: 'cancel batches' }),
            requestQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'requests DLQ' }),
            cancelQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'cancel DLQ' }),
          ],
        }),
        new GraphWidget({
          title: 'Function errors',
          width: 12,
          left: fns.map((fn, i) => fn.metricErrors({ label: FUNCTION_NAMES[i], statistic: 'Sum' })),
        }),
      ],
      [
        new GraphWidget({
          title: 'Function duration (p95)',
          width: 12,
          left: fns.map((fn, i) => fn.metricDuration({ label: FUNCTION_NAMES[i], statistic: 'p95' })),
        }),
        new SingleValueWidget({
          title: 'Shares cancelled / guardrail trips',
          width: 12,
          metrics: [
            productMetric(PRODUCT_METRICS.sharesCancelled, 'cancel-shares', 'shares cancelled'),
            productMetric(PRODUCT_METRICS.guardrailTripped, 'sweep-shares', 'guardrail trips'),
          ],
          setPeriodToTimeRange: true,
        }),
      ],
      [
        new GraphWidget({
          title: 'Sweep executions',
          width: 24,
          left: [
            sweepStateMachine.metricSucceeded({ label: 'succeeded', statistic: 'Sum' }),
            sweepStateMachine.metricFailed({ label: 'failed', statistic: 'Sum' }),
            sweepStateMachine.metricTimedOut({ label: 'timed out', statistic: 'Sum' }),
          ],
        }),
      ],
      [
        new GraphWidget({ title: 'TeraBox auth failures per account', width: 12, left: [perAccount(PRODUCT_METRICS.authFailures, 'auth failures')] }),
        new GraphWidget({ title: 'TeraBox verification requests per account', width: 12, left: [perAccount(PRODUCT_METRICS.verificationRequired, 'verification requests')] }),
      ],
    ],
  });
}
