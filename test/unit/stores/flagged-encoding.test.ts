import { compareShareIds } from '../../../lib/domain/inventory';
import { decodeFlagged, encodeFlagged, MAX_PART_BYTES } from '../../../lib/stores/flagged-encoding';

/** n share ids of 17 digits spread over 10^12, sorted, deterministic. */
function spreadIds(n: number): string[] {
  const ids: string[] = [];
  let x = 10_000_000_000_000_000n;
  let seed = 7;
  for (let i = 0; i < n; i += 1) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    x += BigInt(1 + (seed % 20_000_000));
    ids.push(x.toString());
  }
  return ids;
}

const bytes = (parts: Array<Record<string, string>>): number => parts.reduce((n, p) => n + Buffer.byteLength(JSON.stringify(p)), 0);

describe('flagged set encoding', () => {
  it('round-trips share ids beyond 2^53, de-duplicated and sorted as numbers', () => {
    const flagged = { age: ['9007199254740993', '5', '18446744073709551615', '5', '40'], name: ['0', '12'] };
    const parts = encodeFlagged(flagged);
    expect(parts).toHaveLength(1);
    expect(decodeFlagged(parts)).toEqual({ age: ['5', '40', '9007199254740993', '18446744073709551615'], name: ['0', '12'] });
  });

  it('keeps ids that are not plain decimal numbers as they are', () => {
    const flagged = { odd: ['abc', '007', '12'] };
    expect(decodeFlagged(encodeFlagged(flagged))).toEqual({ odd: [...flagged.odd].sort(compareShareIds) });
  });

  it('writes one empty part for an empty set', () => {
    expect(encodeFlagged({})).toEqual([{}]);
    expect(decodeFlagged([{}])).toEqual({});
  });

  it('keeps 100,000 flagged shares in a few parts far below 400 KB each, and reads them back whole', () => {
    const ids = spreadIds(100_000);
    const flagged = { 'public-90d': ids, 'no-secrets': ids.filter((_, i) => i % 10 === 0) };
    const parts = encodeFlagged(flagged);
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(MAX_PART_BYTES + 1_000);
    expect(parts.length).toBeLessThanOrEqual(3);
    const plain = Buffer.byteLength(JSON.stringify(flagged));
    expect(bytes(parts)).toBeLessThan(plain / 2);
    expect(decodeFlagged(parts)).toEqual(flagged);
  });

  it('splits a policy across parts, each part decodable on its own', () => {
    const ids = spreadIds(1_000);
    const parts = encodeFlagged({ p: ids }, 2_000);
    expect(parts.length).toBeGreaterThan(2);
    const each = parts.map((part) => decodeFlagged([part]).p ?? []);
    expect(each.flat()).toEqual(ids);
  });

  it.each([
    ['an unknown encoding', { p: 'x12' }, 'unknown encoding'],
    ['a token that is not base 36', { p: 'd1,!' }, 'is not a base-36 number'],
    ['a value that is not a string', { p: 12 }, 'not an encoded string'],
  ])('refuses %s with a clear error', (_what, part, message) => {
    expect(() => decodeFlagged([part])).toThrow(message);
  });
});
