/**
 * Wiring of the reliability tests: the real handlers (create-shares, sweep-shares, cancel-shares)
 * over the real runtime (functions/shared buildRuntime), Amazon DynamoDB Local tables, the TeraBox
 * emulator over HTTP, in-memory SQS (with redelivery and a DLQ) and EventBridge, one manual clock
 * for all of them, and real Powertools loggers and metrics whose output is captured.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createCancelSharesHandler, type CancelSharesHandler } from '../../../functions/cancel-shares/handler';
import { createCreateSharesHandler, type CreateSharesHandler } from '../../../functions/create-shares/handler';
import { buildRuntime, METRICS_NAMESPACE, type Runtime, type RuntimeOverrides } from '../../../functions/shared';
import { createSweepHandler, type SweepHandlerResult } from '../../../functions/sweep-shares/handler';
import type { Clock } from '../../../lib/app/ports';
import type { SweepSettings } from '../../../lib/app/sweep';
import { loadCancelConfig, loadCreateSharesConfig, loadSweepConfig } from '../../../lib/config/env';
import type { TeraboxCredentials, TeraboxCredentialsProvider } from '../../../lib/config/terabox-credentials';
import { localObservability } from '../../../local/observability';
import { InMemoryEventBus } from '../../../lib/messages/in-memory-event-bus';
import { InMemoryCancelQueue, InMemoryQueue, localLambdaContext, type DrainSummary } from '../../../lib/messages/in-memory-queue';
import type { TableNames } from '../../../lib/stores/create-tables';
import { DynamoDbInventoryStore } from '../../../lib/stores/inventory-store';
import nodeFetch from 'node-fetch';
import type { FetchLike, FetchResponseLike } from '../../../lib/terabox';
import type { RunningEmulator } from '../../../lib/terabox/emulator';
import type { TeraboxClientSettings } from '../../../functions/shared/terabox-gateway';

/** A clock moved by hand: shared by the emulator, the runtime and the queues of one test. */
export class ManualClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += Math.max(0, ms);
  }
}

/** 2031-05-01T10:00:00Z, in the future on purpose: DynamoDB Local expires TTL items (audit entries
 * live 90 days after the run's clock), so a past date could make audit rows vanish mid-test. */
export const T0 = Date.parse('2031-05-01T10:00:00.000Z');

/** Credentials for an emulator (there is no local Secrets Manager); counts invalidations. */
export class StaticCredentials implements TeraboxCredentialsProvider {
  invalidations = 0;
  constructor(private readonly value: TeraboxCredentials) {}
  async get(): Promise<TeraboxCredentials> {
    return { ...this.value };
  }
  invalidate(): void {
    this.invalidations += 1;
  }
}

/** Fast retries for tests: many attempts, millisecond pauses, short request timeouts. */
export const FAST_TERABOX: TeraboxClientSettings = {
  requestTimeoutMs: 400,
  retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 10 },
};

export interface Observed {
  logger: Logger;
  metrics: Metrics;
}

/** A real Powertools Logger and Metrics (their output goes to stdout: capture it with `captureOutput`). */
export function observed(serviceName: string, logLevel: 'DEBUG' | 'INFO' | 'SILENT' = 'SILENT'): Observed {
  return {
    logger: new Logger({ serviceName, logLevel }),
    metrics: new Metrics({ serviceName, namespace: METRICS_NAMESPACE }),
  };
}

/** Everything written to stdout and stderr until `restore()` (Powertools writes its JSON lines there). */
export function captureOutput(): { text(): string; lines(): string[]; restore(): void } {
  const chunks: string[] = [];
  const grab = (chunk: unknown): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(grab as typeof process.stdout.write);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(grab as typeof process.stderr.write);
  return {
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter((l) => l.trim() !== ''),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

export interface Wiring {
  client: DynamoDBClient;
  names: TableNames;
  accountId: string;
  emulator: RunningEmulator;
  clock: ManualClock;
  credentials?: TeraboxCredentialsProvider;
  terabox?: TeraboxClientSettings;
  /** Powertools logger/metrics; default silent ones. */
  observed?: Observed;
}

function overrides(w: Wiring, functionName: string, extra: Partial<RuntimeOverrides> = {}): RuntimeOverrides {
  // Default: a silent logger and metrics summed in memory (local/), so test output stays clean.
  const obs = w.observed ?? localObservability(functionName);
  return {
    functionName,
    logger: obs.logger,
    metrics: obs.metrics,
    clock: w.clock,
    dynamoClient: w.client,
    credentials: w.credentials ?? new StaticCredentials({ ndus: w.emulator.state.ndus ?? 'expired', baseUrl: w.emulator.url }),
    terabox: { ...FAST_TERABOX, ...w.terabox },
    ...extra,
  };
}

export interface SweepRig {
  runtime: Runtime;
  bus: InMemoryEventBus;
  cancelQueue: InMemoryQueue;
  /** The cancel queue's dead-letter queue (messages received `maxReceiveCount` times). */
  cancelDlq: InMemoryQueue;
  /** Invokes the handler; a failed run's report is returned (its error is kept in `error`). */
  invoke(event?: { dryRun?: boolean }): Promise<{ report: SweepHandlerResult; error?: Error }>;
}

/** The sweep handler of one account; cancel batches go to an in-memory queue. */
export function sweepRig(
  w: Wiring,
  env: Record<string, string> = {},
  options: { maxReceiveCount?: number; settings?: Partial<SweepSettings> } = {},
): SweepRig {
  const config = loadSweepConfig({
    ACCOUNT_ID: w.accountId,
    POLICIES_TABLE: w.names.policies,
    SHARES_TABLE: w.names.shares,
    INVENTORY_TABLE: w.names.inventory,
    RUNS_TABLE: w.names.runs,
    TERABOX_SECRET_ID: 'reliability/terabox',
    CANCEL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/cancel-batches',
    EVENT_BUS_NAME: 'reliability-bus',
    GLOBAL_DRY_RUN: 'false',
    ...env,
  });
  const bus = new InMemoryEventBus({ clock: w.clock });
  const cancelDlq = new InMemoryQueue({ name: `cancel-${w.accountId}-dlq`, clock: w.clock });
  const cancelQueue = new InMemoryQueue({
    name: `cancel-${w.accountId}`,
    clock: w.clock,
    redrivePolicy: { deadLetterQueue: cancelDlq, maxReceiveCount: options.maxReceiveCount ?? 10 },
  });
  const runtime = buildRuntime(
    config,
    overrides(w, 'sweep-shares', {
      events: bus,
      cancelQueue: new InMemoryCancelQueue(cancelQueue),
      // The real store; more batch writes in flight than the default, so 20,000 new inventory items go faster.
      stores: { inventory: new DynamoDbInventoryStore({ client: w.client, tableName: w.names.inventory, accountId: w.accountId, batch: { concurrency: 16 } }) },
    }),
  );
  const handler = createSweepHandler({ config, runtime, ...(options.settings ? { settings: options.settings } : {}) });
  return {
    runtime,
    bus,
    cancelQueue,
    cancelDlq,
    async invoke(event = {}) {
      const context = localLambdaContext('sweep-shares', { clock: w.clock, timeoutMs: 15 * 60_000 });
      try {
        return { report: await handler(event.dryRun ? { dryRun: true } : { trigger: 'reliability' }, context) };
      } catch (error) {
        const report = (error as { report?: SweepHandlerResult }).report;
        if (report === undefined) throw error;
        return { report, error: error as Error };
      }
    },
  };
}

/** The cancel-shares handler of one account. */
export function cancelHandler(w: Wiring, bus = new InMemoryEventBus({ clock: w.clock })): { handler: CancelSharesHandler; bus: InMemoryEventBus } {
  const config = loadCancelConfig({
    ACCOUNT_ID: w.accountId,
    SHARES_TABLE: w.names.shares,
    RUNS_TABLE: w.names.runs,
    TERABOX_SECRET_ID: 'reliability/terabox',
    EVENT_BUS_NAME: 'reliability-bus',
    GLOBAL_DRY_RUN: 'false',
  });
  return { handler: createCancelSharesHandler({ config, overrides: overrides(w, 'cancel-shares', { events: bus }) }), bus };
}

/** The create-shares handler of one account. */
export function createHandler(w: Wiring, bus = new InMemoryEventBus({ clock: w.clock })): { handler: CreateSharesHandler; bus: InMemoryEventBus } {
  const config = loadCreateSharesConfig({
    ACCOUNT_ID: w.accountId,
    SHARES_TABLE: w.names.shares,
    TERABOX_SECRET_ID: 'reliability/terabox',
    EVENT_BUS_NAME: 'reliability-bus',
  });
  return { handler: createCreateSharesHandler({ config, overrides: overrides(w, 'create-shares', { events: bus }) }), bus };
}

/**
 * Polls `queue` until it is empty, the way Lambda's event source does, moving the manual clock
 * over visibility timeouts instead of waiting for them.
 */
export function drain(
  queue: InMemoryQueue,
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  clock: ManualClock,
  maxBatches = 5_000,
): Promise<DrainSummary> {
  return queue.drain(handler, {
    maxBatches,
    sleep: async (ms) => clock.advance(ms),
  });
}

/** Every item of a table (for assertions on what was written). */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> {
  const doc = DynamoDBDocumentClient.from(client);
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ TableName: tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...((out.Items ?? []) as Record<string, unknown>[]));
    start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start);
  return items;
}

/** Share ids of the emulator right now. */
export function shareIds(emulator: RunningEmulator): Set<string> {
  return new Set(emulator.state.shares.keys());
}

/** `before` minus `after`: what was cancelled in between. */
export function removed(before: ReadonlySet<string>, after: ReadonlySet<string>): string[] {
  return [...before].filter((id) => !after.has(id)).sort();
}

/** node-fetch v2 as the client's injectable fetch (what the client uses by default). */
export const realFetch: FetchLike = (url, init) => nodeFetch(url, init) as ReturnType<FetchLike>;

/** A canned TeraBox answer (status, body, headers) for a fetch wrapper to return instead of asking the emulator. */
export function cannedResponse(status: number, body: string, headers: Record<string, string> = {}): FetchResponseLike {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, headers: { get: (name) => lower.get(name.toLowerCase()) ?? null }, text: async () => body };
}

/**
 * Polls `queue` with `pollers` concurrent "invocations" of up to 10 messages each (Lambda's event
 * source with maxConcurrency), until the queue is empty; the manual clock jumps over visibility
 * timeouts and moves `msPerRound` after each round of polls. Returns the number of invocations.
 */
export async function drainConcurrently(
  queue: InMemoryQueue,
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
  clock: ManualClock,
  options: { pollers?: number; maxInvocations?: number; batchSize?: number; msPerRound?: number } = {},
): Promise<number> {
  const pollers = options.pollers ?? 2;
  const max = options.maxInvocations ?? 10_000;
  let invocations = 0;
  while (queue.snapshot().length > 0 && invocations < max) {
    if (queue.approximateNumberOfMessages === 0) {
      const next = Math.min(...queue.snapshot().map((m) => m.visibleAt));
      clock.advance(next - clock.now());
      // Receiving moves messages that reached maxReceiveCount to the DLQ.
      if (queue.approximateNumberOfMessages === 0) continue;
    }
    const outcomes = await Promise.all(
      Array.from({ length: pollers }, () => queue.processBatch(handler, { maxMessages: options.batchSize ?? 10, context: localLambdaContext('poller', { clock }) })),
    );
    invocations += outcomes.filter((o) => o.received > 0).length;
    // Time passes while functions run: share ages and search windows move as they would.
    clock.advance(options.msPerRound ?? 0);
  }
  return invocations;
}
