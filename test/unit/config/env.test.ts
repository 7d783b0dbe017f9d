import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, ListEventBusesCommand } from '@aws-sdk/client-eventbridge';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CONTEXT_KEYS, readStackConfig } from '../../../infra/config';
import { ConfigError, LIST_ENDPOINT_VALUES, loadCancelConfig, loadCreateSharesConfig, loadNotifyConfig, loadSweepConfig, type Env } from '../../../lib/config/env';
import { SHARE_LIST_ENDPOINT_NAMES } from '../../../lib/terabox';

const fullEnv: Env = {
  POLICIES_TABLE: 'Lifecycle-Policies',
  SHARES_TABLE: 'Lifecycle-Shares',
  INVENTORY_TABLE: 'Lifecycle-Inventory',
  RUNS_TABLE: 'Lifecycle-Runs',
  TERABOX_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:terabox-AbCdEf',
  CANCEL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/cancel',
  EVENT_BUS_NAME: 'share-lifecycle',
  GLOBAL_DRY_RUN: 'false',
};

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadSweepConfig', () => {
  it('reads every setting and applies the documented defaults', () => {
    expect(loadSweepConfig(fullEnv)).toEqual({
      accountId: 'default',
      policiesTable: 'Lifecycle-Policies',
      sharesTable: 'Lifecycle-Shares',
      inventoryTable: 'Lifecycle-Inventory',
      runsTable: 'Lifecycle-Runs',
      teraboxSecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:terabox-AbCdEf',
      cancelQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/cancel',
      eventBusName: 'share-lifecycle',
      globalDryRun: false,
      guardrails: { maxCancellations: 500, maxCancellationPercent: 20 },
      secretCacheSeconds: 300,
      listConcurrency: 4,
      cancelBatchSize: 100,
      listEndpoint: 'sharelist',
      pagesPerChunk: 2000,
      noticeDelivery: 'bus',
    });
  });

  it('reads overridden values', () => {
    const config = loadSweepConfig({
      ...fullEnv,
      ACCOUNT_ID: 'acct-2',
      GLOBAL_DRY_RUN: 'TRUE',
      MAX_CANCELLATIONS_PER_RUN: '0',
      MAX_CANCELLATION_PERCENT: '12.5',
      SECRET_CACHE_SECONDS: '0',
      TERABOX_LIST_CONCURRENCY: '8',
      TERABOX_CANCEL_BATCH_SIZE: '25',
      TERABOX_REQUESTS_PER_SECOND: '2.5',
      SWEEP_PAGES_PER_CHUNK: '40',
    });
    expect(config).toMatchObject({
      requestsPerSecond: 2.5,
      pagesPerChunk: 40,
      accountId: 'acct-2',
      globalDryRun: true,
      guardrails: { maxCancellations: 0, maxCancellationPercent: 12.5 },
      secretCacheSeconds: 0,
      listConcurrency: 8,
      cancelBatchSize: 25,
    });
  });

  it('reports every missing setting in one error', () => {
    const error = (() => {
      try {
        loadSweepConfig({});
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toEqual([
      'CANCEL_QUEUE_URL is missing or empty',
      'EVENT_BUS_NAME is missing or empty',
      'GLOBAL_DRY_RUN is missing or empty',
      'INVENTORY_TABLE is missing or empty',
      'POLICIES_TABLE is missing or empty',
      'RUNS_TABLE is missing or empty',
      'SHARES_TABLE is missing or empty',
      'TERABOX_SECRET_ID is missing or empty',
    ]);
    expect(error.message).toMatch(/^Invalid configuration \(8 problems\): CANCEL_QUEUE_URL is missing or empty; /);
  });

  it.each<[string, string, string]>([
    ['POLICIES_TABLE', 'ab', 'POLICIES_TABLE must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'],
    ['SHARES_TABLE', 'has space', 'SHARES_TABLE must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'],
    ['CANCEL_QUEUE_URL', 'not a url', 'CANCEL_QUEUE_URL must be an http(s) SQS queue URL'],
    ['CANCEL_QUEUE_URL', 'ftp://queue', 'CANCEL_QUEUE_URL must be an http(s) SQS queue URL'],
    ['EVENT_BUS_NAME', 'bus name', 'EVENT_BUS_NAME must be an event bus name or ARN'],
    ['TERABOX_SECRET_ID', 'my secret', 'TERABOX_SECRET_ID must be a secret name or ARN (no whitespace)'],
    ['GLOBAL_DRY_RUN', 'yes', 'GLOBAL_DRY_RUN must be "true" or "false"'],
    ['ACCOUNT_ID', 'two words', 'ACCOUNT_ID must be 1-128 printable ASCII characters'],
    ['MAX_CANCELLATIONS_PER_RUN', '-1', 'MAX_CANCELLATIONS_PER_RUN must be a whole number from 0 to 1000000000'],
    ['MAX_CANCELLATIONS_PER_RUN', '1e3', 'MAX_CANCELLATIONS_PER_RUN must be a whole number from 0 to 1000000000'],
    ['MAX_CANCELLATION_PERCENT', '101', 'MAX_CANCELLATION_PERCENT must be a number from 0 to 100'],
    ['MAX_CANCELLATION_PERCENT', '20%', 'MAX_CANCELLATION_PERCENT must be a number from 0 to 100'],
    ['SECRET_CACHE_SECONDS', '86401', 'SECRET_CACHE_SECONDS must be a whole number from 0 to 86400'],
    ['TERABOX_LIST_CONCURRENCY', '0', 'TERABOX_LIST_CONCURRENCY must be a whole number from 1 to 16'],
    ['SWEEP_PAGES_PER_CHUNK', '0', 'SWEEP_PAGES_PER_CHUNK must be a whole number from 1 to 100000'],
    ['TERABOX_CANCEL_BATCH_SIZE', '101', 'TERABOX_CANCEL_BATCH_SIZE must be a whole number from 1 to 100'],
    ['TERABOX_REQUESTS_PER_SECOND', '0', 'TERABOX_REQUESTS_PER_SECOND must be a number above 0 and at most 1000 (requests per second)'],
    ['TERABOX_REQUESTS_PER_SECOND', '5/s', 'TERABOX_REQUESTS_PER_SECOND must be a number above 0 and at most 1000 (requests per second)'],
    ['TERABOX_REQUESTS_PER_SECOND', '1001', 'TERABOX_REQUESTS_PER_SECOND must be a number above 0 and at most 1000 (requests per second)'],
  ])('rejects %s=%j', (name, value, problem) => {
    expect(problemsOf(() => loadSweepConfig({ ...fullEnv, [name]: value }))).toEqual([problem]);
  });

  it('treats an empty variable as missing, and a blank optional one as its default', () => {
    expect(problemsOf(() => loadSweepConfig({ ...fullEnv, SHARES_TABLE: '  ' }))).toEqual(['SHARES_TABLE is missing or empty']);
    expect(loadSweepConfig({ ...fullEnv, MAX_CANCELLATIONS_PER_RUN: '' }).guardrails.maxCancellations).toBe(500);
  });

  it('never echoes a value in its error', () => {
    const error = (() => {
      try {
        loadSweepConfig({ ...fullEnv, CANCEL_QUEUE_URL: 'sentinel-value-123' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).not.toContain('sentinel-value-123');
  });
});

describe('loadCreateSharesConfig', () => {
  it('needs only what create-shares uses', () => {
    const env = { SHARES_TABLE: 'Lifecycle-Shares', TERABOX_SECRET_ID: 'terabox', EVENT_BUS_NAME: 'bus', DEFAULT_PERIOD: '30' };
    expect(loadCreateSharesConfig(env)).toEqual({
      accountId: 'default',
      sharesTable: 'Lifecycle-Shares',
      teraboxSecretId: 'terabox',
      eventBusName: 'bus',
      defaultPeriod: 30,
      secretCacheSeconds: 300,
      listEndpoint: 'sharelist',
    });
  });

  it.each([['record', 'record'], [' Record ', 'record'], ['sharelist', 'sharelist'], ['', 'sharelist']])('reads TERABOX_LIST_ENDPOINT=%p as %p', (value, endpoint) => {
    expect(loadCreateSharesConfig({ ...fullEnv, TERABOX_LIST_ENDPOINT: value }).listEndpoint).toBe(endpoint);
    expect(loadSweepConfig({ ...fullEnv, TERABOX_LIST_ENDPOINT: value }).listEndpoint).toBe(endpoint);
  });

  it('rejects a list endpoint the client does not know, without echoing it', () => {
    expect(problemsOf(() => loadSweepConfig({ ...fullEnv, TERABOX_LIST_ENDPOINT: 'records' }))).toEqual(['TERABOX_LIST_ENDPOINT must be sharelist or record']);
  });

  it('names the same list endpoints as the client and the CDK config', () => {
    expect([...LIST_ENDPOINT_VALUES]).toEqual([...SHARE_LIST_ENDPOINT_NAMES]);
    expect(readStackConfig({ tryGetContext: (key) => (key === CONTEXT_KEYS.teraboxListEndpoint ? 'record' : undefined) }).teraboxListEndpoint).toBe('record');
    for (const name of SHARE_LIST_ENDPOINT_NAMES) {
      expect(readStackConfig({ tryGetContext: (key) => (key === CONTEXT_KEYS.teraboxListEndpoint ? name : undefined) }).teraboxListEndpoint).toBe(name);
    }
  });

  it.each([['0', 0], ['1', 1], ['7', 7], ['30', 30], [undefined, 7]])('reads DEFAULT_PERIOD=%s as %s', (value, period) => {
    expect(loadCreateSharesConfig({ ...fullEnv, DEFAULT_PERIOD: value }).defaultPeriod).toBe(period);
  });

  it('rejects a period TeraBox does not offer', () => {
    expect(problemsOf(() => loadCreateSharesConfig({ ...fullEnv, DEFAULT_PERIOD: '14' }))).toEqual(['DEFAULT_PERIOD must be 0, 1, 7 or 30 (days; 0 = permanent)']);
  });
});

describe('loadCancelConfig', () => {
  it('needs only what cancel-shares uses, including the global dry-run lock', () => {
    expect(problemsOf(() => loadCancelConfig({}))).toEqual([
      'EVENT_BUS_NAME is missing or empty',
      'GLOBAL_DRY_RUN is missing or empty',
      'RUNS_TABLE is missing or empty',
      'SHARES_TABLE is missing or empty',
      'TERABOX_SECRET_ID is missing or empty',
    ]);
    expect(loadCancelConfig(fullEnv)).toEqual({
      accountId: 'default',
      sharesTable: 'Lifecycle-Shares',
      policiesTable: 'Lifecycle-Policies',
      runsTable: 'Lifecycle-Runs',
      teraboxSecretId: fullEnv.TERABOX_SECRET_ID,
      eventBusName: 'share-lifecycle',
      globalDryRun: false,
      secretCacheSeconds: 300,
      cancelBatchSize: 100,
    });
  });
});

// The handlers build their SDK clients with no endpoint option and rely on the SDK reading the
// standard endpoint variables. This proves it for the installed SDK versions: each client,
// built with no options at all, sends its request to a loopback server named only by the variable.
async function once<C extends { destroy(): void }>(client: C, call: (client: C) => Promise<unknown>): Promise<void> {
  try {
    await call(client);
  } finally {
    client.destroy();
  }
}

describe('AWS SDK endpoint variables', () => {
  let server: Server;
  let requests: Array<{ target: string | undefined; path: string | undefined }>;
  let url: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    requests = [];
    server = createServer((req: IncomingMessage, res) => {
      requests.push({ target: req.headers['x-amz-target'] as string | undefined, path: req.url });
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    requests.length = 0;
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  });

  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it.each([
    ['AWS_ENDPOINT_URL_DYNAMODB', () => once(new DynamoDBClient(), (c) => c.send(new ListTablesCommand({}))), 'DynamoDB_20120810.ListTables'],
    ['AWS_ENDPOINT_URL_SQS', () => once(new SQSClient(), (c) => c.send(new ListQueuesCommand({}))), 'AmazonSQS.ListQueues'],
    ['AWS_ENDPOINT_URL_EVENTBRIDGE', () => once(new EventBridgeClient(), (c) => c.send(new ListEventBusesCommand({}))), 'AWSEvents.ListEventBuses'],
    ['AWS_ENDPOINT_URL_SECRETS_MANAGER', () => once(new SecretsManagerClient(), (c) => c.send(new ListSecretsCommand({}))), 'secretsmanager.ListSecrets'],
    ['AWS_ENDPOINT_URL', () => once(new DynamoDBClient(), (c) => c.send(new ListTablesCommand({}))), 'DynamoDB_20120810.ListTables'],
  ])('a client built with no options follows %s', async (variable, call, target) => {
    process.env[variable] = url;
    await call();
    expect(requests).toEqual([{ target, path: '/' }]);
  });
});

describe('loadNotifyConfig', () => {
  const base = { POLICIES_TABLE: 'Lifecycle-Policies', INVENTORY_TABLE: 'Lifecycle-Inventory', RUNS_TABLE: 'Lifecycle-Runs', NOTICE_SENDER: 'notices@example.com' };

  it('reads the sender, its pace and the link base, with defaults', () => {
    expect(loadNotifyConfig(base)).toEqual({
      accountId: 'default',
      policiesTable: 'Lifecycle-Policies',
      inventoryTable: 'Lifecycle-Inventory',
      runsTable: 'Lifecycle-Runs',
      sender: 'notices@example.com',
      sendsPerSecond: 1,
      linkBase: 'https://www.terabox.com',
    });
    expect(loadNotifyConfig({ ...base, NOTICE_REPLY_TO: 'admin@example.com', NOTICE_CONFIGURATION_SET: 'digests', NOTICE_SENDS_PER_SECOND: '7.5' })).toMatchObject({
      replyTo: 'admin@example.com',
      configurationSet: 'digests',
      sendsPerSecond: 7.5,
    });
  });

  it('reports every bad notice setting at once', () => {
    expect(() => loadNotifyConfig({ ...base, NOTICE_SENDER: 'Ana <ana@example.com>', NOTICE_REPLY_TO: 'nope', NOTICE_SENDS_PER_SECOND: '0', NOTICE_DELIVERY: 'x' })).toThrow(
      /NOTICE_REPLY_TO must be an email address; NOTICE_SENDER must be an email address; NOTICE_SENDS_PER_SECOND must be a number above 0/,
    );
  });

  it('reads NOTICE_DELIVERY for the sweep', () => {
    expect(loadSweepConfig({ ...fullEnv, NOTICE_DELIVERY: 'email' }).noticeDelivery).toBe('email');
    expect(() => loadSweepConfig({ ...fullEnv, NOTICE_DELIVERY: 'sms' })).toThrow('NOTICE_DELIVERY must be bus or email');
  });
});
