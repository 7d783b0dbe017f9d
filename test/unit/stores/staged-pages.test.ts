/** The pure layout of staged pages: sort keys, UTF-8 safe splitting, and reassembly of parts. */
import { StoreError } from '../../../lib/app/store-ports';
import { PageAssembler, digestOf, encodePage, pageSk, pageSkEnd, parsePageSk, splitUtf8, type StoredPart } from '../../../lib/stores/staged-pages';
import { aStagedPage } from '../../factories/listing-staging';

describe('page sort keys', () => {
  it('pad the page and the part, and parse back', () => {
    expect(pageSk(12, false)).toBe('PAGE#0000012#0');
    expect(pageSk(12, true, 3)).toBe('PAGE#0000012#1#003');
    expect(parsePageSk('PAGE#0000012#1#003')).toEqual({ page: 12, reread: true, part: 3 });
    expect(parsePageSk('PAGE#0000012#0')).toEqual({ page: 12, reread: false, part: 0 });
    expect(parsePageSk('PAGE#12#0')).toBeUndefined();
    expect(parsePageSk('LISTING#x')).toBeUndefined();
  });

  it('sort a page, its parts, its re-read and its parts before the next page, all before the end key', () => {
    const keys = [pageSk(2, false), pageSk(2, false, 1), pageSk(2, false, 999), pageSk(2, true), pageSk(2, true, 1), pageSkEnd(2), pageSk(3, false), pageSk(10, false)];
    expect([...keys].sort()).toEqual(keys);
  });

  it('refuse a page that does not fit the key', () => {
    expect(() => pageSk(10_000_000, false)).toThrow(StoreError);
    expect(() => pageSk(-1, false)).toThrow(StoreError);
    expect(() => pageSk(1.5, false)).toThrow(StoreError);
  });
});

describe('splitUtf8', () => {
  it.each([
    ['ASCII', 'abcdefghij'.repeat(10)],
    ['2-byte characters', 'äöü'.repeat(20)],
    ['3-byte characters', '分享的文件'.repeat(20)],
    ['4-byte characters', '😀🙂'.repeat(20)],
    ['a mix', 'a分😀ä'.repeat(20)],
  ])('never cuts inside a character (%s)', (_label, text) => {
    for (const maxBytes of [4, 5, 7, 64]) {
      const pieces = splitUtf8(text, maxBytes);
      expect(pieces.join('')).toBe(text);
      for (const piece of pieces) {
        expect(Buffer.byteLength(piece)).toBeLessThanOrEqual(maxBytes);
        expect(piece).not.toContain('\uFFFD');
      }
    }
  });

  it('keeps a short text whole', () => {
    expect(splitUtf8('short', 100)).toEqual(['short']);
  });
});

describe('PageAssembler', () => {
  const partsOf = (page: number, maxBytes: number): StoredPart[] => {
    const { parts, digest } = encodePage(aStagedPage(page, 5), maxBytes);
    return parts.map((data, part) => ({ page, reread: false, part, data, ...(part === 0 ? { parts: parts.length, digest } : {}) }));
  };

  it('gives back split pages in order, skipping parts beyond the count', () => {
    const assembler = new PageAssembler();
    const stale: StoredPart = { page: 1, reread: false, part: 9, data: 'x' };
    const out = [...partsOf(1, 100), stale, ...partsOf(2, 10_000)].map((p) => assembler.add(p)).filter((p) => p !== undefined);
    assembler.finish();
    expect(out).toEqual([aStagedPage(1, 5), aStagedPage(2, 5)]);
  });

  it('skips parts with no page before them', () => {
    const assembler = new PageAssembler();
    expect(assembler.add({ page: 4, reread: false, part: 1, data: 'x' })).toBeUndefined();
    expect(() => assembler.finish()).not.toThrow();
  });

  it('refuses a page missing a part, in the middle or at the end', () => {
    const parts = partsOf(1, 100);
    expect(parts.length).toBeGreaterThan(2);
    const gap = new PageAssembler();
    gap.add(parts[0]!);
    expect(() => gap.add(parts[2]!)).toThrow(expect.objectContaining({ code: 'StagedPageIncomplete' }));
    const cut = new PageAssembler();
    cut.add(parts[0]!);
    cut.add(parts[1]!);
    expect(() => cut.finish()).toThrow(expect.objectContaining({ code: 'StagedPageIncomplete' }));
    const next = new PageAssembler();
    next.add(parts[0]!);
    expect(() => next.add(partsOf(2, 100)[0]!)).toThrow(expect.objectContaining({ code: 'StagedPageIncomplete' }));
  });

  it('refuses parts whose digest does not match, and items that hold no shares', () => {
    const parts = partsOf(1, 100);
    const mixed = new PageAssembler();
    expect(() => parts.map((p, i) => mixed.add(i === 1 ? { ...p, data: p.data.replace(/\d/, '9') } : p))).toThrow(
      expect.objectContaining({ code: 'StagedPageCorrupt' }),
    );
    const notShares = new PageAssembler();
    expect(() => notShares.add({ page: 1, reread: false, part: 0, parts: 1, data: '[{"shareId":1}]' })).toThrow(expect.objectContaining({ code: 'StagedPageCorrupt' }));
    expect(() => new PageAssembler().add({ page: 1, reread: false, part: 0, data: '[' })).toThrow(expect.objectContaining({ code: 'StagedPageCorrupt' }));
  });

  it('needs no digest for a page in one part', () => {
    expect(encodePage(aStagedPage(1))).toEqual({ parts: [JSON.stringify(aStagedPage(1).shares)] });
    expect(encodePage(aStagedPage(1), 100).digest).toBe(digestOf(JSON.stringify(aStagedPage(1).shares)));
  });
});
