/**
 * Secrets never leak: every error path of the three handlers and of the TeraBox client is run
 * with recognisable ndus, jsToken and bdstoken values (every jsToken the emulator hands out after
 * a rotation is one too), and everything the product lets out is captured: the Powertools log
 * lines and metrics on stdout/stderr (DEBUG level, TeraBox client events included), the client's
 * logger hook, thrown errors (message, stack, causes), handler responses, sweep reports, events,
 * and every item written to the four tables. None may contain a token value, a 16-character
 * piece of one, or its URL-encoded form.
 */
import { inspect } from 'node:util';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createSweepHandler } from '../../functions/sweep-shares/handler';
import { buildRuntime } from '../../functions/shared';
import { loadSweepConfig } from '../../lib/config/env';
import { SecretsManagerCredentialsProvider, parseTeraboxCredentials, type TeraboxCredentials } from '../../lib/config/terabox-credentials';
import { InMemoryEventBus } from '../../lib/messages/in-memory-event-bus';
import { InMemoryCancelQueue, InMemoryQueue, localLambdaContext } from '../../lib/messages/in-memory-queue';
import { createStores } from '../../lib/stores/create-stores';
import { createTeraboxClient, type TeraboxLogEvent } from '../../lib/terabox';
import { NO_FAULTS, startEmulator, type FaultSpec, type RunningEmulator } from '../../lib/terabox/emulator';
import { requestBody } from '../factories/bad-inputs';
import { aMaxAgePolicy } from '../factories/reliability';
import { useTestTables } from '../integration/stores/tables';
import {
  ManualClock,
  StaticCredentials,
  T0,
  cancelHandler,
  captureOutput,
  createHandler,
  drainConcurrently,
  observed,
  scanAll,
  sweepRig,
  type Wiring,
} from './support/world';

const tables = useTestTables('rel-secrets');

// Recognisable values in the real formats: a cookie value, 96 upper-case hex, 32 lower-case hex.
const NDUS = 'YndusSENTINELq7xK2mP9vR4tW8yZ3bC6dF1gH5jL0nS-secret';
const jsTokenNo = (n: number): string => `A5E1${n.toString(16).toUpperCase().padStart(4, '0')}`.repeat(12);
const BDSTOKEN = 'bd5e0b5e0c0ffee0123456789abcdef0';
/** An outdated bdstoken handed in with the credentials: the first cancel gets 4000020 and reloads /main. */
const STALE_BDSTOKEN = 'bd5e57a1e0c0ffee0123456789abcdef';
const FAULTS = { http5xx: 0.12, html: 0.08, timeout: 0.04, drop: 0.04, rateLimit: 0.04, rotateEvery: 7 };
/** Exactly these faults (setFaults with an object only changes the fields it names). */
const only = (faults: Partial<FaultSpec>): FaultSpec => ({ ...NO_FAULTS, paths: [], ...faults });

const tokens: { ndus: string[]; jsToken: string[]; bdstoken: string[] } = { ndus: [NDUS], jsToken: [], bdstoken: [BDSTOKEN, STALE_BDSTOKEN] };
const haystack: string[] = [];
const keep = (label: string, value: unknown): void => {
  haystack.push(`${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
};
const keepError = (label: string, error: unknown): void => {
  keep(label, error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}\n${inspect(error, { depth: 10 })}` : String(error));
  const report = (error as { report?: unknown }).report;
  if (report !== undefined) keep(`${label} report`, report);
};
let text = '';
let emulator: RunningEmulator;

/** The emulator hands out only known tokens: every rotation makes the next sentinel. */
function useSentinelTokens(e: RunningEmulator): void {
  let n = 0;
  const next = (): string => {
    const token = jsTokenNo(++n);
    tokens.jsToken.push(token);
    e.state.jsToken = token;
    return token;
  };
  e.state.rotateJsToken = next;
  next();
  e.state.bdstoken = BDSTOKEN;
}

/** Ends the session (errno -6, /main redirects to /login) for the duration of `fn`. */
async function withExpiredSession(fn: () => Promise<void>): Promise<void> {
  emulator.state.expireSession();
  try {
    await fn();
  } finally {
    emulator.state.renewSession(NDUS);
    emulator.state.rotateJsToken();
    emulator.state.bdstoken = BDSTOKEN;
  }
}

beforeAll(async () => {
  const clock = new ManualClock(T0);
  emulator = await startEmulator({ ndus: NDUS, seed: { files: 300, shares: 150, seed: 12 }, now: () => clock.now() });
  useSentinelTokens(emulator);
  const files = emulator.state.addFiles(Array.from({ length: 12 }, (_, i) => ({ path: `/Secrets/file-${i}.pdf` })));
  const credentials = new StaticCredentials({ ndus: NDUS, baseUrl: emulator.url, jsToken: tokens.jsToken[0]!, bdstoken: STALE_BDSTOKEN });
  const accountId = 'secrets-account';
  await createStores({ client: tables.client, names: tables.names, accountId }).policies.putPolicies([aMaxAgePolicy(60)], T0);
  const wiring = (service: string, maxAttempts = 3): Wiring => ({
    client: tables.client,
    names: tables.names,
    accountId,
    emulator,
    clock,
    credentials,
    terabox: { requestTimeoutMs: 300, retry: { maxAttempts, baseDelayMs: 1, maxDelayMs: 5 } },
    observed: observed(service, 'DEBUG'),
  });
  const sweepEnv = { MAX_CANCELLATIONS_PER_RUN: '1000', MAX_CANCELLATION_PERCENT: '100', TERABOX_LIST_CONCURRENCY: '2' };

  const output = captureOutput();
  try {
    // 1. Creates under faults: retries, token refreshes, uncertain answers, a missing file, an invalid and an unidentifiable message.
    emulator.setFaults(only(FAULTS));
    const create = createHandler(wiring('create-shares'));
    const dlq = new InMemoryQueue({ name: 'requests-dlq', clock });
    const requests = new InMemoryQueue({ name: 'requests', clock, redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount: 3 } });
    files.slice(0, 8).forEach((f, i) => requests.sendMessage(requestBody(`secret-req-${i}`, f.path)));
    requests.sendMessage(requestBody('secret-missing', '/Secrets/nowhere.pdf'));
    requests.sendMessage(requestBody('secret-invalid', files[8]!.path, { set: { period: 3 } }));
    requests.sendMessage('{"requester": "x", "paths": ["/Secrets/file-9.pdf"]');
    await drainConcurrently(requests, async (event, context) => {
      const response = await create.handler(event, context);
      keep('create response', response);
      return response;
    }, clock, { pollers: 2, msPerRound: 5_000 });
    keep('create events', create.bus.events);
    keep('create dlq', dlq.snapshot());

    // 2. A create while the session is expired: auth failure, credentials invalidated, metric.
    await withExpiredSession(async () => {
      const q = new InMemoryQueue({ name: 'requests-2', clock });
      q.sendMessage(requestBody('secret-expired', files[10]!.path));
      keep('create (expired) outcome', await q.processBatch(create.handler));
    });
    create.handler.runtime.close();

    // 3. A sweep under faults, and its cancels (the stale bdstoken first gets 4000020).
    // Enough attempts that the listing survives the faults: its cancels are an error path too.
    // (6 were not always enough: on a loaded CI machine a page once timed out 6 times in a row.)
    const sweep = sweepRig(wiring('sweep-shares', 10), sweepEnv);
    const run = await sweep.invoke();
    keep('sweep report', run.report);
    if (run.error) keepError('sweep error', run.error);
    const cancel = cancelHandler(wiring('cancel-shares', 6));
    await drainConcurrently(sweep.cancelQueue, async (event, context) => {
      const response = await cancel.handler(event, context);
      keep('cancel response', response);
      return response;
    }, clock, { pollers: 1 });
    keep('cancel events', cancel.bus.events);
    keep('cancel dlq', sweep.cancelDlq.snapshot());

    // 4. A cancel while the session is expired.
    await withExpiredSession(async () => {
      const q = new InMemoryQueue({ name: 'cancels-2', clock });
      const ids = [...emulator.state.shares.keys()].slice(0, 3);
      q.sendMessage(JSON.stringify({ runId: 'run-expired', accountId, shareIds: ids, dryRun: false }));
      keep('cancel (expired) outcome', await q.processBatch(cancel.handler));
    });
    cancel.handler.runtime.close();

    // 5. Sweeps that fail: the listing breaks down for good; the session is expired.
    emulator.setFaults(only({ http5xx: 1, paths: ['/share/teratransfer/sharelist'] }));
    const failing = await sweep.invoke({ dryRun: true });
    keep('failed sweep report', failing.report);
    keepError('failed sweep error', failing.error);
    emulator.setFaults(only(FAULTS));
    await withExpiredSession(async () => {
      const expired = await sweep.invoke();
      keep('expired sweep report', expired.report);
      keepError('expired sweep error', expired.error);
    });
    sweep.runtime.close();
    keep('sweep events', sweep.bus.events);

    // 6. A sweep whose secret is not valid JSON, and one whose secret has an invalid field.
    for (const secret of [`{"ndus":"${NDUS}","jsToken":"${tokens.jsToken[0]}","bdstoken":"${BDSTOKEN}"`, JSON.stringify({ ndus: NDUS, jsToken: `${tokens.jsToken[0]} x`, bdstoken: BDSTOKEN, baseUrl: 'ftp://x' })]) {
      const secretsClient = { send: async () => ({ SecretString: secret }) } as unknown as SecretsManagerClient;
      const config = loadSweepConfig({
        ACCOUNT_ID: accountId,
        POLICIES_TABLE: tables.names.policies,
        SHARES_TABLE: tables.names.shares,
        INVENTORY_TABLE: tables.names.inventory,
        RUNS_TABLE: tables.names.runs,
        TERABOX_SECRET_ID: 'reliability/terabox',
        CANCEL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/cancel',
        EVENT_BUS_NAME: 'bus',
        GLOBAL_DRY_RUN: 'false',
        ...sweepEnv,
      });
      const obs = observed('sweep-shares', 'DEBUG');
      const runtime = buildRuntime(config, {
        ...obs,
        clock,
        dynamoClient: tables.client,
        credentials: new SecretsManagerCredentialsProvider({ client: secretsClient, secretId: 'reliability/terabox', clock }),
        events: new InMemoryEventBus({ clock }),
        cancelQueue: new InMemoryCancelQueue(new InMemoryQueue({ name: 'unused', clock })),
      });
      try {
        keep('bad-secret sweep', await createSweepHandler({ config, runtime })({}, localLambdaContext('sweep-shares', { clock })));
      } catch (error) {
        keepError('bad-secret sweep error', error);
      }
      runtime.close();
    }

    // 7. The client alone, with its logger hook: list, create and cancel under faults, and login checks.
    const events: TeraboxLogEvent[] = [];
    const client = createTeraboxClient({
      credentials: { ndus: NDUS, baseUrl: emulator.url, jsToken: tokens.jsToken[0]!, bdstoken: STALE_BDSTOKEN },
      requestTimeoutMs: 300,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      logger: (event) => events.push(event),
    });
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['list', async () => { for await (const _share of client.paginateShares()) { /* read all */ } }],
      ['create missing', () => client.createShare({ paths: ['/Secrets/nowhere.pdf'], period: 7 })],
      ['create', () => client.createShare({ paths: [files[11]!.path], period: 7 })],
      ['cancel', () => client.cancelShares([...emulator.state.shares.keys()].slice(0, 5))],
      ['check login', () => client.checkLogin()],
    ];
    for (const faults of [only({ html: 1 }), only({ http5xx: 1 }), only({ timeout: 1 }), only({ rateLimit: 1 })]) {
      emulator.setFaults(faults);
      for (const [name, attempt] of attempts) {
        try {
          keep(`client ${name}`, await attempt());
        } catch (error) {
          keepError(`client ${name} error`, error);
        }
      }
    }
    emulator.setFaults(only({}));
    await withExpiredSession(async () => {
      for (const [name, attempt] of attempts) {
        try {
          keep(`client ${name} (expired)`, await attempt());
        } catch (error) {
          keepError(`client ${name} (expired) error`, error);
        }
      }
    });
    client.close();
    keep('client events', events);

    // 8. Credentials errors by themselves, and credentials printed by accident.
    try {
      parseTeraboxCredentials({ ndus: `${NDUS};`, jsToken: tokens.jsToken[0], bdstoken: `${BDSTOKEN}!`, baseUrl: 'https://u:p@x' }, 'secret x');
    } catch (error) {
      keepError('credentials error', error);
    }
    const parsed: TeraboxCredentials = parseTeraboxCredentials({ ndus: NDUS, jsToken: tokens.jsToken[0], bdstoken: BDSTOKEN, baseUrl: emulator.url }, 'secret x');
    keep('credentials printed', `${JSON.stringify(parsed)} ${inspect(parsed)}`);
  } finally {
    output.restore();
    emulator.setFaults(only({}));
  }
  text = output.text();
  haystack.push(text);
  for (const table of Object.values(tables.names)) keep(`table ${table}`, await scanAll(tables.client, table));
}, 110_000);

afterAll(async () => {
  await emulator?.close();
});

/** Every form a leaked token could take: whole, URL-encoded, or a 16-character piece of it. */
function leaksOf(values: readonly string[], all: string): string[] {
  const found = new Set<string>();
  for (const value of values) {
    const pieces = [value, encodeURIComponent(value)];
    for (let i = 0; i + 16 <= value.length; i += 8) pieces.push(value.slice(i, i + 16));
    for (const piece of pieces) if (all.includes(piece)) found.add(`${value.slice(0, 8)}…: "${piece}"`);
  }
  return [...found];
}

describe('secrets on every error path', () => {
  it('ran the error paths it meant to: auth failures, 5xx, HTML, timeouts, rate limits, token refreshes, failed sweeps, bad secrets', () => {
    const all = haystack.join('\n');
    for (const expected of [
      /TeraboxAuthError/,
      /TeraboxAuthFailures/,
      /HTML where JSON was expected/,
      /HTTP 50[023]/,
      /did not answer/,
      /errno 110/,
      /token-refresh/,
      /SweepFailedError/,
      /the share listing did not finish/,
      /is not valid JSON/,
      /TeraboxCredentialsError/,
      /TeraboxApiError/,
      /4000020/,
      /ShareCancelled/,
    ]) {
      expect(all).toMatch(expected);
    }
    // Request URLs were logged, with the tokens masked.
    expect(text).toMatch(/jsToken=(\[REDACTED\]|%5BREDACTED%5D)/);
    expect(tokens.jsToken.length).toBeGreaterThan(10);
    // Every endpoint was called again and again, and tokens were fetched anew after rotations. (Per
    // endpoint, not a total: a total moves with how few calls the product needs for the same paths;
    // since create-shares batches its share-id lookups it varies from 95 to 119 between runs.)
    const counts = emulator.state.counts;
    for (const path of ['/api/check/login', '/share/pset', '/share/teratransfer/sharelist', '/share/cancel']) expect(counts[path]).toBeGreaterThan(5);
    expect(counts['/main']).toBeGreaterThan(3);
  });

  it.each(['ndus', 'jsToken', 'bdstoken'] as const)('never lets a %s value out', (kind) => {
    expect(leaksOf(tokens[kind], haystack.join('\n'))).toEqual([]);
  });

  it('would notice a leak (the detector finds a planted token)', () => {
    const planted = `log line with ${tokens.jsToken[3]!.slice(20, 40)} in it`;
    expect(leaksOf(tokens.jsToken, planted)).not.toEqual([]);
    expect(leaksOf([NDUS], `cookie=${encodeURIComponent(NDUS)}`)).not.toEqual([]);
  });
});
