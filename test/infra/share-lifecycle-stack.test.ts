import { Capture, Match } from 'aws-cdk-lib/assertions';
import { FUNCTION_SIZES, type FunctionSize } from '../../lib/config/function-sizes';
import { ALL_TABLES, SHARES_TABLE, TABLE_ENV, type TableDesign } from '../../lib/stores/table-design';
import { VISIBILITY_TIMEOUT_FACTOR } from '../../infra/constructs/secure-queue';
import {
  FUNCTION_NAMES,
  METRICS_NAMESPACE,
  OUTPUT_KEYS,
  PRODUCT_METRICS,
  SECRET_PLACEHOLDER,
  type FunctionName,
} from '../../infra/share-lifecycle-stack';
import { synthesize, type Synthesized } from './support/synth';
import { SWEEP_ERRORS_ABSORBED } from '../../infra/stack/alarms';
import { REGISTRY_PARTITION } from '../../infra/stack/grants';
import { REGISTRY_PARTITION as STORE_REGISTRY_PARTITION } from '../../lib/stores/account-store';
import { allStates, sweepDefinition } from '../support/sweep-state-machine';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});
afterAll(() => s.cleanup());

const resources = (type: string): Record<string, Resource> => s.template.findResources(type) as Record<string, Resource>;
const logicalId = (value: unknown): string => {
  const resolved = s.ref(value) as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = resolved.Ref ?? resolved['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a plain Ref/GetAtt: ${JSON.stringify(resolved)}`);
  return id;
};
const fnResource = (name: FunctionName): Resource => resources('AWS::Lambda::Function')[logicalId(s.stack.functions[name].function.functionArn)]!;
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statementsOf = (name: FunctionName): Statement[] => {
  const policy = Object.values(resources('AWS::IAM::Policy')).find((p) =>
    (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(s.ref(s.stack.functions[name].role.roleName))),
  );
  if (!policy) throw new Error(`no policy for ${name}`);
  return policy.Properties.PolicyDocument.Statement as Statement[];
};

describe('queues', () => {
  const queuePairs = () => [
    ['request', s.stack.requestQueue, 'create-shares'],
    ['cancel', s.stack.cancelQueue, 'cancel-shares'],
  ] as const;

  it('creates exactly two work queues and two dead-letter queues', () => {
    s.template.resourceCountIs('AWS::SQS::Queue', 4);
  });

  it.each(['request', 'cancel'])('encrypts the %s queue and its DLQ with SSE-SQS', (which) => {
    const pair = queuePairs().find(([label]) => label === which)![1];
    for (const queue of [pair.queue, pair.deadLetterQueue]) {
      expect(resources('AWS::SQS::Queue')[logicalId(queue.queueArn)]!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    }
  });

  it('gives every queue and DLQ a policy that denies requests without TLS', () => {
    s.template.resourceCountIs('AWS::SQS::QueuePolicy', 4);
    for (const [, pair] of queuePairs()) {
      for (const queue of [pair.queue, pair.deadLetterQueue]) {
        s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [s.ref(queue.queueUrl)],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    }
  });

  it.each(['request', 'cancel'])('redrives the %s queue to its own DLQ after 5 receives', (which) => {
    const [, pair] = queuePairs().find(([label]) => label === which)!;
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: s.ref(pair.deadLetterQueue.queueArn), maxReceiveCount: 5 },
    });
  });

  it.each(['request', 'cancel'])('keeps the %s DLQ for 14 days and retains it on stack deletion', (which) => {
    const [, pair] = queuePairs().find(([label]) => label === which)!;
    const dlq = resources('AWS::SQS::Queue')[logicalId(pair.deadLetterQueue.queueArn)]!;
    expect(dlq).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { MessageRetentionPeriod: 14 * 24 * 3600 } });
  });

  it.each(['request', 'cancel'])('sets the %s queue visibility timeout above six consumer timeouts', (which) => {
    const [, pair, consumer] = queuePairs().find(([label]) => label === which)!;
    const visibility = resources('AWS::SQS::Queue')[logicalId(pair.queue.queueArn)]!.Properties.VisibilityTimeout as number;
    const timeout = fnResource(consumer).Properties.Timeout as number;
    expect(visibility).toBeGreaterThan(timeout * VISIBILITY_TIMEOUT_FACTOR);
  });
});

describe('tables', () => {
  const tableResource = (design: TableDesign): Resource =>
    resources('AWS::DynamoDB::Table')[logicalId(s.stack.tables[design.logicalName]!.table.tableArn)]!;

  it('creates one table per design and no other', () => {
    s.template.resourceCountIs('AWS::DynamoDB::Table', ALL_TABLES.length);
  });

  it.each(ALL_TABLES.map((d) => [d.logicalName, d] as const))(
    'builds %s on demand, with PITR, SSE, deletion protection and RETAIN',
    (_name, design) => {
      expect(tableResource(design)).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          DeletionProtectionEnabled: true,
        },
      });
    },
  );

  it.each(ALL_TABLES.map((d) => [d.logicalName, d] as const))('gives %s exactly the keys of its design', (_name, design) => {
    const props = tableResource(design).Properties;
    const expectedKeys = [
      { AttributeName: design.partitionKey.name, KeyType: 'HASH' },
      ...(design.sortKey ? [{ AttributeName: design.sortKey.name, KeyType: 'RANGE' }] : []),
    ];
    expect(props.KeySchema).toEqual(expectedKeys);
    const keyAttributes = [design.partitionKey, design.sortKey, ...design.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]
      .filter((k) => k !== undefined)
      .map((k) => ({ AttributeName: k.name, AttributeType: k.type }));
    expect(props.AttributeDefinitions).toEqual(expect.arrayContaining(keyAttributes));
    expect(props.AttributeDefinitions).toHaveLength(new Set(keyAttributes.map((a) => a.AttributeName)).size);
  });

  it.each(ALL_TABLES.map((d) => [d.logicalName, d] as const))('gives %s exactly the GSIs of its design', (_name, design) => {
    const indexes = (tableResource(design).Properties.GlobalSecondaryIndexes ?? []) as unknown[];
    expect(indexes).toEqual(
      design.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
  });

  it.each(ALL_TABLES.map((d) => [d.logicalName, d] as const))('sets TTL on %s exactly as designed', (_name, design) => {
    const ttl = tableResource(design).Properties.TimeToLiveSpecification;
    if (design.timeToLiveAttribute) expect(ttl).toEqual({ AttributeName: design.timeToLiveAttribute, Enabled: true });
    else expect(ttl).toBeUndefined();
  });

  it('expires audit entries through TTL on the runs table expiresAt', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('secret', () => {
  it('is deployed with the documented placeholder under a readable name', () => {
    s.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'TeraboxShareLifecycle/terabox-session',
      SecretString: JSON.stringify(SECRET_PLACEHOLDER),
      Description: Match.stringLikeRegexp('REPLACE_ME'),
    });
  });

  it('documents the placeholder in the stack description and the SecretName output', () => {
    expect(s.template.toJSON().Description).toContain(JSON.stringify(SECRET_PLACEHOLDER));
    s.template.hasOutput(OUTPUT_KEYS.secretName, {
      Value: 'TeraboxShareLifecycle/terabox-session',
      Description: Match.stringLikeRegexp('REPLACE_ME'),
    });
  });

  it('has no rotation schedule (the ndus cookie comes from a browser login)', () => {
    s.template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
  });
});

describe('functions', () => {
  it('creates exactly the three product functions', () => {
    s.template.resourceCountIs('AWS::Lambda::Function', 3);
  });

  it.each([...FUNCTION_NAMES])('runs %s on arm64 with Node 22 or newer, X-Ray active and its own log group', (name) => {
    const props = fnResource(name).Properties;
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Runtime).toMatch(/^nodejs(\d+)\.x$/);
    expect(Number(/^nodejs(\d+)/.exec(props.Runtime as string)![1])).toBeGreaterThanOrEqual(22);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    expect(props.Handler).toBe('index.handler');
    expect(props.LoggingConfig).toEqual({ LogGroup: s.ref(s.stack.functions[name].logGroup.logGroupName) });
  });

  it.each([...FUNCTION_NAMES])('gives the %s log group a retention', (name) => {
    const logGroup = s.template.findResources('AWS::Logs::LogGroup')[logicalId(s.stack.functions[name].logGroup.logGroupArn)]!;
    expect(logGroup.Properties.RetentionInDays).toBe(90);
  });

  it.each([...FUNCTION_NAMES])('passes %s the whole environment contract', (name) => {
    const env = fnResource(name).Properties.Environment.Variables as Record<string, unknown>;
    const tableVars = Object.fromEntries(
      ALL_TABLES.map((d) => [TABLE_ENV[d.logicalName]!, s.ref(s.stack.tables[d.logicalName]!.table.tableName)]),
    );
    expect(env).toEqual({
      ...tableVars,
      TERABOX_SECRET_ID: s.ref(s.stack.secret.secretArn),
      CANCEL_QUEUE_URL: s.ref(s.stack.cancelQueue.queue.queueUrl),
      EVENT_BUS_NAME: s.ref(s.stack.eventBus.eventBusName),
      ACCOUNT_ID: 'default',
      GLOBAL_DRY_RUN: 'true',
      MAX_CANCELLATIONS_PER_RUN: '500',
      MAX_CANCELLATION_PERCENT: '20',
      DEFAULT_PERIOD: '7',
      SECRET_CACHE_SECONDS: '300',
      TERABOX_REQUESTS_PER_SECOND: '5',
      POWERTOOLS_SERVICE_NAME: name,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LOG_LEVEL: 'INFO',
      // The sweep's evaluating step needs V8 to collect before the process passes the function's memory.
      NODE_OPTIONS: name === 'sweep-shares' ? '--enable-source-maps --max-old-space-size=400' : '--enable-source-maps',
    });
  });

  it.each([...FUNCTION_NAMES])('gives %s the memory of FUNCTION_SIZES, its heap limit well below it', (name) => {
    const size: FunctionSize = FUNCTION_SIZES[name];
    expect(fnResource(name).Properties.MemorySize).toBe(size.memoryMb);
    if (size.heapMb !== undefined) expect(size.heapMb).toBeLessThanOrEqual(size.memoryMb * 0.7);
  });

  it('limits the sweep to one concurrent run with a 15 minute timeout', () => {
    expect(fnResource('sweep-shares').Properties).toMatchObject({ ReservedConcurrentExecutions: 1, Timeout: 900 });
  });

  it.each(['create-shares', 'cancel-shares'] as const)('leaves %s without reserved concurrency', (name) => {
    expect(fnResource(name).Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('does not retry a failed scheduled sweep asynchronously', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: s.ref(s.stack.functions['sweep-shares'].function.functionName),
      MaximumRetryAttempts: 0,
    });
  });

  it.each([
    ['create-shares', 'request', 10],
    ['cancel-shares', 'cancel', 5],
  ] as const)('feeds %s from the %s queue in batches of %i with partial batch responses', (name, queue, batchSize) => {
    const source = queue === 'request' ? s.stack.requestQueue : s.stack.cancelQueue;
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: s.ref(s.stack.functions[name].function.functionName),
      EventSourceArn: s.ref(source.queue.queueArn),
      BatchSize: batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('has exactly two event source mappings (the sweep is not queue-driven)', () => {
    s.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  });
});

describe('IAM', () => {
  const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

  it('uses no wildcard action in any policy', () => {
    for (const policy of Object.values(resources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of asArray(statement.Action)) expect(action).not.toContain('*');
      }
    }
  });

  it('uses Resource * only for the X-Ray actions (and the state machine log delivery), which have no resource-level permissions', () => {
    // The sweep state machine's role also gets X-Ray's sampling actions and CloudWatch Logs delivery (see sweep-state-machine.test.ts).
    const machineRole = JSON.stringify([s.ref(s.stack.sweepStateMachine.role.roleName)]);
    for (const policy of Object.values(resources('AWS::IAM::Policy'))) {
      if (JSON.stringify(policy.Properties.Roles) === machineRole) continue;
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        if (asArray(statement.Resource).includes('*')) expect(asArray(statement.Action).sort()).toEqual([...XRAY_ACTIONS].sort());
      }
    }
  });

  it('attaches no AWS managed policy to any role', () => {
    for (const role of Object.values(resources('AWS::IAM::Role'))) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  // The exact grants per function: [function, sid, actions, resource].
  const tableArn = (logicalName: string) => () => s.ref(s.stack.tables[logicalName]!.table.tableArn);
  const byShareId = () => s.ref(s.stack.tables[SHARES_TABLE.logicalName]!.indexArn('byShareId'));
  // The deployment's own secret and every account secret under the stack's prefix (issue 15).
  const accountSecrets = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:TeraboxShareLifecycle/*']],
  };
  const secret = () => [s.ref(s.stack.secret.secretArn), accountSecrets];
  const registryOnly = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [REGISTRY_PARTITION] } };
  const bus = () => s.ref(s.stack.eventBus.eventBusArn);
  const read = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
  const write = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'];
  const grants: [FunctionName, string, string[], () => unknown][] = [
    ['create-shares', 'ShareRecordsClaimAndWrite', ['dynamodb:GetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], tableArn('ShareRecords')],
    ['create-shares', 'ShareRecordsByShareId', ['dynamodb:Query'], byShareId],
    ['create-shares', 'ReadTeraboxSession', ['secretsmanager:GetSecretValue'], secret],
    ['create-shares', 'AccountRegistryRead', ['dynamodb:GetItem', 'dynamodb:Query'], tableArn('Policies')],
    ['create-shares', 'PutProductEvents', ['events:PutEvents'], bus],
    ['sweep-shares', 'PoliciesRead', read, tableArn('Policies')],
    ['sweep-shares', 'InventoryReadWrite', [...read, ...write, 'dynamodb:DeleteItem'], tableArn('Inventory')],
    ['sweep-shares', 'RunsReadWrite', [...read, ...write, 'dynamodb:DeleteItem'], tableArn('Runs')],
    ['sweep-shares', 'ShareRecordsReadWrite', [...read, ...write], tableArn('ShareRecords')],
    ['sweep-shares', 'ShareRecordsByShareId', ['dynamodb:Query'], byShareId],
    ['sweep-shares', 'SendCancelBatches', ['sqs:SendMessage'], () => s.ref(s.stack.cancelQueue.queue.queueArn)],
    ['sweep-shares', 'ReadTeraboxSession', ['secretsmanager:GetSecretValue'], secret],
    ['sweep-shares', 'PutProductEvents', ['events:PutEvents'], bus],
    ['cancel-shares', 'ShareRecordsUpdate', ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], tableArn('ShareRecords')],
    ['cancel-shares', 'ShareRecordsByShareId', ['dynamodb:Query'], byShareId],
    ['cancel-shares', 'RunsAuditWrite', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], tableArn('Runs')],
    ['cancel-shares', 'ReadTeraboxSession', ['secretsmanager:GetSecretValue'], secret],
    ['cancel-shares', 'AccountRegistryRead', ['dynamodb:GetItem', 'dynamodb:Query'], tableArn('Policies')],
    ['cancel-shares', 'PutProductEvents', ['events:PutEvents'], bus],
  ];

  it.each(grants)('grants %s %s: exactly these actions on exactly that resource', (name, sid, actions, resource) => {
    const statement = statementsOf(name).find((st) => st.Sid === sid);
    const condition = sid === 'AccountRegistryRead' ? registryOnly : undefined;
    expect(statement).toEqual({ Sid: sid, Effect: 'Allow', Action: actions.length === 1 ? actions[0] : actions, Resource: resource(), ...(condition ? { Condition: condition } : {}) });
  });

  it('the registry partition the grants name is the one the account registry uses', () => {
    expect(REGISTRY_PARTITION).toBe(STORE_REGISTRY_PARTITION);
  });

  it('lets only the three functions that read a TeraBox session read any secret: exactly the stack secret and the <stack>/* prefix', () => {
    const readers: string[] = [];
    for (const policy of Object.values(resources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        if (!asArray(statement.Action).some((a) => a.startsWith('secretsmanager:'))) continue;
        expect(statement).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: [s.ref(s.stack.secret.secretArn), accountSecrets] });
        readers.push(...(policy.Properties.Roles as unknown[]).map((r) => JSON.stringify(r)));
      }
    }
    expect(readers.sort()).toEqual(FUNCTION_NAMES.map((name) => JSON.stringify(s.ref(s.stack.functions[name].role.roleName))).sort());
    // No resource policy on the secret widens that.
    expect(Object.keys(resources('AWS::SecretsManager::ResourcePolicy'))).toEqual([]);
  });

  it.each([...FUNCTION_NAMES])('gives %s nothing beyond its listed grants, logs, X-Ray and its queue', (name) => {
    const fn = s.stack.functions[name];
    const listed = new Set(grants.filter(([n]) => n === name).map(([, sid]) => sid));
    const consumed = name === 'create-shares' ? s.stack.requestQueue : name === 'cancel-shares' ? s.stack.cancelQueue : undefined;
    for (const statement of statementsOf(name)) {
      if (statement.Sid && listed.has(statement.Sid)) continue;
      if (statement.Sid === 'WriteOwnLogs') {
        expect(statement).toMatchObject({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: s.ref(fn.logGroup.logGroupArn) });
        continue;
      }
      if (asArray(statement.Action).every((a) => XRAY_ACTIONS.includes(a))) continue;
      // The SQS event source's own grant: only the queue this function consumes.
      expect(consumed).toBeDefined();
      expect(statement.Resource).toEqual(s.ref(consumed!.queue.queueArn));
      expect(asArray(statement.Action).every((a) => a.startsWith('sqs:') && a !== 'sqs:SendMessage')).toBe(true);
    }
  });

  it('lets no function delete share records (they are the audit trail of what was created)', () => {
    const sharesArn = JSON.stringify(s.ref(s.stack.tables.ShareRecords!.table.tableArn));
    for (const name of FUNCTION_NAMES) {
      for (const statement of statementsOf(name)) {
        if (JSON.stringify(statement.Resource) === sharesArn) expect(asArray(statement.Action)).not.toContain('dynamodb:DeleteItem');
      }
    }
  });
});

describe('event bus', () => {
  it('creates one custom bus for product events and exposes its name', () => {
    s.template.resourceCountIs('AWS::Events::EventBus', 1);
    s.template.hasResourceProperties('AWS::Events::EventBus', { Description: Match.stringLikeRegexp('ShareCreated') });
    s.template.hasOutput(OUTPUT_KEYS.eventBusName, { Value: s.ref(s.stack.eventBus.eventBusName) });
  });
});

describe('alarms', () => {
  const topicRef = () => s.ref(s.stack.alarmTopic.topic.topicArn);
  const alarmOn = (metric: Record<string, unknown>, threshold = 0) =>
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ...metric,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: threshold,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef()],
    });

  it.each(['request', 'cancel'] as const)('alarms when the %s DLQ holds any message', (which) => {
    const dlq = which === 'request' ? s.stack.requestQueue.deadLetterQueue : s.stack.cancelQueue.deadLetterQueue;
    alarmOn({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: s.ref(dlq.queueName) }],
      Statistic: 'Maximum',
    });
  });

  it.each(['create-shares', 'cancel-shares'] as const)('alarms on any error of %s', (name) => {
    alarmOn({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: s.ref(s.stack.functions[name].function.functionName) }],
      Statistic: 'Sum',
    });
  });

  it("alarms on sweep errors beyond what the state machine's chunk retries absorb", () => {
    alarmOn(
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: s.ref(s.stack.functions['sweep-shares'].function.functionName) }],
        Statistic: 'Sum',
      },
      SWEEP_ERRORS_ABSORBED,
    );
    // The number is the ListChunk retries of the definition: a chunk that failed every attempt alarms.
    const retries = allStates(sweepDefinition()).ListChunk!.Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
    const retry = retries.find((r) => r.ErrorEquals.includes('States.TaskFailed'));
    expect(retry?.MaxAttempts).toBe(SWEEP_ERRORS_ABSORBED);
  });

  it('alarms when the sweep reports a tripped guardrail', () => {
    alarmOn({
      Namespace: METRICS_NAMESPACE,
      MetricName: PRODUCT_METRICS.guardrailTripped,
      Dimensions: [{ Name: 'service', Value: 'sweep-shares' }],
      Statistic: 'Sum',
    });
  });

  it.each([
    ['the list response changed shape', PRODUCT_METRICS.apiShapeChanged],
    ['a cancel answered done did not take', PRODUCT_METRICS.cancelsIneffective],
    ['the product gave up cancelling a share', PRODUCT_METRICS.cancelsGivenUp],
    ['shares it created are missing from a complete listing', PRODUCT_METRICS.createdSharesMissing],
  ])('alarms when the sweep reports that %s', (_what, metricName) => {
    alarmOn({
      Namespace: METRICS_NAMESPACE,
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: 'sweep-shares' }],
      Statistic: 'Sum',
    });
  });

  it.each([
    ['auth failures', PRODUCT_METRICS.authFailures],
    ['verification requests', PRODUCT_METRICS.verificationRequired],
  ])('alarms on TeraBox %s reported by any function', (_what, metricName) => {
    const alarm = Object.values(resources('AWS::CloudWatch::Alarm')).find((a) =>
      ((a.Properties.Metrics ?? []) as { MetricStat?: { Metric: { MetricName: string } } }[]).some((q) => q.MetricStat?.Metric.MetricName === metricName),
    );
    const queries = (alarm?.Properties.Metrics ?? []) as { Expression?: string; MetricStat?: { Metric: Record<string, unknown> } }[];
    expect(queries.find((q) => q.Expression)?.Expression).toBe('SUM(METRICS())');
    expect(queries.filter((q) => q.MetricStat).map((q) => q.MetricStat!.Metric)).toEqual(
      FUNCTION_NAMES.map((name) => ({
        Namespace: METRICS_NAMESPACE,
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: name }],
      })),
    );
  });

  it('has exactly these 13 alarms, all notifying the topic', () => {
    const alarms = Object.values(resources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(13);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicRef()]);
  });

  describe('with accounts named in shareLifecycle:accounts', () => {
    let named: Synthesized;
    beforeAll(() => {
      named = synthesize({ accounts: ['brand', 'support'] });
    });
    afterAll(() => named.cleanup());
    const alarmsOf = (t: Synthesized): Resource[] => Object.values(t.template.findResources('AWS::CloudWatch::Alarm')) as Resource[];

    it('adds an auth-failure and a verification alarm per named account: 17 alarms, all notifying the topic', () => {
      const alarms = alarmsOf(named);
      expect(alarms).toHaveLength(17);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([named.ref(named.stack.alarmTopic.topic.topicArn)]);
    });

    it.each([
      ['brand', PRODUCT_METRICS.authFailures],
      ['support', PRODUCT_METRICS.verificationRequired],
    ])("alarms on %s's %s from any function, by the account dimension, and names the account", (account, metricName) => {
      const ofAccount = alarmsOf(named).filter((a) =>
        ((a.Properties.Metrics ?? []) as { MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] } } }[]).some(
          (q) => q.MetricStat?.Metric.MetricName === metricName && q.MetricStat.Metric.Dimensions.some((d) => d.Name === 'account' && d.Value === account),
        ),
      );
      expect(ofAccount).toHaveLength(1);
      const metrics = (ofAccount[0]!.Properties.Metrics as { MetricStat?: { Metric: Record<string, unknown> } }[]).filter((q) => q.MetricStat).map((q) => q.MetricStat!.Metric);
      expect(metrics).toEqual(
        FUNCTION_NAMES.map((name) => ({
          Namespace: METRICS_NAMESPACE,
          MetricName: metricName,
          Dimensions: [
            { Name: 'account', Value: account },
            { Name: 'service', Value: name },
          ],
        })),
      );
      expect(ofAccount[0]!.Properties.AlarmDescription).toContain(`"${account}"`);
    });
  });

  it('encrypts the alarm topic with a rotating key that CloudWatch alarms of this account may use', () => {
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: s.ref(s.stack.alarmTopic.key.keyArn) });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('denies non-TLS publishing to the alarm topic and lets only own CloudWatch alarms publish', () => {
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('subscribes no e-mail address unless one is configured', () => {
    s.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('dashboard', () => {
  it('shows queue depths, function errors and durations, shares cancelled and guardrail trips', () => {
    const body = new Capture();
    s.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardBody: body });
    const text = JSON.stringify(s.ref(body.asObject()));
    for (const expected of [
      'ApproximateNumberOfMessagesVisible',
      'Errors',
      'Duration',
      PRODUCT_METRICS.sharesCancelled,
      PRODUCT_METRICS.guardrailTripped,
    ]) {
      expect(text).toContain(expected);
    }
  });
});

describe('outputs', () => {
  const outputs: [string, () => unknown][] = [
    [OUTPUT_KEYS.requestQueueUrl, () => s.ref(s.stack.requestQueue.queue.queueUrl)],
    [OUTPUT_KEYS.cancelQueueUrl, () => s.ref(s.stack.cancelQueue.queue.queueUrl)],
    [OUTPUT_KEYS.policiesTableName, () => s.ref(s.stack.tables.Policies!.table.tableName)],
    [OUTPUT_KEYS.sharesTableName, () => s.ref(s.stack.tables.ShareRecords!.table.tableName)],
    [OUTPUT_KEYS.inventoryTableName, () => s.ref(s.stack.tables.Inventory!.table.tableName)],
    [OUTPUT_KEYS.runsTableName, () => s.ref(s.stack.tables.Runs!.table.tableName)],
    [OUTPUT_KEYS.secretName, () => 'TeraboxShareLifecycle/terabox-session'],
    [OUTPUT_KEYS.eventBusName, () => s.ref(s.stack.eventBus.eventBusName)],
    [OUTPUT_KEYS.alarmTopicArn, () => s.ref(s.stack.alarmTopic.topic.topicArn)],
    [OUTPUT_KEYS.sweepFunctionName, () => s.ref(s.stack.functions['sweep-shares'].function.functionName)],
    [OUTPUT_KEYS.sweepStateMachineArn, () => s.ref(s.stack.sweepStateMachine.stateMachineArn)],
  ];
  it.each(outputs)('outputs %s under its stable key', (key, value) => {
    s.template.hasOutput(key, { Value: value() });
  });

  it('keeps the output keys the CLI reads', () => {
    expect(Object.keys(s.template.toJSON().Outputs).sort()).toEqual(
      [
        'RequestQueueUrl',
        'CancelQueueUrl',
        'PoliciesTableName',
        'SharesTableName',
        'InventoryTableName',
        'RunsTableName',
        'SecretName',
        'EventBusName',
        'AlarmTopicArn',
        'SweepFunctionName',
        'SweepStateMachineArn',
        // Says whether notices by email are on (infra/stack/notices.ts); the CLI does not read it.
        'EmailNotices',
      ].sort(),
    );
  });
});
