/**
 * One step of the checkpointed sweep (bench/chunked.ts) in its own Node process, as one Lambda
 * invocation: the real sweep-shares handler over the real runtime (stores on dynalite, the TeraBox
 * client on the emulator, paced), answering one step event. Reports the step's answer, its wall
 * time, its peak memory and when each TeraBox request started (epoch ms, for the busiest second).
 */
import { buildRuntime } from '../functions/shared';
import { createSweepHandler } from '../functions/sweep-shares/handler';
import type { SweepAccountList, SweepStepEvent, SweepStepReport, SweepStepState } from '../lib/contracts/sweep-steps';
import { loadSweepConfig } from '../lib/config/env';
import { InMemoryEventBus } from '../lib/messages/in-memory-event-bus';
import { InMemoryCancelQueue, InMemoryQueue, localLambdaContext } from '../lib/messages/in-memory-queue';
import type { TableNames } from '../lib/stores/create-tables';
import type { FetchLike } from '../lib/terabox';
import { localObservability } from '../local/observability';
import nodeFetch from 'node-fetch';
import { stackEnv } from './sweep-child';
import { childMain, dynamoClientFor, startPeakSampler, type PeakMemory } from './support';

export interface ChunkedStepInput {
  event: SweepStepEvent;
  dynamoEndpoint: string;
  names: TableNames;
  accountId: string;
  emulatorUrl: string;
  ndus: string;
  rate: number;
  pagesPerChunk: number;
}

export interface ChunkedStepResult {
  output: SweepStepState | SweepStepReport | SweepAccountList;
  wallMs: number;
  memory: PeakMemory;
  requestStarts: number[];
}

export async function runStep(input: ChunkedStepInput): Promise<ChunkedStepResult> {
  const sampler = startPeakSampler();
  const env = {
    ...stackEnv(input.accountId, input.names, { maxCancellations: 1_000_000, maxCancellationPercent: 100 }),
    TERABOX_REQUESTS_PER_SECOND: String(input.rate),
    SWEEP_PAGES_PER_CHUNK: String(input.pagesPerChunk),
  };
  const requestStarts: number[] = [];
  const fetch: FetchLike = (url, init) => {
    requestStarts.push(Date.now());
    return nodeFetch(url, init) as ReturnType<FetchLike>;
  };
  const config = loadSweepConfig(env);
  const dynamoClient = dynamoClientFor(input.dynamoEndpoint);
  const runtime = buildRuntime(config, {
    functionName: 'sweep-shares',
    ...localObservability('sweep-shares'),
    dynamoClient,
    credentials: { get: async () => ({ ndus: input.ndus, baseUrl: input.emulatorUrl }), invalidate: () => undefined },
    terabox: { fetch },
    events: new InMemoryEventBus(),
    cancelQueue: new InMemoryCancelQueue(new InMemoryQueue({ name: 'cancel-batches' })),
  });
  const handler = createSweepHandler({ config, runtime });
  const t0 = performance.now();
  const output = await handler(input.event, localLambdaContext('sweep-shares', { timeoutMs: 15 * 60_000 }));
  const wallMs = Math.round(performance.now() - t0);
  runtime.close();
  dynamoClient.destroy();
  return { output, wallMs, memory: sampler.stop(), requestStarts };
}

if (require.main === module) childMain(runStep);
