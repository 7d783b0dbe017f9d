import {
  CONFIG_DEFAULTS,
  CONTEXT_KEYS,
  InfraConfigError,
  readStackConfig,
  scheduleExpressionProblem,
  type StackConfig,
} from '../../infra/config';
import { build, cdkJsonContext, type ContextOverrides } from './support/synth';

/** A context source over plain overrides, keyed by config field, without cdk.json. */
const contextOf = (overrides: ContextOverrides) => {
  const context: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(overrides)) context[CONTEXT_KEYS[field as keyof StackConfig]] = value;
  return { tryGetContext: (key: string) => context[key], getAllContext: () => context };
};

const issuesOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InfraConfigError);
    return [...(error as InfraConfigError).issues];
  }
  throw new Error('expected an InfraConfigError');
};

describe('readStackConfig', () => {
  it('uses the same defaults as cdk.json, so tests synthesize what `cdk synth` does', () => {
    const fromCdkJson = cdkJsonContext();
    for (const [field, value] of Object.entries(CONFIG_DEFAULTS)) {
      const key = CONTEXT_KEYS[field as keyof StackConfig];
      if (key in fromCdkJson) expect([key, fromCdkJson[key]]).toEqual([key, value]);
    }
    expect(readStackConfig(contextOf({}))).toEqual(readStackConfig({ tryGetContext: (key) => fromCdkJson[key] }));
  });

  it('turns the global dry run on by default', () => {
    expect(readStackConfig(contextOf({})).globalDryRun).toBe(true);
  });

  it('reads every setting from typed context values', () => {
    expect(
      readStackConfig(
        contextOf({
          stackName: 'Shares-Prod',
          scheduleExpression: 'cron(0 3 * * ? *)',
          scheduleTimeZone: 'Europe/Berlin',
          globalDryRun: false,
          maxCancellationsPerRun: 50,
          maxCancellationPercent: 2.5,
          defaultPeriod: 30,
          alarmEmail: 'ops@example.com',
          accountId: 'acct-1',
          logLevel: 'DEBUG',
          logRetentionDays: 30,
          secretCacheSeconds: 60,
          teraboxRequestsPerSecond: 2.5,
          teraboxListConcurrency: 4,
          teraboxCancelBatchSize: 200,
          teraboxListEndpoint: 'record',
        }),
      ),
    ).toEqual({
      stackName: 'Shares-Prod',
      scheduleExpression: 'cron(0 3 * * ? *)',
      scheduleTimeZone: 'Europe/Berlin',
      globalDryRun: false,
      maxCancellationsPerRun: 50,
      maxCancellationPercent: 2.5,
      defaultPeriod: 30,
      alarmEmail: 'ops@example.com',
      accountId: 'acct-1',
      accounts: [],
      logLevel: 'DEBUG',
      logRetentionDays: 30,
      secretCacheSeconds: 60,
      teraboxRequestsPerSecond: 2.5,
      teraboxListConcurrency: 4,
      teraboxCancelBatchSize: 200,
      teraboxListEndpoint: 'record',
      noticesEnabled: true,
      noticeSendsPerSecond: 1,
    });
  });

  it.each([
    ['globalDryRun', 'false', false],
    ['globalDryRun', 'true', true],
    ['maxCancellationsPerRun', '250', 250],
    ['maxCancellationPercent', '7.5', 7.5],
    ['defaultPeriod', '0', 0],
    ['teraboxCancelBatchSize', '999', 999],
    ['teraboxRequestsPerSecond', '0.5', 0.5],
  ] as const)('accepts %s=%s as given by `cdk synth -c` (a string)', (field, raw, parsed) => {
    expect(readStackConfig(contextOf({ [field]: raw }))[field]).toBe(parsed);
  });

  it.each([
    [['brand', 'support'], ['brand', 'support']],
    ['brand, support', ['brand', 'support']],
  ] as const)('reads accounts %j (a JSON list or ids separated by commas)', (value, expected) => {
    expect(readStackConfig(contextOf({ accounts: value })).accounts).toEqual(expected);
  });

  it.each(['alarmEmail', 'teraboxListConcurrency', 'teraboxCancelBatchSize', 'teraboxListEndpoint'] as const)('treats an empty %s as unset', (field) => {
    expect(readStackConfig(contextOf({ [field]: '' }))[field]).toBeUndefined();
  });

  it.each([
    ['scheduleExpression', 'every hour', 'must be rate(value unit) or cron('],
    ['scheduleExpression', 'rate(1 hours)', 'singular'],
    ['scheduleExpression', 'rate(5 minute)', 'plural'],
    ['scheduleExpression', 'cron(0 3 * * *)', 'needs 6 fields'],
    ['scheduleExpression', 'cron(0 3 * * MON *)', 'needs ? in day-of-month or day-of-week'],
    ['scheduleExpression', 'at(2026-01-01T00:00:00)', 'must recur'],
    ['scheduleTimeZone', 'Mars/Olympus_Mons', 'IANA time zone'],
    ['globalDryRun', 'maybe', 'true or false'],
    ['maxCancellationsPerRun', 0, 'whole number from 1 to 100000'],
    ['maxCancellationsPerRun', 12.5, 'whole number from 1 to 100000'],
    ['maxCancellationPercent', 0, 'above 0 and at most 100'],
    ['maxCancellationPercent', 150, 'above 0 and at most 100'],
    ['defaultPeriod', 3, '0, 1, 7 or 30'],
    ['alarmEmail', 'ops-at-example', 'e-mail address'],
    ['accountId', 'has spaces', 'letters, digits'],
    ['logLevel', 'VERBOSE', 'DEBUG, INFO, WARN or ERROR'],
    ['logRetentionDays', 10, 'must be one of'],
    ['teraboxCancelBatchSize', 1000, 'whole number from 1 to 999'],
    ['teraboxListEndpoint', 'records', 'must be sharelist or record'],
    ['teraboxRequestsPerSecond', 0, 'above 0 and at most 1000'],
    ['teraboxRequestsPerSecond', 5000, 'above 0 and at most 1000'],
    ['stackName', '1-bad_name', 'start with a letter'],
    ['accounts', [], 'at least one account'],
    ['accounts', ['brand', 'brand'], 'twice'],
    ['accounts', ['-brand'], 'starting and ending with a letter or digit'],
    ['accounts', 'brand,has space', 'account id'],
  ] as const)('rejects %s=%j with a message naming the key and the rule', (field, value, message) => {
    const issues = issuesOf(() => readStackConfig(contextOf({ [field]: value })));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(`${CONTEXT_KEYS[field]}: `);
    expect(issues[0]).toContain(message);
  });

  it('reports every invalid key at once', () => {
    const issues = issuesOf(() =>
      readStackConfig(
        contextOf({
          scheduleExpression: 'hourly',
          scheduleTimeZone: 'Nowhere/Land',
          globalDryRun: 'perhaps',
          maxCancellationsPerRun: -1,
          maxCancellationPercent: 101,
          defaultPeriod: 2,
        }),
      ),
    );
    expect(issues.map((issue) => issue.split(': ')[0])).toEqual([
      CONTEXT_KEYS.scheduleExpression,
      CONTEXT_KEYS.scheduleTimeZone,
      CONTEXT_KEYS.globalDryRun,
      CONTEXT_KEYS.maxCancellationsPerRun,
      CONTEXT_KEYS.maxCancellationPercent,
      CONTEXT_KEYS.defaultPeriod,
    ]);
  });

  it('rejects a misspelt shareLifecycle: key instead of silently using the default', () => {
    const context: Record<string, unknown> = { 'shareLifecycle:maxCancelationsPerRun': 5 };
    const issues = issuesOf(() => readStackConfig({ tryGetContext: (key) => context[key], getAllContext: () => context }));
    expect(issues).toEqual([expect.stringMatching(/^shareLifecycle:maxCancelationsPerRun: unknown setting/)]);
  });

  it('stops the app before any construct is built when the context is invalid', () => {
    expect(() => build({ defaultPeriod: 14, scheduleTimeZone: 'Atlantis' })).toThrow(
      /Invalid CDK context[\s\S]*shareLifecycle:scheduleTimeZone: must be an IANA time zone[\s\S]*shareLifecycle:defaultPeriod: must be 0, 1, 7 or 30/,
    );
  });
});

describe('scheduleExpressionProblem', () => {
  it.each(['rate(1 minute)', 'rate(15 minutes)', 'rate(1 hour)', 'rate(6 hours)', 'rate(1 day)', 'cron(0 3 * * ? *)', 'cron(0/30 8-18 ? * MON-FRI *)'])(
    'accepts %s',
    (expression) => {
      expect(scheduleExpressionProblem(expression)).toBeUndefined();
    },
  );
});
