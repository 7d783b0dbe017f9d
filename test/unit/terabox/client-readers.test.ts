import { distinctShareIds } from '../../../lib/terabox/cancel-batches';
import { readCreatedShare } from '../../../lib/terabox/create-share';
import { TeraboxCreateUnconfirmedError, TeraboxResponseError, TeraboxValidationError } from '../../../lib/terabox/errors';
import { kindName, pick, toFlag, toNumber } from '../../../lib/terabox/field-values';
import { fileListQuery, readFilePage } from '../../../lib/terabox/file-list';
import { endsList, type FetchedPage } from '../../../lib/terabox/paginate';
import type { Share } from '../../../lib/domain/share';

const ORIGIN = 'https://www.terabox.com';
const shares = (n: number): Share[] => Array.from({ length: n }, (_, i) => ({ shareId: String(i + 1) }) as Share);
const page = (n: number, extra: Partial<FetchedPage> = {}): FetchedPage => ({ shares: shares(n), ...extra });

describe('endsList (the end of a share listing)', () => {
  it('ends on an empty page, has_more false, or the total reached', () => {
    expect(endsList(3, page(0), 100)).toBe(true);
    expect(endsList(1, page(100, { hasMore: false }), 100)).toBe(true);
    expect(endsList(2, page(50, { total: 150 }), 100)).toBe(true);
  });

  it('never ends on a merely short page', () => {
    expect(endsList(1, page(10), 100)).toBe(false);
    expect(endsList(1, page(10, { hasMore: true }), 100)).toBe(false);
    expect(endsList(1, page(10, { total: 101 }), 100)).toBe(false);
    // A hint (Baidu's `count`) plans fetching only: it never ends the list.
    expect(endsList(1, page(10, { totalHint: 10 }), 100)).toBe(false);
  });
});

describe('distinctShareIds (the ids of a cancel)', () => {
  it('keeps each id once, in first-seen order, numbers read as decimal ids', () => {
    expect(distinctShareIds(['3', 1, '3', '2', 1])).toEqual(['3', '1', '2']);
  });

  it('names every bad id, and refuses a non-list', () => {
    expect(() => distinctShareIds(['1', 'x', -2])).toThrow(expect.objectContaining({ problems: ['ids[1] is not a decimal share id', 'ids[2] is not a decimal share id'] }));
    expect(() => distinctShareIds('1')).toThrow(TeraboxValidationError);
  });
});

describe('readCreatedShare (the answer of /share/pset)', () => {
  it('reads the link, the share id and the creation time', () => {
    const created = readCreatedShare({ errno: 0, shareid: 42, shorturl: 'aBcDeF', ctime: 1_700_000_000 }, { fsIds: ['1'], period: 7, password: 'ab12' }, ORIGIN);
    expect(created).toEqual({ shareId: '42', shortUrl: '1aBcDeF', link: `${ORIGIN}/s/1aBcDeF`, period: 7, password: 'ab12', createdAtMs: 1_700_000_000_000 });
  });

  it('takes the link from data.shorturl when the top level has none', () => {
    expect(readCreatedShare({ errno: 0, data: { shorturl: `${ORIGIN}/s/1xYz12` } }, { fsIds: ['1'], period: 0 }, ORIGIN)).toEqual({ shortUrl: '1xYz12', link: `${ORIGIN}/s/1xYz12`, period: 0 });
  });

  it('refuses an answer without an errno or without a link as unconfirmed', () => {
    expect(() => readCreatedShare({ shorturl: '1aBcDeF' }, { fsIds: ['1'], period: 7 }, ORIGIN)).toThrow(TeraboxCreateUnconfirmedError);
    expect(() => readCreatedShare({ errno: 0 }, { fsIds: ['1'], period: 7 }, ORIGIN)).toThrow(/no link/);
  });
});

describe('readFilePage (one page of /api/list)', () => {
  it('reads entries, naming a file from its path when server_filename is missing', () => {
    const files = readFilePage({ list: [{ fs_id: 7, path: '/a/b.txt', isdir: 0, size: '12' }, { fs_id: '8', path: '/a/c', server_filename: 'c', isdir: true }] }, 1);
    expect(files.map(({ raw: _raw, ...f }) => f)).toEqual([
      { fsId: '7', path: '/a/b.txt', name: 'b.txt', isDir: false, size: 12 },
      { fsId: '8', path: '/a/c', name: 'c', isDir: true },
    ]);
  });

  it('reads a missing list as an empty page and refuses unusable ones', () => {
    expect(readFilePage({ errno: 0 }, 1)).toEqual([]);
    expect(() => readFilePage({ list: {} }, 1)).toThrow(TeraboxResponseError);
    expect(() => readFilePage({ list: [{ path: '/x' }] }, 3)).toThrow(/entry #0 of page 3/);
  });

  it('asks for pages of 100 by name', () => {
    expect(fileListQuery('/docs', 2)).toEqual({ dir: '/docs', page: '2', num: '100', order: 'name', desc: '0' });
  });
});

describe('field values', () => {
  it('reads flags, numbers and the first present key', () => {
    expect([true, 1, '1', 0, '0', false, 2, 'yes'].map(toFlag)).toEqual([true, true, true, false, false, false, undefined, undefined]);
    expect([' 12 ', '-3.5', 'x', Infinity].map(toNumber)).toEqual([12, -3.5, undefined, undefined]);
    expect(pick({ a: null, b: 0 }, ['a', 'b'])).toBe(0);
  });

  it('describes a kind without showing the value', () => {
    expect([[], null, {}, 'secret', 3].map(kindName)).toEqual(['a list', 'null', 'an object', 'a string', 'a number']);
  });
});
