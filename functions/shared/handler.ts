/**
 * The middy base every handler is built on, and the lazy `handler` export.
 *
 * - `withObservability(fn, { logger, metrics })`: middy with Powertools' `injectLambdaContext`
 *   (request id, cold start, function name in every log line; keys added during an invocation are
 *   reset after it) and a flush of the stored metrics after the invocation, success or error.
 * - `sqsBatchHandler(recordHandler, { logger, metrics }, { perBatch? })`: the above around
 *   Powertools' `BatchProcessor` + `processPartialResponse` (records in parallel; a record whose
 *   handler throws is reported in `batchItemFailures`, the others are deleted by SQS); `perBatch`
 *   builds state the records of one invocation share (create-shares: one share id lookup).
 * - `lazyHandler(factory)`: the exported `handler` of a function, built on its first invocation
 *   from `process.env` (so that importing the module for its factory never needs an environment).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface HandlerObservability {
  logger: Logger;
  metrics: Metrics;
}

/** A Lambda handler as the runtime (and the in-memory queues) call it. */
export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * Publishes the metrics stored during the invocation. Powertools' own `logMetrics` middleware
 * would also do this, but it logs a warning on every invocation that recorded no metric, which is
 * most of them here (our metrics count rare things: auth failures, cancellations).
 */
export function publishStoredMetrics(metrics: Metrics): MiddlewareObj {
  const flush = (): void => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}

/** Wraps a handler in middy with the Powertools logger context and the metrics flush. */
export function withObservability<E, R>(fn: LambdaHandler<E, R>, observability: HandlerObservability): LambdaHandler<E, R> {
  const wrapped = middy<E, R>()
    .use(injectLambdaContext(observability.logger, { resetKeys: true }))
    .use(publishStoredMetrics(observability.metrics))
    .handler((event: E, context: Context) => fn(event, context));
  return (event, context) => wrapped(event, context);
}

/** Options of `sqsBatchHandler`. */
export interface SqsBatchHandlerOptions<B> {
  /**
   * Builds, once per invocation and before any record starts, what the records of that batch
   * share; each record handler receives it as its third argument.
   */
  perBatch?: (event: SQSEvent) => B;
}

/**
 * An SQS handler with partial batch responses. `recordHandler` throws to fail one record (it is
 * redelivered, then moved to the DLQ after maxReceiveCount); returning means done (deleted).
 * Records are processed in parallel, all started in the same tick. A batch in which every record
 * failed is answered with every record listed (not with a thrown error): the effect on SQS is the
 * same, and the function's error metric stays reserved for the handler itself breaking.
 */
export function sqsBatchHandler<B = undefined>(
  recordHandler: (record: SQSRecord, context: Context, batch: B) => Promise<void>,
  observability: HandlerObservability,
  options: SqsBatchHandlerOptions<B> = {},
): LambdaHandler<SQSEvent, SQSBatchResponse> {
  return withObservability<SQSEvent, SQSBatchResponse>(async (event, context) => {
    // One processor per invocation: BatchProcessor keeps per-batch state, and the local run may
    // call one handler concurrently.
    const processor = new BatchProcessor(EventType.SQS);
    const batch = options.perBatch ? options.perBatch(event) : (undefined as B);
    return processPartialResponse(event, (record: SQSRecord) => recordHandler(record, context, batch), processor, {
      context,
      throwOnFullBatchFailure: false,
      processInParallel: true,
    });
  }, observability);
}

/**
 * The `handler` export of a function: `factory` runs on the first invocation (cold start) and
 * its handler is reused. A factory that throws (a configuration error) fails that invocation and
 * is tried again on the next one.
 */
export function lazyHandler<E, R>(factory: () => LambdaHandler<E, R>): LambdaHandler<E, R> {
  let built: LambdaHandler<E, R> | undefined;
  return (event, context) => {
    built ??= factory();
    return built(event, context);
  };
}

/** The SQS receive count of a record (1 on the first delivery). */
export function receiveCount(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : 1;
}
