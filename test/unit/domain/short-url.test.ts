import { canonicalShortUrl, sameShortUrl } from '../../../lib/domain/short-url';

describe('canonicalShortUrl', () => {
  it.each([
    ['a bare /s/ code', '1aBcDeF', '1aBcDeF'],
    ['a bare code without its leading 1 (the surl form)', 'aBcDeF', '1aBcDeF'],
    ['spaces around it', '  1aBcDeF \n', '1aBcDeF'],
    ['a full /s/ link', 'https://www.terabox.com/s/1aBcDeF', '1aBcDeF'],
    ['a full link on another host, with a trailing slash and a query', 'https://dm.1024terabox.com/s/1aBcDeF/?pwd=ab12#x', '1aBcDeF'],
    ['an http link', 'http://127.0.0.1:8787/s/1aBcDeF', '1aBcDeF'],
    ['the sharing/link?surl= form', 'https://www.terabox.com/sharing/link?surl=aBcDeF', '1aBcDeF'],
    ['another path with surl=', 'https://www.terabox.com/wap/share/filelist?surl=aBcDeF&pwd=1', '1aBcDeF'],
    ['a /s/ code without the leading 1 (kept: the path is explicit)', 'https://pan.baidu.com/s/aBcDeF', 'aBcDeF'],
    ['underscores and dashes', '1a_b-c', '1a_b-c'],
  ])('reads %s', (_n, value, canonical) => {
    expect(canonicalShortUrl(value)).toBe(canonical);
  });

  it.each([
    ['an empty string', ''],
    ['one character', 'a'],
    ['text with spaces', 'not a code'],
    ['a link without a code', 'https://www.terabox.com/main'],
    ['a broken URL', 'https://'],
    ['a number', 1234],
    ['undefined', undefined],
  ])('refuses %s', (_n, value) => {
    expect(canonicalShortUrl(value)).toBeUndefined();
  });

  it('makes every form of one share compare equal, and keeps case apart', () => {
    const forms = ['1aBcDeF', 'aBcDeF', 'https://www.terabox.com/s/1aBcDeF', 'https://terabox.app/sharing/link?surl=aBcDeF'];
    for (const a of forms) for (const b of forms) expect(sameShortUrl(a, b)).toBe(true);
    expect(sameShortUrl('1aBcDeF', '1abcdef')).toBe(false);
    expect(sameShortUrl(undefined, undefined)).toBe(false);
  });

  it('takes a bare surl that starts with 1 as a whole code (the documented doubt)', () => {
    // surl "1xY" is the code "11xY"; given bare it is indistinguishable from the code "1xY".
    expect(canonicalShortUrl('https://www.terabox.com/sharing/link?surl=1xY')).toBe('11xY');
    expect(canonicalShortUrl('1xY')).toBe('1xY');
  });
});
