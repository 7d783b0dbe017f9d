/**
 * Product events to an EventBridge bus with PutEvents.
 *
 * Limits (EventBridge docs, "Calculating PutEvents event entry size"): at most 10 entries per
 * call; an entry's size is the UTF-8 bytes of Source, DetailType, Detail and each Resource, plus
 * 14 bytes when Time is set, and must stay under 256 KiB. We also keep a whole call under that
 * size. A call can succeed with `FailedEntryCount > 0`: entries failing with the documented
 * retryable codes (InternalFailure, ThrottlingException) are resent with backoff; the others
 * (AccessDenied, MalformedDetail, ...) cannot succeed by retrying.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, EventPublishFailure } from '../app/messaging-ports';
import { chunkBySize, describeError, resolveRetry, utf8Bytes, type EntryRetryOptions } from './batching';
import { sendUntilProcessed } from '../shared/until-processed';
import type { ProductEvent } from '../contracts/events';

export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 262_144;
const RETRYABLE_ENTRY_CODES = new Set(['InternalFailure', 'ThrottlingException']);

/** One event not accepted, by its index in the list given to `publish` (the port's EventPublishFailure). */
export type EventFailure = EventPublishFailure;

/** Base of this module's errors. */
export class EventPublishError extends Error {
  override readonly name: string = 'EventPublishError';

  constructor(
    message: string,
    readonly failures: EventFailure[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An event is too large for EventBridge; nothing was sent (`failures` names every event of the call). */
export class EventTooLargeError extends EventPublishError {
  override readonly name = 'EventTooLargeError';
}

/** The PutEvents entry for a product event. */
export function toPutEventsEntry(event: ProductEvent, busName: string): PutEventsRequestEntry {
  const entry: PutEventsRequestEntry = {
    EventBusName: busName,
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
  };
  if (event.time !== undefined) entry.Time = new Date(event.time);
  return entry;
}

/** The entry size as EventBridge counts it. */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  size += utf8Bytes(entry.Source ?? '') + utf8Bytes(entry.DetailType ?? '') + utf8Bytes(entry.Detail ?? '');
  for (const resource of entry.Resources ?? []) size += utf8Bytes(resource);
  return size;
}

export interface EventBridgePublisherOptions {
  /** Built with the SDK defaults (region, credentials, AWS_ENDPOINT_URL_EVENTBRIDGE) when absent. */
  client?: EventBridgeClient;
  busName: string;
  retry?: EntryRetryOptions;
}

/** Publishes product events; every event is sent, or `publish` throws an `EventPublishError`. */
export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly busName: string;
  private readonly retry: EntryRetryOptions | undefined;

  constructor(options: EventBridgePublisherOptions) {
    this.client = options.client ?? new EventBridgeClient({});
    this.busName = options.busName;
    this.retry = options.retry;
  }

  async publish(events: ProductEvent[]): Promise<void> {
    const entries = events.map((event) => toPutEventsEntry(event, this.busName));
    const tooLarge = entries
      .map((entry) => ({ entry, size: putEventsEntrySize(entry) }))
      .filter(({ size }) => size > PUT_EVENTS_MAX_BYTES);
    if (tooLarge.length > 0) {
      // Checked before sending anything: a partial publish of a caller's list is harder to reason about.
      throw new EventTooLargeError(
        `${tooLarge.length} event(s) exceed the EventBridge entry limit of ${PUT_EVENTS_MAX_BYTES} bytes (first: ${tooLarge[0]?.entry.DetailType}, ${tooLarge[0]?.size} bytes)`,
        tooLargeFailures(entries.map((entry) => ({ detailType: entry.DetailType ?? '', size: putEventsEntrySize(entry) }))),
      );
    }

    const retry = resolveRetry(this.retry);
    const final: EventFailure[] = [];
    let callError: unknown;
    // The last failure each entry was handed back with; only read for the entries still left at the end.
    const retryable = new Map<number, EventFailure>();
    const { left } = await sendUntilProcessed(entries.map((_, index) => index), async (indices) => {
      const again: number[] = [];
      for (const chunk of chunkBySize(indices, (i) => putEventsEntrySize(entries[i] as PutEventsRequestEntry), PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_MAX_BYTES)) {
        let response;
        try {
          response = await this.client.send(new PutEventsCommand({ Entries: chunk.map((i) => entries[i] as PutEventsRequestEntry) }));
        } catch (error) {
          // The SDK has already retried the call itself (throttling, 5xx, network).
          callError = error;
          for (const i of chunk) {
            final.push({ index: i, detailType: entries[i]?.DetailType ?? '', errorCode: errorName(error), errorMessage: describeError(error) });
          }
          continue;
        }
        const results = response.Entries;
        // No per-entry results and no failures: all accepted.
        if (results === undefined && (response.FailedEntryCount ?? 0) === 0) continue;
        // Result entries are in request order.
        chunk.forEach((i, position) => {
          const result = results?.[position];
          const detailType = entries[i]?.DetailType ?? '';
          if (result === undefined) {
            retryable.set(i, { index: i, detailType, errorCode: 'MissingResult', errorMessage: 'EventBridge returned no result for the entry' });
            again.push(i);
          } else if (result.ErrorCode !== undefined) {
            const failure = { index: i, detailType, errorCode: result.ErrorCode, errorMessage: result.ErrorMessage ?? '' };
            if (RETRYABLE_ENTRY_CODES.has(result.ErrorCode)) {
              retryable.set(i, failure);
              again.push(i);
            } else final.push(failure);
          }
        });
      }
      return again;
    }, retry);
    for (const i of left) final.push(retryable.get(i) as EventFailure);

    if (final.length > 0) {
      final.sort((a, b) => a.index - b.index);
      const first = final[0] as EventFailure;
      const cause =
        callError ?? new AggregateError(final.map((f) => new Error(`${f.errorCode}: ${f.errorMessage}`)), 'PutEvents entry failures');
      throw new EventPublishError(
        `${final.length} of ${entries.length} event(s) could not be published to ${this.busName}: ${first.errorCode} (${first.detailType})`,
        final,
        { cause },
      );
    }
  }
}

/**
 * The failures of a call refused for an oversized event: nothing was sent, so every event is named
 * (the oversized ones as such), and a caller counting what was accepted counts none.
 */
export function tooLargeFailures(entries: readonly { detailType: string; size: number }[]): EventFailure[] {
  return entries.map(({ detailType, size }, index) =>
    size > PUT_EVENTS_MAX_BYTES
      ? { index, detailType, errorCode: 'EntryTooLarge', errorMessage: `${size} bytes` }
      : { index, detailType, errorCode: 'NotSent', errorMessage: 'another event of the call is too large; nothing was sent' },
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
