/**
 * Error paths of the create-shares and cancel-shares handlers that no local server can produce:
 * EventBridge refusing events (aws-sdk-client-mock on the real EventBridgePublisher), a store
 * failing for one record. Each bad record fails alone; its neighbours are done.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { createCancelSharesHandler } from '../../../functions/cancel-shares/handler';
import { createCreateSharesHandler } from '../../../functions/create-shares/handler';
import type { RuntimeOverrides } from '../../../functions/shared';
import { StoreError, type ClaimInput, type ClaimResult } from '../../../lib/app/store-ports';
import type { TeraboxClient } from '../../../lib/terabox';
import { aCancelBatchRecord, aLambdaContext, aShareRequestRecord, anSqsEventOf } from '../../factories/sqs-events';
import { FakeClock, FakeRuns, FakeShareRecords, FakeTerabox, asRunStore } from './create-share-fakes';

const eventBridge = mockClient(EventBridgeClient);

afterEach(() => {
  eventBridge.reset();
});

function overrides(records: FakeShareRecords, terabox: FakeTerabox, extra: Partial<RuntimeOverrides> = {}): RuntimeOverrides {
  return {
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'TeraboxShareLifecycle', serviceName: 'test' }),
    clock: new FakeClock(),
    stores: { shareRecords: records },
    credentials: { get: async () => ({ ndus: 'n', baseUrl: 'http://127.0.0.1:9' }), invalidate: () => undefined },
    teraboxClientFactory: () => Object.assign(terabox, { close: () => undefined }) as unknown as TeraboxClient,
    ...extra,
  };
}

/** PutEvents accepting every entry (one result per entry, as EventBridge answers). */
const accepted = (input: PutEventsCommandInput) => ({ FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })) });

const createConfig = { accountId: 'default', sharesTable: 'tsl-ShareRecords', teraboxSecretId: 's', eventBusName: 'bus', defaultPeriod: 7 as const, secretCacheSeconds: 300 };

describe('create-shares handler error paths', () => {
  it('fails only the record whose ShareCreated event EventBridge refused; the redelivery announces the stored share', async () => {
    const records = new FakeShareRecords();
    const terabox = new FakeTerabox(new FakeClock());
    eventBridge.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not allowed' }] }).callsFake(accepted);
    const handler = createCreateSharesHandler({ config: createConfig, overrides: overrides(records, terabox) });
    const record = aShareRequestRecord({ requestId: 'req-eb-1' });

    const first = await handler(anSqsEventOf(record), aLambdaContext());
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(records.records.get('req-eb-1')?.status).toBe('created');

    const second = await handler(anSqsEventOf(record), aLambdaContext());
    expect(second).toEqual({ batchItemFailures: [] });
    expect(terabox.creates).toBe(1);
    const sent = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]?.DetailType);
    expect(sent).toEqual(['ShareCreated', 'ShareCreated']);
  });

  it('fails only the record whose claim hit a throttled table', async () => {
    const records = new FakeShareRecords();
    const claim = records.claim.bind(records);
    records.claim = async (input: ClaimInput): Promise<ClaimResult> => {
      if (input.requestId === 'req-throttled') throw new StoreError('UpdateItem on tsl-ShareRecords was throttled', { retryable: true });
      return claim(input);
    };
    const terabox = new FakeTerabox(new FakeClock());
    eventBridge.on(PutEventsCommand).callsFake(accepted);
    const handler = createCreateSharesHandler({ config: createConfig, overrides: overrides(records, terabox) });
    const throttled = aShareRequestRecord({ requestId: 'req-throttled' });
    const fine = aShareRequestRecord({ requestId: 'req-fine' });
    const response = await handler(anSqsEventOf(throttled, fine), aLambdaContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: throttled.messageId }] });
    expect(records.records.get('req-fine')?.status).toBe('created');
  });
});

describe('cancel-shares handler error paths', () => {
  it('fails the message when EventBridge is unreachable after the shares were cancelled; the retry finds them gone', async () => {
    const records = new FakeShareRecords();
    const terabox = new FakeTerabox(new FakeClock());
    terabox.add({ paths: ['/a'], period: 7 });
    const runs = new FakeRuns();
    eventBridge.on(PutEventsCommand).rejectsOnce(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' })).callsFake(accepted);
    const handler = createCancelSharesHandler({
      config: { accountId: 'default', sharesTable: 't', runsTable: 'r', teraboxSecretId: 's', eventBusName: 'bus', globalDryRun: false, secretCacheSeconds: 300, cancelBatchSize: 100 },
      overrides: overrides(records, terabox, { stores: { shareRecords: records, runs: asRunStore(runs) } }),
    });
    const message = aCancelBatchRecord({ runId: 'run-1', shareIds: ['1001'], reasons: {}, policyIds: {} });
    expect(await handler(anSqsEventOf(message), aLambdaContext())).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
    expect(terabox.cancelled).toEqual(['1001']);
    expect(await handler(anSqsEventOf(message), aLambdaContext())).toEqual({ batchItemFailures: [] });
    expect(runs.outcomes.get('run-1/1001')).toEqual({ outcome: 'already-gone' });
  });
});
