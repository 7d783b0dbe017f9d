import fc from 'fast-check';
import { compareShareIds, shareIdRange } from '../../../lib/domain/inventory';
import { selectKth } from '../../../lib/domain/rules/quota';

describe('selectKth (the quota cut)', () => {
  it('returns what a full sort has at position k, for any values and k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true })), { minLength: 1, maxLength: 300 }),
        fc.nat(),
        (xs, seed) => {
          const k = seed % xs.length;
          const expected = Float64Array.from(xs).sort()[k];
          expect(selectKth(Float64Array.from(xs), k)).toBe(expected);
        },
      ),
      { numRuns: 500, seed: 20261127 },
    );
  });

  it.each([
    ['ascending', (k: number) => k],
    ['descending', (k: number) => -k],
    ['all equal', () => 7],
    ['organ pipe', (k: number) => Math.min(k, 20_000 - k)],
    ['few distinct values', (k: number) => k % 3],
  ])('stays exact on %s input (where pivots are unlucky)', (_what, value) => {
    const xs = Float64Array.from({ length: 20_000 }, (_, k) => value(k));
    const sorted = xs.slice().sort();
    for (const k of [0, 1, 9_999, 19_998, 19_999]) expect(selectKth(xs.slice(), k)).toBe(sorted[k]);
  });

  it('rejects a position outside the values', () => {
    expect(() => selectKth(new Float64Array(3), 3)).toThrow(RangeError);
    expect(() => selectKth(new Float64Array(0), 0)).toThrow(RangeError);
  });
});

describe('shareIdRange (exempt share ids found by binary search)', () => {
  it('finds exactly the entries with that id in ids sorted by compareShareIds', () => {
    const id = fc.oneof(fc.constantFrom('1', '7', '10', '99', '100', '12345678901234567890'), fc.stringMatching(/^[0-9]{1,4}$/), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(id, { maxLength: 60 }), id, (list, wanted) => {
        const ids = [...list].sort(compareShareIds);
        const [start, end] = shareIdRange(ids, wanted);
        const expected = ids.flatMap((x, i) => (x === wanted ? [i] : []));
        expect(Array.from({ length: end - start }, (_, j) => start + j)).toEqual(expected);
        if (expected.length === 0) expect(start).toBe(end);
      }),
      { numRuns: 500, seed: 20261127 },
    );
  });
});
