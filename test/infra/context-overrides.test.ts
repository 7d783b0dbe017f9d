import { Match } from 'aws-cdk-lib/assertions';
import { FUNCTION_NAMES } from '../../infra/share-lifecycle-stack';
import { synthesize, type Synthesized } from './support/synth';

// One synthesis with every override at once (each synthesis costs seconds), as `cdk synth -c` gives them: strings.
let s: Synthesized;
beforeAll(() => {
  s = synthesize({
    stackName: 'SharesStaging',
    scheduleExpression: 'cron(30 2 * * ? *)',
    scheduleTimeZone: 'Asia/Tokyo',
    globalDryRun: 'false',
    maxCancellationsPerRun: '40',
    maxCancellationPercent: '5',
    defaultPeriod: '30',
    alarmEmail: 'ops@example.com',
    accountId: 'team-a',
    logLevel: 'DEBUG',
    logRetentionDays: '30',
    teraboxListConcurrency: '3',
    teraboxRequestsPerSecond: '2',
    teraboxCancelBatchSize: '250',
    teraboxListEndpoint: 'record',
  });
});
afterAll(() => s.cleanup());

describe('context overrides', () => {
  it('names the stack and the secret after the configured stack name', () => {
    expect(s.stack.stackName).toBe('SharesStaging');
    s.template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'SharesStaging/terabox-session' });
    s.template.hasOutput('SecretName', { Value: 'SharesStaging/terabox-session' });
  });

  it('schedules the sweep with the configured expression and time zone', () => {
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
    });
  });

  it.each([...FUNCTION_NAMES])('passes the dry-run switch, limits, period and tuning to %s', (name) => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: name,
          GLOBAL_DRY_RUN: 'false',
          MAX_CANCELLATIONS_PER_RUN: '40',
          MAX_CANCELLATION_PERCENT: '5',
          DEFAULT_PERIOD: '30',
          ACCOUNT_ID: 'team-a',
          LOG_LEVEL: 'DEBUG',
          TERABOX_LIST_CONCURRENCY: '3',
          TERABOX_REQUESTS_PER_SECOND: '2',
          TERABOX_CANCEL_BATCH_SIZE: '250',
          TERABOX_LIST_ENDPOINT: 'record',
        }),
      },
    });
  });

  it('subscribes the configured e-mail address to the alarm topic', () => {
    s.template.resourceCountIs('AWS::SNS::Subscription', 1);
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: s.ref(s.stack.alarmTopic.topic.topicArn),
    });
  });

  it('applies the configured log retention to every function log group and the state machine log group', () => {
    const groups = Object.values(s.template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(4);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });
});
