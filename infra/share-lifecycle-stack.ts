import { CfnOutput, Duration, SecretValue, Stack, type StackProps, TimeZone } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  type IMetric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression, ScheduleTargetInput, ContextAttribute } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALL_TABLES, INVENTORY_TABLE, POLICIES_TABLE, RUNS_TABLE, SHARES_TABLE, TABLE_ENV, type TableDesign } from '../lib/stores/table-design';
import type { StackConfig } from './config';
import { AlarmTopic } from './constructs/alarm-topic';
import { DesignedTable } from './constructs/designed-table';
import { SecureQueue } from './constructs/secure-queue';
import { ServiceFunction } from './constructs/service-function';

/** Namespace of the product's custom metrics (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'TeraboxShareLifecycle';

/**
 * Custom metric names the alarms and the dashboard read. Powertools Metrics adds the dimension
 * `service` (= `POWERTOOLS_SERVICE_NAME`, the function's name) to every metric, so the alarms
 * select the metric by that dimension too; a metric published with other dimensions is not seen.
 */
export const PRODUCT_METRICS = {
  guardrailTripped: 'GuardrailTripped',
  authFailures: 'TeraboxAuthFailures',
  sharesCancelled: 'SharesCancelled',
  apiShapeChanged: 'ApiShapeChanged',
  cancelsIneffective: 'CancelsIneffective',
  cancelsGivenUp: 'CancelsGivenUp',
  createdSharesMissing: 'CreatedSharesMissing',
  verificationRequired: 'TeraboxVerificationRequired',
} as const;

/** The placeholder the secret is deployed with; the operator replaces `ndus` after deploying. */
export const SECRET_PLACEHOLDER = { ndus: 'REPLACE_ME', baseUrl: 'https://www.terabox.com' } as const;

/** The function names: folders under functions/ and Powertools service names. */
export const FUNCTION_NAMES = ['create-shares', 'sweep-shares', 'cancel-shares'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Stable CfnOutput keys; the CLI reads them with `--stack NAME`. */
export const OUTPUT_KEYS = {
  requestQueueUrl: 'RequestQueueUrl',
  cancelQueueUrl: 'CancelQueueUrl',
  policiesTableName: 'PoliciesTableName',
  sharesTableName: 'SharesTableName',
  inventoryTableName: 'InventoryTableName',
  runsTableName: 'RunsTableName',
  secretName: 'SecretName',
  eventBusName: 'EventBusName',
  alarmTopicArn: 'AlarmTopicArn',
  sweepFunctionName: 'SweepFunctionName',
} as const;

// Timeouts. A create or a cancel batch makes at most a handful of TeraBox calls with bounded
// retries; the sweep lists up to 100,000 shares (1,000 pages) and gets the Lambda maximum.
const CREATE_TIMEOUT = Duration.minutes(2);
const CANCEL_TIMEOUT = Duration.minutes(2);
const SWEEP_TIMEOUT = Duration.minutes(15);

// DynamoDB actions per access level. No function may delete share records: they are the audit
// trail of what the product created. TransactWriteItems needs no action of its own.
const DDB = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
  delete: ['dynamodb:DeleteItem'],
} as const;

export interface ShareLifecycleStackProps extends StackProps {
  config: StackConfig;
}

/**
 * The deployed product: request and cancel queues, the four tables, the TeraBox session secret,
 * the product event bus, the create / sweep / cancel functions, the sweep schedule, alarms, a
 * dashboard and the outputs the CLI reads.
 */
export class ShareLifecycleStack extends Stack {
  readonly config: StackConfig;
  readonly requestQueue: SecureQueue;
  readonly cancelQueue: SecureQueue;
  readonly tables: Readonly<Record<string, DesignedTable>>;
  readonly secret: Secret;
  /** The secret's name as deployed (`<stackName>/terabox-session`). */
  readonly secretName: string;
  readonly eventBus: EventBus;
  readonly functions: Readonly<Record<FunctionName, ServiceFunction>>;
  readonly schedule: Schedule;
  /** The role EventBridge Scheduler assumes to invoke the sweep. */
  readonly scheduleRole: Role;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: ShareLifecycleStackProps) {
    super(scope, id, {
      description:
        'TeraBox share lifecycle: queued share creation, scheduled sweeps and policy-driven cancellation. ' +
        `After deploying, put the TeraBox session into the secret named by the SecretName output; it is deployed ` +
        `with the placeholder ${JSON.stringify(SECRET_PLACEHOLDER)} (replace ndus with the browser cookie). ` +
        'Run a sweep by hand with: aws lambda invoke --function-name <SweepFunctionName> --payload \'{"dryRun":true}\'.',
      ...props,
    });
    const config = props.config;
    this.config = config;

    // --- Queues -------------------------------------------------------------------------------
    this.requestQueue = new SecureQueue(this, 'RequestQueue', { consumerTimeout: CREATE_TIMEOUT });
    this.cancelQueue = new SecureQueue(this, 'CancelQueue', { consumerTimeout: CANCEL_TIMEOUT });

    // --- Tables, from the shared design ---------------------------------------------------------
    const tables: Record<string, DesignedTable> = {};
    for (const design of ALL_TABLES) {
      tables[design.logicalName] = new DesignedTable(this, `${design.logicalName}Table`, { design });
    }
    this.tables = tables;
    const table = (design: TableDesign): DesignedTable => tables[design.logicalName]!;

    // --- Secret and event bus -----------------------------------------------------------------
    // A fixed, readable name: operators type it; the output gives it literally, not parsed from the ARN.
    this.secretName = `${this.stackName}/terabox-session`;
    this.secret = new Secret(this, 'TeraboxSession', {
      secretName: this.secretName,
      description:
        `TeraBox web session for the share lifecycle functions, JSON {"ndus": "<cookie>", "baseUrl": "<origin>"}. ` +
        `Deployed with the placeholder ${JSON.stringify(SECRET_PLACEHOLDER)}; replace ndus after deploying.`,
      // A documented placeholder, not a credential: the real ndus cookie is put in by hand.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(SECRET_PLACEHOLDER)),
    });
    this.eventBus = new EventBus(this, 'ProductEvents', {
      description: 'Share lifecycle product events: ShareCreated, ShareRequestRejected, ShareMarkedForCancel, ShareCancelled',
    });

    // --- Functions ----------------------------------------------------------------------------
    const commonEnvironment: Record<string, string> = {
      ...Object.fromEntries(ALL_TABLES.map((design) => [TABLE_ENV[design.logicalName]!, table(design).table.tableName])),
      TERABOX_SECRET_ID: this.secret.secretArn,
      CANCEL_QUEUE_URL: this.cancelQueue.queue.queueUrl,
      EVENT_BUS_NAME: this.eventBus.eventBusName,
      ACCOUNT_ID: config.accountId,
      GLOBAL_DRY_RUN: String(config.globalDryRun),
      MAX_CANCELLATIONS_PER_RUN: String(config.maxCancellationsPerRun),
      MAX_CANCELLATION_PERCENT: String(config.maxCancellationPercent),
      DEFAULT_PERIOD: String(config.defaultPeriod),
      SECRET_CACHE_SECONDS: String(config.secretCacheSeconds),
      ...(config.teraboxListConcurrency !== undefined ? { TERABOX_LIST_CONCURRENCY: String(config.teraboxListConcurrency) } : {}),
      ...(config.teraboxCancelBatchSize !== undefined ? { TERABOX_CANCEL_BATCH_SIZE: String(config.teraboxCancelBatchSize) } : {}),
      ...(config.teraboxListEndpoint !== undefined ? { TERABOX_LIST_ENDPOINT: config.teraboxListEndpoint } : {}),
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LOG_LEVEL: config.logLevel,
    };
    const makeFunction = (
      id: string,
      name: FunctionName,
      options: { description: string; timeout: Duration; memorySize: number; reservedConcurrentExecutions?: number },
    ): ServiceFunction =>
      new ServiceFunction(this, id, {
        name,
        ...options,
        logRetentionDays: config.logRetentionDays,
        environment: { ...commonEnvironment, POWERTOOLS_SERVICE_NAME: name },
      });

    const createShares = makeFunction('CreateShares', 'create-shares', {
      description: 'Creates TeraBox shares from queued requests',
      timeout: CREATE_TIMEOUT,
      memorySize: 512,
    });
    const sweepShares = makeFunction('SweepShares', 'sweep-shares', {
      description: 'Lists all shares, evaluates the policies and queues cancellations (scheduled; {"dryRun": true} by hand)',
      timeout: SWEEP_TIMEOUT,
      memorySize: 1024,
      // One sweep at a time: the lease in the runs table enforces it too, this makes it cheap.
      reservedConcurrentExecutions: 1,
    });
    const cancelShares = makeFunction('CancelShares', 'cancel-shares', {
      description: 'Cancels queued batches of TeraBox shares',
      timeout: CANCEL_TIMEOUT,
      memorySize: 512,
    });
    this.functions = { 'create-shares': createShares, 'sweep-shares': sweepShares, 'cancel-shares': cancelShares };

    // Event sources. maxConcurrency 2 (the SQS minimum) keeps the load on TeraBox, which has no
    // documented rate limit, low; Baidu clients space creations ~500 ms apart.
    createShares.function.addEventSource(
      new SqsEventSource(this.requestQueue.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );
    // A cancel message already carries a batch of share ids (one TeraBox call), so take few at once.
    cancelShares.function.addEventSource(
      new SqsEventSource(this.cancelQueue.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );
    // A scheduled sweep that fails is not retried by Lambda: the next scheduled run starts afresh
    // from a complete listing, and a retry could only repeat the same failure. An invocation that
    // waits behind a running sweep (reserved concurrency 1) is dropped after an hour.
    sweepShares.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });

    // --- Least-privilege grants ---------------------------------------------------------------
    const allow = (fn: ServiceFunction, sid: string, actions: readonly string[], resources: string[]): void => {
      fn.role.addToPolicy(new PolicyStatement({ sid, actions: [...actions], resources }));
    };
    const readSecret = (fn: ServiceFunction): void =>
      allow(fn, 'ReadTeraboxSession', ['secretsmanager:GetSecretValue'], [this.secret.secretArn]);
    const putEvents = (fn: ServiceFunction): void => allow(fn, 'PutProductEvents', ['events:PutEvents'], [this.eventBus.eventBusArn]);
    const arn = (design: TableDesign): string => table(design).table.tableArn;

    // create-shares: claim and record requests, read the session, announce the outcome.
    allow(createShares, 'ShareRecordsClaimAndWrite', ['dynamodb:GetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [
      arn(SHARES_TABLE),
    ]);
    // Before adopting a share found after an uncertain create, it checks that no other request owns it.
    allow(createShares, 'ShareRecordsByShareId', ['dynamodb:Query'], [table(SHARES_TABLE).indexArn('byShareId')]);
    readSecret(createShares);
    putEvents(createShares);

    // sweep-shares: read policies, read/write inventory, runs (lease, summaries, audit) and share
    // records (grace marks), queue cancel batches, read the session, announce marks.
    allow(sweepShares, 'PoliciesRead', DDB.read, [arn(POLICIES_TABLE)]);
    allow(sweepShares, 'InventoryReadWrite', [...DDB.read, ...DDB.write, ...DDB.delete], [arn(INVENTORY_TABLE)]);
    allow(sweepShares, 'RunsReadWrite', [...DDB.read, ...DDB.write, ...DDB.delete], [arn(RUNS_TABLE)]);
    allow(sweepShares, 'ShareRecordsReadWrite', [...DDB.read, ...DDB.write], [arn(SHARES_TABLE)]);
    allow(sweepShares, 'ShareRecordsByShareId', ['dynamodb:Query'], [table(SHARES_TABLE).indexArn('byShareId')]);
    allow(sweepShares, 'SendCancelBatches', ['sqs:SendMessage'], [this.cancelQueue.queue.queueArn]);
    readSecret(sweepShares);
    putEvents(sweepShares);

    // cancel-shares: update share records found by share id, write audit outcomes and run
    // counters, read the session, announce cancellations.
    allow(cancelShares, 'ShareRecordsUpdate', ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [arn(SHARES_TABLE)]);
    allow(cancelShares, 'ShareRecordsByShareId', ['dynamodb:Query'], [table(SHARES_TABLE).indexArn('byShareId')]);
    allow(cancelShares, 'RunsAuditWrite', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], [
      arn(RUNS_TABLE),
    ]);
    readSecret(cancelShares);
    putEvents(cancelShares);

    // --- Schedule -----------------------------------------------------------------------------
    // Our own role (instead of the target's implicit one) so that it can be named in the nag
    // acknowledgements; only Scheduler acting for this account may assume it (confused deputy).
    this.scheduleRole = new Role(this, 'SweepScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account },
      }),
      description: 'Lets EventBridge Scheduler invoke the sweep function',
    });
    this.schedule = new Schedule(this, 'SweepSchedule', {
      description: `Runs the share sweep (${config.scheduleExpression}, ${config.scheduleTimeZone})`,
      schedule: ScheduleExpression.expression(config.scheduleExpression, TimeZone.of(config.scheduleTimeZone)),
      target: new LambdaInvoke(sweepShares.function, {
        role: this.scheduleRole,
        // No dryRun here: scheduled runs follow GLOBAL_DRY_RUN and the policies' own modes.
        input: ScheduleTargetInput.fromObject({
          trigger: 'schedule',
          scheduledTime: ContextAttribute.scheduledTime,
          executionId: ContextAttribute.executionId,
        }),
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });

    // --- Alarms -------------------------------------------------------------------------------
    this.alarmTopic = new AlarmTopic(this, 'Alarms', config.alarmEmail ? { email: config.alarmEmail } : {});
    const alarmAction = new SnsAction(this.alarmTopic.topic);
    const alarms: Alarm[] = [];
    const alarm = (id: string, metric: IMetric, description: string): Alarm => {
      const created = new Alarm(this, id, {
        metric,
        alarmDescription: description,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(alarmAction);
      alarms.push(created);
      return created;
    };
    const dlqs: [string, Queue][] = [
      ['RequestDlqNotEmpty', this.requestQueue.deadLetterQueue],
      ['CancelDlqNotEmpty', this.cancelQueue.deadLetterQueue],
    ];
    for (const [id, dlq] of dlqs) {
      alarm(
        id,
        dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        'Messages reached a dead-letter queue: they failed every retry. Inspect them, fix the cause, then redrive.',
      );
    }
    const functionAlarmIds: Record<FunctionName, string> = {
      'create-shares': 'CreateSharesErrors',
      'sweep-shares': 'SweepSharesErrors',
      'cancel-shares': 'CancelSharesErrors',
    };
    for (const name of FUNCTION_NAMES) {
      alarm(
        functionAlarmIds[name],
        this.functions[name].function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        `The ${name} function failed (an invocation threw or timed out).`,
      );
    }
    const productMetric = (metricName: string, service: FunctionName, label?: string): Metric =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic: 'Sum',
        period: Duration.minutes(5),
        ...(label ? { label } : {}),
      });
    alarm(
      'GuardrailTripped',
      productMetric(PRODUCT_METRICS.guardrailTripped, 'sweep-shares'),
      'A sweep would have cancelled more shares than the guardrails allow and cancelled nothing. Check the policies.',
    );
    alarm(
      'ApiShapeChanged',
      productMetric(PRODUCT_METRICS.apiShapeChanged, 'sweep-shares'),
      "TeraBox's share list answered in another shape than on the last completed sweep (fields added, removed or retyped). " +
        'Read the warning in `share-lifecycle runs show <runId>` and check that shares are still read right.',
    );
    alarm(
      'CancelsIneffective',
      productMetric(PRODUCT_METRICS.cancelsIneffective, 'sweep-shares'),
      'A cancel TeraBox answered as done did not take: a complete listing still shows the share. The sweep cancels it once more; see `runs show`.',
    );
    alarm(
      'CancelsGivenUp',
      productMetric(PRODUCT_METRICS.cancelsGivenUp, 'sweep-shares'),
      'Two cancels answered done did not remove a share: the product stopped cancelling it (ShareCancelIneffective event). A person must look.',
    );
    alarm(
      'CreatedSharesMissing',
      productMetric(PRODUCT_METRICS.createdSharesMissing, 'sweep-shares'),
      'A complete listing did not show shares the product created, so the sweep failed and cancelled nothing. ' +
        'If they were deleted by hand, confirm it with `share-lifecycle runs acknowledge-missing`; otherwise run `share-lifecycle doctor --write-test` (the list endpoint may not list every share).',
    );
    // Any function can meet an expired session or a verification request; SUM(METRICS()) adds
    // whichever of them reported.
    const fromEveryFunction = (metricName: string, label: string): MathExpression =>
      new MathExpression({
        expression: 'SUM(METRICS())',
        usingMetrics: Object.fromEntries(
          FUNCTION_NAMES.map((name) => [name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()), productMetric(metricName, name)]),
        ),
        period: Duration.minutes(5),
        label,
      });
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
    this.alarms = alarms;

    // --- Dashboard ----------------------------------------------------------------------------
    const fns = FUNCTION_NAMES.map((name) => this.functions[name].function);
    new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
      widgets: [
        [new TextWidget({ markdown: '# TeraBox share lifecycle', width: 24, height: 1 })],
        [
          new GraphWidget({
            title: 'Queue depth (visible messages)',
            width: 12,
            left: [
              this.requestQueue.queue.metricApproximateNumberOfMessagesVisible({ label: 'requests' }),
              this.cancelQueue.queue.metricApproximateNumberOfMessagesVisible({ label: 'cancel batches' }),
              this.requestQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'requests DLQ' }),
              this.cancelQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'cancel DLQ' }),
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
      ],
    });

    // --- Outputs (stable keys: the CLI reads them by name) ---------------------------------------
    const output = (key: string, value: string, description: string): void => {
      new CfnOutput(this, key, { key, value, description });
    };
    output(OUTPUT_KEYS.requestQueueUrl, this.requestQueue.queue.queueUrl, 'Send share requests here');
    output(OUTPUT_KEYS.cancelQueueUrl, this.cancelQueue.queue.queueUrl, 'Cancel batches queued by sweeps');
    output(OUTPUT_KEYS.policiesTableName, table(POLICIES_TABLE).table.tableName, 'Policies and exemptions');
    output(OUTPUT_KEYS.sharesTableName, table(SHARES_TABLE).table.tableName, 'Share records');
    output(OUTPUT_KEYS.inventoryTableName, table(INVENTORY_TABLE).table.tableName, 'Share inventory seen by sweeps');
    output(OUTPUT_KEYS.runsTableName, table(RUNS_TABLE).table.tableName, 'Runs, audit entries and the sweep lease');
    output(
      OUTPUT_KEYS.secretName,
      this.secretName,
      `TeraBox session secret; deployed with the placeholder ${JSON.stringify(SECRET_PLACEHOLDER)}: replace ndus with the browser cookie`,
    );
    output(OUTPUT_KEYS.eventBusName, this.eventBus.eventBusName, 'Product events (ShareCreated, ShareRequestRejected, ShareMarkedForCancel, ShareCancelled)');
    output(OUTPUT_KEYS.alarmTopicArn, this.alarmTopic.topic.topicArn, 'Alarm notifications');
    output(OUTPUT_KEYS.sweepFunctionName, sweepShares.function.functionName, 'Invoke with {"dryRun": true} for a manual dry run');
  }
}
