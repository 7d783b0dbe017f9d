/**
 * The whole product on one machine, loopback only: the TeraBox emulator, an in-memory DynamoDB
 * (dynalite), in-memory SQS queues with dead-letter queues, an in-memory event bus, and the three
 * Lambda handlers built by their own factories, the same code the deployed functions run. Only
 * the adapters differ: a credentials provider reading the emulator's cookie instead of Secrets
 * Manager, queues and a bus in memory instead of SQS and EventBridge.
 */
import type { Context } from 'aws-lambda';
import { createCancelSharesHandler, type CancelSharesHandler } from '../functions/cancel-shares/handler';
import { createCreateSharesHandler, type CreateSharesHandler } from '../functions/create-shares/handler';
import { buildRuntime, type RuntimeOverrides } from '../functions/shared';
import { createSweepHandler, SweepFailedError, type SweepHandlerResult } from '../functions/sweep-shares/handler';
import type { ShareRequestSendResult } from '../lib/app/messaging-ports';
import { systemClock, type Clock } from '../lib/app/ports';
import type { CancelConfig, CreateSharesConfig, ListEndpointSetting, SweepConfig } from '../lib/config/env';
import { EnvCredentialsProvider } from '../lib/config/terabox-credentials';
import { DEFAULT_GUARDRAILS, type GuardrailLimits } from '../lib/domain/policy-types';
import { DEFAULT_ACCOUNT_ID } from '../lib/domain/share';
import { InMemoryEventBus } from '../lib/messages/in-memory-event-bus';
import {
  InMemoryCancelQueue,
  InMemoryQueue,
  InMemoryShareRequestQueue,
  localLambdaContext,
  type DrainSummary,
} from '../lib/messages/in-memory-queue';
import type { ShareRequestMessage } from '../lib/contracts/share-request';
import { startEmulator, type RunningEmulator } from '../lib/terabox/emulator';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '../lib/stores/embedded-dynamodb';
import { createStores, type Stores } from '../lib/stores/create-stores';
import { validateAccountEntry } from '../lib/contracts/account-entry';
import { startLocalNotices, type LocalNotices } from './notices';
import { localObservability, type RecordingMetrics } from './observability';
import { LOCAL_SEED, SAMPLE_FILES, SUPPORT_ACCOUNT } from './sample-account';

export const LOCAL_NDUS = 'emulator-ndus';

export interface LocalStackOptions {
  /** Emulator seed spec (default LOCAL_SEED); `files=...,shares=...,maxAgeDays=...,seed=...`. */
  seed?: string;
  /** Emulator faults spec (default none), e.g. `latency=20`. */
  faults?: string;
  /** Loopback ports (default: any free one). */
  emulatorPort?: number;
  dynamoPort?: number;
  /** The local SES server's port (default: any free one). */
  sesPort?: number;
  accountId?: string;
  /** Also serve the second account (SUPPORT_ACCOUNT) on an emulator of its own (default true). */
  secondAccount?: boolean;
  guardrails?: GuardrailLimits;
  /** Shares per cancel message (default 100, as in the stack). */
  cancelBatchSize?: number;
  /** TERABOX_LIST_ENDPOINT of the handlers: the list the sweep and the create recovery read (default sharelist). */
  listEndpoint?: ListEndpointSetting;
  /** Powertools log level of the handlers (default SILENT). */
  logLevel?: string;
  /**
   * How long a failed message stays invisible before it is delivered again. SQS would use the
   * queue's setting (minutes in the stack); short here so that a retry or a DLQ move is seen at once.
   */
  visibilityTimeoutMs?: number;
  /** Deliveries before a message moves to its dead-letter queue (the stack uses 5). */
  maxReceiveCount?: number;
  clock?: Clock;
}

/** One TeraBox account the local stack serves: its emulator and the stores of its partition. */
export interface LocalAccount {
  accountId: string;
  displayName: string;
  emulator: RunningEmulator;
  stores: Stores;
}

export interface LocalStack {
  /** The deployment account's emulator (`accounts[0]`). */
  emulator: RunningEmulator;
  /** Every account served: the deployment's first, then the registered ones. */
  accounts: LocalAccount[];
  /** The stores of the partition a request for `accountId` is recorded in: its account's, else (absent, or not served) the deployment's. */
  storesOf(accountId: string | undefined): Stores;
  dynamo: EmbeddedDynamoDb;
  events: InMemoryEventBus;
  requestQueue: InMemoryQueue;
  requestDeadLetters: InMemoryQueue;
  cancelQueue: InMemoryQueue;
  cancelDeadLetters: InMemoryQueue;
  accountId: string;
  /** The local SES server and the notify-owners handler: `deliver()` mails the notices published so far. */
  notices: LocalNotices;
  /** Metric totals of each function (what CloudWatch would have received). */
  metrics: Record<'create-shares' | 'sweep-shares' | 'cancel-shares', RecordingMetrics>;
  /** Validated requests onto the request queue, as `requests send` would put them on SQS. */
  send(requests: ShareRequestMessage[]): Promise<ShareRequestSendResult>;
  /** Any body onto the request queue (a producer that did not validate). */
  sendRaw(body: string): void;
  /** Delivers the request queue to create-shares until it is empty. */
  drainRequests(): Promise<DrainSummary>;
  /** One sweep-shares invocation (of `accountId`, default the deployment's); a failed run comes back as its report (status `failed`). */
  sweep(event: { dryRun?: boolean; trigger?: string; accountId?: string }): Promise<SweepHandlerResult>;
  /** Delivers the cancel queue to cancel-shares until it is empty. */
  drainCancels(onBatch?: (shares: number) => void, signal?: AbortSignal): Promise<DrainSummary>;
  /** The environment that points the CLI at this stack (tables, DynamoDB endpoint, TeraBox). */
  cliEnvironment(): Record<string, string>;
  close(): Promise<void>;
}

type LocalFunction = 'create-shares' | 'sweep-shares' | 'cancel-shares';

/** Starts everything on 127.0.0.1; `close()` stops it. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const clock = options.clock ?? systemClock;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const { emulator, dynamo, support } = await startServices(options, clock, accountId);
  const requests = localQueue('share-requests', clock, options);
  const cancels = localQueue('share-cancel', clock, options);
  const events = new InMemoryEventBus({ busName: 'local-bus', clock });
  const handlers = buildHandlers(options, { clock, accountId, emulator, dynamo, events, cancelQueue: cancels.main, ...(support ? { support } : {}) });
  const closeServices = async (): Promise<void> => {
    await Promise.all([emulator.close(), dynamo.close(), support?.close()]);
  };
  const notices = await startNoticesOrClose(options, { clock, accountId, emulator, dynamo, events }, async () => {
    handlers.close();
    await closeServices();
  });
  const accounts: LocalAccount[] = [{ accountId, displayName: 'the deployment account', emulator, stores: dynamo.stores }];
  if (support) {
    accounts.push({
      accountId: SUPPORT_ACCOUNT.accountId,
      displayName: SUPPORT_ACCOUNT.displayName,
      emulator: support,
      stores: createStores({ client: dynamo.client, names: dynamo.names, accountId: SUPPORT_ACCOUNT.accountId }),
    });
  }
  const requestPort = new InMemoryShareRequestQueue(requests.main);
  // The scheduled function's timeout in the stack: 15 minutes.
  const sweepContext = (): Context => localLambdaContext('sweep-shares', { clock, timeoutMs: 15 * 60_000 });

  let closed = false;
  return {
    emulator,
    accounts,
    storesOf: (id) => accounts.find((a) => a.accountId === id)?.stores ?? dynamo.stores,
    dynamo,
    events,
    requestQueue: requests.main,
    requestDeadLetters: requests.dlq,
    cancelQueue: cancels.main,
    cancelDeadLetters: cancels.dlq,
    accountId,
    notices,
    metrics: handlers.metrics,
    send: (messages) => requestPort.send(messages),
    sendRaw: (body) => void requests.main.sendMessage(body),
    drainRequests: () => requests.main.drain(handlers.createShares),
    async sweep(event) {
      try {
        const request = { ...(event.dryRun !== undefined ? { dryRun: event.dryRun } : {}), ...(event.accountId !== undefined ? { accountId: event.accountId } : {}), trigger: event.trigger ?? 'local' };
        return await handlers.sweep(request, sweepContext());
      } catch (error) {
        if (error instanceof SweepFailedError) return error.report;
        throw error;
      }
    },
    drainCancels: (onBatch, signal) =>
      cancels.main.drain(handlers.cancelShares, {
        ...(onBatch ? { onBatch: (outcome: { received: number }) => onBatch(outcome.received) } : {}),
        ...(signal ? { signal } : {}),
      }),
    cliEnvironment: () => localCliEnvironment(emulator, dynamo),
    async close() {
      if (closed) return;
      closed = true;
      handlers.close();
      await Promise.all([closeServices(), notices.close()]);
    },
  };
}

/** The local SES server and the notifier; on failure the services already started are closed. */
async function startNoticesOrClose(
  options: LocalStackOptions,
  wiring: Pick<HandlerWiring, 'clock' | 'accountId' | 'emulator' | 'dynamo' | 'events'>,
  closeOthers: () => Promise<void>,
): Promise<LocalNotices> {
  try {
    return await startLocalNotices({
      accountId: wiring.accountId,
      tables: wiring.dynamo.names,
      dynamoClient: wiring.dynamo.client,
      events: wiring.events,
      clock: wiring.clock,
      linkBase: wiring.emulator.url,
      ...(options.sesPort !== undefined ? { sesPort: options.sesPort } : {}),
      ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
    });
  } catch (error) {
    await closeOthers();
    throw error;
  }
}

interface Services {
  emulator: RunningEmulator;
  dynamo: EmbeddedDynamoDb;
  /** The second account's emulator, registered in the account registry. */
  support?: RunningEmulator;
}

/** The emulators (seeded, with the sample files) and dynalite; none is left running on failure. */
async function startServices(options: LocalStackOptions, clock: Clock, accountId: string): Promise<Services> {
  const withSupport = options.secondAccount !== false;
  const [emulator, dynamo, support] = await Promise.all([
    startEmulator({
      seed: options.seed ?? LOCAL_SEED,
      ...(options.faults !== undefined ? { faults: options.faults } : {}),
      ...(options.emulatorPort !== undefined ? { port: options.emulatorPort } : {}),
      ndus: LOCAL_NDUS,
      now: () => clock.now(),
    }),
    startEmbeddedDynamoDb({ tablePrefix: 'local', accountId, ...(options.dynamoPort !== undefined ? { port: options.dynamoPort } : {}) }),
    withSupport ? startEmulator({ seed: SUPPORT_ACCOUNT.seed, ndus: SUPPORT_ACCOUNT.ndus, now: () => clock.now() }) : undefined,
  ]);
  try {
    emulator.state.addFiles([...SAMPLE_FILES]);
    if (support) {
      support.state.addFiles([...SAMPLE_FILES]);
      await registerSupportAccount(dynamo, support);
    }
  } catch (error) {
    await Promise.all([emulator.close(), dynamo.close(), support?.close()]);
    throw error;
  }
  return { emulator, dynamo, ...(support ? { support } : {}) };
}

/** The second account's registry entry, as `share-lifecycle accounts add` writes it. */
async function registerSupportAccount(dynamo: EmbeddedDynamoDb, support: RunningEmulator): Promise<void> {
  const checked = validateAccountEntry({
    accountId: SUPPORT_ACCOUNT.accountId,
    displayName: SUPPORT_ACCOUNT.displayName,
    // Named as the stack's prefix would have it; locally the emulator's cookie stands in for the secret.
    secretName: `local/accounts/${SUPPORT_ACCOUNT.accountId}`,
    baseUrl: new URL(support.url).origin + '/',
  });
  if (!checked.ok) throw new Error(`the local second account is not a valid registry entry: ${checked.errors.join('; ')}`);
  await dynamo.stores.accounts.add(checked.entry, Date.now());
}

/** A queue with its dead-letter queue, redriven as the stack's SQS queues are. */
function localQueue(name: string, clock: Clock, options: LocalStackOptions): { main: InMemoryQueue; dlq: InMemoryQueue } {
  const visibilityTimeoutMs = options.visibilityTimeoutMs ?? 200;
  const maxReceiveCount = options.maxReceiveCount ?? 2;
  const dlq = new InMemoryQueue({ name: `${name}-dlq`, clock });
  return { main: new InMemoryQueue({ name, clock, visibilityTimeoutMs, redrivePolicy: { deadLetterQueue: dlq, maxReceiveCount } }), dlq };
}

interface HandlerWiring {
  clock: Clock;
  accountId: string;
  emulator: RunningEmulator;
  dynamo: EmbeddedDynamoDb;
  events: InMemoryEventBus;
  cancelQueue: InMemoryQueue;
  support?: RunningEmulator;
}

interface LocalHandlers {
  createShares: CreateSharesHandler;
  cancelShares: CancelSharesHandler;
  sweep: ReturnType<typeof createSweepHandler>;
  metrics: LocalStack['metrics'];
  /** Closes the TeraBox connections of the three runtimes. */
  close(): void;
}

/** The three handlers from their own factories, over the local adapters. */
function buildHandlers(options: LocalStackOptions, wiring: HandlerWiring): LocalHandlers {
  const { clock, emulator, dynamo, events } = wiring;
  const credentials = new EnvCredentialsProvider({ TERABOX_NDUS: LOCAL_NDUS, TERABOX_BASE_URL: emulator.url });
  // The second account's session: its emulator's cookie (Secrets Manager in the stack).
  const support = wiring.support;
  const supportCredentials = support ? new EnvCredentialsProvider({ TERABOX_NDUS: SUPPORT_ACCOUNT.ndus, TERABOX_BASE_URL: support.url }) : undefined;
  const accountOverrides = (id: string): Partial<RuntimeOverrides> => (id === SUPPORT_ACCOUNT.accountId && supportCredentials ? { credentials: supportCredentials } : {});
  const common = { dynamoClient: dynamo.client, credentials, events, clock, accountOverrides };
  const observe = (name: LocalFunction) => localObservability(name, options.logLevel);
  const createObs = observe('create-shares');
  const sweepObs = observe('sweep-shares');
  const cancelObs = observe('cancel-shares');
  const configs = handlerConfigs(options, wiring);

  const createShares: CreateSharesHandler = createCreateSharesHandler({ config: configs.create, overrides: { ...common, ...createObs, functionName: 'create-shares' } });
  const cancelShares: CancelSharesHandler = createCancelSharesHandler({ config: configs.cancel, overrides: { ...common, ...cancelObs, functionName: 'cancel-shares' } });
  // Built here (not inside the factory) so that its TeraBox connections can be closed.
  const sweepOverrides = { ...common, ...sweepObs, functionName: 'sweep-shares', cancelQueue: new InMemoryCancelQueue(wiring.cancelQueue) };
  const sweepRuntime = buildRuntime(configs.sweep, sweepOverrides);
  return {
    createShares,
    cancelShares,
    sweep: createSweepHandler({ config: configs.sweep, runtime: sweepRuntime, overrides: sweepOverrides }),
    metrics: { 'create-shares': createObs.metrics, 'sweep-shares': sweepObs.metrics, 'cancel-shares': cancelObs.metrics },
    close() {
      createShares.accounts.close();
      cancelShares.accounts.close();
      sweepRuntime.close();
    },
  };
}

/** The handlers' configuration, as the stack would set it through their environment. */
function handlerConfigs(options: LocalStackOptions, wiring: HandlerWiring): { create: CreateSharesConfig; sweep: SweepConfig; cancel: CancelConfig } {
  const { accountId } = wiring;
  const names = wiring.dynamo.names;
  // These names only label adapters that are replaced here (no secret, no bus, no SQS is reached).
  const unused = { teraboxSecretId: 'local-emulator', eventBusName: wiring.events.busName, secretCacheSeconds: 0 };
  const listEndpoint = options.listEndpoint ?? 'sharelist';
  const cancelBatchSize = options.cancelBatchSize ?? 100;
  return {
    create: { accountId, policiesTable: names.policies, sharesTable: names.shares, defaultPeriod: 7, listEndpoint, ...unused },
    sweep: {
      accountId,
      policiesTable: names.policies,
      sharesTable: names.shares,
      inventoryTable: names.inventory,
      runsTable: names.runs,
      cancelQueueUrl: wiring.cancelQueue.url,
      globalDryRun: false,
      guardrails: options.guardrails ?? DEFAULT_GUARDRAILS,
      listConcurrency: 4,
      cancelBatchSize,
      listEndpoint,
      pagesPerChunk: 2000,
      // The local notifier mails the notices: the grace starts when the local SES accepted them.
      noticeDelivery: 'email',
      ...unused,
    },
    cancel: { accountId, policiesTable: names.policies, sharesTable: names.shares, runsTable: names.runs, globalDryRun: false, cancelBatchSize, ...unused },
  };
}

/** The environment that points the CLI at a local stack. */
function localCliEnvironment(emulator: RunningEmulator, dynamo: EmbeddedDynamoDb): Record<string, string> {
  const names = dynamo.names;
  return {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POLICIES_TABLE: names.policies,
    SHARES_TABLE: names.shares,
    INVENTORY_TABLE: names.inventory,
    RUNS_TABLE: names.runs,
    TERABOX_BASE_URL: emulator.url,
    TERABOX_NDUS: LOCAL_NDUS,
  };
}
