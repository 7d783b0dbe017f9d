/**
 * One sweep of the sweep benchmark, run in its own Node process (started by bench/sweep.ts):
 * the real sweep-shares handler over the real runtime (DynamoDB stores on dynalite, the TeraBox
 * client on the emulator, in-memory EventBridge and SQS), then the real cancel-shares handler
 * draining the cancel queue the way the stack's event source mapping would (batch size and
 * concurrency as given). The process's peak memory is measured from start to finish.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createCancelSharesHandler } from '../functions/cancel-shares/handler';
import { buildRuntime } from '../functions/shared';
import { createSweepHandler, type SweepHandlerResult } from '../functions/sweep-shares/handler';
import { loadCancelConfig, loadSweepConfig } from '../lib/config/env';
import type { TeraboxCredentialsProvider } from '../lib/config/terabox-credentials';
import type { TableNames } from '../lib/stores/create-tables';
import { localObservability } from '../local/observability';
import { InMemoryEventBus } from '../lib/messages/in-memory-event-bus';
import { InMemoryCancelQueue, InMemoryQueue, localLambdaContext } from '../lib/messages/in-memory-queue';
import type { TeraboxLogEvent } from '../lib/terabox';
import { childMain, dynamoClientFor, startPeakSampler, type PeakMemory } from './support';

export interface SweepChildInput {
  label: string;
  dynamoEndpoint: string;
  names: TableNames;
  accountId: string;
  emulatorUrl: string;
  ndus: string;
  /** TERABOX_LIST_CONCURRENCY; absent = the function's default. */
  listConcurrency?: number;
  /** MAX_CANCELLATIONS_PER_RUN / MAX_CANCELLATION_PERCENT for this bench. */
  maxCancellations: number;
  maxCancellationPercent: number;
  dryRun: boolean;
  /** Cancel-shares invocations in flight at once and messages per invocation (the stack: 2 and 5). */
  cancelPollers: number;
  cancelBatchMessages: number;
}

export interface SweepChildResult {
  label: string;
  status: SweepHandlerResult['status'];
  errors: string[];
  listed: number;
  pages: number;
  planned: number;
  enqueued: number;
  guardrailTripped: boolean;
  /** The handler's whole invocation (lease to release), ms. */
  sweepWallMs: number;
  /** First list request sent to last list page received, ms (from the client's events). */
  listWallMs: number;
  /** Phase durations recorded in the run summary, ms. */
  phases: Record<string, number>;
  cancelMessages: number;
  cancelInvocations: number;
  cancelDrainMs: number;
  cancelFailedMessages: number;
  /** Cancel outcomes the cancel handler published (ShareCancelled events). */
  cancelEvents: number;
  memory: PeakMemory;
}

/** What the sweep and the cancel function of one child share: the DynamoDB client and the TeraBox session. */
interface ChildAdapters {
  dynamoClient: DynamoDBClient;
  credentials: TeraboxCredentialsProvider;
}

export async function runOne(input: SweepChildInput): Promise<SweepChildResult> {
  const sampler = startPeakSampler();
  const adapters: ChildAdapters = {
    dynamoClient: dynamoClientFor(input.dynamoEndpoint),
    credentials: { get: async () => ({ ndus: input.ndus, baseUrl: input.emulatorUrl }), invalidate: () => undefined },
  };
  const env = functionEnv(input);
  const listing = listWindow();
  const cancelQueue = new InMemoryQueue({ name: 'cancel-batches' });
  const sweep = await sweepOnce(input, env, adapters, listing.onTerabox, cancelQueue);
  const cancels = await drainCancels(input, env, adapters, cancelQueue);
  adapters.dynamoClient.destroy();

  const memory = sampler.stop();
  const { report } = sweep;
  return {
    label: input.label,
    status: report.status,
    errors: report.errors,
    listed: report.inventory.shares,
    pages: report.inventory.pages,
    planned: report.guardrail?.planned ?? 0,
    enqueued: report.cancelled.length,
    guardrailTripped: report.guardrail?.tripped ?? false,
    sweepWallMs: Math.round(sweep.wallMs),
    listWallMs: listing.wallMs(),
    phases: sweep.phases,
    ...cancels,
    memory,
  };
}

/** The environment both functions would get from the stack, with this bench's guardrails. */
function functionEnv(input: SweepChildInput): Record<string, string> {
  return {
    ...stackEnv(input.accountId, input.names, { maxCancellations: input.maxCancellations, maxCancellationPercent: input.maxCancellationPercent }),
    ...(input.listConcurrency !== undefined ? { TERABOX_LIST_CONCURRENCY: String(input.listConcurrency) } : {}),
  };
}

/** What the stack sets on the functions, for the bench's tables, account and guardrails. */
export function stackEnv(accountId: string, names: TableNames, guardrails: { maxCancellations: number; maxCancellationPercent: number }): Record<string, string> {
  return {
    ACCOUNT_ID: accountId,
    POLICIES_TABLE: names.policies,
    SHARES_TABLE: names.shares,
    INVENTORY_TABLE: names.inventory,
    RUNS_TABLE: names.runs,
    TERABOX_SECRET_ID: 'bench/terabox',
    CANCEL_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/cancel-batches',
    EVENT_BUS_NAME: 'bench-bus',
    GLOBAL_DRY_RUN: 'false',
    MAX_CANCELLATIONS_PER_RUN: String(guardrails.maxCancellations),
    MAX_CANCELLATION_PERCENT: String(guardrails.maxCancellationPercent),
  };
}

/** The list phase as TeraBox sees it: from the first sharelist request to the last page (from the client's events). */
function listWindow(): { onTerabox: (event: TeraboxLogEvent) => void; wallMs: () => number } {
  let listStart: number | undefined;
  let listEnd: number | undefined;
  const onTerabox = (event: TeraboxLogEvent): void => {
    if (event.endpoint !== '/share/teratransfer/sharelist') return;
    const now = performance.now();
    if (event.event === 'request') listStart ??= now - (event.durationMs ?? 0);
    if (event.event === 'list-page') listEnd = now;
  };
  return { onTerabox, wallMs: () => (listStart !== undefined && listEnd !== undefined ? Math.round(listEnd - listStart) : 0) };
}

/** One sweep-shares invocation; a failed run comes back as its report. Its cancel batches land on `cancelQueue`. */
async function sweepOnce(
  input: SweepChildInput,
  env: Record<string, string>,
  adapters: ChildAdapters,
  onTerabox: (event: TeraboxLogEvent) => void,
  cancelQueue: InMemoryQueue,
): Promise<{ report: SweepHandlerResult; wallMs: number; phases: Record<string, number> }> {
  const sweepConfig = loadSweepConfig(env);
  const sweepRuntime = buildRuntime(sweepConfig, {
    functionName: 'sweep-shares',
    ...localObservability('sweep-shares'),
    ...adapters,
    terabox: { logger: onTerabox },
    events: new InMemoryEventBus(),
    cancelQueue: new InMemoryCancelQueue(cancelQueue),
  });
  const sweep = createSweepHandler({ config: sweepConfig, runtime: sweepRuntime });

  const t0 = performance.now();
  let report: SweepHandlerResult;
  try {
    report = await sweep(input.dryRun ? { dryRun: true } : { trigger: 'bench' }, localLambdaContext('sweep-shares', { timeoutMs: 15 * 60_000 }));
  } catch (error) {
    const failed = (error as { report?: SweepHandlerResult }).report;
    if (!failed) throw error;
    report = failed;
  }
  const wallMs = performance.now() - t0;
  sweepRuntime.close();
  const run = await sweepRuntime.stores.runs.getRun(report.runId);
  return { report, wallMs, phases: run?.timings ?? {} };
}

type CancelFigures = Pick<SweepChildResult, 'cancelMessages' | 'cancelInvocations' | 'cancelDrainMs' | 'cancelFailedMessages' | 'cancelEvents'>;

/** cancel-shares, as a separate function with its own runtime (its own TeraBox session), draining the queue. */
async function drainCancels(input: SweepChildInput, env: Record<string, string>, adapters: ChildAdapters, cancelQueue: InMemoryQueue): Promise<CancelFigures> {
  const cancelBus = new InMemoryEventBus();
  const cancelConfig = loadCancelConfig(env);
  const cancelRuntime = buildRuntime(cancelConfig, {
    functionName: 'cancel-shares',
    ...localObservability('cancel-shares'),
    ...adapters,
    events: cancelBus,
  });
  const cancel = createCancelSharesHandler({ config: cancelConfig, runtime: cancelRuntime });
  const cancelHandler = (event: SQSEvent): Promise<SQSBatchResponse> => cancel(event, localLambdaContext('cancel-shares'));
  const cancelMessages = cancelQueue.approximateNumberOfMessages;
  let invocations = 0;
  let failedMessages = 0;
  const c0 = performance.now();
  // Like an event source mapping with `maxConcurrency` pollers: each takes up to N messages.
  for (let rounds = 0; cancelQueue.approximateNumberOfMessages > 0 && rounds < 10_000; rounds++) {
    const polls = Array.from({ length: input.cancelPollers }, () => cancelQueue.processBatch(cancelHandler, { maxMessages: input.cancelBatchMessages }));
    for (const outcome of await Promise.all(polls)) {
      if (outcome.received > 0) invocations += 1;
      failedMessages += outcome.failed.length;
    }
  }
  const cancelDrainMs = performance.now() - c0;
  cancelRuntime.close();
  return {
    cancelMessages,
    cancelInvocations: invocations,
    cancelDrainMs: Math.round(cancelDrainMs),
    cancelFailedMessages: failedMessages,
    cancelEvents: cancelBus.ofType('ShareCancelled').length,
  };
}

if (require.main === module) childMain(runOne);
