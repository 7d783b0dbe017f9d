/** Least-privilege grants: each function's role gets named statements on named resources only. */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { INVENTORY_TABLE, POLICIES_TABLE, RUNS_TABLE, SHARES_TABLE, type TableDesign } from '../../lib/stores/table-design';
import type { DesignedTable } from '../constructs/designed-table';
import type { SecureQueue } from '../constructs/secure-queue';
import type { ServiceFunction } from '../constructs/service-function';
import type { FunctionName } from './names';

// DynamoDB actions per access level. No function may delete share records: they are the audit
// trail of what the product created. TransactWriteItems needs no action of its own.
const DDB = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
  delete: ['dynamodb:DeleteItem'],
} as const;

export interface GrantedResources {
  functions: Readonly<Record<FunctionName, ServiceFunction>>;
  tables: Readonly<Record<string, DesignedTable>>;
  secret: Secret;
  eventBus: EventBus;
  cancelQueue: SecureQueue;
}

export function grantLeastPrivilege({ functions, tables, secret, eventBus, cancelQueue }: GrantedResources): void {
  const { 'create-shares': createShares, 'sweep-shares': sweepShares, 'cancel-shares': cancelShares } = functions;
  const table = (design: TableDesign): DesignedTable => tables[design.logicalName]!;
  const allow = (fn: ServiceFunction, sid: string, actions: readonly string[], resources: string[]): void => {
    fn.role.addToPolicy(new PolicyStatement({ sid, actions: [...actions], resources }));
  };
  const readSecret = (fn: ServiceFunction): void => allow(fn, 'ReadTeraboxSession', ['secretsmanager:GetSecretValue'], [secret.secretArn]);
  const putEvents = (fn: ServiceFunction): void => allow(fn, 'PutProductEvents', ['events:PutEvents'], [eventBus.eventBusArn]);
  const arn = (design: TableDesign): string => table(design).table.tableArn;
  const byShareId = [table(SHARES_TABLE).indexArn('byShareId')];

  // create-shares: claim and record requests, read the session, announce the outcome.
  allow(createShares, 'ShareRecordsClaimAndWrite', ['dynamodb:GetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [
    arn(SHARES_TABLE),
  ]);
  // Before adopting a share found after an uncertain create, it checks that no other request owns it.
  allow(createShares, 'ShareRecordsByShareId', ['dynamodb:Query'], byShareId);
  readSecret(createShares);
  putEvents(createShares);

  // sweep-shares: read policies, read/write inventory, runs (lease, summaries, audit) and share
  // records (grace marks), queue cancel batches, read the session, announce marks. Only the sweep
  // state machine's role may invoke it (its LambdaInvoke tasks grant that); the schedule's role
  // may only start executions of the state machine (infra/stack/schedule.ts).
  allow(sweepShares, 'PoliciesRead', DDB.read, [arn(POLICIES_TABLE)]);
  allow(sweepShares, 'InventoryReadWrite', [...DDB.read, ...DDB.write, ...DDB.delete], [arn(INVENTORY_TABLE)]);
  allow(sweepShares, 'RunsReadWrite', [...DDB.read, ...DDB.write, ...DDB.delete], [arn(RUNS_TABLE)]);
  allow(sweepShares, 'ShareRecordsReadWrite', [...DDB.read, ...DDB.write], [arn(SHARES_TABLE)]);
  allow(sweepShares, 'ShareRecordsByShareId', ['dynamodb:Query'], byShareId);
  allow(sweepShares, 'SendCancelBatches', ['sqs:SendMessage'], [cancelQueue.queue.queueArn]);
  readSecret(sweepShares);
  putEvents(sweepShares);

  // cancel-shares: update share records found by share id, write audit outcomes and run
  // counters, read the session, announce cancellations.
  allow(cancelShares, 'ShareRecordsUpdate', ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [arn(SHARES_TABLE)]);
  allow(cancelShares, 'ShareRecordsByShareId', ['dynamodb:Query'], byShareId);
  allow(cancelShares, 'RunsAuditWrite', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], [arn(RUNS_TABLE)]);
  readSecret(cancelShares);
  putEvents(cancelShares);
}
