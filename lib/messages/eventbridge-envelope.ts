/**
 * The envelope EventBridge wraps an event in when it delivers it to a target (an SQS queue's
 * message body is this JSON). The local run and the tests deliver recorded events to the
 * notifier in this shape, so that it parses exactly what the deployed queue would carry.
 * Shape: https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 */
import { randomUUID } from 'node:crypto';
import type { ProductEvent } from '../contracts/events';
import { toPutEventsEntry } from './eventbridge-publisher';

/** The message body a rule's SQS target receives for `event` published at `publishedAtMs`. */
export function eventBridgeEnvelope(event: ProductEvent, options: { busName?: string; publishedAtMs: number; id?: string; account?: string; region?: string }): string {
  const entry = toPutEventsEntry(event, options.busName ?? 'local-bus');
  const time = new Date(event.time ?? options.publishedAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return JSON.stringify({
    version: '0',
    id: options.id ?? randomUUID(),
    'detail-type': event.detailType,
    source: event.source,
    account: options.account ?? '000000000000',
    time,
    region: options.region ?? 'us-east-1',
    resources: [],
    detail: JSON.parse(entry.Detail as string) as unknown,
  });
}
