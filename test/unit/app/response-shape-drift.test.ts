import { absenceChance, boundShape, compareShapesForDrift, describeShapeChange, MAX_SHAPE_FIELDS, shapeOf } from '../../../lib/app/response-shape';

/** `n` Baidu-style list items; `privateEvery` of them carry `passwd` (every k-th item). */
function items(n: number, options: { privateEvery?: number; idsAsStrings?: boolean; rename?: [string, string] } = {}): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    const item: Record<string, unknown> = {
      shareId: options.idsAsStrings ? String(1000 + i) : 1000 + i,
      shorturl: `1abc${i}`,
      typicalPath: `/Public/f${i}.pdf`,
      ctime: 1_700_000_000 + i,
      public: 1,
    };
    if (options.privateEvery !== undefined && i % options.privateEvery === 0) item.passwd = i % 2 === 0 ? 'ab12' : '1234';
    if (options.rename) {
      item[options.rename[1]] = item[options.rename[0]];
      delete item[options.rename[0]];
    }
    return item;
  });
}

describe('compareShapesForDrift', () => {
  it('reports a renamed field as one removed and one added', () => {
    const change = compareShapesForDrift(shapeOf(items(10)), shapeOf(items(10, { rename: ['ctime', 'createTime'] })));
    expect(change).toEqual({ added: ['createTime'], removed: ['ctime'], retyped: [] });
  });

  it('reports ids that turned from numbers into strings as retyped', () => {
    const change = compareShapesForDrift(shapeOf(items(10)), shapeOf(items(10, { idsAsStrings: true })));
    expect(change).toEqual({ added: [], removed: [], retyped: [{ field: 'shareId', before: ['integer'], after: ['numeric-string'] }] });
  });

  it('sees no change when the account has fewer shares of the same shape', () => {
    expect(compareShapesForDrift(shapeOf(items(200, { privateEvery: 3 })), shapeOf(items(2, { privateEvery: 3 })))).toEqual({ added: [], removed: [], retyped: [] });
  });

  it('sees no change when an optional field is absent this time (passwd on 3 of 10 shares, then 4 public ones)', () => {
    const before = shapeOf(items(10, { privateEvery: 4 })); // items 0, 4, 8
    const after = shapeOf(items(4).map((i) => i));
    expect(before.fields.passwd!.seenIn).toBe(3);
    expect(compareShapesForDrift(before, after)).toEqual({ added: [], removed: [], retyped: [] });
  });

  it('sees no change when an optional field appears on a few shares, nor when its values change kind within a family', () => {
    const before = shapeOf(items(10));
    expect(compareShapesForDrift(before, shapeOf(items(10, { privateEvery: 5 })))).toEqual({ added: [], removed: [], retyped: [] });
    // passwd: 'ab12' (string) and '1234' (numeric-string) are one family.
    const mixed = shapeOf(items(10, { privateEvery: 1 }));
    const digitsOnly = shapeOf(items(10, { privateEvery: 1 }).map((i) => ({ ...i, passwd: '1234' })));
    expect(compareShapesForDrift(mixed, digitsOnly)).toEqual({ added: [], removed: [], retyped: [] });
  });

  it('counts an optional field as removed once enough items lack it to rule out chance', () => {
    const before = shapeOf(items(10, { privateEvery: 4 })); // 30%
    expect(compareShapesForDrift(before, shapeOf(items(19))).removed).toEqual([]); // 0.7^19 = 0.0011
    expect(compareShapesForDrift(before, shapeOf(items(20))).removed).toEqual(['passwd']); // 0.7^20 < 0.001
  });

  it('ignores null: a field left empty is no change of type', () => {
    const before = shapeOf(items(5));
    const after = shapeOf(items(5).map((i) => ({ ...i, typicalPath: null })));
    expect(compareShapesForDrift(before, after).retyped).toEqual([]);
  });

  it('sees no change when either side has no items (an empty account has no shape)', () => {
    expect(compareShapesForDrift(shapeOf([]), shapeOf(items(3)))).toEqual({ added: [], removed: [], retyped: [] });
    expect(compareShapesForDrift(shapeOf(items(3)), shapeOf([]))).toEqual({ added: [], removed: [], retyped: [] });
  });
});

describe('absenceChance and describeShapeChange', () => {
  it.each([
    [1, 1, 0],
    [0, 5, 1],
    [0.5, 2, 0.25],
  ])('rate %p over %p items: %p', (rate, n, chance) => {
    expect(absenceChance(rate, n)).toBeCloseTo(chance);
  });

  it('describes a change in one line', () => {
    expect(describeShapeChange({ added: ['a'], removed: ['b', 'c'], retyped: [{ field: 'id', before: ['integer'], after: ['numeric-string'] }] })).toBe(
      'fields added: a; fields removed: b, c; fields retyped: id (integer -> numeric-string)',
    );
  });
});

describe('boundShape', () => {
  it('keeps the first fields by name and cuts long names, saying it did', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_SHAPE_FIELDS + 5 }, (_, i) => [`f${String(i).padStart(4, '0')}`, i]));
    const bounded = boundShape(shapeOf([wide]));
    expect(Object.keys(bounded.shape.fields)).toHaveLength(MAX_SHAPE_FIELDS);
    expect(bounded.truncated).toBe(true);
    expect(boundShape(shapeOf([{ ['x'.repeat(500)]: 1 }])).shape.fields['x'.repeat(200)]).toEqual({ kinds: ['integer'], seenIn: 1 });
    expect(boundShape(shapeOf(items(3))).truncated).toBe(false);
  });
});
