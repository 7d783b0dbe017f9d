/**
 * The common runtime of the Lambda functions: every adapter a handler needs, built from its
 * configuration once per cold start (or once per `create...Handler` call in tests and the local
 * run). Everything is built lazily, so a function only builds (and needs settings for) what it
 * uses: create-shares has no runs table, cancel-shares no inventory table.
 *
 * ```ts
 * const runtime = buildRuntime(loadCancelConfig(process.env), { functionName: 'cancel-shares' });
 * runtime.stores.shareRecords; runtime.terabox; runtime.events; runtime.logger; runtime.metrics
 * ```
 * Tests and the local run pass overrides: a DynamoDB client (DynamoDB Local, dynalite), a
 * credentials provider (there is no local Secrets Manager), TeraBox client settings (fetch,
 * timeouts, retry policy, sleep), in-memory event bus and queues, a clock, a logger.
 * Every AWS client built here uses the SDK defaults, so `AWS_ENDPOINT_URL_DYNAMODB` and friends work.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { CancelQueue, EventPublisher } from '../../lib/app/messaging-ports';
import { systemClock, type Clock } from '../../lib/app/ports';
import type { AccountRegistry, FlaggedSetStore, InventoryStore, Lease, ListingStagingStore, PolicyStore, RunStore, ShareRecordStore } from '../../lib/app/store-ports';
import { SecretsManagerCredentialsProvider, type TeraboxCredentialsProvider } from '../../lib/config/terabox-credentials';
import { EventBridgePublisher } from '../../lib/messages/eventbridge-publisher';
import { SqsCancelQueue } from '../../lib/messages/sqs-cancel-queue';
import { DynamoDbAccountRegistry } from '../../lib/stores/account-store';
import {
  DynamoDbFlaggedSetStore,
  DynamoDbInventoryStore,
  DynamoDbLease,
  DynamoDbListingStagingStore,
  DynamoDbPolicyStore,
  DynamoDbRunStore,
  DynamoDbShareRecordStore,
} from '../../lib/stores';
import { createTeraboxClient, globalFetch, RequestPacer, type ShareListEndpoint, type TeraboxLogEvent } from '../../lib/terabox';
import { defaultSleep } from '../../lib/terabox/retry';
import { countAccountMetric, createObservability, METRIC_NAMES, errorAttributes } from './observability';
import { ReconnectingTeraboxGateway, type TeraboxClientFactory, type TeraboxClientSettings } from './terabox-gateway';

/**
 * What the runtime reads from a function's configuration. `CreateSharesConfig`, `SweepConfig`
 * and `CancelConfig` (lib/config/env.ts) all fit; a setting a function does not have is only
 * needed if the adapter that uses it is asked for.
 */
export interface RuntimeConfig {
  accountId: string;
  sharesTable?: string;
  policiesTable?: string;
  inventoryTable?: string;
  runsTable?: string;
  teraboxSecretId?: string;
  /** The TeraBox origin when the secret names none (a registered account's `baseUrl`). */
  teraboxBaseUrl?: string;
  eventBusName?: string;
  cancelQueueUrl?: string;
  secretCacheSeconds?: number;
  listConcurrency?: number;
  requestsPerSecond?: number;
  cancelBatchSize?: number;
  /** TERABOX_LIST_ENDPOINT: which list the TeraBox client reads (its default, sharelist, when absent). */
  listEndpoint?: ShareListEndpoint;
}

/** The stores of one account (port types; DynamoDB implementations unless overridden). */
export interface RuntimeStores {
  shareRecords: ShareRecordStore;
  policies: PolicyStore;
  inventory: InventoryStore;
  runs: RunStore;
  lease: Lease;
  /** The checkpointed sweep's staged listing (the Runs table). */
  listingStaging: ListingStagingStore;
  /** Each run's flagged set, for the run diffs (the Runs table). */
  flaggedSets: FlaggedSetStore;
  /** The account registry (the Policies table's `#registry` partition; the same for every account). */
  accounts: AccountRegistry;
}

export interface RuntimeOverrides {
  /** Powertools service name (the function name); default `POWERTOOLS_SERVICE_NAME`, else `terabox-share-lifecycle`. */
  functionName?: string;
  logger?: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** Shared by every store; default `new DynamoDBClient({})` (SDK defaults and endpoint variables). */
  dynamoClient?: DynamoDBClient;
  /** Replace single stores (fakes in unit tests). */
  stores?: Partial<RuntimeStores>;
  /** Default: the Secrets Manager secret `config.teraboxSecretId`, cached `config.secretCacheSeconds`. */
  credentials?: TeraboxCredentialsProvider;
  /** Options of every TeraBox client built (fetch, requestTimeoutMs, retry, sleep, ...). */
  terabox?: TeraboxClientSettings;
  /** Replaces `createTeraboxClient` (a fake client in unit tests). */
  teraboxClientFactory?: TeraboxClientFactory;
  /** Default: `EventBridgePublisher` on `config.eventBusName`. */
  events?: EventPublisher;
  /** Default: `SqsCancelQueue` on `config.cancelQueueUrl`. */
  cancelQueue?: CancelQueue;
  /**
   * Overrides of one account's runtime (account-runtimes.ts), applied over these: tests and the
   * local run point each account at its own emulator (`credentials`, `terabox`). Not inherited:
   * `credentials` and `stores` of these overrides belong to the deployment's own account.
   */
  accountOverrides?: (accountId: string) => Partial<RuntimeOverrides>;
}

export interface Runtime {
  readonly config: RuntimeConfig;
  readonly functionName: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly credentials: TeraboxCredentialsProvider;
  /** The TeraBox gateway: auth failures invalidate the credentials, count `TeraboxAuthFailures` and rebuild the client. */
  readonly terabox: ReconnectingTeraboxGateway;
  /** Built on first access of each store; accessing a store whose table is not configured throws `RuntimeConfigError`. */
  readonly stores: RuntimeStores;
  readonly events: EventPublisher;
  readonly cancelQueue: CancelQueue;
  /** Closes the TeraBox clients' keep-alive connections (tests, the local run; Lambda never needs it). */
  close(): void;
}

/** An adapter was asked for whose setting the function's configuration does not have. */
export class RuntimeConfigError extends Error {
  override readonly name = 'RuntimeConfigError';
}

function need<T>(value: T | undefined, setting: string, what: string): T {
  if (value === undefined || value === '') throw new RuntimeConfigError(`${what} needs ${setting}, which this function is not configured with`);
  return value;
}

/** Memoizes a builder: the adapter is built on first use, then reused. */
function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/** The TeraBox side of a runtime: the credentials and a gateway that reconnects on a rejected session. */
function buildTerabox(
  config: RuntimeConfig,
  overrides: RuntimeOverrides,
  { logger, metrics, clock }: Pick<Runtime, 'logger' | 'metrics' | 'clock'>,
): Pick<Runtime, 'credentials' | 'terabox'> {
  const credentials =
    overrides.credentials ??
    new SecretsManagerCredentialsProvider({
      secretId: need(config.teraboxSecretId, 'TERABOX_SECRET_ID', 'the TeraBox credentials'),
      cacheSeconds: config.secretCacheSeconds,
      clock,
      ...(config.teraboxBaseUrl !== undefined ? { defaultBaseUrl: config.teraboxBaseUrl } : {}),
    });

  // TeraBox client events are already redacted (lib/terabox/redact.ts); they go out at debug
  // level, except an auth failure and a slow-down of the request pace (TeraBox said too fast).
  const teraboxLog = (event: TeraboxLogEvent): void => {
    const account = config.accountId;
    if (event.event === 'auth-failure') logger.warn('TeraBox auth failure', { account, terabox: { ...event } });
    else if (event.event === 'pace') logger.warn('TeraBox asked for a slower pace', { account, terabox: { ...event } });
    else logger.debug('TeraBox', { account, terabox: { ...event } });
  };
  // One pace for the instance: a client rebuilt after an auth failure keeps it.
  // Paced on the monotonic clock, to the sub-millisecond: turns are real time, not the product's clock.
  const pacer = config.requestsPerSecond !== undefined ? new RequestPacer({ requestsPerSecond: config.requestsPerSecond, now: () => performance.now(), sleep: defaultSleep }) : undefined;
  const build: TeraboxClientFactory =
    overrides.teraboxClientFactory ??
    ((creds) =>
      createTeraboxClient({
        logger: teraboxLog,
        // Node's own fetch: the Lambda runtime has it, and node-fetch stays out of the bundle.
        fetch: globalFetch,
        ...(config.listConcurrency !== undefined ? { listConcurrency: config.listConcurrency } : {}),
        ...(config.cancelBatchSize !== undefined ? { cancelBatchSize: config.cancelBatchSize } : {}),
        ...(config.listEndpoint !== undefined ? { listEndpoint: config.listEndpoint } : {}),
        ...(pacer ? { pacer } : {}),
        clock,
        ...overrides.terabox,
        credentials: creds,
      }));
  const terabox = new ReconnectingTeraboxGateway({
    credentials,
    build,
    onAuthFailure: (error) => {
      countAccountMetric(metrics, METRIC_NAMES.authFailures, config.accountId);
      logger.error('TeraBox rejected the session: the ndus cookie in the secret must be refreshed', { account: config.accountId, ...errorAttributes(error) });
    },
    onVerificationRequired: (error) => {
      countAccountMetric(metrics, METRIC_NAMES.verificationRequired, config.accountId);
      logger.error('TeraBox asks for a verification: sign in to TeraBox in a browser with this account and complete it', {
        account: config.accountId,
        ...errorAttributes(error),
      });
    },
  });
  return { credentials, terabox };
}

/** The stores of a runtime, each built on first use (a function touches only the tables it has). */
export function buildStores(config: RuntimeConfig, overrides: Pick<RuntimeOverrides, 'dynamoClient' | 'stores'>): RuntimeStores {
  const dynamo = lazy(() => overrides.dynamoClient ?? new DynamoDBClient({}));
  const common = () => ({ client: dynamo(), accountId: config.accountId });
  const storeOverrides = overrides.stores ?? {};
  const shareRecords = lazy(
    () => storeOverrides.shareRecords ?? new DynamoDbShareRecordStore({ ...common(), tableName: need(config.sharesTable, 'SHARES_TABLE', 'the share records store') }),
  );
  const policies = lazy(
    () => storeOverrides.policies ?? new DynamoDbPolicyStore({ ...common(), tableName: need(config.policiesTable, 'POLICIES_TABLE', 'the policy store') }),
  );
  const inventory = lazy(
    () => storeOverrides.inventory ?? new DynamoDbInventoryStore({ ...common(), tableName: need(config.inventoryTable, 'INVENTORY_TABLE', 'the inventory store') }),
  );
  const runs = lazy(() => storeOverrides.runs ?? new DynamoDbRunStore({ ...common(), tableName: need(config.runsTable, 'RUNS_TABLE', 'the run store') }));
  const lease = lazy(() => storeOverrides.lease ?? new DynamoDbLease({ ...common(), tableName: need(config.runsTable, 'RUNS_TABLE', 'the sweep lease') }));
  const listingStaging = lazy(
    () => storeOverrides.listingStaging ?? new DynamoDbListingStagingStore({ client: dynamo(), tableName: need(config.runsTable, 'RUNS_TABLE', 'the listing staging') }),
  );
  const flaggedSets = lazy(
    () => storeOverrides.flaggedSets ?? new DynamoDbFlaggedSetStore({ ...common(), tableName: need(config.runsTable, 'RUNS_TABLE', 'the flagged sets') }),
  );
  const accounts = lazy(
    () => storeOverrides.accounts ?? new DynamoDbAccountRegistry({ client: dynamo(), tableName: need(config.policiesTable, 'POLICIES_TABLE', 'the account registry') }),
  );
  return {
    get accounts() {
      return accounts();
    },
    get flaggedSets() {
      return flaggedSets();
    },
    get shareRecords() {
      return shareRecords();
    },
    get policies() {
      return policies();
    },
    get inventory() {
      return inventory();
    },
    get runs() {
      return runs();
    },
    get lease() {
      return lease();
    },
    get listingStaging() {
      return listingStaging();
    },
  };
}

/**
 * Builds the runtime of one function from its configuration. Call it once per cold start (the
 * handlers do, on their first invocation) and reuse the result: the DynamoDB client, the secret
 * cache and the TeraBox session (tokens, keep-alive connections) live as long as it does.
 */
export function buildRuntime(config: RuntimeConfig, overrides: RuntimeOverrides = {}): Runtime {
  const functionName = overrides.functionName ?? (process.env.POWERTOOLS_SERVICE_NAME?.trim() || 'terabox-share-lifecycle');
  const defaults = overrides.logger === undefined || overrides.metrics === undefined ? createObservability(functionName) : undefined;
  const logger = overrides.logger ?? (defaults as { logger: Logger }).logger;
  const metrics = overrides.metrics ?? (defaults as { metrics: Metrics }).metrics;
  const clock = overrides.clock ?? systemClock;

  const { credentials, terabox } = buildTerabox(config, overrides, { logger, metrics, clock });
  const stores = buildStores(config, overrides);
  const events = lazy(() => overrides.events ?? new EventBridgePublisher({ busName: need(config.eventBusName, 'EVENT_BUS_NAME', 'the event publisher') }));
  const cancelQueue = lazy(
    () => overrides.cancelQueue ?? new SqsCancelQueue({ queueUrl: need(config.cancelQueueUrl, 'CANCEL_QUEUE_URL', 'the cancel queue') }),
  );

  return {
    config,
    functionName,
    clock,
    logger,
    metrics,
    credentials,
    terabox,
    stores,
    get events() {
      return events();
    },
    get cancelQueue() {
      return cancelQueue();
    },
    close: () => terabox.close(),
  };
}
