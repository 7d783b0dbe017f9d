/**
 * Notices by email on the local stack: a real aws-ses-v2-local server, the notify-owners handler
 * (the deployed code) on dynalite, and the requester directory seeded from samples/requesters.json.
 * The sweep's ShareMarkedForCancel events are delivered to the notifier as the stack's notice
 * queue would carry them (one SQS record per event, the EventBridge envelope as its body), in one
 * batch per call: what the queue's batching window gathers from one run.
 */
import { readFile } from 'node:fs/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { createNotifyOwnersHandler } from '../functions/notify-owners/handler';
import type { Clock } from '../lib/app/ports';
import type { RequesterDirectory } from '../lib/app/store-ports';
import type { NotifyConfig } from '../lib/config/env';
import { validateFallbackEntry, validateRequesterEntry, type FallbackEntry, type RequesterEntry } from '../lib/contracts/requester-entry';
import { eventBridgeEnvelope } from '../lib/messages/eventbridge-envelope';
import type { InMemoryEventBus } from '../lib/messages/in-memory-event-bus';
import { localLambdaContext } from '../lib/messages/in-memory-queue';
import { localObservability, type RecordingMetrics } from './observability';
import { startLocalSes, type LocalSes, type StoredMail } from './ses-local';

export const LOCAL_SENDER = 'share-notices@example.com';

export interface LocalNotices {
  ses: LocalSes;
  metrics: RecordingMetrics;
  /** Delivers the notices published since the last call; returns the mails SES received meanwhile. */
  deliver(): Promise<{ notices: number; mails: StoredMail[]; retried: number }>;
  close(): Promise<void>;
}

export interface LocalNoticeWiring {
  accountId: string;
  tables: { policies: string; inventory: string; runs: string };
  dynamoClient: DynamoDBClient;
  events: InMemoryEventBus;
  clock: Clock;
  linkBase: string;
  sesPort?: number;
  logLevel?: string;
}

export async function startLocalNotices(wiring: LocalNoticeWiring): Promise<LocalNotices> {
  const ses = await startLocalSes(wiring.sesPort !== undefined ? { port: wiring.sesPort } : {});
  const config: NotifyConfig = {
    accountId: wiring.accountId,
    policiesTable: wiring.tables.policies,
    inventoryTable: wiring.tables.inventory,
    runsTable: wiring.tables.runs,
    sender: LOCAL_SENDER,
    sendsPerSecond: 14,
    linkBase: wiring.linkBase,
  };
  const observability = localObservability('notify-owners', wiring.logLevel);
  const handler = createNotifyOwnersHandler({ config, overrides: { ...observability, clock: wiring.clock, dynamoClient: wiring.dynamoClient, sesClient: ses.client() } });
  let delivered = 0;
  return {
    ses,
    metrics: observability.metrics,
    async deliver() {
      const records: SQSRecord[] = [];
      const all = wiring.events.records;
      for (const r of all.slice(delivered)) {
        if (r.event.detailType !== 'ShareMarkedForCancel') continue;
        records.push(sqsRecord(eventBridgeEnvelope(r.event, { publishedAtMs: r.publishedAt, busName: r.busName }), records.length));
      }
      delivered = all.length;
      if (records.length === 0) return { notices: 0, mails: [], retried: 0 };
      const before = (await ses.mails()).length;
      const response = await handler({ Records: records }, localLambdaContext('notify-owners', { clock: wiring.clock }));
      return { notices: records.length, mails: (await ses.mails()).slice(before), retried: response.batchItemFailures.length };
    },
    close: () => ses.close(),
  };
}

function sqsRecord(body: string, i: number): SQSRecord {
  return {
    messageId: `local-notice-${Date.now()}-${i}`,
    receiptHandle: `local-notice-${i}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'events.amazonaws.com', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:local-notices',
    awsRegion: 'us-east-1',
  };
}

/** Reads a requester directory file (`{ requesters: [...], fallback?: { emails } }`), validated as a whole. */
export async function readRequestersFile(file: string): Promise<{ entries: RequesterEntry[]; fallback?: FallbackEntry; errors: string[] }> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { entries: [], errors: [`${file}: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const doc = (typeof value === 'object' && value !== null ? value : {}) as { requesters?: unknown; fallback?: unknown };
  const errors: string[] = [];
  const entries: RequesterEntry[] = [];
  for (const item of Array.isArray(doc.requesters) ? doc.requesters : []) {
    const checked = validateRequesterEntry(item);
    if (checked.ok) entries.push(checked.entry);
    else errors.push(...checked.errors);
  }
  if (!Array.isArray(doc.requesters)) errors.push(`${file}: requesters: must be a list`);
  if (doc.fallback === undefined) return { entries, errors };
  const fb = validateFallbackEntry(doc.fallback);
  if (!fb.ok) return { entries, errors: [...errors, ...fb.errors] };
  return { entries, fallback: fb.entry, errors };
}

/** Writes the directory of a requesters file; nothing is written when any entry is invalid. */
export async function applyRequesters(directory: RequesterDirectory, file: string, nowMs: number): Promise<{ requesters: number; fallback: boolean; errors: string[] }> {
  const read = await readRequestersFile(file);
  if (read.errors.length > 0) return { requesters: 0, fallback: false, errors: read.errors };
  for (const entry of read.entries) await directory.set(entry, nowMs);
  if (read.fallback) await directory.setFallback(read.fallback, nowMs);
  return { requesters: read.entries.length, fallback: read.fallback !== undefined, errors: [] };
}
