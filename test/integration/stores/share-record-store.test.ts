import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { ClaimLostError } from '../../../lib/app/store-ports';
import type { ClaimResult, ShareRecord } from '../../../lib/app/store-ports';
import { DynamoDbShareRecordStore } from '../../../lib/stores/share-record-store';
import { aClaim, aCreatedShare, padding, T0 } from '../../factories/store-items';
import { useTestTables } from './tables';

const MIN = 60_000;
const tables = useTestTables('shares');
const store = (accountId?: string): DynamoDbShareRecordStore =>
  new DynamoDbShareRecordStore({ client: tables.client, tableName: tables.names.shares, accountId });

function claimed(result: ClaimResult): Extract<ClaimResult, { kind: 'claimed' }>['attempt'] {
  if (result.kind !== 'claimed') throw new Error(`expected a claim, got ${result.kind}`);
  return result.attempt;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('DynamoDbShareRecordStore claims', () => {
  it('lets exactly one of two racing claims win; the loser sees the live claim', async () => {
    const s = store();
    const input = aClaim({ requestId: 'race-1' });
    const results = await Promise.all([s.claim(input), s.claim(input)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['claimed', 'in-progress']);
    const loser = results.find((r) => r.kind === 'in-progress');
    const winner = claimed(results.find((r) => r.kind === 'claimed')!);
    expect(loser).toMatchObject({ record: { status: 'in-progress', attemptId: winner.attemptId } });
  });

  it('stores the request at claim time and the created share at completion, without the password', async () => {
    const s = store();
    const attempt = claimed(await s.claim(aClaim({ requestId: 'round-trip' })));
    expect(attempt).toEqual({
      requestId: 'round-trip',
      attemptId: attempt.attemptId,
      claimedAtMs: T0,
      expiresAtMs: T0 + 5 * MIN,
      takenOver: false,
      attempts: 1,
    });
    const record = await s.complete({ requestId: 'round-trip', attemptId: attempt.attemptId, share: aCreatedShare(), now: T0 + 500 });
    const expected: ShareRecord = {
      accountId: 'default',
      requestId: 'round-trip',
      requester: 'marketing',
      status: 'created',
      attemptId: attempt.attemptId,
      attempts: 1,
      claimedAtMs: T0,
      fsIds: ['123456789'],
      paths: ['/Public/brochure.pdf'],
      period: 7,
      label: 'Partner brochure',
      private: true,
      shareId: '9007199254740993',
      shortUrl: '1aBcDeF',
      link: 'https://www.terabox.com/s/1aBcDeF',
      visibility: 'private',
      createdAtMs: T0 + 500,
      teraboxCreatedAtMs: T0 - 1000,
      updatedAtMs: T0 + 500,
    };
    expect(record).toEqual(expected);
    expect(await s.get('round-trip')).toEqual(expected);
    expect(JSON.stringify(await s.get('round-trip'))).not.toContain('ab12');
  });

  it.each([
    ['created', 'completed'],
    ['failed', 'failed'],
    ['rejected', 'rejected'],
  ] as const)('answers a duplicate of a %s request with the stored record (%s)', async (status, kind) => {
    const s = store();
    const requestId = `dup-${status}`;
    const attempt = claimed(await s.claim(aClaim({ requestId })));
    if (status === 'created') await s.complete({ requestId, attemptId: attempt.attemptId, share: aCreatedShare(), now: T0 + 1 });
    if (status === 'failed') await s.fail({ requestId, attemptId: attempt.attemptId, error: 'errno 2: file not found', now: T0 + 1 });
    if (status === 'rejected') await s.reject({ requestId, reason: 'bad period', now: T0 + 1, attemptId: attempt.attemptId });
    const stored = await s.get(requestId);
    const again = await s.claim(aClaim({ requestId, now: T0 + 60 * MIN }));
    expect(again).toEqual({ kind, record: stored });
    expect(stored?.status).toBe(status);
  });

  it('reports a live claim of another invocation as in progress', async () => {
    const s = store();
    const first = claimed(await s.claim(aClaim({ requestId: 'live' })));
    const second = await s.claim(aClaim({ requestId: 'live', now: T0 + 4 * MIN }));
    expect(second).toMatchObject({ kind: 'in-progress', record: { attemptId: first.attemptId, claimExpiresAtMs: T0 + 5 * MIN } });
  });

  it('takes over an expired claim, and then only the new holder may complete', async () => {
    const s = store();
    const crashed = claimed(await s.claim(aClaim({ requestId: 'expired', claimTtlMs: MIN })));
    const next = claimed(await s.claim(aClaim({ requestId: 'expired', now: T0 + 2 * MIN, claimTtlMs: MIN })));
    expect(next).toMatchObject({ takenOver: true, attempts: 2, claimedAtMs: T0 + 2 * MIN });
    expect(next.attemptId).not.toBe(crashed.attemptId);

    const late = s.complete({ requestId: 'expired', attemptId: crashed.attemptId, share: aCreatedShare(), now: T0 + 3 * MIN });
    await expect(late).rejects.toBeInstanceOf(ClaimLostError);
    await expect(late).rejects.toMatchObject({
      name: 'ClaimLostError',
      current: { status: 'in-progress', attemptId: next.attemptId },
    });
    const done = await s.complete({ requestId: 'expired', attemptId: next.attemptId, share: aCreatedShare(), now: T0 + 3 * MIN });
    expect(done).toMatchObject({ status: 'created', attemptId: next.attemptId, attempts: 2 });
    expect(done.claimExpiresAtMs).toBeUndefined();
  });

  it('returns the record when the holder repeats a completion whose answer was lost', async () => {
    const s = store();
    const attempt = claimed(await s.claim(aClaim({ requestId: 'repeat' })));
    const input = { requestId: 'repeat', attemptId: attempt.attemptId, share: aCreatedShare(), now: T0 + 1 };
    const first = await s.complete(input);
    expect(await s.complete(input)).toEqual(first);
  });

  it('releases a claim so that a redelivery claims again at once, as a handover not a takeover', async () => {
    const s = store();
    const attempt = claimed(await s.claim(aClaim({ requestId: 'released' })));
    expect(await s.releaseClaim({ requestId: 'released', attemptId: 'someone-else' })).toBe(false);
    expect(await s.releaseClaim({ requestId: 'released', attemptId: attempt.attemptId, error: 'HTTP 503', now: T0 + 1 })).toBe(true);
    expect(await s.get('released')).toMatchObject({ status: 'in-progress', error: 'HTTP 503', claimExpiresAtMs: 0 });
    const again = claimed(await s.claim(aClaim({ requestId: 'released', now: T0 + 2 })));
    expect(again).toMatchObject({ takenOver: false, attempts: 2 });
    expect(await s.releaseClaim({ requestId: 'released', attemptId: attempt.attemptId })).toBe(false);
  });

  it('complete fails with ClaimLostError when there is no record at all', async () => {
    await expect(
      store().complete({ requestId: 'never-claimed', attemptId: 'a', share: aCreatedShare(), now: T0 }),
    ).rejects.toMatchObject({ name: 'ClaimLostError', current: undefined });
  });
});

describe('DynamoDbShareRecordStore rejections', () => {
  it('records a rejected message without a prior claim, requester optional', async () => {
    const s = store();
    const result = await s.reject({ requestId: 'rej-1', reason: 'period must be 0, 1, 7 or 30', now: T0 });
    expect(result).toEqual({
      kind: 'rejected',
      record: { accountId: 'default', requestId: 'rej-1', status: 'rejected', error: 'period must be 0, 1, 7 or 30', updatedAtMs: T0 },
    });
  });

  it('never overwrites a created record or another invocation’s live claim', async () => {
    const s = store();
    const attempt = claimed(await s.claim(aClaim({ requestId: 'rej-created' })));
    await s.complete({ requestId: 'rej-created', attemptId: attempt.attemptId, share: aCreatedShare(), now: T0 + 1 });
    const created = await s.get('rej-created');
    expect(await s.reject({ requestId: 'rej-created', reason: 'x', now: T0 + 2 })).toEqual({ kind: 'exists', record: created });

    const live = claimed(await s.claim(aClaim({ requestId: 'rej-live' })));
    const result = await s.reject({ requestId: 'rej-live', reason: 'x', now: T0 + 2, attemptId: 'not-the-holder' });
    expect(result).toMatchObject({ kind: 'exists', record: { status: 'in-progress', attemptId: live.attemptId } });
  });

  it('replaces an expired claim with the rejection', async () => {
    const s = store();
    await s.claim(aClaim({ requestId: 'rej-expired', claimTtlMs: MIN }));
    const result = await s.reject({ requestId: 'rej-expired', requester: 'sales', reason: 'bad', now: T0 + 2 * MIN });
    expect(result).toMatchObject({ kind: 'rejected', record: { status: 'rejected', requester: 'sales', error: 'bad' } });
    expect(result.record.claimExpiresAtMs).toBeUndefined();
  });
});

describe('DynamoDbShareRecordStore lookups and cancellation', () => {
  async function created(s: DynamoDbShareRecordStore, requestId: string, shareId: string | undefined): Promise<ShareRecord> {
    const attempt = claimed(await s.claim(aClaim({ requestId })));
    return s.complete({ requestId, attemptId: attempt.attemptId, share: aCreatedShare({ shareId, shortUrl: `su-${requestId}` }), now: T0 });
  }

  it('finds a record by share id through the index, only within its account', async () => {
    const mine = store('acct-lookup');
    const other = store('acct-other');
    const record = await created(mine, 'lookup-1', '555000111');
    await created(other, 'lookup-2', '555000111');
    expect(await mine.findByShareId('555000111')).toEqual(record);
    expect(await mine.findByShareId('404')).toBeUndefined();
  });

  it('attaches a share id learnt later, once', async () => {
    const s = store('acct-attach');
    await created(s, 'attach-1', undefined);
    expect(await s.findByShareId('777')).toBeUndefined();
    expect(await s.attachShareId('attach-1', '777', T0 + 1)).toBe(true);
    expect(await s.attachShareId('attach-1', '778', T0 + 2)).toBe(false);
    expect(await s.attachShareId('no-such-request', '779', T0 + 2)).toBe(false);
    expect(await s.findByShareId('777')).toMatchObject({ requestId: 'attach-1', shareId: '777' });
  });

  it.each([
    ['share id', { shareId: '888001' }],
    ['request id', { requestId: 'cancel-by-request' }],
  ])('marks a created record cancelled by %s, idempotently', async (_label, target) => {
    const s = store(`acct-cancel-${_label.replace(' ', '')}`);
    await created(s, 'cancel-by-request', '888001');
    const input = { ...target, reason: 'created 41.2 days ago, limit 30 days (p)', runId: 'run-1', now: T0 + 10 };
    const record = await s.markCancelled(input);
    expect(record).toMatchObject({
      status: 'cancelled',
      cancelReason: input.reason,
      cancelRunId: 'run-1',
      cancelledAtMs: T0 + 10,
    });
    expect(await s.markCancelled({ ...input, now: T0 + 20, reason: 'again' })).toEqual(record);
  });

  it.each<[string, string | undefined, string, 'cancelled' | 'created', boolean]>([
    ['naming the share is marked cancelled', '888101', '888101', 'cancelled', true],
    ['naming no share yet (matched by short url) is marked cancelled', undefined, '888102', 'cancelled', true],
    ['naming another share is left alone and not returned', '888103', '999999', 'created', false],
  ])('given a request id and a share id (no lookup), a record %s', async (_label, recordShareId, shareId, status, returned) => {
    const s = store('acct-cancel-both');
    const requestId = `cancel-both-${shareId}`;
    await created(s, requestId, recordShareId);
    const result = await s.markCancelled({ requestId, shareId, reason: 'over quota', runId: 'run-2', now: T0 + 30 });
    expect(result === undefined).toBe(!returned);
    expect(await s.get(requestId)).toMatchObject({ status, ...(status === 'cancelled' ? { cancelRunId: 'run-2', cancelReason: 'over quota' } : {}) });
    // Repeated (a redelivered message): the same answer, nothing more changed.
    expect(await s.markCancelled({ requestId, shareId, reason: 'again', runId: 'run-3', now: T0 + 40 })).toEqual(result);
  });

  it('has no record to cancel for a request id that does not exist', async () => {
    expect(await store().markCancelled({ requestId: 'no-such-request', shareId: '1', reason: 'r', now: T0 })).toBeUndefined();
  });

  it('has no record to cancel for a share the product did not create', async () => {
    expect(await store().markCancelled({ shareId: 'unknown-share', reason: 'r', now: T0 })).toBeUndefined();
  });
});

describe('DynamoDbShareRecordStore listing', () => {
  it('pages past 1 MB: lists every created record and nothing else', async () => {
    const s = store('acct-paging');
    // 30 records of 40 KB (1.2 MB): a few big items fill DynamoDB's 1 MB pages as surely as many
    // small ones, at a fraction of the writes (DynamoDB Local takes milliseconds per write).
    const count = 30;
    const bigPaths = (i: number): string[] => [`/Public/${i}/${padding(40_000, 'p')}`];
    const ids = Array.from({ length: count }, (_, i) => `page-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(
        ids.slice(i, i + 20).map(async (requestId, j) => {
          const attempt = claimed(
            await s.claim(aClaim({ requestId, request: { paths: bigPaths(i + j), period: 7 } })),
          );
          await s.complete({ requestId, attemptId: attempt.attemptId, share: aCreatedShare({ shareId: `${1000 + i + j}` }), now: T0 });
        }),
      );
    }
    await s.reject({ requestId: 'page-rejected', reason: 'bad', now: T0 });
    await s.claim(aClaim({ requestId: 'page-in-progress' }));

    // The data really spans several pages: one raw Query stops early.
    const first = await tables.client.send(
      new QueryCommand({
        TableName: tables.names.shares,
        KeyConditionExpression: 'accountId = :a',
        ExpressionAttributeValues: { ':a': { S: 'acct-paging' } },
      }),
    );
    expect(first.LastEvaluatedKey).toBeDefined();

    const listed = await collect(s.listCreated());
    expect(listed.map((r) => r.requestId)).toEqual(ids);
    expect(listed[count - 1]?.paths).toEqual(bigPaths(count - 1));
    expect((await collect(s.listAll())).length).toBe(count + 2);
  });
});
