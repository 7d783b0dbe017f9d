import type { Share } from '../../../lib/domain/share';
import { TeraboxResponseError } from '../../../lib/terabox/errors';
import { parseJsonLossless } from '../../../lib/terabox/json';
import { toEpochMs } from '../../../lib/terabox/field-values';
import { normalizeShare, normalizeSharePage } from '../../../lib/terabox/normalize';
import { extractSharePage } from '../../../lib/terabox/share-page';
import { parseShareLink } from '../../../lib/terabox/share-link';
import { baiduRecordItem, seedShareItem } from '../../factories/terabox-responses';
import { fixture } from './replay';

const NOW = 1_700_000_500_000;
const ctx = { origin: 'https://www.terabox.com', nowMs: NOW };
const where = { endpoint: '/share/teratransfer/sharelist', page: 1 };

function share(item: unknown): Share {
  const result = normalizeShare(item, ctx);
  if (!result.ok) throw new Error(result.reason);
  return result.share;
}

describe('normalizeShare on the documented samples', () => {
  it('reads the seed share_list items (id as number and as string, bare short url)', () => {
    const page = extractSharePage(parseJsonLossless(fixture('sharelist-seed.json')) as Record<string, unknown>, where.endpoint);
    expect(normalizeSharePage(page.items, ctx, where)).toEqual([
      { shareId: '123456', shortUrl: '1aBcDeF', link: 'https://www.terabox.com/s/1aBcDeF', paths: [], fsIds: [], raw: { share_id: 123456, shorturl: '1aBcDeF' } },
      { shareId: '789012', shortUrl: '1xYz987', link: 'https://www.terabox.com/s/1xYz987', paths: [], fsIds: [], raw: { share_id: '789012', shorturl: '1xYz987' } },
    ]);
  });

  it('reads every documented field of the Baidu record items', () => {
    const body = parseJsonLossless(fixture('share-record-baidu.json')) as Record<string, unknown>;
    const page = extractSharePage(body, where.endpoint);
    const [first, second] = normalizeSharePage(page.items, ctx, where);
    expect(first).toEqual({
      shareId: '1231251527',
      shortUrl: '1yl0Ak3paNXKClQvYPBJxNg',
      link: 'https://pan.baidu.com/s/1yl0Ak3paNXKClQvYPBJxNg',
      paths: ['/photos/2019/beach.jpg'],
      fsIds: ['589423761234567'],
      createdAtMs: 1575960894000,
      expiresAtMs: NOW + 518400 * 1000,
      visibility: 'public',
      status: 0,
      viewCount: 12,
      downloadCount: 3,
      saveCount: 1,
      raw: (page.items as unknown[])[0],
    });
    expect(first.raw).toHaveProperty('appId', 250528); // unknown fields kept
    expect(second).toMatchObject({ shareId: '1231251528', expired: true, visibility: 'private', fsIds: ['589423761234568', '589423761234569'] });
    expect(second.expiresAtMs).toBeUndefined();
    expect(page.totalHint).toBe(2);
    expect(page.total).toBeUndefined();
  });

  it('keeps ids beyond 2^53 exact', () => {
    const page = extractSharePage(parseJsonLossless(fixture('big-ids.json')) as Record<string, unknown>, where.endpoint);
    const shares = normalizeSharePage(page.items, ctx, where);
    expect(shares.map((s) => s.shareId)).toEqual(['9007199254740993', '18446744073709551615']);
    expect(shares[0].fsIds).toEqual(['18014398509481985']);
    expect(shares[1]).toMatchObject({ shortUrl: '1bigTwo', link: 'https://www.terabox.com/s/1bigTwo', createdAtMs: 1700000001000, visibility: 'private' });
    expect(page).toMatchObject({ total: 2, hasMore: false });
  });
});

describe('normalizeShare field variants', () => {
  it.each([
    ['share_id number', { share_id: 5 }, '5'],
    ['share_id string', { share_id: '5' }, '5'],
    ['shareId', { shareId: 6 }, '6'],
    ['shareid', { shareid: '7' }, '7'],
    ['big string id', { shareid: '123456789012345678901' }, '123456789012345678901'],
  ])('reads the id from %s', (_n, item, id) => {
    expect(share(item).shareId).toBe(id);
  });

  it.each([
    ['bare shorturl', { shorturl: '1abc' }, '1abc', 'https://www.terabox.com/s/1abc'],
    ['full shorturl', { shorturl: 'https://www.1024terabox.com/s/1abc' }, '1abc', 'https://www.1024terabox.com/s/1abc'],
    ['shortlink', { shortlink: 'https://dm.terabox.com/s/1xyz' }, '1xyz', 'https://dm.terabox.com/s/1xyz'],
    ['link', { link: 'https://www.terabox.com/s/1lnk' }, '1lnk', 'https://www.terabox.com/s/1lnk'],
    ['surl form', { link: 'https://www.terabox.com/sharing/link?surl=qwe' }, '1qwe', 'https://www.terabox.com/s/1qwe'],
    ['bare and full together (full wins)', { shorturl: '1both', shortlink: 'https://pan.example/s/1both' }, '1both', 'https://pan.example/s/1both'],
  ])('reads the link from %s', (_n, fields, shortUrl, link) => {
    expect(share({ share_id: 1, ...fields })).toMatchObject({ shortUrl, link });
  });

  it('leaves the link unknown when no link field is usable', () => {
    const s = share({ share_id: 1, shorturl: 'not a code!' });
    expect(s.shortUrl).toBeUndefined();
    expect(s.link).toBeUndefined();
  });

  it.each([
    ['expiredTime seconds left', { expiredTime: 3600 }, { expiresAtMs: NOW + 3_600_000 }],
    ['expiredTime 0 = permanent', { expiredTime: 0, expiredType: 0 }, { expiresAtMs: null }],
    ['expiredtype -1 = expired', { expiredtype: -1, expiredTime: 0 }, { expired: true }],
    ['expiredTime as a unix time', { expiredTime: 1_800_000_000 }, { expiresAtMs: 1_800_000_000_000 }],
  ])('reads expiry from %s', (_n, fields, expected) => {
    expect(share({ share_id: 1, ...fields })).toMatchObject(expected);
  });

  it.each([
    [{ public: 1 }, 'public'],
    [{ public: '1' }, 'public'],
    [{ public: 0 }, 'private'],
    [{ public: false }, 'private'],
    [{}, undefined],
  ])('reads visibility from %p', (fields, visibility) => {
    expect(share({ share_id: 1, ...fields }).visibility).toBe(visibility);
  });

  it.each([
    ['typicalPath', { typicalPath: '/a' }, ['/a']],
    ['path_list as JSON text', { path_list: '["/a","/b"]' }, ['/a', '/b']],
    ['filelist entries', { filelist: [{ path: '/c', fs_id: 9 }] }, ['/c']],
  ])('reads paths from %s', (_n, fields, paths) => {
    expect(share({ share_id: 1, ...fields }).paths).toEqual(paths);
  });

  it.each([
    [{ ctime: 1_575_960_894 }, 1_575_960_894_000],
    [{ ctime: '1575960894' }, 1_575_960_894_000],
    [{ ctime: 1_575_960_894_123 }, 1_575_960_894_123],
    [{}, undefined],
  ])('reads ctime %p as epoch ms', (fields, ms) => {
    expect(share({ share_id: 1, ...fields }).createdAtMs).toBe(ms);
  });

  it('builds items from the factories in both shapes alike', () => {
    const a = share(seedShareItem(77, { fsIds: [1], expiredType: 0, expiredTime: 0, status: 0 }));
    const b = share(baiduRecordItem(77, { fsIds: [1], shortlink: undefined }));
    const strip = ({ raw: _raw, ...rest }: Share) => rest;
    expect(strip(a)).toEqual(strip(b));
  });
});

describe('unusable items', () => {
  it.each([
    ['no id', { shorturl: '1abc' }, /no share id/],
    ['id zero', { share_id: 0 }, /share id is a number that is not a positive integer/],
    ['id fraction', { share_id: 1.5 }, /share id is a number that is not a positive integer/],
    ['id negative string', { share_id: '-3' }, /share id is a string that is not a positive integer/],
    ['id object', { share_id: { a: 1 } }, /share id is an object that is not a positive integer/],
    ['not an object', 'share', /not an object/],
    ['an array', [1], /an array/],
  ])('reports %s', (_n, item, reason) => {
    const result = normalizeShare(item, ctx);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('rejects the whole page, naming the items, instead of dropping them', () => {
    expect(() => normalizeSharePage([{ share_id: 1 }, { shorturl: '1x' }, { share_id: 'x' }], ctx, where)).toThrow(
      expect.objectContaining({ name: 'TeraboxResponseError', problem: 'shape', message: expect.stringMatching(/page 1 has 2 unusable item\(s\).*#1.*#2/) }),
    );
  });
});

describe('extractSharePage', () => {
  it.each([
    ['{}', {}, []],
    ['"list": {}', parseJsonLossless(fixture('list-empty-object.json')), []],
    ['an envelope only', { errno: 0, request_id: 1, data: {} }, []],
    ['data.share_list', { errno: 0, data: { share_list: [{ share_id: 1 }] } }, [{ share_id: 1 }]],
    ['data.list', { errno: 0, data: { list: [{ share_id: 2 }] } }, [{ share_id: 2 }]],
    ['list', { errno: 0, list: [{ shareId: 3 }] }, [{ shareId: 3 }]],
    ['share_list', { errno: 0, share_list: [{ shareid: 4 }] }, [{ shareid: 4 }]],
  ])('finds the list in %s', (_n, body, items) => {
    expect(extractSharePage(body as Record<string, unknown>, where.endpoint).items).toEqual(items);
  });

  it.each([
    ['a renamed list', { errno: 0, data: { records: [{ share_id: 1 }] } }, /no share list.*data/],
    ['a list that is a string', { errno: 0, list: 'none' }, /list is string/],
    ['a non-empty object as list', { errno: 0, list: { a: 1 } }, /list is object/],
  ])('refuses %s rather than reading it as no shares', (_n, body, message) => {
    expect(() => extractSharePage(body as Record<string, unknown>, where.endpoint)).toThrow(TeraboxResponseError);
    expect(() => extractSharePage(body as Record<string, unknown>, where.endpoint)).toThrow(message);
  });

  it.each([
    [{ data: { share_list: [], total: 5, has_more: 1 } }, { total: 5, hasMore: true }],
    [{ list: [], count: 7 }, { totalHint: 7 }],
    [{ total: '9', has_more: false, list: [] }, { total: 9, hasMore: false }],
  ])('reads the page counters of %p', (body, counters) => {
    expect(extractSharePage(body as Record<string, unknown>, where.endpoint)).toEqual({ items: [], ...counters });
  });
});

describe('helpers', () => {
  it.each([
    ['1abc', 'https://www.terabox.com', { shortUrl: '1abc', link: 'https://www.terabox.com/s/1abc' }],
    ['https://x.example/s/1abc/', 'https://o', { shortUrl: '1abc', link: 'https://x.example/s/1abc/' }],
    ['https://x.example/other', 'https://o', undefined],
    ['', 'https://o', undefined],
    [42, 'https://o', undefined],
  ])('parseShareLink(%p)', (value, origin, expected) => {
    expect(parseShareLink(value, origin)).toEqual(expected);
  });

  it.each([
    [1, 1000],
    [99_999_999_999, 99_999_999_999_000],
    [100_000_000_000, 100_000_000_000],
    [-1, undefined],
    ['x', undefined],
  ])('toEpochMs(%p) = %p', (value, ms) => {
    expect(toEpochMs(value)).toBe(ms);
  });
});
