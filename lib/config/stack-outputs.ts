/**
 * Settings from a deployed stack's CloudFormation outputs (`share-lifecycle --stack NAME`).
 *
 * The output keys are defined here, and the stack (infra/stack/names.ts `OUTPUT_KEYS`) writes
 * them: runtime code must not import infra/ (it pulls in aws-cdk-lib).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** The stack's output keys (infra re-exports them as `OUTPUT_KEYS`). */
export const STACK_OUTPUT_KEYS = {
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
  sweepStateMachineArn: 'SweepStateMachineArn',
} as const;

/** Which environment variable each output stands for (outputs the CLI has no use for are absent). */
export const ENV_BY_OUTPUT_KEY: Readonly<Record<string, string>> = {
  [STACK_OUTPUT_KEYS.requestQueueUrl]: 'REQUEST_QUEUE_URL',
  [STACK_OUTPUT_KEYS.cancelQueueUrl]: 'CANCEL_QUEUE_URL',
  [STACK_OUTPUT_KEYS.policiesTableName]: 'POLICIES_TABLE',
  [STACK_OUTPUT_KEYS.sharesTableName]: 'SHARES_TABLE',
  [STACK_OUTPUT_KEYS.inventoryTableName]: 'INVENTORY_TABLE',
  [STACK_OUTPUT_KEYS.runsTableName]: 'RUNS_TABLE',
  [STACK_OUTPUT_KEYS.secretName]: 'TERABOX_SECRET_ID',
  [STACK_OUTPUT_KEYS.eventBusName]: 'EVENT_BUS_NAME',
};

/** The stack could not be read (not found, no permission, no outputs). Names the stack, never a value. */
export class StackOutputsError extends Error {
  override readonly name = 'StackOutputsError';
}

/**
 * Reads the stack's outputs and returns them as environment variables
 * (`{ POLICIES_TABLE: '...', REQUEST_QUEUE_URL: '...' }`). The client honours the SDK's standard
 * settings (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_CLOUDFORMATION).
 */
export async function readStackOutputs(
  stackName: string,
  options: { client?: CloudFormationClient } = {},
): Promise<Record<string, string>> {
  const client = options.client ?? new CloudFormationClient({});
  let outputs;
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = response.Stacks?.[0];
    if (stack === undefined) throw new StackOutputsError(`stack ${stackName} was not found`);
    outputs = stack.Outputs ?? [];
  } catch (error) {
    if (error instanceof StackOutputsError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    // CloudFormation answers a missing stack with a ValidationError "Stack with id X does not exist".
    const detail = /does not exist/i.test(message) ? 'it does not exist in this account and region' : `${name}: ${message}`;
    throw new StackOutputsError(`could not read stack ${stackName}: ${detail}`, { cause: error });
  } finally {
    if (options.client === undefined) client.destroy();
  }
  const env: Record<string, string> = {};
  for (const output of outputs) {
    const variable = output.OutputKey === undefined ? undefined : ENV_BY_OUTPUT_KEY[output.OutputKey];
    if (variable !== undefined && output.OutputValue !== undefined && output.OutputValue !== '') env[variable] = output.OutputValue;
  }
  return env;
}
