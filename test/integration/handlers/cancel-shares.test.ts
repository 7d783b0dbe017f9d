/**
 * The real cancel-shares handler with real-shaped SQS events, on Amazon DynamoDB Local and the
 * TeraBox emulator over HTTP: cancellations (already-gone ids included) update the share records
 * and the audit, the global dry run cancels nothing, failures are retried, bad batches refused.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createCancelSharesHandler, type CancelSharesHandler } from '../../../functions/cancel-shares/handler';
import type { AuditEntry } from '../../../lib/app/store-ports';
import type { CancelBatchMessage } from '../../../lib/contracts/cancel-batch';
import { DynamoDbRunStore } from '../../../lib/stores/run-store';
import { DynamoDbShareRecordStore } from '../../../lib/stores/share-record-store';
import type { EmulatorShare } from '../../../lib/terabox/emulator';
import { aCancelBatchRecord, aLambdaContext, anSqsEventOf, anSqsRecordWithBody } from '../../factories/sqs-events';
import { testDynamoClient } from '../../support/dynamodb';
import { metricValues, useHandlerWorld } from './support';

// cancelMissing 'errno': a batch of ids that are all gone is answered 105 ("bad or removed share
// link": already gone), as TeraBox may; the default emulator silently skips them. Tests named
// "unconfirmed" get -7 instead, which on TeraBox is no proof that a share is gone.
const w = useHandlerWorld('cancel-handler', {
  functionName: 'cancel-shares',
  emulator: () => ({ cancelMissing: 'errno', cancelMissingErrno: /unconfirmed/.test(expect.getState().currentTestName ?? '') ? -7 : 105 }),
});
const handlers: CancelSharesHandler[] = [];
let seq = 0;

afterEach(() => {
  for (const h of handlers.splice(0)) h.runtime.close();
});

function handler(options: { globalDryRun?: boolean; dynamoClient?: DynamoDBClient } = {}): CancelSharesHandler {
  const overrides = w.overrides(options.dynamoClient ? { dynamoClient: options.dynamoClient } : {});
  const h = createCancelSharesHandler({ config: w.cancelConfig({ globalDryRun: options.globalDryRun ?? false }), overrides });
  handlers.push(h);
  return h;
}

const records = () => new DynamoDbShareRecordStore({ client: w.client, tableName: w.names.shares });
const runs = () => new DynamoDbRunStore({ client: w.client, tableName: w.names.runs });

interface Scene {
  runId: string;
  /** Two live shares; the first was made through a request (it has a share record). */
  live: EmulatorShare[];
  requestId: string;
  /** A share id TeraBox no longer has. */
  goneId: string;
  batch: Partial<CancelBatchMessage>;
}

/** Two live shares (one with a share record), one gone id, a run with audit entries `enqueued`. */
async function scene(): Promise<Scene> {
  const now = Date.now();
  const live = w.emulator.state.addShares([
    { paths: ['/Public/a.pdf'], period: 7 },
    { paths: ['/Public/b.pdf'], period: 30 },
  ]);
  const goneId = String(70_000_000_000 + ++seq);
  const requestId = `req-cancel-${now}-${seq}`;
  const store = records();
  const claim = await store.claim({ requestId, requester: 'marketing', request: { paths: ['/Public/a.pdf'], period: 7 }, now, claimTtlMs: 60_000 });
  if (claim.kind !== 'claimed') throw new Error('claim expected');
  await store.complete({
    requestId,
    attemptId: claim.attempt.attemptId,
    share: { shareId: live[0]!.shareId, shortUrl: live[0]!.shorturl, link: `https://www.terabox.com/s/${live[0]!.shorturl}`, period: 7 },
    now,
  });
  const runStore = runs();
  const runId = runStore.newRunId(now);
  await runStore.startRun({ runId, status: 'running', mode: 'enforce', startedAtMs: now });
  const ids = [live[0]!.shareId, live[1]!.shareId, goneId];
  await runStore.putAuditEntries(
    runId,
    ids.map((shareId) => ({ shareId, decision: 'cancel', policyIds: ['max-age'], reasons: ['too old'], outcome: 'enqueued', recordedAtMs: now })),
  );
  return {
    runId,
    live,
    requestId,
    goneId,
    batch: batchOf(runId, ids),
  };
}

/** A cancel batch of the given shares, each with the reason and policy of the scene's audit. */
function batchOf(runId: string, ids: string[]): Partial<CancelBatchMessage> {
  return { runId, shareIds: ids, reasons: Object.fromEntries(ids.map((id) => [id, 'too old'])), policyIds: Object.fromEntries(ids.map((id) => [id, ['max-age']])) };
}

async function auditOutcomes(runId: string): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for await (const entry of runs().listAudit(runId) as AsyncIterable<AuditEntry>) out[entry.shareId] = entry.outcome;
  return out;
}

describe('cancel-shares handler', () => {
  it('cancels live shares and counts a gone one as done, updating the share record and the audit, and announcing each share', async () => {
    const s = await scene();
    const liveIds = [s.live[0]!.shareId, s.live[1]!.shareId];
    const response = await handler()(
      anSqsEventOf(aCancelBatchRecord(batchOf(s.runId, liveIds)), aCancelBatchRecord(batchOf(s.runId, [s.goneId]))),
      aLambdaContext(),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(w.emulator.state.shares.size).toBe(0);
    expect(await records().get(s.requestId)).toMatchObject({ status: 'cancelled', cancelReason: 'too old', cancelRunId: s.runId });
    expect(await auditOutcomes(s.runId)).toEqual({ [s.live[0]!.shareId]: 'cancelled', [s.live[1]!.shareId]: 'cancelled', [s.goneId]: 'already-gone' });
    const announced = w.events.detailsOf('ShareCancelled').sort((a, b) => a.shareId.localeCompare(b.shareId));
    expect(announced).toEqual(
      [
        { shareId: s.live[0]!.shareId, runId: s.runId, policyIds: ['max-age'], reason: 'too old', requestId: s.requestId },
        { shareId: s.live[1]!.shareId, runId: s.runId, policyIds: ['max-age'], reason: 'too old' },
        { shareId: s.goneId, runId: s.runId, policyIds: ['max-age'], reason: 'too old (already gone)' },
      ].sort((a, b) => a.shareId.localeCompare(b.shareId)),
    );
    expect(metricValues(w.emitted, 'SharesCancelled')).toEqual([{ value: 2, dimensions: [['service']], namespace: 'TeraboxShareLifecycle', service: 'cancel-shares' }]);
  });

  it.each([
    ['with the request ids the sweep joined: no lookup, one record write, audit in batched calls', true, { UpdateItemCommand: 1, BatchGetItemCommand: 1, BatchWriteItemCommand: 1 }],
    ['without request ids (a message from before them): each share looked up first', false, { QueryCommand: 2, UpdateItemCommand: 1, BatchGetItemCommand: 1, BatchWriteItemCommand: 1 }],
  ])('records a batch %s, with the same result', async (_what, withRequestIds, expectedCalls) => {
    const s = await scene();
    const [first, second] = [s.live[0]!.shareId, s.live[1]!.shareId];
    const batch = { ...batchOf(s.runId, [first, second]), ...(withRequestIds ? { requestIds: { [first]: s.requestId, [second]: null } } : {}) };
    // A client of its own, counting the DynamoDB calls the handler makes.
    const client = testDynamoClient();
    const calls: Record<string, number> = {};
    client.middlewareStack.add(
      (next, context) => (args) => {
        calls[context.commandName ?? '?'] = (calls[context.commandName ?? '?'] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
    try {
      const response = await handler({ dynamoClient: client })(anSqsEventOf(aCancelBatchRecord(batch)), aLambdaContext());
      expect(response).toEqual({ batchItemFailures: [] });
    } finally {
      client.destroy();
    }
    expect(calls).toEqual(expectedCalls);
    expect(await records().get(s.requestId)).toMatchObject({ status: 'cancelled', cancelReason: 'too old', cancelRunId: s.runId });
    expect(await auditOutcomes(s.runId)).toEqual({ [first]: 'cancelled', [second]: 'cancelled', [s.goneId]: 'enqueued' });
    const announced = new Map(w.events.detailsOf('ShareCancelled').map((d) => [d.shareId, d.requestId]));
    expect(announced).toEqual(new Map([[first, s.requestId], [second, undefined]]));
  });

  it('counts a gone id answered -7 as unconfirmed: record cancelled, audit outcome unconfirmed, announced as unconfirmed', async () => {
    const s = await scene();
    const liveIds = [s.live[0]!.shareId, s.live[1]!.shareId];
    // The gone id in a batch of its own: a batch with live ids is answered 0 by the emulator.
    const response = await handler()(
      anSqsEventOf(aCancelBatchRecord(batchOf(s.runId, liveIds)), aCancelBatchRecord(batchOf(s.runId, [s.goneId]))),
      aLambdaContext(),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await auditOutcomes(s.runId)).toEqual({ [s.live[0]!.shareId]: 'cancelled', [s.live[1]!.shareId]: 'cancelled', [s.goneId]: 'unconfirmed' });
    expect(await records().get(s.requestId)).toMatchObject({ status: 'cancelled' });
    expect(w.events.detailsOf('ShareCancelled').find((d) => d.shareId === s.goneId)).toEqual({
      shareId: s.goneId,
      runId: s.runId,
      policyIds: ['max-age'],
      reason: 'too old (unconfirmed: TeraBox answered errno -7; the next listing checks)',
    });
    expect(metricValues(w.emitted, 'SharesCancelled')).toEqual([{ value: 2, dimensions: [['service']], namespace: 'TeraboxShareLifecycle', service: 'cancel-shares' }]);
  });

  it('treats a redelivered batch as done: every id comes back already gone', async () => {
    const s = await scene();
    const h = handler();
    await h(anSqsEventOf(aCancelBatchRecord(s.batch)), aLambdaContext());
    const again = await h(anSqsEventOf(aCancelBatchRecord(s.batch, { receiveCount: 2 })), aLambdaContext());
    expect(again).toEqual({ batchItemFailures: [] });
    expect(Object.values(await auditOutcomes(s.runId))).toEqual(['already-gone', 'already-gone', 'already-gone']);
    expect(await records().get(s.requestId)).toMatchObject({ status: 'cancelled' });
  });

  it('cancels nothing under the global dry run and audits every share as skipped', async () => {
    const s = await scene();
    const response = await handler({ globalDryRun: true })(anSqsEventOf(aCancelBatchRecord(s.batch)), aLambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(w.emulator.state.shares.size).toBe(2);
    expect(w.emulator.state.counts['/share/cancel'] ?? 0).toBe(0);
    expect(Object.values(await auditOutcomes(s.runId))).toEqual(['skipped', 'skipped', 'skipped']);
    expect(await records().get(s.requestId)).toMatchObject({ status: 'created' });
    expect(w.events.events).toEqual([]);
  });

  it('fails only the message TeraBox refused on an expired cookie: audit failed, auth metric, credentials invalidated', async () => {
    const s = await scene();
    w.emulator.state.expireSession();
    const message = aCancelBatchRecord(s.batch);
    const response = await handler()(anSqsEventOf(message), aLambdaContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
    expect(w.emulator.state.shares.size).toBe(2);
    expect(Object.values(await auditOutcomes(s.runId))).toEqual(['failed', 'failed', 'failed']);
    expect(await records().get(s.requestId)).toMatchObject({ status: 'created' });
    expect(w.credentials.invalidations).toBe(1);
    expect(metricValues(w.emitted, 'TeraboxAuthFailures')).toEqual([{ value: 1, dimensions: [['service']], namespace: 'TeraboxShareLifecycle', service: 'cancel-shares' }]);
  });

  it('refuses a batch of an account this deployment does not serve: nothing cancelled, done (not retried)', async () => {
    const s = await scene();
    const other = anSqsRecordWithBody(JSON.stringify({ runId: s.runId, accountId: 'someone-else', shareIds: [s.live[1]!.shareId], dryRun: false }));
    const response = await handler()(anSqsEventOf(other), aLambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(w.emulator.state.shares.size).toBe(2);
    expect(w.emulator.state.counts['/share/cancel'] ?? 0).toBe(0);
  });

  it.each([
    ['not JSON', '{"runId": "r", '],
    ['a dry-run plan', JSON.stringify({ runId: 'r1', accountId: 'default', shareIds: ['1'], dryRun: true })],
    ['a share id that is not a number', JSON.stringify({ runId: 'r1', accountId: 'default', shareIds: ['abc'], dryRun: false })],
  ])('refuses %s as an item failure beside a good batch, cancelling nothing for it', async (_what, body) => {
    const s = await scene();
    const bad = anSqsRecordWithBody(body);
    const good = aCancelBatchRecord(s.batch);
    const response = await handler()(anSqsEventOf(bad, good), aLambdaContext());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
    expect(w.emulator.state.shares.size).toBe(0);
    expect(w.emulator.state.counts['/share/cancel']).toBe(1);
  });
});
