/**
 * The create benchmark's measured part, run in its own Node process (started by bench/create.ts):
 * the real create-shares handler over the real runtime (share records on dynalite, the TeraBox
 * client on the emulator), fed from an in-memory SQS queue one poll at a time, as Lambda's event
 * source mapping does. Every invocation is timed.
 */
import { createCreateSharesHandler } from '../functions/create-shares/handler';
import type { CreateShareSettings } from '../lib/app/create-share';
import { buildRuntime } from '../functions/shared';
import { loadCreateSharesConfig } from '../lib/config/env';
import { localObservability } from '../local/observability';
import { InMemoryEventBus } from '../lib/messages/in-memory-event-bus';
import { InMemoryQueue, InMemoryShareRequestQueue, localLambdaContext } from '../lib/messages/in-memory-queue';
import type { ShareRequestMessage } from '../lib/contracts/share-request';
import type { TableNames } from '../lib/stores/create-tables';
import { childMain, dynamoClientFor } from './support';

export interface CreateChildInput {
  dynamoEndpoint: string;
  names: TableNames;
  accountId: string;
  emulatorUrl: string;
  ndus: string;
  /** Warm-up requests (first invocation: secret, /main, connections), not timed. */
  warmup: ShareRequestMessage[];
  requests: ShareRequestMessage[];
  /** Messages per invocation (SQS batch size). */
  batchSize: number;
  /** Use case settings to try (what-if runs); default: the handler's own. */
  settings?: Partial<CreateShareSettings>;
}

export interface CreateChildResult {
  batchSize: number;
  requests: number;
  invocations: number;
  /** Wall time of each invocation, ms. */
  invocationMs: number[];
  totalMs: number;
  created: number;
  failedMessages: number;
  shareCreatedEvents: number;
  /** CPU time (user + system) of this process per request while the timed requests ran, ms. */
  cpuMsPerRequest: number;
}

export async function runCreates(input: CreateChildInput): Promise<CreateChildResult> {
  const dynamoClient = dynamoClientFor(input.dynamoEndpoint);
  const config = loadCreateSharesConfig({
    ACCOUNT_ID: input.accountId,
    SHARES_TABLE: input.names.shares,
    TERABOX_SECRET_ID: 'bench/terabox',
    EVENT_BUS_NAME: 'bench-bus',
  });
  const bus = new InMemoryEventBus();
  const runtime = buildRuntime(config, {
    functionName: 'create-shares',
    ...localObservability('create-shares'),
    dynamoClient,
    credentials: { get: async () => ({ ndus: input.ndus, baseUrl: input.emulatorUrl }), invalidate: () => undefined },
    events: bus,
  });
  const handler = createCreateSharesHandler({ config, runtime, ...(input.settings ? { settings: input.settings } : {}) });
  const queue = new InMemoryQueue({ name: 'share-requests' });
  const sender = new InMemoryShareRequestQueue(queue);
  const invoke = (max: number) => queue.processBatch(handler, { maxMessages: max, context: localLambdaContext('create-shares') });

  await sender.send(input.warmup);
  while (queue.approximateNumberOfMessages > 0) await invoke(input.batchSize);
  bus.clear();

  await sender.send(input.requests);
  const invocationMs: number[] = [];
  let failed = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (queue.approximateNumberOfMessages > 0) {
    const t = performance.now();
    const outcome = await invoke(input.batchSize);
    invocationMs.push(performance.now() - t);
    failed += outcome.failed.length;
  }
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  runtime.close();
  dynamoClient.destroy();
  const created = bus.ofType('ShareCreated').length;
  return {
    batchSize: input.batchSize,
    requests: input.requests.length,
    invocations: invocationMs.length,
    invocationMs: invocationMs.map((ms) => Math.round(ms * 10) / 10),
    totalMs: Math.round(totalMs),
    created,
    failedMessages: failed,
    shareCreatedEvents: created,
    cpuMsPerRequest: Math.round(((cpu.user + cpu.system) / 1000 / input.requests.length) * 10) / 10,
  };
}

if (require.main === module) childMain(runCreates);
