/**
 * Typed factories for queue messages, events and SQS records.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { CancelBatchMessage } from '../../lib/contracts/cancel-batch';
import type { ShareRequestMessage } from '../../lib/contracts/share-request';

/** A valid share request message (the README example), with overrides. */
export function aShareRequest(overrides: Partial<ShareRequestMessage> = {}): ShareRequestMessage {
  return {
    requestId: 'req-2026-0001',
    requester: 'marketing',
    fsIds: ['123456789'],
    paths: ['/Public/brochure.pdf'],
    period: 7,
    password: 'ab12',
    label: 'Partner brochure',
    ...overrides,
  };
}

/**
 * A queue body for a share request. `set` replaces or adds fields (any JSON value, valid or
 * not); `omit` removes fields; `raw` splices exact JSON text for a field (numbers beyond 2^53,
 * duplicate keys), appended after the others.
 */
export function shareRequestBody(
  options: { set?: Record<string, unknown>; omit?: string[]; raw?: Array<[string, string]> } = {},
): string {
  const base: Record<string, unknown> = { ...aShareRequest(), ...(options.set ?? {}) };
  for (const key of options.omit ?? []) delete base[key];
  return withRawFields(JSON.stringify(base), options.raw ?? []);
}

/** Appends `"key": <raw JSON>` members to a JSON object text. */
export function withRawFields(objectJson: string, raw: Array<[string, string]>): string {
  if (raw.length === 0) return objectJson;
  const members = raw.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',');
  const inner = objectJson.slice(1, -1).trim();
  return `{${inner}${inner === '' ? '' : ','}${members}}`;
}

/** A valid cancel batch. */
export function aCancelBatch(overrides: Partial<CancelBatchMessage> = {}): CancelBatchMessage {
  return {
    runId: 'run-2026-05-01T00:00:00Z',
    accountId: 'default',
    shareIds: ['1001', '1002'],
    reasons: { '1001': 'older than 30 days', '1002': 'name matches *.tmp' },
    policyIds: { '1001': ['max-age-30'], '1002': ['no-temp-files'] },
    dryRun: false,
    ...overrides,
  };
}

/** A cancel batch body with fields replaced (valid or not) or removed. */
export function cancelBatchBody(options: { set?: Record<string, unknown>; omit?: string[] } = {}): string {
  const base: Record<string, unknown> = { ...aCancelBatch(), ...(options.set ?? {}) };
  for (const key of options.omit ?? []) delete base[key];
  return JSON.stringify(base);
}

/** A real-shaped SQS record for a Lambda event. */
export function anSqsRecord(body: string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  const now = String(Date.UTC(2026, 4, 1));
  return {
    messageId: randomUUID(),
    receiptHandle: `rh-${randomUUID()}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'AIDAEXAMPLESENDER0000',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:share-requests',
    awsRegion: 'us-east-1',
    ...overrides,
  };
}

/** An SQS event with one record per body. */
export function anSqsEvent(bodies: string[]): SQSEvent {
  return { Records: bodies.map((body) => anSqsRecord(body)) };
}

/** A clock the test moves by hand. */
export function aManualClock(start = Date.UTC(2026, 4, 1)): { now(): number; advance(ms: number): void; set(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    set: (ms: number) => {
      now = ms;
    },
  };
}
