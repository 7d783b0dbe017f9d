/**
 * `share-lifecycle requests send|get` as a separate process: sending goes to a loopback stand-in
 * of SQS (support/sqs-stub.ts); what it received is then processed by the real create-shares
 * handler against the emulator and DynamoDB Local, and `requests get` reads the records back.
 */
import { createCreateSharesHandler } from '../../../functions/create-shares/handler';
import { EnvCredentialsProvider } from '../../../lib/config/terabox-credentials';
import { localObservability } from '../../../local/observability';
import { InMemoryEventBus } from '../../../lib/messages/in-memory-event-bus';
import { localLambdaContext } from '../../../lib/messages/in-memory-queue';
import { startEmulator, type RunningEmulator } from '../../../lib/terabox/emulator';
import { aShareRequest, anSqsEvent } from '../../factories/messages';
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, cliTables, emulatorEnv, requestLines, scratchDir, type CliTables } from './support/fixtures';
import { startSqsStub, type SqsStub } from './support/sqs-stub';

describe('share-lifecycle requests', () => {
  let cli: BuiltCli;
  let tables: CliTables;
  let sqs: SqsStub;
  let emulator: RunningEmulator;
  const files = scratchDir();
  const queueEnv = () => ({ REQUEST_QUEUE_URL: sqs.queueUrl, AWS_ENDPOINT_URL_SQS: sqs.url });

  const brochure = aShareRequest({ requestId: 'cli-req-1', fsIds: undefined, paths: ['/Public/brochure.pdf'], password: undefined, period: 30 });
  const privateKit = aShareRequest({ requestId: 'cli-req-2', requester: 'design', paths: undefined, fsIds: ['900000000000002'], password: 'k1t5' });

  beforeAll(async () => {
    [cli, tables, sqs, emulator] = await Promise.all([buildCli(), cliTables('cli-req'), startSqsStub({ failWith: 'refuse-me' }), startEmulator()]);
    emulator.state.addFiles([{ path: '/Public/brochure.pdf' }, { path: '/Team/kit.zip', fsId: '900000000000002' }]);
  });

  afterAll(async () => {
    cli.cleanup();
    files.remove();
    await Promise.all([tables.drop(), sqs.close(), emulator.close()]);
  });

  it('sends valid requests to the queue, and requests get shows what create-shares made of them', async () => {
    const file = files.write('good.jsonl', requestLines([brochure, privateKit]));
    const sent = await runCli(cli, ['requests', 'send', file], { env: cliEnv(queueEnv()) });
    expect(sent).toEqual({ code: 0, stdout: 'sent 2 requests\n', stderr: '' });
    expect(sqs.bodies.map((b) => JSON.parse(b) as unknown)).toEqual([brochure, privateKit]);

    // What SQS would deliver, through the Lambda's own handler.
    const { logger, metrics } = localObservability('create-shares');
    const handler = createCreateSharesHandler({
      config: { accountId: 'default', sharesTable: tables.names.shares, teraboxSecretId: 'unused', eventBusName: 'local', defaultPeriod: 7, secretCacheSeconds: 0 },
      overrides: {
        dynamoClient: tables.client,
        credentials: new EnvCredentialsProvider(emulatorEnv(emulator)),
        events: new InMemoryEventBus(),
        logger,
        metrics,
      },
    });
    try {
      expect(await handler(anSqsEvent(sqs.bodies), localLambdaContext('create-shares'))).toEqual({ batchItemFailures: [] });
    } finally {
      handler.runtime.close();
    }

    const got = await runCli(cli, ['requests', 'get', 'cli-req-2', '--json'], { env: cliEnv(tables.env) });
    expect(got.code).toBe(0);
    const record = JSON.parse(got.stdout) as Record<string, unknown>;
    const share = [...emulator.state.shares.values()].find((s) => s.fsIds.includes('900000000000002'));
    expect(record).toMatchObject({
      requestId: 'cli-req-2',
      status: 'created',
      requester: 'design',
      visibility: 'private',
      fsIds: ['900000000000002'],
      shortUrl: share?.shorturl,
    });
    expect(typeof record.shareId === 'string' || record.shareId === undefined).toBe(true);
    expect(got.stdout).not.toContain('k1t5'); // the share password is not stored, so never shown

    const text = await runCli(cli, ['requests', 'get', 'cli-req-1'], { env: cliEnv(tables.env) });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^request:\s+cli-req-1$/m);
    expect(text.stdout).toMatch(/^status:\s+created$/m);
    expect(text.stdout).toMatch(/^share id:\s+\d+$/m);
    expect(text.stdout).toContain(`${emulator.url}/s/1`);
  });

  it('reads requests from stdin with -', async () => {
    const before = sqs.bodies.length;
    const result = await runCli(cli, ['requests', 'send', '-', '--json'], {
      env: cliEnv(queueEnv()),
      stdin: JSON.stringify(aShareRequest({ requestId: 'cli-stdin-1' })),
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ sent: 1, failed: [], requestIds: ['cli-stdin-1'] });
    expect(sqs.bodies.length).toBe(before + 1);
  });

  it.each([
    ['a request without requester', { requestId: 'x-1', paths: ['/a'] }, 'line 2: requester: is required'],
    ['a relative path', { requestId: 'x-2', requester: 'me', paths: ['a.pdf'] }, 'line 2: paths[0]: must be an absolute path'],
    ['a bad period', { requestId: 'x-3', requester: 'me', fsIds: ['1'], period: 3 }, 'line 2: period: must be one of 0 (permanent), 1, 7 or 30'],
    ['a reused request id', { ...aShareRequest({ requestId: 'dup' }) }, 'line 2: requestId: "dup" is already used by line 1'],
  ])('sends nothing when the file holds %s', async (_what, bad, message) => {
    const targetsBefore = sqs.targets.length;
    const file = files.write('bad.jsonl', requestLines([aShareRequest({ requestId: 'dup' }), bad]));
    const result = await runCli(cli, ['requests', 'send', file], { env: cliEnv(queueEnv()) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid requests; nothing was sent');
    expect(result.stderr).toContain(message);
    expect(sqs.targets.length).toBe(targetsBefore);
  });

  it('validates before it looks at the settings, so a file can be checked without a queue', async () => {
    const file = files.write('not-json.jsonl', '{"requestId": \n');
    const result = await runCli(cli, ['requests', 'send', file], { env: cliEnv() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 1: not valid JSON/);
  });

  it('reports each request the queue refused and exits 1', async () => {
    const file = files.write('refused.jsonl', requestLines([aShareRequest({ requestId: 'ok-1' }), aShareRequest({ requestId: 'refuse-me' })]));
    const result = await runCli(cli, ['requests', 'send', file], { env: cliEnv(queueEnv()) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('sent 1 request, 1 failed');
    expect(result.stdout).toContain('failed  refuse-me: InvalidParameterValue: refused by the stub');
  });

  it.each([
    [['requests', 'send', 'samples/requests.jsonl'], 'share-lifecycle: missing setting: REQUEST_QUEUE_URL (set it in the environment or pass --stack NAME)\n'],
    [['requests', 'get', 'x'], 'share-lifecycle: missing setting: SHARES_TABLE (set it in the environment or pass --stack NAME)\n'],
    [['requests', 'send', 'no-such-file.jsonl'], 'share-lifecycle: cannot read no-such-file.jsonl: no such file\n'],
  ])('share-lifecycle %j exits 2 with one line', async (args, stderr) => {
    const result = await runCli(cli, args, { env: cliEnv() });
    expect(result).toEqual({ code: 2, stdout: '', stderr });
  });

  it('says when a request id is unknown', async () => {
    const result = await runCli(cli, ['requests', 'get', 'never-sent'], { env: cliEnv(tables.env) });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('share-lifecycle: no request "never-sent" in the share records table (not processed yet, or never sent)\n');
  });
});
