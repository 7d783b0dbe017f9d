import { compareShapes, isShapeUnchanged, kindOf, shapeFingerprint, shapeOf, shapeSignature } from '../../../lib/app/response-shape';

const seedItem = { share_id: 101, shorturl: '1abc', ctime: 1_700_000_000, typicalPath: '/a', fsIds: [1, 2], filelist: [{ path: '/a', fs_id: 1 }] };

describe('response shape', () => {
  it('names the kind of every value, numbers in strings apart', () => {
    expect([null, true, 3, 3.5, '42', 'x', [], {}].map(kindOf)).toEqual([
      'null', 'boolean', 'integer', 'number', 'numeric-string', 'string', 'array', 'object',
    ]);
  });

  it('records nested fields by path and counts the items that carried each', () => {
    const shape = shapeOf([seedItem, { share_id: 102, shorturl: '1abd' }]);
    expect(shape.items).toBe(2);
    expect(shape.fields.share_id).toEqual({ kinds: ['integer'], seenIn: 2 });
    expect(shape.fields.ctime).toEqual({ kinds: ['integer'], seenIn: 1 });
    expect(shape.fields['fsIds[]']).toEqual({ kinds: ['integer'], seenIn: 1 });
    expect(shape.fields['filelist[].path']).toEqual({ kinds: ['string'], seenIn: 1 });
  });

  it('gives the same fingerprint for more or fewer shares of one shape, another for ids turned strings', () => {
    const one = shapeFingerprint(shapeOf([seedItem]));
    expect(shapeFingerprint(shapeOf([seedItem, { ...seedItem, share_id: 7 }]))).toBe(one);
    expect(one).toMatch(/^[0-9a-f]{16}$/);
    const strings = shapeOf([{ ...seedItem, share_id: '101' }]);
    expect(shapeFingerprint(strings)).not.toBe(one);
    expect(compareShapes(shapeOf([seedItem]), strings).retyped).toEqual([{ field: 'share_id', before: ['integer'], after: ['numeric-string'] }]);
  });

  it('reports a renamed field as one removed and one added', () => {
    const { share_id: id, ...rest } = seedItem;
    const change = compareShapes(shapeOf([seedItem]), shapeOf([{ ...rest, shareIdentifier: id }]));
    expect(change).toEqual({ added: ['shareIdentifier'], removed: ['share_id'], retyped: [] });
    expect(isShapeUnchanged(change)).toBe(false);
    expect(isShapeUnchanged(compareShapes(shapeOf([seedItem]), shapeOf([seedItem])))).toBe(true);
  });

  it('writes a signature that does not depend on key order', () => {
    const reversed = Object.fromEntries(Object.entries(seedItem).reverse());
    expect(shapeSignature(shapeOf([reversed]))).toBe(shapeSignature(shapeOf([seedItem])));
  });
});
