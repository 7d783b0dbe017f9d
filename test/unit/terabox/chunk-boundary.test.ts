/** reconcileBoundary: the re-read of the page a chunk read last, against what it held then. */
import { reconcileBoundary } from '../../../lib/terabox/chunk-boundary';

const sharesOf = (ids: string): { shareId: string }[] => (ids === '' ? [] : ids.split(',').map((shareId) => ({ shareId })));
const idsOf = (ids: string): string[] => sharesOf(ids).map((s) => s.shareId);
const read = (before: string, now: string, orderProven = true) => reconcileBoundary(idsOf(before), sharesOf(now), orderProven);

describe('reconcileBoundary', () => {
  it('sees an unchanged page, proven order or not', () => {
    expect(read('a,b,c,d', 'a,b,c,d')).toEqual({ kind: 'unchanged' });
    expect(read('a,b,c,d', 'a,b,c,d', false)).toEqual({ kind: 'unchanged' });
    expect(read('', '')).toEqual({ kind: 'unchanged' });
  });

  it.each`
    k    | now
    ${1} | ${'z,a,b,c'}
    ${3} | ${'x,y,z,a'}
  `('hands over nothing when the list was pushed down by $k (new shares above)', ({ now }) => {
    const reading = read('a,b,c,d', now);
    expect(reading).toMatchObject({ kind: 'moved', movedUp: [] });
  });

  it('anchors on the last old share the page still holds', () => {
    expect(read('a,b,c,d', 'x,y,z,a')).toEqual({ kind: 'moved', anchor: 'a', movedUp: [] });
  });

  it.each`
    k    | now          | moved
    ${1} | ${'b,c,d,e'} | ${'e'}
    ${3} | ${'d,e,f,g'} | ${'e,f,g'}
  `('hands over the shares that came up when the list was pulled up by $k (shares cancelled above)', ({ now, moved }) => {
    expect(read('a,b,c,d', now)).toEqual({ kind: 'moved', anchor: 'd', movedUp: sharesOf(moved) });
  });

  it('hands over the share that came up after one was cancelled inside the page, also the page\'s last', () => {
    expect(read('a,b,c,d', 'a,c,d,e')).toEqual({ kind: 'moved', anchor: 'd', movedUp: sharesOf('e') });
    expect(read('a,b,c,d', 'a,b,c,e')).toEqual({ kind: 'moved', anchor: 'c', movedUp: sharesOf('e') });
  });

  it('reconciles mixed moves: created above and cancelled above and inside', () => {
    // Two created above, three cancelled above (net up by one), c cancelled: e and f came up.
    expect(read('a,b,c,d', 'b,d,e,f')).toEqual({ kind: 'moved', anchor: 'd', movedUp: sharesOf('e,f') });
    // Two created above, b cancelled: down by one, nothing came up (d went on to the next page).
    expect(read('a,b,c,d', 'y,z,a,c')).toEqual({ kind: 'moved', anchor: 'c', movedUp: [] });
  });

  it('cannot reconcile a page that holds none of its old shares (moved by a page or more)', () => {
    const reading = read('a,b,c,d', 'e,f,g,h');
    expect(reading).toEqual({ kind: 'unreconcilable', reason: 'none of the 4 shares it held is on it any more' });
    expect(read('a,b,c,d', '')).toMatchObject({ kind: 'unreconcilable' });
  });

  it('cannot reconcile a changed page when the order is not proven', () => {
    expect(read('a,b,c,d', 'b,c,d,e', false)).toEqual({ kind: 'unreconcilable', reason: 'the page changed and the list is not proven newest first' });
    expect(read('a,b,c,d', 'a,b,d,c', false)).toMatchObject({ kind: 'unreconcilable' });
  });

  it('leaves out old shares that now come after the anchor (read already)', () => {
    // d is the anchor (last old share still there); c after it was on the old page: not moved up.
    expect(read('a,b,c,d', 'a,d,c,e')).toEqual({ kind: 'moved', anchor: 'd', movedUp: sharesOf('e') });
  });
});
