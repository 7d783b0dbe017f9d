/**
 * Field meanings and refusals from the "Second look" (terabox-api-notes.md): Baidu's password,
 * expiry and status conventions, status texts where a path was expected, and fields the engine
 * relies on that are present but not understood (the listing fails, naming the field).
 */
import type { Share } from '../../../lib/domain/share';
import { parseJsonLossless } from '../../../lib/terabox/json';
import { normalizeShare, normalizeSharePage } from '../../../lib/terabox/normalize';
import { extractSharePage } from '../../../lib/terabox/share-page';
import { DELETED_FILE_TEXT } from '../../../lib/terabox/share-paths';
import { fixture } from './replay';

const NOW = 1_700_000_500_000;
const ctx = { origin: 'https://www.terabox.com', nowMs: NOW };
const where = { endpoint: '/share/record', page: 1 };

function pageOf(name: string) {
  return extractSharePage(parseJsonLossless(fixture(name)) as Record<string, unknown>, where.endpoint);
}

function share(item: Record<string, unknown>): Share {
  const result = normalizeShare({ share_id: 1, ...item }, ctx);
  if (!result.ok) throw new Error(result.reason);
  return result.share;
}

describe('Baidu record field meanings (share-record-second-look.json)', () => {
  const page = pageOf('share-record-second-look.json');
  const shares = normalizeSharePage(page.items, ctx, where);
  const byId = new Map(shares.map((s) => [s.shareId, s]));

  it('reads nextpage 0 as the end of the list', () => {
    expect(page).toMatchObject({ totalHint: 6, hasMore: false });
  });

  it('takes passwd "0" or "" without a public field as a public link, a real password as private', () => {
    expect(byId.get('2000000001')?.visibility).toBe('public');
    expect(byId.get('2000000003')?.visibility).toBe('public');
    expect(byId.get('2000000002')?.visibility).toBe('private');
  });

  it('infers no expiry from expiredType: 1 with expiredTime 0 is permanent, 7 without expiredTime is unknown', () => {
    expect(byId.get('2000000001')?.expiresAtMs).toBeNull();
    expect(byId.get('2000000002')?.expiresAtMs).toBeUndefined();
    expect(byId.get('2000000006')).toMatchObject({ expired: true, expiresAtMs: undefined });
  });

  it('gives short urls without their leading 1 in canonical form, with a link', () => {
    expect(byId.get('2000000001')).toMatchObject({ shortUrl: '1noPwdPublic', link: 'https://pan.baidu.com/s/1noPwdPublic' });
    // No full link in the item: the link is built from the canonical code.
    expect(byId.get('2000000003')).toMatchObject({ shortUrl: '1emptyPwd', link: 'https://www.terabox.com/s/1emptyPwd' });
  });

  it('marks a share dead by status 9, or by the deleted-file text where the path was, whose paths are then unknown', () => {
    expect(byId.get('2000000005')).toMatchObject({ dead: true, deadReason: 'status 9', paths: ['/team/old.zip'], status: 9 });
    expect(byId.get('2000000004')).toMatchObject({ dead: true, deadReason: expect.stringMatching(/deleted/), paths: [] });
    expect(byId.get('2000000001')?.dead).toBeUndefined();
  });
});

describe('path fields', () => {
  it.each([
    ['the deleted-file text', { typicalPath: DELETED_FILE_TEXT }],
    ['another status text', { typicalPath: 'file expired' }],
    ['a relative path', { typicalPath: 'docs/a.txt' }],
    ['one non-path beside a path', { typicalPath: '/a.txt', path_list: '["/a.txt","b.txt"]' }],
  ])('makes the paths unknown (never a path to match) for %s', (_n, fields) => {
    expect(share(fields).paths).toEqual([]);
  });

  it('marks only the deleted-file text dead', () => {
    expect(share({ typicalPath: 'file expired' }).dead).toBeUndefined();
    expect(share({ typicalPath: ` ${DELETED_FILE_TEXT} ` }).dead).toBe(true);
  });
});

describe('fields present but not understood fail the listing, naming the field and the item', () => {
  it.each([
    ['sharelist-implausible-ctime.json', [/#1: ctime is not a plausible unix time \("2024-01-01"/, /#2: ctime .*\(-5;/, /#3: ctime .*\(4102444800;/, /#4: ctime .*\(1000000000;/]],
    ['sharelist-bad-path-field.json', [/#1: typicalPath is a number, neither a path nor a list of paths/, /#2: path_list\[1\] is a number, not a path/]],
    ['sharelist-bad-share-id.json', [/#1: the share id is a number that is not a positive integer/, /#2: the share id is a string that is not a positive integer/]],
  ])('%s', (name, messages) => {
    const page = pageOf(name);
    let error: unknown;
    try {
      normalizeSharePage(page.items, ctx, where);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'TeraboxResponseError', problem: 'shape' });
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`page 1 has ${messages.length} unusable item\\(s\\)`));
    for (const m of messages) expect(message).toMatch(m);
    expect(message).not.toMatch(/#0/);
  });

  it.each([
    ['public', { public: 'maybe' }, /public is a string other than 0 or 1/],
    ['status', { status: 'dead' }, /status is a string that is not a number/],
    ['ctime zero', { ctime: 0 }, /ctime is not a plausible unix time \(0;/],
    ['ctime a day and more ahead', { ctime: Math.floor(NOW / 1000) + 86_401 }, /ctime is not a plausible/],
    ['filelist not a list', { filelist: 'x' }, /filelist is a string, not a list/],
    ['path_list broken JSON', { path_list: '["/a"' }, /path_list is text starting with "\[" that is not a JSON list/],
  ])('refuses an item whose %s is not understood', (_n, fields, reason) => {
    const result = normalizeShare({ share_id: 1, ...fields }, ctx);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  it('accepts a ctime up to a day ahead of the clock (clock skew) and in ms', () => {
    expect(share({ ctime: Math.floor(NOW / 1000) + 3600 }).createdAtMs).toBe(NOW - (NOW % 1000) + 3_600_000);
    expect(share({ ctime: 1_575_960_894_123 }).createdAtMs).toBe(1_575_960_894_123);
  });

  it('never shows a password in a refusal', () => {
    const result = normalizeShare({ share_id: 'x', passwd: 'zq7w', ctime: 'soon' }, ctx);
    expect(result.ok ? '' : result.reason).not.toContain('zq7w');
  });
});
