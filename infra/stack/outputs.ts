/** The stack outputs, under stable keys: the CLI reads them by name. */
import { CfnOutput, type Stack } from 'aws-cdk-lib';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { INVENTORY_TABLE, POLICIES_TABLE, RUNS_TABLE, SHARES_TABLE, type TableDesign } from '../../lib/stores/table-design';
import type { AlarmTopic } from '../constructs/alarm-topic';
import type { DesignedTable } from '../constructs/designed-table';
import type { SecureQueue } from '../constructs/secure-queue';
import type { ServiceFunction } from '../constructs/service-function';
import { OUTPUT_KEYS, SECRET_PLACEHOLDER, type FunctionName } from './names';

export interface OutputResources {
  requestQueue: SecureQueue;
  cancelQueue: SecureQueue;
  tables: Readonly<Record<string, DesignedTable>>;
  secretName: string;
  eventBus: EventBus;
  alarmTopic: AlarmTopic;
  functions: Readonly<Record<FunctionName, ServiceFunction>>;
  sweepStateMachine: IStateMachine;
}

export function addOutputs(stack: Stack, resources: OutputResources): void {
  const output = (key: string, value: string, description: string): void => {
    new CfnOutput(stack, key, { key, value, description });
  };
  const tableName = (design: TableDesign): string => resources.tables[design.logicalName]!.table.tableName;
  output(OUTPUT_KEYS.requestQueueUrl, resources.requestQueue.queue.queueUrl, 'Send share requests here');
  output(OUTPUT_KEYS.cancelQueueUrl, resources.cancelQueue.queue.queueUrl, 'Cancel batches queued by sweeps');
  output(OUTPUT_KEYS.policiesTableName, tableName(POLICIES_TABLE), 'Policies and exemptions');
  output(OUTPUT_KEYS.sharesTableName, tableName(SHARES_TABLE), 'Share records');
  output(OUTPUT_KEYS.inventoryTableName, tableName(INVENTORY_TABLE), 'Share inventory seen by sweeps');
  output(OUTPUT_KEYS.runsTableName, tableName(RUNS_TABLE), 'Runs, audit entries and the sweep lease');
  output(
    OUTPUT_KEYS.secretName,
    resources.secretName,
    `TeraBox session secret; deployed with the placeholder ${JSON.stringify(SECRET_PLACEHOLDER)}: replace ndus with the browser cookie`,
  );
  output(OUTPUT_KEYS.eventBusName, resources.eventBus.eventBusName, 'Product events (ShareCreated, ShareRequestRejected, ShareMarkedForCancel, ShareCancelled)');
  output(OUTPUT_KEYS.alarmTopicArn, resources.alarmTopic.topic.topicArn, 'Alarm notifications');
  output(OUTPUT_KEYS.sweepFunctionName, resources.functions['sweep-shares'].function.functionName, 'The sweep function (the sweep state machine invokes it, one step at a time)');
  output(
    OUTPUT_KEYS.sweepStateMachineArn,
    resources.sweepStateMachine.stateMachineArn,
    'Runs the sweeps; start a manual dry run with the input {"dryRun": true}',
  );
}
