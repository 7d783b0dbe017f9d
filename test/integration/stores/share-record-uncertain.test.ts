/**
 * The share-record store's memory of uncertain creates, on Amazon DynamoDB Local: a released
 * claim keeps the earliest uncertain time, the next claim reports it, and a takeover reports the
 * crashed attempt's claim time (both tell the create use case to search before creating).
 */
import type { ClaimResult } from '../../../lib/app/store-ports';
import { DynamoDbShareRecordStore } from '../../../lib/stores/share-record-store';
import { aClaim, aCreatedShare, T0 } from '../../factories/store-items';
import { useTestTables } from './tables';

const MIN = 60_000;
const tables = useTestTables('uncertain');
const store = () => new DynamoDbShareRecordStore({ client: tables.client, tableName: tables.names.shares });

function claimed(result: ClaimResult): Extract<ClaimResult, { kind: 'claimed' }>['attempt'] {
  if (result.kind !== 'claimed') throw new Error(`expected a claim, got ${result.kind}`);
  return result.attempt;
}

describe('DynamoDbShareRecordStore: uncertain creates', () => {
  it('keeps the earliest uncertain time across releases and reports it to the next claims', async () => {
    const s = store();
    const requestId = 'uncertain-1';
    const first = claimed(await s.claim(aClaim({ requestId, now: T0 })));
    expect(first).not.toHaveProperty('uncertainSinceMs');
    expect(await s.releaseClaim({ requestId, attemptId: first.attemptId, now: T0 + 1000, uncertainSinceMs: T0 + 10, error: 'timeout' })).toBe(true);

    const second = claimed(await s.claim(aClaim({ requestId, now: T0 + 2 * MIN })));
    expect(second).toMatchObject({ uncertainSinceMs: T0 + 10, takenOver: false, attempts: 2 });
    expect(second).not.toHaveProperty('previousClaimedAtMs');
    await s.releaseClaim({ requestId, attemptId: second.attemptId, now: T0 + 3 * MIN, uncertainSinceMs: T0 + 2 * MIN });
    expect((await s.get(requestId))?.uncertainSinceMs).toBe(T0 + 10);

    // A release without uncertainty (a transient failure) leaves the stored time as it is.
    const third = claimed(await s.claim(aClaim({ requestId, now: T0 + 4 * MIN })));
    expect(third.uncertainSinceMs).toBe(T0 + 10);
    await s.releaseClaim({ requestId, attemptId: third.attemptId, now: T0 + 5 * MIN });
    expect((await s.get(requestId))?.uncertainSinceMs).toBe(T0 + 10);

    const fourth = claimed(await s.claim(aClaim({ requestId, now: T0 + 6 * MIN })));
    const record = await s.complete({ requestId, attemptId: fourth.attemptId, share: aCreatedShare({ shareId: '77001' }), now: T0 + 7 * MIN });
    expect(record).toMatchObject({ status: 'created', shareId: '77001', uncertainSinceMs: T0 + 10 });
  });

  it('reports the claim time of a crashed attempt whose claim expired and was taken over', async () => {
    const s = store();
    const requestId = 'crashed-1';
    claimed(await s.claim(aClaim({ requestId, now: T0, claimTtlMs: 5 * MIN })));
    const takeover = claimed(await s.claim(aClaim({ requestId, now: T0 + 6 * MIN, claimTtlMs: 5 * MIN })));
    expect(takeover).toMatchObject({ takenOver: true, previousClaimedAtMs: T0, attempts: 2 });
    expect(takeover).not.toHaveProperty('uncertainSinceMs');
  });

  it('does not record uncertainty when the release is refused (the claim is not this attempt\'s)', async () => {
    const s = store();
    const requestId = 'not-mine-1';
    claimed(await s.claim(aClaim({ requestId, now: T0 })));
    expect(await s.releaseClaim({ requestId, attemptId: 'someone-else', now: T0 + 1, uncertainSinceMs: T0 })).toBe(false);
    expect((await s.get(requestId))?.uncertainSinceMs).toBeUndefined();
  });
});
