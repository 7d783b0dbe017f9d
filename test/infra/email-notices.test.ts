/**
 * Notices by email in the template: with a sender, a rule routes ShareMarkedForCancel to the
 * notice queue that notify-owners reads with a batching window, the sweep leaves the grace clock
 * to it, and the notifier may call ses:SendEmail only as the configured identity. Without a
 * sender none of it is deployed and an output says notices are off.
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import { Match } from 'aws-cdk-lib/assertions';
import { synthesize, type Synthesized } from './support/synth';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

const SENDER = 'share-notices@example.com';
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const allStatements = (s: Synthesized): Statement[] =>
  Object.values(s.template.findResources('AWS::IAM::Policy') as Record<string, Resource>).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
const notifierStatements = (s: Synthesized): Statement[] => {
  const role = JSON.stringify(s.ref(s.stack.notices!.notifier.role.roleName));
  const policy = Object.values(s.template.findResources('AWS::IAM::Policy') as Record<string, Resource>).find((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === role));
  return policy!.Properties.PolicyDocument.Statement as Statement[];
};
const sesArn = (kind: string, name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${kind}/${name}`]],
});

describe('email notices off (no sender)', () => {
  let s: Synthesized;
  beforeAll(() => (s = synthesize()));
  afterAll(() => s.cleanup());

  it('deploys no notifier, no rule and no SES permission, and says notices are off', () => {
    expect(s.stack.notices).toBeUndefined();
    s.template.resourceCountIs('AWS::Events::Rule', 0);
    expect(allStatements(s).flatMap((st) => asArray(st.Action)).filter((a) => a.startsWith('ses:'))).toEqual([]);
    s.template.hasOutput('EmailNotices', { Value: Match.stringLikeRegexp('^off: no shareLifecycle:noticeSender is configured') });
    const sweepEnv = (s.template.findResources('AWS::Lambda::Function') as Record<string, Resource>)[
      (s.ref(s.stack.functions['sweep-shares'].function.functionArn) as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0]
    ]!.Properties.Environment.Variables;
    expect(sweepEnv.NOTICE_DELIVERY).toBeUndefined();
  });
});

describe('email notices on', () => {
  let s: Synthesized;
  beforeAll(() => (s = synthesize({ noticeSender: SENDER, noticeConfigurationSet: 'digests', noticeSendsPerSecond: '14' }, { cloudFormationValidation: true })));
  afterAll(() => s.cleanup());

  it('routes ShareMarkedForCancel from the product bus to the notice queue', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: s.ref(s.stack.eventBus.eventBusName),
      EventPattern: { source: ['terabox-share-lifecycle'], 'detail-type': ['ShareMarkedForCancel'] },
      Targets: [Match.objectLike({ Arn: s.ref(s.stack.notices!.queue.queue.queueArn), DeadLetterConfig: { Arn: s.ref(s.stack.notices!.queue.deadLetterQueue.queueArn) } })],
    });
  });

  it('feeds the notifier from the queue with a batching window and partial batch responses', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: s.ref(s.stack.notices!.queue.queue.queueArn),
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 60,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('configures the notifier and makes the sweep leave the grace clock to it', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ NOTICE_SENDER: SENDER, NOTICE_CONFIGURATION_SET: 'digests', NOTICE_SENDS_PER_SECOND: '7', POWERTOOLS_SERVICE_NAME: 'notify-owners' }),
      },
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'sweep-shares', NOTICE_DELIVERY: 'email' }) },
    });
    s.template.hasOutput('EmailNotices', { Value: `on: digests from ${SENDER}` });
  });

  it('grants ses:SendEmail only on the configured identity (and its configuration set), to the notifier only', () => {
    const ses = allStatements(s).filter((st) => asArray(st.Action).some((a) => a.startsWith('ses:')));
    expect(ses).toEqual([
      { Sid: 'SendDigestsAsTheSender', Effect: 'Allow', Action: 'ses:SendEmail', Resource: [sesArn('identity', SENDER), sesArn('configuration-set', 'digests')] },
    ]);
    expect(notifierStatements(s)).toContainEqual(expect.objectContaining({ Sid: 'SendDigestsAsTheSender' }));
  });

  it('names a table or the notice queue in every other statement of the notifier (no wildcard but X-Ray)', () => {
    const others = notifierStatements(s).filter((st) => st.Sid !== 'SendDigestsAsTheSender' && st.Sid !== 'WriteOwnLogs');
    for (const st of others) {
      if (asArray(st.Action).every((a) => a.startsWith('xray:'))) continue;
      expect(JSON.stringify(st.Resource)).toMatch(/Table|NoticeQueue/);
    }
  });

  it('alarms on failed sends, notifier errors and the notice DLQ', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NoticeSendFailures', Namespace: 'TeraboxShareLifecycle', Dimensions: [{ Name: 'service', Value: 'notify-owners' }] });
    expect(s.stack.notices!.alarms).toHaveLength(3);
  });

  it('passes cdk-nag with the notifier deployed', () => {
    const report = new AwsSolutionsChecks().validateScope(s.app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('grants on a verified domain when the identity is the domain', () => {
    const d = synthesize({ noticeSender: SENDER, noticeIdentity: 'example.com' });
    try {
      const ses = allStatements(d).filter((st) => asArray(st.Action).includes('ses:SendEmail'));
      expect(ses.map((st) => st.Resource)).toEqual([sesArn('identity', 'example.com')]);
    } finally {
      d.cleanup();
    }
  });
});

describe('notice settings', () => {
  it.each([
    [{ noticeSender: 'Ana <ana@example.com>' }, 'shareLifecycle:noticeSender: must be an email address'],
    [{ noticeSender: SENDER, noticeIdentity: 'other.org' }, 'shareLifecycle:noticeIdentity: must be the sender address or its domain'],
    [{ noticeSendsPerSecond: '0' }, 'shareLifecycle:noticeSendsPerSecond: must be a number above 0'],
  ])('refuses %j', (overrides, message) => {
    expect(() => synthesize(overrides)).toThrow(message);
  });
});
