import fc from 'fast-check';
import { NewestFirstIndex } from '../../../lib/terabox/emulator/newest-first-index';

interface Item {
  id: string;
  ctime: number;
  seq: number;
}

type Op = { kind: 'add'; ctime: number } | { kind: 'remove'; pick: number } | { kind: 'page'; offset: number; limit: number };

/** The obvious (O(n log n) per page) model the index must agree with. */
function modelPage(items: Item[], offset: number, limit: number): string[] {
  return [...items]
    .sort((a, b) => b.ctime - a.ctime || b.seq - a.seq)
    .slice(offset, offset + limit)
    .map((i) => i.id);
}

describe('NewestFirstIndex', () => {
  it('serves pages newest first, ties by insertion order', () => {
    const index = new NewestFirstIndex<string>();
    for (const [id, ctime] of [['a', 10], ['b', 30], ['c', 20], ['d', 30]] as const) index.add(id, id, ctime);
    expect(index.page(0, 10)).toEqual(['d', 'b', 'c', 'a']);
    expect(index.page(1, 2)).toEqual(['b', 'c']);
    expect(index.page(4, 2)).toEqual([]);
  });

  it('skips removed items and forgets their ids', () => {
    const index = new NewestFirstIndex<string>();
    for (let i = 1; i <= 5; i++) index.add(`s${i}`, `s${i}`, i);
    expect(index.remove('s4')).toBe(true);
    expect(index.remove('s4')).toBe(false);
    expect(index.size).toBe(4);
    expect(index.has('s4')).toBe(false);
    expect(index.page(0, 3)).toEqual(['s5', 's3', 's2']);
    expect(index.page(3, 3)).toEqual(['s1']);
  });

  it('refuses a duplicate id', () => {
    const index = new NewestFirstIndex<string>();
    index.add('x', 'x', 1);
    expect(() => index.add('x', 'x', 2)).toThrow('duplicate id x');
  });

  it('agrees with a sorted-array model under any sequence of adds, removes and pages', () => {
    const op = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), ctime: fc.integer({ min: 0, max: 40 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant('page' as const), offset: fc.nat({ max: 60 }), limit: fc.integer({ min: 1, max: 25 }) }),
      },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops: Op[]) => {
        const index = new NewestFirstIndex<Item>();
        const live: Item[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'add') {
            const item = { id: `i${seq}`, ctime: o.ctime, seq: seq++ };
            index.add(item.id, item, item.ctime);
            live.push(item);
          } else if (o.kind === 'remove') {
            if (live.length === 0) continue;
            const [gone] = live.splice(o.pick % live.length, 1);
            expect(index.remove(gone!.id)).toBe(true);
          } else {
            expect(index.page(o.offset, o.limit).map((i) => i.id)).toEqual(modelPage(live, o.offset, o.limit));
          }
        }
        expect(index.size).toBe(live.length);
        expect(index.page(0, live.length + 1).map((i) => i.id)).toEqual(modelPage(live, 0, live.length + 1));
      }),
      { numRuns: 200 },
    );
  });

  it('compacts after many removals and still pages correctly', () => {
    const index = new NewestFirstIndex<number>();
    for (let i = 0; i < 5000; i++) index.add(String(i), i, i);
    for (let i = 0; i < 5000; i += 2) index.remove(String(i));
    expect(index.page(0, 3)).toEqual([4999, 4997, 4995]);
    expect(index.page(2499, 5)).toEqual([1]);
  });
});
