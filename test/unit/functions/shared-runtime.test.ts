/**
 * functions/shared: the metric contract with infra, the create-failure classification, the
 * reconnecting TeraBox gateway, the lazily built runtime and handler.
 */
import type { CancelOutcome, CreateShareInput } from '../../../lib/app/ports';
import { deferred, within } from '../../support/waiting';
import type { TeraboxCredentials, TeraboxCredentialsProvider } from '../../../lib/config/terabox-credentials';
import { TeraboxCredentialsError } from '../../../lib/config/terabox-credentials';
import type { Share } from '../../../lib/domain/share';
import {
  TeraboxAbortedError,
  TeraboxApiError,
  TeraboxAuthError,
  TeraboxHttpError,
  TeraboxNetworkError,
  TeraboxResponseError,
  TeraboxTimeoutError,
  TeraboxValidationError,
  TeraboxVerificationRequiredError,
  type TeraboxClient,
} from '../../../lib/terabox';
import { METRICS_NAMESPACE as INFRA_NAMESPACE, PRODUCT_METRICS } from '../../../infra/share-lifecycle-stack';
import {
  METRICS_NAMESPACE,
  METRIC_NAMES,
  ReconnectingTeraboxGateway,
  RuntimeConfigError,
  buildRuntime,
  classifyTeraboxCreateFailure,
  describeFailure,
  lazyHandler,
  sqsBatchHandler,
} from '../../../functions/shared';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { aLambdaContext, anSqsEventOf, anSqsRecordWithBody } from '../../factories/sqs-events';
import type { CreateFailureKind } from '../../../lib/app/create-share';
import { SWEEP_METRICS } from '../../../lib/app/sweep';

describe('the metric contract with infra', () => {
  it('uses the namespace and the metric names the alarms read', () => {
    expect(METRICS_NAMESPACE).toBe(INFRA_NAMESPACE);
    expect(METRIC_NAMES).toEqual(PRODUCT_METRICS);
  });

  it('has the sweep publish the metrics its alarms read under the same names', () => {
    const names = [SWEEP_METRICS.guardrailTripped, SWEEP_METRICS.apiShapeChanged, SWEEP_METRICS.cancelsIneffective, SWEEP_METRICS.cancelsGivenUp, SWEEP_METRICS.createdSharesMissing];
    expect(names).toEqual([
      PRODUCT_METRICS.guardrailTripped,
      PRODUCT_METRICS.apiShapeChanged,
      PRODUCT_METRICS.cancelsIneffective,
      PRODUCT_METRICS.cancelsGivenUp,
      PRODUCT_METRICS.createdSharesMissing,
    ]);
  });
});

describe('classifyTeraboxCreateFailure', () => {
  it.each<[string, CreateFailureKind, unknown]>([
    ['an auth error', 'auth', new TeraboxAuthError('errno -6')],
    ['a verification request (a person must act)', 'auth', new TeraboxVerificationRequiredError(9019, '/share/pset')],
    ['input the client refused', 'permanent', new TeraboxValidationError(['period must be 0, 1, 7 or 30'])],
    ['errno -9 (file does not exist)', 'permanent', new TeraboxApiError(-9, '/share/pset')],
    ['errno 2 (bad parameter)', 'permanent', new TeraboxApiError(2, '/share/pset')],
    ['errno -10 (share-link limit)', 'permanent', new TeraboxApiError(-10, '/share/pset')],
    ['errno 110 (rate limited)', 'transient', new TeraboxApiError(110, '/share/pset')],
    ['an unknown errno', 'transient', new TeraboxApiError(31337, '/share/pset')],
    ['a refused connection', 'transient', new TeraboxNetworkError('/share/pset', 'ECONNREFUSED', false)],
    ['a reset connection', 'uncertain', new TeraboxNetworkError('/share/pset', 'ECONNRESET', true)],
    ['HTTP 429', 'transient', new TeraboxHttpError(429, '/share/pset')],
    ['HTTP 502', 'uncertain', new TeraboxHttpError(502, '/share/pset')],
    ['a request timeout', 'uncertain', new TeraboxTimeoutError('request', 15_000, '/share/pset')],
    ['an HTML answer', 'uncertain', new TeraboxResponseError('html', 'HTML where JSON was expected')],
    ['an answer without a link', 'uncertain', new TeraboxResponseError('shape', 'errno 0 but no link')],
    ['an abort', 'uncertain', new TeraboxAbortedError('aborted')],
    ['an unreadable secret', 'transient', new TeraboxCredentialsError('Could not read the TeraBox secret')],
    ['anything else', 'uncertain', new TypeError('boom')],
  ])('%s is %s', (_what, kind, error) => {
    expect(classifyTeraboxCreateFailure(error).kind).toBe(kind);
  });

  it('describes failures without credentials and within 500 characters', () => {
    expect(describeFailure(new Error('cookie ndus=abc123secret; jsToken=XYZ'))).toBe('Error: cookie ndus=[REDACTED]; jsToken=[REDACTED]');
    expect(describeFailure(new Error('x'.repeat(2000))).length).toBe(500);
  });
});

class Credentials implements TeraboxCredentialsProvider {
  invalidations = 0;
  constructor(public value: TeraboxCredentials) {}
  async get(): Promise<TeraboxCredentials> {
    return { ...this.value };
  }
  invalidate(): void {
    this.invalidations += 1;
  }
}

/** A client double: createShare / paginateShares / cancelShares do what the test says. */
function fakeClient(behaviour: { create?: () => Promise<never>; list?: Share[]; listError?: Error; cancel?: CancelOutcome[] } = {}) {
  const client = {
    closed: false,
    createShare: async (input: CreateShareInput) =>
      behaviour.create ? behaviour.create() : { shareId: '1', shortUrl: '1a', link: 'https://www.terabox.com/s/1a', period: input.period },
    async *paginateShares() {
      yield* behaviour.list ?? [];
      if (behaviour.listError) throw behaviour.listError;
    },
    cancelShares: async () => behaviour.cancel ?? [],
    close() {
      client.closed = true;
    },
  };
  return client;
}

function gateway(clients: Array<ReturnType<typeof fakeClient>>, credentials = new Credentials({ ndus: 'n1', baseUrl: 'http://127.0.0.1:1' })) {
  const built: TeraboxCredentials[] = [];
  const authFailures: Error[] = [];
  const verifications: Error[] = [];
  const g = new ReconnectingTeraboxGateway({
    credentials,
    build: (c) => {
      built.push(c);
      const next = clients[built.length - 1];
      if (!next) throw new Error('no more clients');
      return next as unknown as TeraboxClient;
    },
    onAuthFailure: (e) => authFailures.push(e),
    onVerificationRequired: (e) => verifications.push(e),
  });
  return { g, built, authFailures, verifications, credentials };
}

describe('ReconnectingTeraboxGateway', () => {
  const input: CreateShareInput = { paths: ['/a'], period: 7 };

  it('builds one client and keeps it while the credentials stay the same', async () => {
    const { g, built } = gateway([fakeClient()]);
    await g.createShare(input);
    await g.createShare(input);
    expect(built).toHaveLength(1);
  });

  it('builds a new client when the credentials change (a rotated cookie), closing the old one on close()', async () => {
    const first = fakeClient();
    const second = fakeClient();
    const { g, built, credentials } = gateway([first, second]);
    await g.createShare(input);
    credentials.value = { ndus: 'n2', baseUrl: 'http://127.0.0.1:1' };
    await g.createShare(input);
    expect(built.map((c) => c.ndus)).toEqual(['n1', 'n2']);
    expect(first.closed).toBe(false); // other calls of the batch may still use it
    g.close();
    expect([first.closed, second.closed]).toEqual([true, true]);
  });

  it.each([
    ['a create', (g: ReconnectingTeraboxGateway) => g.createShare(input), fakeClient({ create: () => Promise.reject(new TeraboxAuthError('errno -6')) })],
    [
      'a listing',
      async (g: ReconnectingTeraboxGateway) => {
        for await (const share of g.paginateShares()) void share;
      },
      fakeClient({ listError: new TeraboxAuthError('errno -6') }),
    ],
  ])('on an auth failure in %s: invalidates the credentials, reports once, rethrows and rebuilds next time', async (_what, call, client) => {
    const { g, built, authFailures, credentials } = gateway([client, fakeClient()]);
    await expect(call(g)).rejects.toBeInstanceOf(TeraboxAuthError);
    expect(credentials.invalidations).toBe(1);
    expect(authFailures).toHaveLength(1);
    await g.createShare(input);
    expect(built).toHaveLength(2);
  });

  it('sees an auth failure in the cancel outcomes (the client reports it instead of throwing)', async () => {
    const auth = fakeClient({ cancel: [{ shareId: '1', outcome: 'failed', error: 'TeraboxAuthError: TeraBox rejected the session (errno -6)' }] });
    const { g, authFailures, credentials } = gateway([auth]);
    const outcomes = await g.cancelShares(['1']);
    expect(outcomes[0]?.outcome).toBe('failed');
    expect(credentials.invalidations).toBe(1);
    expect(authFailures).toHaveLength(1);
  });

  it('reports a verification request from a create or the cancel outcomes, keeping the credentials and the client', async () => {
    const verify = new TeraboxVerificationRequiredError(9019, '/share/pset');
    const client = fakeClient({
      create: () => Promise.reject(verify),
      cancel: [{ shareId: '1', outcome: 'failed', errno: 400141, error: 'TeraboxVerificationRequiredError: TeraBox asks for a verification' }],
    });
    const { g, built, authFailures, verifications, credentials } = gateway([client]);
    await expect(g.createShare(input)).rejects.toBe(verify);
    await g.cancelShares(['1']);
    expect(verifications.map((e) => e.message)).toEqual([verify.message, 'TeraboxVerificationRequiredError: TeraBox asks for a verification']);
    expect([credentials.invalidations, authFailures.length, built.length]).toEqual([0, 0, 1]);
  });

  it('leaves the credentials alone on other failures', async () => {
    const other = fakeClient({
      create: () => Promise.reject(new TeraboxHttpError(502, '/share/pset')),
      cancel: [{ shareId: '1', outcome: 'failed', errno: 9999, error: 'TeraboxApiError: errno 9999' }],
    });
    const { g, authFailures, credentials } = gateway([other]);
    await expect(g.createShare(input)).rejects.toBeInstanceOf(TeraboxHttpError);
    await g.cancelShares(['1']);
    expect([credentials.invalidations, authFailures.length]).toEqual([0, 0]);
  });
});

describe('buildRuntime', () => {
  const config = { accountId: 'default', sharesTable: 'tsl-ShareRecords', teraboxSecretId: 'secret', eventBusName: 'bus', secretCacheSeconds: 300 };

  it('builds only what is used, and names the missing setting of an adapter a function has no use for', () => {
    const runtime = buildRuntime(config, { functionName: 'create-shares' });
    expect(runtime.stores.shareRecords).toBe(runtime.stores.shareRecords);
    expect(() => runtime.stores.runs).toThrow(RuntimeConfigError);
    expect(() => runtime.stores.runs).toThrow('the run store needs RUNS_TABLE');
    expect(() => runtime.cancelQueue).toThrow('the cancel queue needs CANCEL_QUEUE_URL');
    expect(runtime.functionName).toBe('create-shares');
    runtime.close();
  });

  it.each([
    [undefined, '/share/teratransfer/sharelist'],
    ['record' as const, '/share/record'],
  ])('builds TeraBox clients that list from TERABOX_LIST_ENDPOINT=%p (%s)', async (listEndpoint, path) => {
    const paths: string[] = [];
    const fetch = async (url: string) => {
      paths.push(new URL(url).pathname);
      return { status: 200, headers: { get: () => null }, text: async () => '{"errno":0,"list":[]}' } as never;
    };
    const runtime = buildRuntime(
      { ...config, ...(listEndpoint ? { listEndpoint } : {}) },
      { credentials: new Credentials({ ndus: 'n', baseUrl: 'http://127.0.0.1:1', jsToken: 'j', bdstoken: 'b' }), terabox: { fetch, keepAlive: false } },
    );
    for await (const share of runtime.terabox.paginateShares()) void share;
    expect(paths).toEqual([path]);
    runtime.close();
  });

  it('paces TeraBox requests at TERABOX_REQUESTS_PER_SECOND and logs a slow-down as a warning', async () => {
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      if (calls === 1) return { status: 429, headers: { get: (name: string) => (name.toLowerCase() === 'retry-after' ? '0' : null) }, text: async () => '' } as never;
      return { status: 200, headers: { get: () => null }, text: async () => '{"errno":0,"list":[]}' } as never;
    };
    const logger = new Logger({ logLevel: 'SILENT' });
    const warn = jest.spyOn(logger, 'warn');
    const runtime = buildRuntime(
      { ...config, requestsPerSecond: 1000 },
      {
        logger,
        credentials: new Credentials({ ndus: 'n', baseUrl: 'http://127.0.0.1:1', jsToken: 'j', bdstoken: 'b' }),
        terabox: { fetch, keepAlive: false, retry: { baseDelayMs: 1, maxDelayMs: 1 } },
      },
    );
    for await (const share of runtime.terabox.paginateShares()) void share;
    expect(calls).toBe(2);
    expect(warn).toHaveBeenCalledWith('TeraBox asked for a slower pace', { account: 'default', terabox: expect.objectContaining({ event: 'pace', slowFactor: 2 }) });
    runtime.close();
  });

  it('needs a secret id only when no credentials provider is injected', () => {
    const { teraboxSecretId: _unused, ...withoutSecret } = config;
    expect(() => buildRuntime(withoutSecret)).toThrow('TERABOX_SECRET_ID');
    expect(() => buildRuntime(withoutSecret, { credentials: new Credentials({ ndus: 'n', baseUrl: 'http://x' }) })).not.toThrow();
  });
});

describe('lazyHandler', () => {
  it('builds the handler on the first invocation only, and again after a factory that threw', async () => {
    let builds = 0;
    let fail = true;
    const handler = lazyHandler<string, string>(() => {
      builds += 1;
      if (fail) throw new Error('Invalid configuration');
      return async (event) => `handled ${event}`;
    });
    expect(builds).toBe(0);
    await expect(async () => handler('a', {} as never)).rejects.toThrow('Invalid configuration');
    fail = false;
    expect(await handler('b', {} as never)).toBe('handled b');
    expect(await handler('c', {} as never)).toBe('handled c');
    expect(builds).toBe(2);
  });
});

describe('sqsBatchHandler', () => {
  const observability = () => ({ logger: new Logger({ logLevel: 'SILENT' }), metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'test' }) });

  it('builds the per-batch state once per invocation, before any record starts, and hands the same one to every record', async () => {
    const built: Array<{ records: number; seen: string[] }> = [];
    const handler = sqsBatchHandler<{ records: number; seen: string[] }>(
      async (record, _context, batch) => {
        batch.seen.push(record.body);
        if (record.body === 'bad') throw new Error('this record fails alone');
      },
      observability(),
      {
        perBatch: (event) => {
          const state = { records: event.Records.length, seen: [] };
          built.push(state);
          return state;
        },
      },
    );
    const bad = anSqsRecordWithBody('bad');
    const first = await handler(anSqsEventOf(anSqsRecordWithBody('a'), bad, anSqsRecordWithBody('c')), aLambdaContext());
    await handler(anSqsEventOf(anSqsRecordWithBody('d')), aLambdaContext());

    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
    expect(built).toEqual([
      { records: 3, seen: ['a', 'bad', 'c'] },
      { records: 1, seen: ['d'] },
    ]);
  });

  it('starts every record of a batch before any of them finishes (records run concurrently)', async () => {
    // No record finishes until all ten have started: records run one after another never get there.
    let started = 0;
    const allStarted = deferred();
    const handler = sqsBatchHandler(async () => {
      started += 1;
      if (started === 10) allStarted.resolve();
      await allStarted.promise;
    }, observability());
    const batch = handler(anSqsEventOf(...Array.from({ length: 10 }, (_, i) => anSqsRecordWithBody(`r${i}`))), aLambdaContext());
    await within(allStarted.promise, 'all ten records to start while none has finished');
    expect(await batch).toEqual({ batchItemFailures: [] });
    expect(started).toBe(10);
  });
});
