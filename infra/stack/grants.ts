/** Least-privilege grants: each function's role gets named statements on named resources only. */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { INVENTORY_TABLE, POLICIES_TABLE, RUNS_TABLE, SHARES_TABLE, type TableDesign } from '../../lib/stores/table-design';
import type { DesignedTable } from '../constructs/designed-table';
import type { SecureQueue } from '../constructs/secure-queue';
import type { ServiceFunction } from '../constructs/service-function';
import { secretPrefixOf } from '../../lib/contracts/account-entry';
import type { FunctionName } from './names';

/**
 * The registry's partition in the policies table (lib/stores/account-store.ts REGISTRY_PARTITION;
 * infra imports no store code, a test keeps the two equal).
 */
export const REGISTRY_PARTITION = '#registry';

/**
 * The ARN pattern of every account secret of the deployment: `<stack>/*`, the prefix of the
 * stack's own secret (`<stack>/terabox-session`), which `accounts add` enforces on every account's
 * secret name (lib/contracts/account-entry.ts secretPrefixOf). The `*` also covers the six random
 * characters Secrets Manager appends to a secret's ARN.
 */
export function accountSecretsArn(stack: Stack, deploymentSecretName: string): string {
  const prefix = secretPrefixOf(deploymentSecretName);
  if (prefix === undefined) throw new Error(`the deployment's secret name ${JSON.stringify(deploymentSecretName)} has no "<stack>/" prefix for the account secrets`);
  return stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${prefix}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

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
  /** The secret's name as deployed (`<stack>/terabox-session`): its prefix names the account secrets. */
  secretName: string;
  eventBus: EventBus;
  cancelQueue: SecureQueue;
}

export function grantLeastPrivilege({ functions, tables, secret, secretName, eventBus, cancelQueue }: GrantedResources): void {
  const { 'create-shares': createShares, 'sweep-shares': sweepShares, 'cancel-shares': cancelShares } = functions;
  const table = (design: TableDesign): DesignedTable => tables[design.logicalName]!;
  const allow = (fn: ServiceFunction, sid: string, actions: readonly string[], resources: string[]): void => {
    fn.role.addToPolicy(new PolicyStatement({ sid, actions: [...actions], resources }));
  };
  // The deployment's own secret and every account's (issue 15: one secret per TeraBox account).
  const secretArns = [secret.secretArn, accountSecretsArn(Stack.of(secret), secretName)];
  const readSecret = (fn: ServiceFunction): void => allow(fn, 'ReadTeraboxSession', ['secretsmanager:GetSecretValue'], secretArns);
  // create-shares and cancel-shares read only the account registry of the policies table (the
  // account a request or a batch names); the sweep reads the whole table (policies, exemptions).
  const readRegistry = (fn: ServiceFunction): void => {
    fn.role.addToPolicy(
      new PolicyStatement({
        sid: 'AccountRegistryRead',
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [arn(POLICIES_TABLE)],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [REGISTRY_PARTITION] } },
      }),
    );
  };
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
  readRegistry(createShares);
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
  readRegistry(cancelShares);
  putEvents(cancelShares);
}
