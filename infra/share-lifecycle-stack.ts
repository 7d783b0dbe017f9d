import { SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ALL_TABLES } from '../lib/stores/table-design';
import type { StackConfig } from './config';
import { AlarmTopic } from './constructs/alarm-topic';
import { DesignedTable } from './constructs/designed-table';
import { SecureQueue } from './constructs/secure-queue';
import type { ServiceFunction } from './constructs/service-function';
import { addAlarms } from './stack/alarms';
import { addDashboard } from './stack/dashboard';
import { addEmailNotices, type NoticeResources } from './stack/notices';
import { addFunctions } from './stack/functions';
import { grantLeastPrivilege } from './stack/grants';
import { CANCEL_TIMEOUT, CREATE_TIMEOUT, SECRET_PLACEHOLDER, type FunctionName } from './stack/names';
import { addOutputs } from './stack/outputs';
import { addSweepSchedule } from './stack/schedule';
import { addSweepStateMachine } from './stack/state-machine';

export { FUNCTION_NAMES, METRICS_NAMESPACE, OUTPUT_KEYS, PRODUCT_METRICS, SECRET_PLACEHOLDER, type FunctionName } from './stack/names';

export interface ShareLifecycleStackProps extends StackProps {
  config: StackConfig;
}

/**
 * The deployed product: request and cancel queues, the four tables, the TeraBox session secret,
 * the product event bus, the create / sweep / cancel functions, the sweep state machine and its
 * schedule, alarms, a dashboard and the outputs the CLI reads. Each part is built by a function
 * of infra/stack/, all on this stack as their scope (so the logical ids are those of constructs
 * made here).
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
  /** Runs one sweep, step by step, through the sweep function (infra/stack/state-machine.ts). */
  readonly sweepStateMachine: StateMachine;
  readonly sweepStateMachineLogs: LogGroup;
  readonly schedule: Schedule;
  /** The role EventBridge Scheduler assumes to start the sweep state machine. */
  readonly scheduleRole: Role;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: readonly Alarm[];
  /** The notifier and its queue, rule and alarms; undefined when notices by email are off. */
  readonly notices: NoticeResources | undefined;

  constructor(scope: Construct, id: string, props: ShareLifecycleStackProps) {
    super(scope, id, {
      description:
        'TeraBox share lifecycle: queued share creation, scheduled sweeps and policy-driven cancellation. ' +
        `After deploying, put the TeraBox session into the secret named by the SecretName output; it is deployed ` +
        `with the placeholder ${JSON.stringify(SECRET_PLACEHOLDER)} (replace ndus with the browser cookie). ` +
        'Run a sweep by hand with: aws stepfunctions start-execution --state-machine-arn <SweepStateMachineArn> --input \'{"dryRun":true}\'.',
      ...props,
    });
    const config = props.config;
    this.config = config;

    this.requestQueue = new SecureQueue(this, 'RequestQueue', { consumerTimeout: CREATE_TIMEOUT });
    this.cancelQueue = new SecureQueue(this, 'CancelQueue', { consumerTimeout: CANCEL_TIMEOUT });
    this.tables = Object.fromEntries(ALL_TABLES.map((design) => [design.logicalName, new DesignedTable(this, `${design.logicalName}Table`, { design })]));
    this.secretName = `${this.stackName}/terabox-session`;
    this.secret = this.addSecret();
    this.eventBus = new EventBus(this, 'ProductEvents', {
      description: 'Share lifecycle product events: ShareCreated, ShareRequestRejected, ShareMarkedForCancel, ShareCancelled',
    });

    const wiring = { tables: this.tables, secret: this.secret, eventBus: this.eventBus, requestQueue: this.requestQueue, cancelQueue: this.cancelQueue };
    this.functions = addFunctions(this, { config, ...wiring });
    grantLeastPrivilege({ functions: this.functions, secretName: this.secretName, ...wiring });
    const sweep = addSweepStateMachine(this, this.functions['sweep-shares'].function, config);
    this.sweepStateMachine = sweep.stateMachine;
    this.sweepStateMachineLogs = sweep.logGroup;
    const { schedule, role } = addSweepSchedule(this, this.sweepStateMachine, config);
    this.schedule = schedule;
    this.scheduleRole = role;

    this.alarmTopic = new AlarmTopic(this, 'Alarms', config.alarmEmail ? { email: config.alarmEmail } : {});
    const observed = { functions: this.functions, sweepStateMachine: this.sweepStateMachine, ...wiring };
    this.notices = addEmailNotices(this, { config, tables: this.tables, eventBus: this.eventBus, sweep: this.functions['sweep-shares'], topic: this.alarmTopic });
    this.alarms = [...addAlarms(this, { topic: this.alarmTopic, accounts: config.accounts, ...observed }), ...(this.notices?.alarms ?? [])];
    addDashboard(this, observed);
    addOutputs(this, { alarmTopic: this.alarmTopic, secretName: this.secretName, ...observed });
  }

  /** The TeraBox session secret, under a fixed, readable name (operators type it; the output gives it literally). */
  private addSecret(): Secret {
    return new Secret(this, 'TeraboxSession', {
      secretName: this.secretName,
      description:
        `TeraBox web session for the share lifecycle functions, JSON {"ndus": "<cookie>", "baseUrl": "<origin>"}. ` +
        `Deployed with the placeholder ${JSON.stringify(SECRET_PLACEHOLDER)}; replace ndus after deploying.`,
      // A documented placeholder, not a credential: the real ndus cookie is put in by hand.
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify(SECRET_PLACEHOLDER)),
    });
  }
}
