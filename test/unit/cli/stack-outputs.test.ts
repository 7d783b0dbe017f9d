/**
 * `--stack NAME`: the CLI reads the deployed stack's outputs. The key names are repeated in
 * lib/config (runtime code must not import the CDK app): they must equal infra's.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { OUTPUT_KEYS } from '../../../infra/share-lifecycle-stack';
import { ENV_BY_OUTPUT_KEY, readStackOutputs, STACK_OUTPUT_KEYS, StackOutputsError } from '../../../lib/config/stack-outputs';
import { CliContext } from '../../../lib/cli/context';
import { memoryIo } from './support';

const cfn = mockClient(CloudFormationClient);
afterEach(() => cfn.reset());

const deployedOutputs = [
  { OutputKey: 'PoliciesTableName', OutputValue: 'Stack-Policies-1' },
  { OutputKey: 'SharesTableName', OutputValue: 'Stack-Shares-1' },
  { OutputKey: 'InventoryTableName', OutputValue: 'Stack-Inventory-1' },
  { OutputKey: 'RunsTableName', OutputValue: 'Stack-Runs-1' },
  { OutputKey: 'RequestQueueUrl', OutputValue: 'https://sqs.eu-west-1.amazonaws.com/111111111111/requests' },
  { OutputKey: 'SecretName', OutputValue: 'share-lifecycle/terabox' },
  { OutputKey: 'AlarmTopicArn', OutputValue: 'arn:aws:sns:eu-west-1:111111111111:alarms' },
];

describe('stack outputs', () => {
  it('uses exactly the output keys the stack declares', () => {
    expect(STACK_OUTPUT_KEYS).toEqual(OUTPUT_KEYS);
  });

  it('maps every output the CLI needs to its environment variable', () => {
    expect(Object.values(ENV_BY_OUTPUT_KEY).sort()).toEqual(
      ['CANCEL_QUEUE_URL', 'EVENT_BUS_NAME', 'INVENTORY_TABLE', 'POLICIES_TABLE', 'REQUEST_QUEUE_URL', 'RUNS_TABLE', 'SHARES_TABLE', 'TERABOX_SECRET_ID'].sort(),
    );
    for (const key of Object.keys(ENV_BY_OUTPUT_KEY)) expect(Object.values(OUTPUT_KEYS)).toContain(key);
  });

  it('reads the outputs of the named stack as settings', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'ShareLifecycle' }).resolves({
      Stacks: [{ StackName: 'ShareLifecycle', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: deployedOutputs }],
    });
    expect(await readStackOutputs('ShareLifecycle', { client: new CloudFormationClient({ region: 'eu-west-1' }) })).toEqual({
      POLICIES_TABLE: 'Stack-Policies-1',
      SHARES_TABLE: 'Stack-Shares-1',
      INVENTORY_TABLE: 'Stack-Inventory-1',
      RUNS_TABLE: 'Stack-Runs-1',
      REQUEST_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111111111111/requests',
      TERABOX_SECRET_ID: 'share-lifecycle/terabox',
    });
  });

  it.each([
    ['a stack that does not exist', Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }), 'could not read stack Nope: it does not exist in this account and region'],
    ['access denied', Object.assign(new Error('not authorized to perform cloudformation:DescribeStacks'), { name: 'AccessDenied' }), 'could not read stack Nope: AccessDenied: not authorized'],
  ])('explains %s', async (_what, error, message) => {
    cfn.on(DescribeStacksCommand).rejects(error);
    const read = readStackOutputs('Nope', { client: new CloudFormationClient({ region: 'eu-west-1' }) });
    await expect(read).rejects.toBeInstanceOf(StackOutputsError);
    await expect(read).rejects.toThrow(message);
  });

  it('lets the environment win over the stack, and fills in the rest from it', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'S', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: deployedOutputs }] });
    const context = new CliContext(memoryIo({ env: { POLICIES_TABLE: 'my-own-table' } }).io, { stack: 'S' }, { cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }) });
    const env = await context.env();
    expect(env.POLICIES_TABLE).toBe('my-own-table');
    expect(env.RUNS_TABLE).toBe('Stack-Runs-1');
    await expect(context.check({ tables: ['policies', 'runs'], requestQueue: true })).resolves.toBeUndefined();
  });

  it('names what the stack does not provide either', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'S', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });
    const context = new CliContext(memoryIo().io, { stack: 'S' }, { cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }) });
    await expect(context.check({ tables: ['shares'], requestQueue: true })).rejects.toThrow(
      'missing settings: SHARES_TABLE, REQUEST_QUEUE_URL (not in the environment nor in the outputs of stack S)',
    );
  });
});
