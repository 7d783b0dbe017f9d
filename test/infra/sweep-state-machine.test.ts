/** The sweep state machine in the synthesized template: the machine, its definition, who starts it and what it may do. */
import aslValidator from 'asl-validator';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { OUTPUT_KEYS } from '../../infra/share-lifecycle-stack';
import { LAMBDA_SERVICE_ERRORS } from '../../infra/stack/state-machine';
import { FAKE_SWEEP_FUNCTION_ARN, allStates, definitionFrom, taskStateNames, type SweepDefinition } from '../support/sweep-state-machine';
import { synthesize, type Synthesized } from './support/synth';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown };
interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
  IntervalSeconds?: number;
  BackoffRate?: number;
}

let s: Synthesized;
let definition: SweepDefinition;
beforeAll(() => {
  s = synthesize();
  definition = definitionFrom(s);
});
afterAll(() => s.cleanup());

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const machine = (): Resource => {
  const machines = Object.values(s.template.findResources('AWS::StepFunctions::StateMachine')) as Resource[];
  expect(machines).toHaveLength(1);
  return machines[0]!;
};
const sweepArn = () => s.ref(s.stack.functions['sweep-shares'].function.functionArn);
const machineArn = () => s.ref(s.stack.sweepStateMachine.stateMachineArn);
const policyStatementsOf = (roleName: string): Statement[] => {
  const role = JSON.stringify(s.ref(roleName));
  return Object.values(s.template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
};
const retriersOf = (state: string): Retrier[] => (allStates(definition)[state]!.Retry ?? []) as Retrier[];

describe('the sweep state machine', () => {
  it('is a STANDARD machine with X-Ray tracing and every event logged, without execution data, to its own log group', () => {
    expect(machine().Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: s.ref(s.stack.sweepStateMachineLogs.logGroupArn) } }],
      },
    });
    const logGroup = s.template.findResources('AWS::Logs::LogGroup')[(s.ref(s.stack.sweepStateMachineLogs.logGroupArn) as any)['Fn::GetAtt'][0]]!;
    expect(logGroup.Properties).toEqual({ LogGroupName: '/aws/vendedlogs/states/TeraboxShareLifecycle-sweep', RetentionInDays: 90 });
  });

  it('times an execution out after 12 hours (a loop guard beside the handler chunk cap)', () => {
    expect(definition.TimeoutSeconds).toBe(12 * 3600);
  });

  it('has a definition that asl-validator accepts, paths and ARNs checked', () => {
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('has exactly the states of the sweep flow: the accounts, then a Map over them, one at a time, with the per-account chain', () => {
    const types = (states: Record<string, { Type: string }>) => Object.fromEntries(Object.entries(states).map(([name, state]) => [name, state.Type]));
    expect(definition.StartAt).toBe('ListAccounts');
    expect(types(definition.States)).toEqual({
      ListAccounts: 'Task',
      AnyAccount: 'Choice',
      NoAccounts: 'Succeed',
      SweepAccounts: 'Map',
      Summary: 'Pass',
      AnyAccountFailed: 'Choice',
      SweepFailedCause: 'Pass',
      SweepFailed: 'Fail',
      Completed: 'Succeed',
    });
    const map = definition.States.SweepAccounts!;
    expect(map).toMatchObject({ ItemsPath: '$.accounts', MaxConcurrency: 1, ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Start' } });
    const processor = map.ItemProcessor as { States: Record<string, { Type: string }> };
    // No Fail inside an iteration: an inline Map fails as a whole when one iteration fails.
    expect(types(processor.States)).toEqual({
      Start: 'Task',
      StartedOrSkipped: 'Choice',
      AccountSkipped: 'Pass',
      AccountStartFailed: 'Pass',
      ListChunk: 'Task',
      ListingDone: 'Choice',
      Evaluate: 'Task',
      EvaluateOutcome: 'Choice',
      AccountCompleted: 'Pass',
      AccountFailed: 'Pass',
      AccountFailedWithoutReason: 'Pass',
      Abandon: 'Task',
      AccountAbandoned: 'Pass',
    });
  });

  it('invokes the sweep function directly (the answer is the result) in every Task state, with a timeout above the function timeout', () => {
    expect(taskStateNames(definition).sort()).toEqual(['Abandon', 'Evaluate', 'ListAccounts', 'ListChunk', 'Start']);
    const states = allStates(definition);
    for (const name of taskStateNames(definition)) {
      expect([name, states[name]!.Resource]).toEqual([name, FAKE_SWEEP_FUNCTION_ARN]);
      expect(states[name]!.TimeoutSeconds).toBe(960);
    }
  });

  it('builds each step event of lib/contracts/sweep-steps.ts and keeps the state under $.state', () => {
    const states = allStates(definition);
    expect(states.ListAccounts).toMatchObject({ Parameters: { step: 'accounts', 'input.$': '$' } });
    // The run id is derived from the execution and the account (lib/app/sweep: newRunId(startTime, executionId)).
    expect(states.Start).toMatchObject({
      Parameters: { step: 'start', 'input.$': '$', 'executionId.$': "States.Format('{}/account/{}', $$.Execution.Id, $.accountId)", 'executionStartTime.$': '$$.Execution.StartTime' },
      ResultSelector: { 'state.$': '$' },
    });
    expect(states.ListChunk).toMatchObject({ Parameters: { step: 'list', 'state.$': '$.state' }, ResultSelector: { 'state.$': '$' } });
    expect(states.Evaluate).toMatchObject({ Parameters: { step: 'evaluate', 'state.$': '$.state' }, ResultPath: '$.report' });
    expect(states.Abandon).toMatchObject({ Parameters: { step: 'abandon', 'state.$': '$.state', 'error.$': '$.error' }, ResultPath: null });
    for (const name of ['ListChunk', 'Evaluate']) {
      expect(states[name]!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Abandon' }]);
    }
    // Start and Abandon fail only their account; ListAccounts fails the execution (nothing started).
    expect(states.Start!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'AccountStartFailed' }]);
    expect(states.Abandon!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.abandonError', Next: 'AccountAbandoned' }]);
    expect(states.ListAccounts!.Catch).toBeUndefined();
  });

  it('retries Lambda service errors and throttling with backoff on every step', () => {
    for (const name of taskStateNames(definition)) {
      const retriers = retriersOf(name);
      expect(retriers[0]).toMatchObject({ ErrorEquals: [...LAMBDA_SERVICE_ERRORS], BackoffRate: 2 });
      expect(retriers[1]).toMatchObject({ ErrorEquals: ['Lambda.TooManyRequestsException'], BackoffRate: 2 });
    }
  });

  it("retries the handler's own errors only on ListChunk, at most twice", () => {
    for (const name of ['ListAccounts', 'Start', 'Evaluate', 'Abandon']) {
      const retried = retriersOf(name).flatMap((r) => r.ErrorEquals);
      expect([name, retried.filter((e) => !e.startsWith('Lambda.'))]).toEqual([name, []]);
    }
    const chunkRetry = retriersOf('ListChunk').filter((r) => r.ErrorEquals.includes('States.TaskFailed'));
    expect(chunkRetry).toHaveLength(1);
    expect(chunkRetry[0]!.MaxAttempts).toBeLessThanOrEqual(2);
  });

  it('outputs its ARN', () => {
    s.template.hasOutput(OUTPUT_KEYS.sweepStateMachineArn, { Value: machineArn() });
  });

  it('may invoke only the sweep function, and beyond that only log delivery and X-Ray (which take no resource)', () => {
    const statements = policyStatementsOf(s.stack.sweepStateMachine.role.roleName);
    const invoke = statements.filter((st) => asArray(st.Action).includes('lambda:InvokeFunction'));
    expect(invoke).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [sweepArn(), { 'Fn::Join': ['', [sweepArn(), ':*']] }] }]);
    for (const statement of statements.filter((st) => !invoke.includes(st))) {
      expect(statement.Resource).toBe('*');
      for (const action of asArray(statement.Action)) expect(action).toMatch(/^(logs:(\w+LogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)|xray:\w+)$/);
    }
  });

  it('is the only principal that may invoke the sweep function', () => {
    const sweepRef = JSON.stringify(sweepArn());
    s.template.resourcePropertiesCountIs('AWS::Lambda::Permission', { FunctionName: Match.anyValue() }, 0);
    for (const [id, policy] of Object.entries(s.template.findResources('AWS::IAM::Policy'))) {
      const roles = JSON.stringify(policy.Properties.Roles);
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        const actions = asArray(statement.Action);
        if (!actions.some((a) => a.startsWith('lambda:'))) continue;
        expect([id, roles]).toEqual([id, JSON.stringify([s.ref(s.stack.sweepStateMachine.role.roleName)])]);
        expect(JSON.stringify(statement.Resource)).toContain(sweepRef);
      }
    }
  });
});

// Moved from share-lifecycle-stack.test.ts: the schedule now starts the state machine instead of invoking the function.
describe('schedule', () => {
  it('starts the sweep state machine with the configured expression and time zone through its own role', () => {
    const input = new Capture();
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: machineArn(),
        RoleArn: s.ref(s.stack.scheduleRole.roleArn),
        Input: input,
      }),
    });
    // A scheduled run carries no dryRun: GLOBAL_DRY_RUN and the policies decide.
    expect(JSON.parse(input.asString())).toEqual({ trigger: 'schedule' });
  });

  it('lets only Scheduler acting for this account assume the schedule role, to start only the sweep state machine', () => {
    s.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ],
      },
    });
    expect(policyStatementsOf(s.stack.scheduleRole.roleName)).toEqual([{ Effect: 'Allow', Action: 'states:StartExecution', Resource: machineArn() }]);
  });
});

describe('alarms and dashboard', () => {
  it('alarms on failed or timed-out sweep executions, to the alarm topic', () => {
    const alarm = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).find((a) =>
      ((a.Properties.Metrics ?? []) as { MetricStat?: { Metric: { MetricName: string } } }[]).some((q) => q.MetricStat?.Metric.MetricName === 'ExecutionsFailed'),
    );
    expect(alarm).toBeDefined();
    expect(alarm!.Properties).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      AlarmActions: [s.ref(s.stack.alarmTopic.topic.topicArn)],
    });
    const queries = alarm!.Properties.Metrics as { Expression?: string; MetricStat?: { Metric: Record<string, unknown>; Stat: string } }[];
    expect(queries.find((q) => q.Expression)?.Expression).toBe('SUM(METRICS())');
    expect(queries.filter((q) => q.MetricStat).map((q) => [q.MetricStat!.Metric, q.MetricStat!.Stat])).toEqual(
      ['ExecutionsFailed', 'ExecutionsTimedOut'].map((metricName) => [
        { Namespace: 'AWS/States', MetricName: metricName, Dimensions: [{ Name: 'StateMachineArn', Value: machineArn() }] },
        'Sum',
      ]),
    );
  });

  it('shows the sweep executions on the dashboard', () => {
    const body = new Capture();
    s.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardBody: body });
    const text = JSON.stringify(s.ref(body.asObject()));
    for (const metric of ['ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut']) expect(text).toContain(metric);
  });
});
