/** The three functions: their shared environment, sizes, event sources and async settings. */
import { Duration, type Stack } from 'aws-cdk-lib';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { FUNCTION_SIZES, nodeOptionsFor } from '../../lib/config/function-sizes';
import { ALL_TABLES, TABLE_ENV } from '../../lib/stores/table-design';
import type { StackConfig } from '../config';
import type { DesignedTable } from '../constructs/designed-table';
import type { SecureQueue } from '../constructs/secure-queue';
import { ServiceFunction } from '../constructs/service-function';
import { CANCEL_TIMEOUT, CREATE_TIMEOUT, METRICS_NAMESPACE, SWEEP_TIMEOUT, type FunctionName } from './names';

/** What the functions are wired to. */
export interface FunctionResources {
  config: StackConfig;
  tables: Readonly<Record<string, DesignedTable>>;
  secret: Secret;
  eventBus: EventBus;
  requestQueue: SecureQueue;
  cancelQueue: SecureQueue;
}

/** The environment every function gets (each adds its own `POWERTOOLS_SERVICE_NAME`). */
function commonEnvironment({ config, tables, secret, eventBus, cancelQueue }: FunctionResources): Record<string, string> {
  return {
    ...Object.fromEntries(ALL_TABLES.map((design) => [TABLE_ENV[design.logicalName]!, tables[design.logicalName]!.table.tableName])),
    TERABOX_SECRET_ID: secret.secretArn,
    CANCEL_QUEUE_URL: cancelQueue.queue.queueUrl,
    EVENT_BUS_NAME: eventBus.eventBusName,
    ACCOUNT_ID: config.accountId,
    GLOBAL_DRY_RUN: String(config.globalDryRun),
    MAX_CANCELLATIONS_PER_RUN: String(config.maxCancellationsPerRun),
    MAX_CANCELLATION_PERCENT: String(config.maxCancellationPercent),
    DEFAULT_PERIOD: String(config.defaultPeriod),
    SECRET_CACHE_SECONDS: String(config.secretCacheSeconds),
    TERABOX_REQUESTS_PER_SECOND: String(config.teraboxRequestsPerSecond),
    ...(config.teraboxListConcurrency !== undefined ? { TERABOX_LIST_CONCURRENCY: String(config.teraboxListConcurrency) } : {}),
    ...(config.teraboxCancelBatchSize !== undefined ? { TERABOX_CANCEL_BATCH_SIZE: String(config.teraboxCancelBatchSize) } : {}),
    ...(config.teraboxListEndpoint !== undefined ? { TERABOX_LIST_ENDPOINT: config.teraboxListEndpoint } : {}),
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    LOG_LEVEL: config.logLevel,
  };
}

/** Adds the create, sweep and cancel functions to the stack (no grants: see grants.ts). */
export function addFunctions(stack: Stack, resources: FunctionResources): Record<FunctionName, ServiceFunction> {
  const environment = commonEnvironment(resources);
  const makeFunction = (
    id: string,
    name: FunctionName,
    options: { description: string; timeout: Duration; memorySize: number; nodeOptions?: string; reservedConcurrentExecutions?: number },
  ): ServiceFunction =>
    new ServiceFunction(stack, id, {
      name,
      ...options,
      logRetentionDays: resources.config.logRetentionDays,
      environment: { ...environment, POWERTOOLS_SERVICE_NAME: name, ...(options.nodeOptions !== undefined ? { NODE_OPTIONS: options.nodeOptions } : {}) },
    });

  const createShares = makeFunction('CreateShares', 'create-shares', {
    description: 'Creates TeraBox shares from queued requests',
    timeout: CREATE_TIMEOUT,
    memorySize: FUNCTION_SIZES['create-shares'].memoryMb,
  });
  const sweepShares = makeFunction('SweepShares', 'sweep-shares', {
    description: 'One step of a share sweep (start, list a chunk, evaluate, abandon), invoked by the sweep state machine',
    timeout: SWEEP_TIMEOUT,
    memorySize: FUNCTION_SIZES['sweep-shares'].memoryMb,
    nodeOptions: nodeOptionsFor(FUNCTION_SIZES['sweep-shares']),
    // One sweep step at a time: the lease in the runs table enforces one sweep, this makes it cheap.
    // A second execution's steps wait through throttling retries (infra/stack/state-machine.ts).
    reservedConcurrentExecutions: 1,
  });
  const cancelShares = makeFunction('CancelShares', 'cancel-shares', {
    description: 'Cancels queued batches of TeraBox shares',
    timeout: CANCEL_TIMEOUT,
    memorySize: FUNCTION_SIZES['cancel-shares'].memoryMb,
  });

  // Event sources. maxConcurrency 2 (the SQS minimum) keeps the load on TeraBox, which has no
  // documented rate limit, low; Baidu clients space creations ~500 ms apart.
  createShares.function.addEventSource(
    new SqsEventSource(resources.requestQueue.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 2 }),
  );
  // A cancel message already carries a batch of share ids (one TeraBox call), so take few at once.
  cancelShares.function.addEventSource(
    new SqsEventSource(resources.cancelQueue.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency: 2 }),
  );
  // The state machine invokes the sweep synchronously and retries what may be retried itself; an
  // asynchronous invocation (only ever by hand) is not retried by Lambda and is dropped after an
  // hour behind a running step (reserved concurrency 1).
  sweepShares.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });
  return { 'create-shares': createShares, 'sweep-shares': sweepShares, 'cancel-shares': cancelShares };
}
