/**
 * The emulator's session and write options over real sockets (Node's fetch, no client): the
 * cookies /main sets, requireMainCookies, mainNdusCookie, strictCookieOrder, mainPageForm, and the
 * cancel/pset answers (cancelMissing modes and errnos, cancelMaxIds/cancelTooManyErrno,
 * cancelBody, psetBody).
 */
import { extractPageTokens } from '../../lib/terabox/session';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../lib/terabox/emulator';

const running: RunningEmulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function emulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emu = await startEmulator({ now: () => Date.UTC(2026, 11, 2), ...options });
  running.push(emu);
  return emu;
}

interface Init {
  cookie?: string;
  query?: Record<string, string>;
  form?: Record<string, string>;
}

async function call(emu: RunningEmulator, path: string, init: Init = {}) {
  const url = new URL(path, emu.url);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { Cookie: init.cookie ?? `ndus=${emu.state.ndus}; lang=en` };
  if (init.form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, { method: init.form ? 'POST' : 'GET', headers, body: init.form ? new URLSearchParams(init.form).toString() : undefined, redirect: 'manual' });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // HTML
  }
  return { status: res.status, setCookies: res.headers.getSetCookie(), text, body };
}

const mainCookies = (emu: RunningEmulator) => `ndus=${emu.state.ndus}; lang=en; csrfToken=${emu.state.csrfToken}; PANWEB=1`;
const list = (emu: RunningEmulator, cookie?: string) =>
  call(emu, '/share/teratransfer/sharelist', { query: { jsToken: emu.state.jsToken, page: '1' }, ...(cookie ? { cookie } : {}) });
const cancel = (emu: RunningEmulator, ids: string[], cookie?: string) =>
  call(emu, '/share/cancel', { query: { bdstoken: emu.state.bdstoken }, form: { shareid_list: `[${ids.join(',')}]` }, ...(cookie ? { cookie } : {}) });

describe('/main cookies', () => {
  it('sets a csrfToken and PANWEB cookie, and nothing about ndus by default', async () => {
    const emu = await emulator();
    const res = await call(emu, '/main');
    expect(res.setCookies).toEqual([`csrfToken=${emu.state.csrfToken}; Path=/; SameSite=Lax`, 'PANWEB=1; Path=/; HttpOnly']);
    expect(emu.state.csrfToken).toMatch(/^[0-9A-Za-z]{32}$/);
  });

  it('with requireMainCookies, refuses API calls without them with errno 4000020, but not check/login', async () => {
    const emu = await emulator({ seed: 'shares=1', requireMainCookies: true });
    expect((await list(emu)).body.errno).toBe(4000020);
    expect((await list(emu, `ndus=${emu.state.ndus}; csrfToken=wrong; PANWEB=1`)).body.errno).toBe(4000020);
    expect((await list(emu, mainCookies(emu))).body.errno).toBe(0);
    expect((await call(emu, '/api/check/login')).body.errno).toBe(0);
    expect((await list(emu, 'ndus=someone-else; csrfToken=x')).body.errno).toBe(-6); // a bad cookie still reads as -6 first
  });

  it.each([
    ['deleted', /^ndus=deleted; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; Path=\/$/],
    ['renewed', /^ndus=renewed-by-main-not-accepted; Path=\/; HttpOnly$/],
  ] as const)('with mainNdusCookie %p, says so in a Set-Cookie while the configured ndus keeps working', async (mode, header) => {
    const emu = await emulator({ mainNdusCookie: mode });
    const res = await call(emu, '/main');
    expect(res.setCookies.filter((c) => c.startsWith('ndus='))).toEqual([expect.stringMatching(header)]);
    expect((await list(emu)).body.errno).toBe(0);
    expect((await list(emu, 'ndus=renewed-by-main-not-accepted; lang=en')).body.errno).toBe(-6);
  });

  it('with strictCookieOrder, reads a Cookie header that does not start with ndus as no cookie', async () => {
    const emu = await emulator({ strictCookieOrder: true });
    expect((await list(emu, `lang=en; ndus=${emu.state.ndus}`)).body.errno).toBe(-6);
    expect((await call(emu, '/main', { cookie: `lang=en; ndus=${emu.state.ndus}` })).status).toBe(302);
    expect((await list(emu, `ndus=${emu.state.ndus}; lang=en`)).body.errno).toBe(0);
    expect(emu.state.lastCookieHeader).toBe(`ndus=${emu.state.ndus}; lang=en`);
  });
});

describe('/main jsToken forms', () => {
  it.each([
    ['template', 'templateData', /"jsToken":"function%20fn/],
    ['eval', 'eval-script', /<script>eval\(decodeURIComponent\(`[^`]*fn%28%22/],
    ['window', 'raw-html', /"function%20fn%28a%29%7Bwindow\.jsToken%20%3D%20a%7D%3Bfn%28%22/],
  ] as const)('serves the jsToken in the %s form', async (form, source, shape) => {
    const emu = await emulator({ mainPageForm: form });
    const page = (await call(emu, '/main')).text;
    expect(page).toMatch(shape);
    expect(extractPageTokens(page)).toEqual({ jsToken: emu.state.jsToken, jsTokenSource: source, bdstoken: emu.state.bdstoken });
    if (form !== 'template') expect(page).not.toMatch(/"jsToken"/);
  });

  it('serves no jsToken at all with mainPageForm none', async () => {
    const emu = await emulator({ mainPageForm: 'none' });
    const page = (await call(emu, '/main')).text;
    expect(page).not.toContain(emu.state.jsToken);
    expect(extractPageTokens(page)).toEqual({ bdstoken: emu.state.bdstoken });
  });
});

describe('cancel answers', () => {
  it('with cancelMissing "refuse-batch", answers -24 to a batch holding a gone id and changes nothing', async () => {
    const emu = await emulator({ seed: 'shares=3', cancelMissing: 'refuse-batch' });
    const live = [...emu.state.shares.keys()];
    expect((await cancel(emu, [live[0]!, '123456'])).body.errno).toBe(-24);
    expect(emu.state.shares.size).toBe(3);
    expect((await cancel(emu, [live[0]!, live[1]!])).body.errno).toBe(0);
    expect(emu.state.shares.size).toBe(1);
  });

  it.each([[-21], [105], [-7]])('with cancelMissing "errno" and cancelMissingErrno %p, answers it to an all-gone batch', async (errno) => {
    const emu = await emulator({ cancelMissing: 'errno', cancelMissingErrno: errno });
    expect((await cancel(emu, ['123456'])).body.errno).toBe(errno);
  });

  it.each([
    [100, 3],
    [999, 31075],
  ])('with cancelMaxIds %p, answers cancelTooManyErrno %p above it and cancels at it', async (max, errno) => {
    const emu = await emulator({ seed: `files=50,shares=${max}`, cancelMaxIds: max, cancelTooManyErrno: errno });
    const ids = [...emu.state.shares.keys()];
    expect((await cancel(emu, [...ids, '1'])).body.errno).toBe(errno);
    expect(emu.state.shares.size).toBe(max);
    expect((await cancel(emu, ids)).body.errno).toBe(0);
    expect(emu.state.shares.size).toBe(0);
  });

  it.each([
    ['empty', {}],
    ['code', { code: 0, msg: 'success' }],
  ] as const)('with cancelBody %p, cancels and answers a body without errno', async (mode, body) => {
    const emu = await emulator({ seed: 'shares=1', cancelBody: mode });
    const res = await cancel(emu, [...emu.state.shares.keys()]);
    expect(res.body).toMatchObject(body);
    expect(res.body).not.toHaveProperty('errno');
    expect(emu.state.shares.size).toBe(0);
  });

  it.each([['empty'], ['code']] as const)('with psetBody %p, creates the share and answers a body without errno', async (mode) => {
    const emu = await emulator({ psetBody: mode });
    const [file] = [...emu.state.files.values()].filter((f) => !f.isdir);
    const res = await call(emu, '/share/pset', { query: { jsToken: emu.state.jsToken }, form: { fid_list: `[${file!.fsId}]`, schannel: '0', period: '7', pwd: '' } });
    expect(res.body).not.toHaveProperty('errno');
    expect(emu.state.shares.size).toBe(1);
  });
});
