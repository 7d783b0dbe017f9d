import { DynamoDbLease } from '../../../lib/stores/lease';
import { T0 } from '../../factories/store-items';
import { useTestTables } from './tables';

const tables = useTestTables('lease');
const TTL = 10 * 60_000;
let accounts = 0;
function freshLease(): DynamoDbLease {
  return new DynamoDbLease({ client: tables.client, tableName: tables.names.runs, accountId: `acct-${++accounts}` });
}

describe('DynamoDbLease', () => {
  it.each(Array.from({ length: 5 }, (_, round) => [round]))(
    'gives the lease to exactly one of two sweeps racing for it (round %i)',
    async () => {
      const lease = freshLease();
      const results = await Promise.all([
        lease.acquire({ owner: 'sweep-a', ttlMs: TTL, now: T0 }),
        lease.acquire({ owner: 'sweep-b', ttlMs: TTL, now: T0 }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? 'sweep-a' : 'sweep-b';
      expect(await lease.current()).toEqual({ owner: winner, acquiredAtMs: T0, expiresAtMs: T0 + TTL });
    },
  );

  it('keeps others out until it expires, then lets a new holder in', async () => {
    const lease = freshLease();
    expect(await lease.acquire({ owner: 'a', ttlMs: TTL, now: T0 })).toBe(true);
    expect(await lease.acquire({ owner: 'b', ttlMs: TTL, now: T0 + TTL - 1 })).toBe(false);
    expect(await lease.acquire({ owner: 'a', ttlMs: TTL, now: T0 + 1 })).toBe(true); // re-entrant for its holder
    expect(await lease.acquire({ owner: 'b', ttlMs: TTL, now: T0 + TTL + 2 })).toBe(true);
    expect(await lease.renew({ owner: 'a', ttlMs: TTL, now: T0 + TTL + 3 })).toBe(false);
    expect(await lease.release('a')).toBe(false);
    expect(await lease.current()).toMatchObject({ owner: 'b' });
  });

  it('extends the lease for its holder only', async () => {
    const lease = freshLease();
    await lease.acquire({ owner: 'a', ttlMs: TTL, now: T0 });
    expect(await lease.renew({ owner: 'a', ttlMs: TTL, now: T0 + TTL - 1 })).toBe(true);
    expect(await lease.acquire({ owner: 'b', ttlMs: TTL, now: T0 + TTL + 1 })).toBe(false); // renewed: still live
    expect(await lease.current()).toEqual({ owner: 'a', acquiredAtMs: T0, expiresAtMs: T0 + 2 * TTL - 1 });
  });

  it('is released by its holder, after which anyone may take it', async () => {
    const lease = freshLease();
    await lease.acquire({ owner: 'a', ttlMs: TTL, now: T0 });
    expect(await lease.release('b')).toBe(false);
    expect(await lease.release('a')).toBe(true);
    expect(await lease.current()).toBeUndefined();
    expect(await lease.release('a')).toBe(false);
    expect(await lease.acquire({ owner: 'b', ttlMs: TTL, now: T0 + 1 })).toBe(true);
  });

  it('keeps accounts apart', async () => {
    const one = freshLease();
    const two = freshLease();
    expect(await one.acquire({ owner: 'a', ttlMs: TTL, now: T0 })).toBe(true);
    expect(await two.acquire({ owner: 'b', ttlMs: TTL, now: T0 })).toBe(true);
  });
});
