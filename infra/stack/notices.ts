/**
 * Notices by email (issue #16): with `shareLifecycle:noticeSender` set (and notices not switched
 * off), an EventBridge rule sends every `ShareMarkedForCancel` of the product bus to an SQS queue,
 * and the notify-owners function reads it with a batching window, so that the notices of one run
 * (published together at the end of its evaluation) reach one invocation and become one digest
 * per requester (lib/app/notify-owners/notify.ts). The sweep then leaves `notifiedAt` to the
 * notifier (`NOTICE_DELIVERY=email`): the grace starts when SES accepted the mail.
 *
 * Without a sender nothing of this is deployed, the sweep starts the grace on bus acceptance as
 * before, and the `EmailNotices` output says notices are off.
 */
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, type EventBus } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EVENT_SOURCE } from '../../lib/contracts/events';
import { INVENTORY_TABLE, POLICIES_TABLE, RUNS_TABLE, TABLE_ENV } from '../../lib/stores/table-design';
import { noticesOn, type StackConfig } from '../config';
import type { AlarmTopic } from '../constructs/alarm-topic';
import type { DesignedTable } from '../constructs/designed-table';
import { SecureQueue } from '../constructs/secure-queue';
import { ServiceFunction } from '../constructs/service-function';
import { METRICS_NAMESPACE, PRODUCT_METRICS } from './names';

export const NOTIFY_FUNCTION_NAME = 'notify-owners';
export const NOTIFY_TIMEOUT = Duration.minutes(2);
/** How long the queue gathers a run's notices before the notifier sees them. */
export const NOTICE_BATCHING_WINDOW = Duration.seconds(60);
/** The event source's most concurrent invocations (the SQS minimum): the send rate is split between them. */
export const NOTIFY_MAX_CONCURRENCY = 2;

export interface NoticeResources {
  queue: SecureQueue;
  rule: Rule;
  notifier: ServiceFunction;
  alarms: Alarm[];
}

export interface NoticeWiring {
  config: StackConfig;
  tables: Readonly<Record<string, DesignedTable>>;
  eventBus: EventBus;
  sweep: ServiceFunction;
  topic: AlarmTopic;
}

/** Adds the notifier when notices are on; returns undefined (and says so in an output) when they are off. */
export function addEmailNotices(stack: Stack, wiring: NoticeWiring): NoticeResources | undefined {
  const { config } = wiring;
  if (!noticesOn(config) || config.noticeSender === undefined) {
    const why = config.noticeSender === undefined ? 'no shareLifecycle:noticeSender is configured' : 'shareLifecycle:noticesEnabled is false';
    new CfnOutput(stack, 'EmailNotices', { key: 'EmailNotices', value: `off: ${why}; grace notices are ShareMarkedForCancel events only`, description: 'Notices by email' });
    return undefined;
  }
  const queue = new SecureQueue(stack, 'NoticeQueue', { consumerTimeout: NOTIFY_TIMEOUT, consumerBatchingWindow: NOTICE_BATCHING_WINDOW });
  const rule = new Rule(stack, 'MarkedForCancelToNotices', {
    description: 'Grace notices to the notifier queue (one digest per run and requester)',
    eventBus: wiring.eventBus,
    eventPattern: { source: [EVENT_SOURCE], detailType: ['ShareMarkedForCancel'] },
    targets: [new SqsQueue(queue.queue, { deadLetterQueue: queue.deadLetterQueue, retryAttempts: 8 })],
  });
  const notifier = addNotifier(stack, wiring, config.noticeSender);
  notifier.function.addEventSource(
    new SqsEventSource(queue.queue, { batchSize: 1000, maxBatchingWindow: NOTICE_BATCHING_WINDOW, reportBatchItemFailures: true, maxConcurrency: NOTIFY_MAX_CONCURRENCY }),
  );
  grantNotifier(stack, wiring, notifier, config.noticeSender);
  // The sweep leaves the grace clock to the notifier.
  wiring.sweep.function.addEnvironment('NOTICE_DELIVERY', 'email');
  new CfnOutput(stack, 'EmailNotices', { key: 'EmailNotices', value: `on: digests from ${config.noticeSender}`, description: 'Notices by email' });
  return { queue, rule, notifier, alarms: addNoticeAlarms(stack, wiring.topic, queue, notifier) };
}

function addNotifier(stack: Stack, { config, tables }: NoticeWiring, sender: string): ServiceFunction {
  const table = (logicalName: string): string => tables[logicalName]!.table.tableName;
  return new ServiceFunction(stack, 'NotifyOwners', {
    name: NOTIFY_FUNCTION_NAME,
    description: 'Sends one digest mail per run and requester for the grace notices (SES v2)',
    timeout: NOTIFY_TIMEOUT,
    memorySize: 256,
    logRetentionDays: config.logRetentionDays,
    environment: {
      ACCOUNT_ID: config.accountId,
      [TABLE_ENV[POLICIES_TABLE.logicalName]!]: table(POLICIES_TABLE.logicalName),
      [TABLE_ENV[INVENTORY_TABLE.logicalName]!]: table(INVENTORY_TABLE.logicalName),
      [TABLE_ENV[RUNS_TABLE.logicalName]!]: table(RUNS_TABLE.logicalName),
      NOTICE_SENDER: sender,
      ...(config.noticeReplyTo !== undefined ? { NOTICE_REPLY_TO: config.noticeReplyTo } : {}),
      ...(config.noticeConfigurationSet !== undefined ? { NOTICE_CONFIGURATION_SET: config.noticeConfigurationSet } : {}),
      // Each of the (at most NOTIFY_MAX_CONCURRENCY) instances paces its share of the account's rate.
      NOTICE_SENDS_PER_SECOND: String(config.noticeSendsPerSecond / NOTIFY_MAX_CONCURRENCY),
      POWERTOOLS_SERVICE_NAME: NOTIFY_FUNCTION_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LOG_LEVEL: config.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    },
  });
}

/** The SES identity ARNs the notifier may send as (and the configuration set it may use). */
export function sesResourceArns(stack: Stack, config: StackConfig, sender: string): string[] {
  const identity = config.noticeIdentity ?? sender;
  const arns = [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })];
  if (config.noticeConfigurationSet !== undefined) arns.push(stack.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: config.noticeConfigurationSet }));
  return arns;
}

function grantNotifier(stack: Stack, { config, tables }: NoticeWiring, notifier: ServiceFunction, sender: string): void {
  const arn = (logicalName: string): string => tables[logicalName]!.table.tableArn;
  const allow = (sid: string, actions: string[], resources: string[]): void => {
    notifier.role.addToPolicy(new PolicyStatement({ sid, actions, resources }));
  };
  allow('RequesterDirectoryRead', ['dynamodb:GetItem', 'dynamodb:Query'], [arn(POLICIES_TABLE.logicalName)]);
  // setNotified: a conditional UpdateItem per mark, nothing else of the inventory.
  allow('InventorySetNotified', ['dynamodb:UpdateItem'], [arn(INVENTORY_TABLE.logicalName)]);
  allow('NoticeLedgerReadWrite', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [arn(RUNS_TABLE.logicalName)]);
  // SendEmail is authorized on the identity (and on the configuration set when one is used).
  allow('SendDigestsAsTheSender', ['ses:SendEmail'], sesResourceArns(stack, config, sender));
}

function addNoticeAlarms(stack: Stack, topic: AlarmTopic, queue: SecureQueue, notifier: ServiceFunction): Alarm[] {
  const period = Duration.minutes(5);
  const specs: [string, Metric, string][] = [
    [
      'NoticeSendFailures',
      new Metric({ namespace: METRICS_NAMESPACE, metricName: PRODUCT_METRICS.noticeSendFailures, dimensionsMap: { service: NOTIFY_FUNCTION_NAME }, statistic: 'Sum', period }),
      'Digest mails could not be sent (SES refused them or was unreachable). Their grace has not started; the next sweep notices the marks again. Check the SES identity, sandbox and sending limits.',
    ],
    ['NotifyOwnersErrors', notifier.function.metricErrors({ period, statistic: 'Sum' }), 'The notify-owners function failed (an invocation threw or timed out).'],
    ['NoticeDlqNotEmpty', queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }), 'Grace notices reached the notice dead-letter queue: they could not be read or delivered to the notifier. Inspect them.'],
  ];
  return specs.map(([id, metric, description]) => {
    const alarm = new Alarm(stack, id, {
      metric,
      alarmDescription: description,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(topic.topic));
    return alarm;
  });
}
