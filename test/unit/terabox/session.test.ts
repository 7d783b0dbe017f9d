import { TeraboxApiError, TeraboxAuthError, TeraboxResponseError } from '../../../lib/terabox';
import { extractPageTokens } from '../../../lib/terabox/session';
import { errnoEnvelope, seedShareItem, seedSharePage } from '../../factories/terabox-responses';
import { BASE, GIVEN_JS_TOKEN, NDUS, PAGE_BDSTOKEN, PAGE_JS_TOKEN, collect, fixture, fromFixture, harness, json } from './harness';

const LIST = '/share/teratransfer/sharelist';
// With a total: a page that ends the list by itself (one call per listing).
const onePage = json(seedSharePage([seedShareItem(1)], { total: 1 }));

describe('extractPageTokens', () => {
  it('reads jsToken from the URL-encoded fn("...") form, and bdstoken, from /main', () => {
    expect(extractPageTokens(fixture('main-page.html'))).toEqual({ jsToken: PAGE_JS_TOKEN, jsTokenSource: 'templateData', bdstoken: PAGE_BDSTOKEN });
  });

  it.each([
    ['an eval(decodeURIComponent(`...`)) script', 'main-page-eval.html', 'FIXTUREEVALTOKEN0123456789ABCD', 'eval-script'],
    ['the raw-HTML window.jsToken form', 'main-page-window.html', 'FIXTUREWINDOWTOKEN0123456789AB', 'raw-html'],
  ])('reads jsToken from %s when templateData has none', (_n, file, jsToken, source) => {
    expect(extractPageTokens(fixture(file))).toEqual({ jsToken, jsTokenSource: source, bdstoken: PAGE_BDSTOKEN });
  });

  it('prefers templateData over the other forms', () => {
    const html = fixture('main-page.html').replace('</body>', `${/<script>eval[^<]*<\/script>/.exec(fixture('main-page-eval.html'))![0]}</body>`);
    expect(extractPageTokens(html)).toMatchObject({ jsToken: PAGE_JS_TOKEN, jsTokenSource: 'templateData' });
  });

  it.each([
    ['a raw fn() form', '<script>var templateData = {"jsToken":"fn(\\"RAWTOKEN123\\")","bdstoken":"abc123"};</script>', { jsToken: 'RAWTOKEN123', jsTokenSource: 'templateData', bdstoken: 'abc123' }],
    ['a bare token', '<script>var templateData = {"jsToken":"BARETOKEN12345"};</script>', { jsToken: 'BARETOKEN12345', jsTokenSource: 'templateData' }],
    ['templateData that is not JSON', '<script>var templateData = {jsToken: x};</script> "jsToken":"fn%28%22LOOSE123%22%29"', { jsToken: 'LOOSE123', jsTokenSource: 'templateData' }],
    ['an eval script without fn()', '<script>eval(decodeURIComponent(`var%20a%3D1`))</script>', {}],
    ['the login page', fixture('login-page.html'), {}],
  ])('handles %s', (_n, html, expected) => {
    expect(extractPageTokens(html)).toEqual(expected);
  });
});

describe('session', () => {
  it('loads tokens lazily (check/login, then /main) and sends the common parameters and headers', async () => {
    const h = harness({ [LIST]: onePage });
    await collect(h.client.paginateShares());
    expect(h.requests.map((r) => r.path)).toEqual(['/api/check/login', '/main', LIST]);
    const list = h.calls(LIST)[0];
    expect(Object.fromEntries(list.url.searchParams)).toEqual({
      app_id: '250528',
      web: '1',
      channel: 'dubox',
      clienttype: '0',
      jsToken: PAGE_JS_TOKEN,
      bdstoken: PAGE_BDSTOKEN,
      'dp-logid': '1234567890',
      page: '1',
      page_size: '100',
      order: 'ctime',
      desc: '1',
    });
    expect(list.headers).toMatchObject({ Cookie: expect.stringMatching(new RegExp(`^ndus=${NDUS}; lang=en; browserid=[A-Za-z0-9+/]{59}=$`)), Referer: `${BASE}/`, 'User-Agent': expect.stringContaining('Mozilla') });
  });

  it('uses the tokens it was given without loading /main', async () => {
    const h = harness({ [LIST]: onePage }, { tokens: true });
    await collect(h.client.paginateShares());
    expect(h.requests.map((r) => r.path)).toEqual([LIST]);
    expect(h.calls(LIST)[0].url.searchParams.get('jsToken')).toBe(GIVEN_JS_TOKEN);
  });

  it.each([[4000023], [450016], [4000020], [400810]])('reloads the tokens and repeats once on errno %p', async (errno) => {
    const h = harness({ [LIST]: [json(errnoEnvelope(errno)), onePage] }, { tokens: true });
    await expect(collect(h.client.paginateShares())).resolves.toHaveLength(1);
    expect(h.requests.map((r) => r.path)).toEqual([LIST, '/api/check/login', '/main', LIST]);
    expect(h.calls(LIST)[1].url.searchParams.get('jsToken')).toBe(PAGE_JS_TOKEN);
    expect(h.events).toContainEqual(expect.objectContaining({ event: 'token-refresh', message: `errno ${errno} on ${LIST}` }));
  });

  it('shares one /main reload between concurrent calls that hit a rotated token', async () => {
    const pages = (page: number) => seedSharePage([seedShareItem(page * 1000)], { total: 4, offset: page - 1 });
    let rotated = false;
    const h = harness(
      {
        [LIST]: (req) => {
          const page = Number(req.url.searchParams.get('page'));
          if (req.url.searchParams.get('jsToken') === GIVEN_JS_TOKEN && (page > 1 || rotated)) {
            rotated = true;
            return json(errnoEnvelope(4000023));
          }
          return json(pages(page));
        },
      },
      { tokens: true, listConcurrency: 4 },
    );
    const shares = await collect(h.client.paginateShares({ pageSize: 1 }));
    expect(shares.map((s) => s.shareId)).toEqual(['1000', '2000', '3000', '4000']);
    expect(h.calls('/main')).toHaveLength(1);
  });

  it('gives up with the errno when the reloaded token is refused too (after the retry policy)', async () => {
    const h = harness({ [LIST]: json(errnoEnvelope(4000023)) }, { tokens: true, retry: { maxAttempts: 2 } });
    await expect(collect(h.client.paginateShares())).rejects.toMatchObject({ name: 'TeraboxApiError', errno: 4000023 });
  });

  it('does not reload tokens on 4000020 outside share endpoints', async () => {
    const h = harness({ '/api/list': json(errnoEnvelope(4000020)) }, { tokens: true, retry: { maxAttempts: 1 } });
    await expect(h.client.listFiles('/')).rejects.toBeInstanceOf(TeraboxApiError);
    expect(h.calls('/main')).toHaveLength(0);
  });

  describe('region', () => {
    const regionUrl = (prefix: string) => `https://${prefix}.region.example`;

    it('moves to the region named by check/login before loading tokens', async () => {
      const h = harness({ '/api/check/login': fromFixture('check-login-ok.json', { headers: { 'Region-Domain-Prefix': 'dm' } }), [LIST]: onePage }, { regionUrl });
      const shares = await collect(h.client.paginateShares());
      expect(h.requests.map((r) => `${r.url.origin}${r.path}`)).toEqual([
        `${BASE}/api/check/login`,
        'https://dm.region.example/main',
        `https://dm.region.example${LIST}`,
      ]);
      expect(h.client.baseUrl).toBe('https://dm.region.example');
      expect(shares[0].link).toBe('https://dm.region.example/s/1code1');
      expect(h.events).toContainEqual(expect.objectContaining({ event: 'region-switch', from: BASE, to: 'https://dm.region.example' }));
    });

    it('follows errno -6 with a Url-Domain-Prefix header on a share call', async () => {
      const h = harness(
        { [LIST]: [json(errnoEnvelope(-6), { headers: { 'Url-Domain-Prefix': 'jp' } }), onePage] },
        { tokens: true, regionUrl },
      );
      await collect(h.client.paginateShares());
      expect(h.requests.map((r) => `${r.url.origin}${r.path}`)).toEqual([
        `${BASE}${LIST}`,
        'https://jp.region.example/api/check/login',
        'https://jp.region.example/main',
        `https://jp.region.example${LIST}`,
      ]);
    });

    it('adopts the origin /main redirects to', async () => {
      const h = harness({
        '/main': [{ status: 302, headers: { Location: 'https://www.1024terabox.com/main' } }, { status: 200, body: fixture('main-page.html') }],
        [LIST]: onePage,
      });
      await collect(h.client.paginateShares());
      expect(h.client.baseUrl).toBe('https://www.1024terabox.com');
      expect(h.calls(LIST)[0].url.origin).toBe('https://www.1024terabox.com');
    });
  });

  describe('expired cookie', () => {
    it.each([
      ['errno -6 from check/login', { '/api/check/login': fromFixture('errno-not-logged-in.json') }],
      ['a /main redirect to /login', { '/main': { status: 302, headers: { Location: '/login?redirect=main' } } }],
      ['/main answering the login page', { '/main': { status: 200, body: fixture('login-page.html') } }],
    ])('reports %s as TeraboxAuthError telling to refresh the ndus cookie', async (_n, routes) => {
      const h = harness({ ...routes, [LIST]: onePage });
      const error = await collect(h.client.paginateShares()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TeraboxAuthError);
      expect((error as Error).message).toMatch(/ndus cookie/);
      expect(h.calls(LIST)).toHaveLength(0);
    });

    it('reports errno -6 on a share call as TeraboxAuthError, without retrying', async () => {
      const h = harness({ [LIST]: fromFixture('errno-not-logged-in.json') }, { tokens: true });
      await expect(collect(h.client.paginateShares())).rejects.toBeInstanceOf(TeraboxAuthError);
      expect(h.calls(LIST)).toHaveLength(1);
    });

    it('turns a login page where JSON was expected into TeraboxAuthError when check/login confirms it', async () => {
      const h = harness(
        { [LIST]: { status: 200, body: fixture('login-page.html') }, '/api/check/login': fromFixture('errno-not-logged-in.json') },
        { tokens: true, retry: { maxAttempts: 2 } },
      );
      const error = await collect(h.client.paginateShares()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TeraboxAuthError);
      expect((error as Error).cause).toBeInstanceOf(TeraboxResponseError);
    });

    it('keeps it a TeraboxResponseError (html) when the cookie is still fine', async () => {
      const h = harness({ [LIST]: { status: 200, body: fixture('login-page.html') } }, { tokens: true, retry: { maxAttempts: 2 } });
      await expect(collect(h.client.paginateShares())).rejects.toMatchObject({ name: 'TeraboxResponseError', problem: 'html' });
      expect(h.calls(LIST)).toHaveLength(2);
    });
  });

  it('checkLogin reports the origin in use', async () => {
    const h = harness({});
    await expect(h.client.checkLogin()).resolves.toEqual({ loggedIn: true, baseUrl: BASE, switchedRegion: false });
  });

  it('refuses an empty ndus before any request', () => {
    expect(() => harness({}, { credentials: { ndus: ' ' } })).toThrow(TeraboxAuthError);
  });
});
