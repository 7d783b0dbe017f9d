/**
 * Set-up of the notifier tests: the real sweep handler (sweepWorld: DynamoDB Local, the TeraBox
 * emulator) with NOTICE_DELIVERY=email, and the real notify-owners handler on the same tables
 * and a real aws-ses-v2-local server. The sweep's ShareMarkedForCancel events are delivered to the
 * notifier as the stack's SQS queue would: one record per event, its body the EventBridge envelope.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { createNotifyOwnersHandler } from '../../../functions/notify-owners/handler';
import { loadNotifyConfig } from '../../../lib/config/env';
import { eventBridgeEnvelope } from '../../../lib/messages/eventbridge-envelope';
import { localLambdaContext } from '../../../lib/messages/in-memory-queue';
import type { TestTables } from '../stores/tables';
import { anSqsRecordWithBody } from '../../factories/sqs-events';
import type { SweepWorld } from '../handlers/sweep-shares-support';

export const SENDER = 'share-notices@example.com';

/** The notice records of the events the sweep published since `from` (an index into the bus's records). */
export function noticeRecords(world: SweepWorld, from = 0): SQSRecord[] {
  return world.bus.records
    .slice(from)
    .filter((r) => r.event.detailType === 'ShareMarkedForCancel')
    .map((r, i) => anSqsRecordWithBody(eventBridgeEnvelope(r.event, { publishedAtMs: r.publishedAt, busName: r.busName }), { messageId: `m-${from}-${i}` }));
}

export interface Notifier {
  invoke(records: SQSRecord[]): Promise<SQSBatchResponse>;
  metrics: Map<string, number[]>;
}

/** The notify-owners handler on the world's tables, account and clock, sending through the SES client `ses`. */
export function notifier(world: SweepWorld, tables: TestTables, ses: SESv2Client): Notifier {
  const config = loadNotifyConfig({
    ACCOUNT_ID: world.accountId,
    POLICIES_TABLE: tables.names.policies,
    INVENTORY_TABLE: tables.names.inventory,
    RUNS_TABLE: tables.names.runs,
    NOTICE_SENDER: SENDER,
    NOTICE_SENDS_PER_SECOND: '50',
  });
  const powertoolsMetrics = new Metrics({ serviceName: 'notify-owners', namespace: 'TeraboxShareLifecycle' });
  const metrics = new Map<string, number[]>();
  jest.spyOn(powertoolsMetrics, 'addMetric').mockImplementation((name, _unit, value) => {
    metrics.set(name, [...(metrics.get(name) ?? []), value]);
    return powertoolsMetrics;
  });
  jest.spyOn(powertoolsMetrics, 'publishStoredMetrics').mockImplementation(() => powertoolsMetrics);
  const handler = createNotifyOwnersHandler({
    config,
    overrides: {
      logger: new Logger({ serviceName: 'notify-owners', logLevel: 'SILENT' }),
      metrics: powertoolsMetrics,
      clock: world.clock,
      dynamoClient: tables.client,
      sesClient: ses,
    },
  });
  return { invoke: (records) => handler({ Records: records }, localLambdaContext('notify-owners')), metrics };
}
