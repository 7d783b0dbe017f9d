/**
 * Set-up shared by the handler tests: the real handlers on Amazon DynamoDB Local (fresh tables per
 * file), the TeraBox emulator over real HTTP, and in-memory EventBridge (there is no local
 * EventBridge or Secrets Manager: the event bus and a credentials provider are injected).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../../lib/app/ports';
import type { CancelConfig, CreateSharesConfig } from '../../../lib/config/env';
import type { TeraboxCredentials, TeraboxCredentialsProvider } from '../../../lib/config/terabox-credentials';
import { InMemoryEventBus } from '../../../lib/messages/in-memory-event-bus';
import { createTables, deleteTables, tableNames, type TableNames } from '../../../lib/stores/create-tables';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../lib/terabox/emulator';
import { METRICS_NAMESPACE, type RuntimeOverrides } from '../../../functions/shared';
import { testDynamoClient, uniqueTablePrefix } from '../../support/dynamodb';

export const NDUS = 'handler-test-ndus-4b7e1c9a0f';
let emulatorSeed = Math.floor(Math.random() * 1_000_000);

/** A credentials provider for the emulator that counts `invalidate()` calls. */
export class TestCredentials implements TeraboxCredentialsProvider {
  invalidations = 0;
  reads = 0;
  constructor(
    public ndus: string,
    public baseUrl: string,
  ) {}
  async get(): Promise<TeraboxCredentials> {
    this.reads += 1;
    return { ndus: this.ndus, baseUrl: this.baseUrl };
  }
  invalidate(): void {
    this.invalidations += 1;
  }
}

/** The EMF documents a Metrics instance would have printed (captured instead of printed). */
export function capturingMetrics(serviceName: string): { metrics: Metrics; emitted: Array<Record<string, unknown>> } {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
  const emitted: Array<Record<string, unknown>> = [];
  jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => {
    if (metrics.hasStoredMetrics()) emitted.push(metrics.serializeMetrics() as unknown as Record<string, unknown>);
    metrics.clearMetrics();
    return metrics;
  });
  return { metrics, emitted };
}

/** The value of one metric over all captured EMF documents, with the dimensions it was sent with. */
export function metricValues(emitted: Array<Record<string, unknown>>, name: string): Array<{ value: unknown; dimensions: unknown; namespace: unknown; service: unknown }> {
  return emitted
    .filter((doc) => name in doc)
    .map((doc) => {
      const aws = doc._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> };
      return { value: doc[name], dimensions: aws.CloudWatchMetrics[0]?.Dimensions, namespace: aws.CloudWatchMetrics[0]?.Namespace, service: doc.service };
    });
}

export interface HandlerWorld {
  client: DynamoDBClient;
  names: TableNames;
  emulator: RunningEmulator;
  credentials: TestCredentials;
  events: InMemoryEventBus;
  metrics: Metrics;
  emitted: Array<Record<string, unknown>>;
  logger: Logger;
  createConfig(overrides?: Partial<CreateSharesConfig>): CreateSharesConfig;
  cancelConfig(overrides?: Partial<CancelConfig>): CancelConfig;
  /** Runtime overrides wiring all of the above in. */
  overrides(extra?: Partial<RuntimeOverrides>): RuntimeOverrides;
}

/**
 * Registers hooks creating fresh tables once per file and a fresh emulator, event bus and
 * metrics per test. Read the fields inside tests.
 */
export function useHandlerWorld(label: string, options: { emulator?: () => EmulatorOptions; clock?: () => Clock; functionName: string }): HandlerWorld {
  const w = {} as HandlerWorld;
  beforeAll(async () => {
    w.client = testDynamoClient();
    w.names = tableNames(uniqueTablePrefix(label));
    await createTables(w.client, w.names);
  });
  afterAll(async () => {
    await deleteTables(w.client, w.names);
    w.client.destroy();
  });
  beforeEach(async () => {
    // A new seed per test: share ids come from it, and the tables are shared by the file's tests
    // (a record naming the same share id would make the handler treat that share as taken).
    w.emulator = await startEmulator({ ndus: NDUS, seed: { files: 0, seed: ++emulatorSeed }, ...options.emulator?.() });
    w.credentials = new TestCredentials(NDUS, w.emulator.url);
    w.events = new InMemoryEventBus();
    const captured = capturingMetrics(options.functionName);
    w.metrics = captured.metrics;
    w.emitted = captured.emitted;
    w.logger = new Logger({ serviceName: options.functionName, logLevel: 'SILENT' });
    w.createConfig = (overrides = {}) => ({
      accountId: 'default',
      sharesTable: w.names.shares,
      teraboxSecretId: 'unused-in-tests',
      eventBusName: 'test-bus',
      defaultPeriod: 7,
      secretCacheSeconds: 300,
      ...overrides,
    });
    w.cancelConfig = (overrides = {}) => ({
      accountId: 'default',
      sharesTable: w.names.shares,
      runsTable: w.names.runs,
      teraboxSecretId: 'unused-in-tests',
      eventBusName: 'test-bus',
      globalDryRun: false,
      secretCacheSeconds: 300,
      cancelBatchSize: 100,
      ...overrides,
    });
    w.overrides = (extra = {}) => ({
      dynamoClient: w.client,
      credentials: w.credentials,
      events: w.events,
      logger: w.logger,
      metrics: w.metrics,
      ...(options.clock ? { clock: options.clock() } : {}),
      terabox: { requestTimeoutMs: 2_000, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } },
      ...extra,
    });
  });
  afterEach(async () => {
    await w.emulator.close();
    jest.restoreAllMocks();
  });
  return w;
}
