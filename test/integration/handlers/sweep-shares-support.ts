/**
 * Set-up of the sweep handler tests: the real handler (createSweepHandler) over the real runtime
 * (functions/shared buildRuntime) with DynamoDB Local tables, the TeraBox emulator over HTTP,
 * in-memory EventBridge and SQS, and an injected clock. Each sweep world gets its own account id
 * on the file's tables and its own emulator, so tests never see each other's data.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import nodeFetch from 'node-fetch';
import type { Context } from 'aws-lambda';
import { createSweepHandler, type SweepEvent, type SweepHandlerResult } from '../../../functions/sweep-shares/handler';
import { buildRuntime, type Runtime } from '../../../functions/shared';
import type { EventPublisher } from '../../../lib/app/messaging-ports';
import type { Clock } from '../../../lib/app/ports';
import type { SweepAccountList, SweepStepEvent, SweepStepReport, SweepStepState } from '../../../lib/contracts/sweep-steps';
import type { InventoryStore } from '../../../lib/app/store-ports';
import { loadSweepConfig } from '../../../lib/config/env';
import type { Policy } from '../../../lib/domain/policy-types';
import { parseCancelBatch } from '../../../lib/contracts/cancel-batch';
import { InMemoryEventBus } from '../../../lib/messages/in-memory-event-bus';
import { InMemoryCancelQueue, InMemoryQueue, localLambdaContext } from '../../../lib/messages/in-memory-queue';
import { createStores, type Stores } from '../../../lib/stores/create-stores';
import { startEmulator, type RunningEmulator } from '../../../lib/terabox/emulator';
import type { NewEmulatorShare } from '../../../lib/terabox/emulator';
import type { FetchLike } from '../../../lib/terabox';
import type { TestTables } from '../stores/tables';

export const NDUS = 'sweep-handler-ndus-4f9c2a7e1b';
// In the future on purpose: DynamoDB Local expires TTL items (audit entries live 90 days after
// the run's clock), so a run dated in the past could see its audit trail vanish mid-test.
export const T0 = Date.parse('2031-05-01T10:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export class TestClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** An emulator share `ageDays` old at T0 (public unless said otherwise). */
export function anEmulatorShare(shareId: string, path: string, ageDays: number, overrides: Partial<NewEmulatorShare> = {}): NewEmulatorShare {
  return { shareId, paths: [path], ctime: Math.floor((T0 - ageDays * DAY) / 1000), public: true, ...overrides };
}

/** The policy most tests use: public links under /Public/ live 30 days, except /Public/evergreen/. */
export function publicLinksPolicy(overrides: Partial<Policy> = {}): Policy {
  return {
    policyId: 'public-30d',
    description: 'Public links live at most 30 days',
    enabled: true,
    mode: 'enforce',
    scope: { pathPrefixes: ['/Public/'], visibility: 'public' },
    rule: { type: 'max-age', maxAgeDays: 30 },
    exempt: { pathPrefixes: ['/Public/evergreen/'] },
    graceHours: 0,
    ...overrides,
  };
}

export interface SweepWorld {
  accountId: string;
  clock: TestClock;
  emulator: RunningEmulator;
  stores: Stores;
  bus: InMemoryEventBus;
  cancelQueue: InMemoryQueue;
  runtime: Runtime;
  /** Every metric the handler added (name -> values). */
  metrics: Map<string, number[]>;
  /** Calls the handler as Lambda would, with a fresh context (its deadline follows the clock). */
  invoke(event: SweepEvent | null): Promise<SweepHandlerResult>;
  /** Calls the handler with a step of the sweep state machine, as Lambda would. */
  invokeStep(event: SweepStepEvent): Promise<SweepStepState | SweepStepReport | SweepAccountList>;
  /** Share ids of the cancel messages on the queue, each message validated as cancel-shares would. */
  queuedShareIds(): string[];
  close(): Promise<void>;
}

export interface SweepWorldOptions {
  shares: NewEmulatorShare[];
  policies: Policy[];
  /** Extra environment (GLOBAL_DRY_RUN, MAX_CANCELLATIONS_PER_RUN, ...). */
  env?: Record<string, string>;
  emulator?: Parameters<typeof startEmulator>[0];
  /** Wraps the TeraBox client's fetch (to inject faults at a chosen moment). */
  fetch?: (emulator: RunningEmulator) => FetchLike;
  /** The handler's event publisher instead of the in-memory bus (given it, to wrap it or not). */
  events?: (bus: InMemoryEventBus) => EventPublisher;
  /** Wraps the handler's inventory store (the world's own DynamoDB one) to inject faults. */
  inventory?: (store: InventoryStore) => InventoryStore;
}

let worlds = 0;

export async function sweepWorld(tables: TestTables, options: SweepWorldOptions): Promise<SweepWorld> {
  worlds += 1;
  const accountId = `acct-${process.pid}-${worlds}`;
  const clock = new TestClock(T0);
  const emulator = await startEmulator({ ndus: NDUS, seed: 'files=10,shares=0', now: () => clock.now(), ...options.emulator });
  emulator.state.addShares(options.shares);
  const stores = createStores({ client: tables.client, names: tables.names, accountId });
  if (options.policies.length > 0) await stores.policies.putPolicies(options.policies, T0);

  const config = loadSweepConfig({
    ACCOUNT_ID: accountId,
    POLICIES_TABLE: tables.names.policies,
    SHARES_TABLE: tables.names.shares,
    INVENTORY_TABLE: tables.names.inventory,
    RUNS_TABLE: tables.names.runs,
    TERABOX_SECRET_ID: 'terabox-share-lifecycle/ndus',
    CANCEL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/cancel-batches',
    EVENT_BUS_NAME: 'share-lifecycle',
    GLOBAL_DRY_RUN: 'false',
    MAX_CANCELLATION_PERCENT: '100',
    TERABOX_LIST_CONCURRENCY: '2',
    ...options.env,
  });
  const bus = new InMemoryEventBus({ clock });
  const cancelQueue = new InMemoryQueue({ name: 'cancel-batches', clock });
  const logger = new Logger({ serviceName: 'sweep-shares', logLevel: 'SILENT' });
  const powertoolsMetrics = new Metrics({ serviceName: 'sweep-shares', namespace: 'TeraboxShareLifecycle' });
  const metrics = new Map<string, number[]>();
  jest.spyOn(powertoolsMetrics, 'addMetric').mockImplementation((name, _unit, value) => {
    metrics.set(name, [...(metrics.get(name) ?? []), value]);
    return powertoolsMetrics;
  });
  // Nothing is stored (addMetric is replaced), so there is nothing to print.
  jest.spyOn(powertoolsMetrics, 'publishStoredMetrics').mockImplementation(() => powertoolsMetrics);

  const baseFetch: FetchLike = (url, init) => nodeFetch(url, init) as ReturnType<FetchLike>;
  const runtime = buildRuntime(config, {
    functionName: 'sweep-shares',
    logger,
    metrics: powertoolsMetrics,
    clock,
    dynamoClient: tables.client,
    credentials: { get: async () => ({ ndus: NDUS, baseUrl: emulator.url }), invalidate: () => undefined },
    terabox: {
      fetch: options.fetch ? options.fetch(emulator) : baseFetch,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      requestTimeoutMs: 2_000,
    },
    events: options.events ? options.events(bus) : bus,
    cancelQueue: new InMemoryCancelQueue(cancelQueue),
    ...(options.inventory ? { stores: { inventory: options.inventory(stores.inventory) } } : {}),
  });
  const handler = createSweepHandler({ config, runtime });

  return {
    accountId,
    clock,
    emulator,
    stores,
    bus,
    cancelQueue,
    runtime,
    metrics,
    invoke: (event) => {
      const context: Context = localLambdaContext('sweep-shares', { clock, timeoutMs: 15 * 60_000 });
      return handler(event, context);
    },
    invokeStep: (event) => handler(event, localLambdaContext('sweep-shares', { clock, timeoutMs: 15 * 60_000 })),
    queuedShareIds() {
      return cancelQueue.snapshot().flatMap((m) => {
        const parsed = parseCancelBatch(m.body);
        if (!parsed.ok) throw new Error(`invalid cancel message on the queue: ${parsed.errors.join('; ')}`);
        return parsed.batch.shareIds;
      });
    },
    async close() {
      runtime.close();
      await emulator.close();
    },
  };
}
