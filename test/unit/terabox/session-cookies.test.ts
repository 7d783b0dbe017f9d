/**
 * The session's cookies (ndus first, a stable browserid, cookies TeraBox sets sent back, a
 * Set-Cookie never replacing the configured ndus) and its token report, over replayed fixtures.
 */
import { parseSetCookie, Redactor } from '../../../lib/terabox';
import { CookieJar } from '../../../lib/terabox/cookies';
import { setCookieHeaders } from '../../../lib/terabox/http';
import { seedShareItem, seedSharePage } from '../../factories/terabox-responses';
import { BASE, NDUS, PAGE_JS_TOKEN, collect, fixture, fromFixture, harness, json } from './harness';

const LIST = '/share/teratransfer/sharelist';
const onePage = json(seedSharePage([seedShareItem(1)], { total: 1 })); // a total ends the list (a short page alone no longer does)
const MAIN_COOKIES: string[] = JSON.parse(fixture('main-set-cookie.json')) as string[];
const mainWith = (setCookies: string[], page = 'main-page.html') => ({ status: 200, body: fixture(page), headers: { logid: '1234567890' }, setCookies });
const cookieOf = (header: string | undefined): Record<string, string> =>
  Object.fromEntries((header ?? '').split('; ').map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]));

describe('session cookies', () => {
  it('sends ndus first, then lang=en, then a browserid that stays the same on every call', async () => {
    const h = harness({ [LIST]: onePage });
    await collect(h.client.paginateShares());
    await collect(h.client.paginateShares());
    const headers = h.requests.map((r) => r.headers.Cookie);
    expect(headers.every((c) => c?.startsWith(`ndus=${NDUS}; lang=en; browserid=`))).toBe(true);
    expect(new Set(headers).size).toBe(1);
  });

  it('generates a different browserid per client, and takes a configured one', async () => {
    const a = harness({ [LIST]: onePage });
    const b = harness({ [LIST]: onePage });
    const c = harness({ [LIST]: onePage }, { browserId: 'fixed-browser-id' });
    for (const x of [a, b, c]) await collect(x.client.paginateShares());
    expect(cookieOf(a.requests[0].headers.Cookie).browserid).not.toBe(cookieOf(b.requests[0].headers.Cookie).browserid);
    expect(cookieOf(c.requests[0].headers.Cookie).browserid).toBe('fixed-browser-id');
  });

  it('keeps the cookies /main sets and sends them back, but never adopts its ndus or lang', async () => {
    const h = harness({ '/main': mainWith(MAIN_COOKIES), [LIST]: onePage });
    await collect(h.client.paginateShares());
    const [list] = h.calls(LIST);
    expect(cookieOf(list.headers.Cookie)).toEqual({
      ndus: NDUS,
      lang: 'en',
      browserid: 'FIXTUREbrowserid0123456789abcdefghijklmnopqrstuvwx=',
      PANWEB: '1',
      csrfToken: 'FIXTURECSRFcookie0123456789abcd',
      ndut_fmt: 'FIXTURENDUTFMT0123456789ABCDEF0123',
    });
    expect(list.headers.Cookie?.startsWith(`ndus=${NDUS}; lang=en; `)).toBe(true);
  });

  it.each([
    ['deleted', 'ndus=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; Max-Age=0; path=/'],
    ['renewed to another value', 'ndus=SOMEONE-ELSES-NDUS-value; path=/; HttpOnly'],
    ['emptied', 'ndus=; path=/'],
  ])('ignores a Set-Cookie that %s the ndus, and reports that it did', async (_n, header) => {
    const h = harness({ '/main': mainWith([header]), [LIST]: onePage });
    await collect(h.client.paginateShares());
    expect(cookieOf(h.calls(LIST)[0].headers.Cookie).ndus).toBe(NDUS);
    expect(h.client.sessionReport()).toMatchObject({ ignoredNdus: true, cookiesSet: ['ndus'] });
  });

  it('takes cookies from check/login and API answers too, and drops the ones TeraBox expires', async () => {
    const h = harness({
      '/api/check/login': fromFixture('check-login-ok.json', { setCookies: ['PANWEB=1; path=/', 'stoken=FIXTURESTOKEN0123456789; path=/'] }),
      [LIST]: [{ ...onePage, setCookies: ['stoken=; Max-Age=0', 'ab_sr=1.0.1_FIXTUREABSR; path=/'] }, onePage],
    });
    await collect(h.client.paginateShares());
    await collect(h.client.paginateShares());
    expect(cookieOf(h.requests.find((r) => r.path === '/main')?.headers.Cookie)).toMatchObject({ PANWEB: '1', stoken: 'FIXTURESTOKEN0123456789' });
    const second = cookieOf(h.calls(LIST)[1].headers.Cookie);
    expect(second).toMatchObject({ PANWEB: '1', ab_sr: '1.0.1_FIXTUREABSR' });
    expect(second).not.toHaveProperty('stoken');
  });

  it('keeps cookie values TeraBox set out of errors and log events', async () => {
    const secret = 'csrfToken=LEAKYCSRFVALUE0123456789';
    const h = harness(
      { '/main': mainWith([`${secret}; path=/`]), [LIST]: { status: 200, body: `<html>oops LEAKYCSRFVALUE0123456789</html>` } },
      { retry: { maxAttempts: 1 } },
    );
    const error = await collect(h.client.paginateShares()).catch((e: unknown) => e);
    const text = `${JSON.stringify(h.events)}\n${(error as Error).message}\n${(error as Error).stack ?? ''}\n${JSON.stringify(error)}`;
    expect(text).not.toContain('LEAKYCSRFVALUE0123456789');
    expect(JSON.stringify(h.events)).not.toMatch(/cookie/i);
  });
});

describe('setCookieHeaders', () => {
  const get = (joined: string | null) => (name: string) => (name === 'set-cookie' ? joined : null);

  it("prefers fetch's getSetCookie(), then node-fetch's raw()", () => {
    expect(setCookieHeaders({ get: get('x=1'), getSetCookie: () => ['a=1', 'b=2'] })).toEqual(['a=1', 'b=2']);
    expect(setCookieHeaders({ get: get('x=1'), raw: () => ({ 'set-cookie': ['c=3; Expires=Wed, 21 Oct 2026 07:28:00 GMT', 'd=4'] }) })).toEqual([
      'c=3; Expires=Wed, 21 Oct 2026 07:28:00 GMT',
      'd=4',
    ]);
  });

  it('splits a joined header only before a name=, never inside an Expires date', () => {
    expect(setCookieHeaders({ get: get('a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/, b=2, c=3; HttpOnly') })).toEqual([
      'a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/',
      'b=2',
      'c=3; HttpOnly',
    ]);
    expect(setCookieHeaders({ get: get(null) })).toEqual([]);
  });
});

describe('parseSetCookie and CookieJar', () => {
  const NOW = Date.parse('2026-12-02T12:00:00Z');

  it.each([
    ['a plain cookie', 'a=1; path=/', { name: 'a', value: '1', expired: false }],
    ['a quoted value', 'a="x y"; path=/', { name: 'a', value: 'x y', expired: false }],
    ['Max-Age=0', 'a=1; Max-Age=0', { name: 'a', value: '1', expired: true }],
    ['an Expires in the past', 'a=1; Expires=Thu, 01 Jan 1970 00:00:01 GMT', { name: 'a', value: '1', expired: true }],
    ['an Expires in the future', 'a=1; Expires=Thu, 02 Dec 2027 00:00:01 GMT', { name: 'a', value: '1', expired: false }],
  ])('parses %s', (_n, header, expected) => {
    expect(parseSetCookie(header, NOW)).toEqual(expected);
  });

  it.each([['no equals sign', 'garbage'], ['an empty name', '=1'], ['a name with spaces', 'a b=1']])('refuses %s', (_n, header) => {
    expect(parseSetCookie(header, NOW)).toBeUndefined();
  });

  it('registers the values TeraBox sets with the redactor, except lang and browserid', () => {
    const redactor = new Redactor();
    const jar = new CookieJar({ ndus: 'configured-ndus', browserId: 'bid', onSecret: (v) => redactor.addSecret(v) });
    jar.absorb(['csrfToken=SECRETCSRF123', 'browserid=PUBLICBROWSERID', 'lang=en'], NOW);
    expect(redactor.redact('SECRETCSRF123 PUBLICBROWSERID')).toBe('[REDACTED] PUBLICBROWSERID');
    expect(jar.header()).toBe('ndus=configured-ndus; lang=en; browserid=PUBLICBROWSERID; csrfToken=SECRETCSRF123');
  });

  it('keeps its own browserid when TeraBox expires it', () => {
    const jar = new CookieJar({ ndus: 'n', browserId: 'mine' });
    jar.absorb(['browserid=x; Max-Age=0'], NOW);
    expect(jar.header()).toBe('ndus=n; lang=en; browserid=mine');
  });
});

describe('sessionReport', () => {
  it.each([
    ['templateData', 'main-page.html'],
    ['eval-script', 'main-page-eval.html'],
    ['raw-html', 'main-page-window.html'],
  ])('says the jsToken came from %s, with cookie names and no values', async (source, page) => {
    const h = harness({ '/main': mainWith(MAIN_COOKIES.slice(0, 2), page), [LIST]: onePage });
    await collect(h.client.paginateShares());
    const report = h.client.sessionReport();
    expect(report).toEqual({ jsToken: source, bdstoken: true, logid: true, cookiesSet: ['PANWEB', 'csrfToken'], ignoredNdus: false });
    expect(JSON.stringify(report)).not.toMatch(/FIXTURE|0123456789abcdef/);
  });

  it('reports configured tokens before /main is read, and missing ones on a fresh client', async () => {
    expect(harness({}, { tokens: true }).client.sessionReport()).toEqual({ jsToken: 'configured', bdstoken: true, logid: false, cookiesSet: [], ignoredNdus: false });
    expect(harness({}).client.sessionReport()).toEqual({ jsToken: 'missing', bdstoken: false, logid: false, cookiesSet: [], ignoredNdus: false });
  });

  it('uses the token of the eval form for its calls', async () => {
    const h = harness({ '/main': mainWith([], 'main-page-eval.html'), [LIST]: onePage });
    await collect(h.client.paginateShares());
    expect(h.calls(LIST)[0].url.searchParams.get('jsToken')).toBe('FIXTUREEVALTOKEN0123456789ABCD');
    expect(h.calls(LIST)[0].url.origin).toBe(BASE);
    expect(PAGE_JS_TOKEN).not.toBe('FIXTUREEVALTOKEN0123456789ABCD');
  });
});
