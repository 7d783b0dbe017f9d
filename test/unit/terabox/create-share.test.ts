import { TeraboxApiError, TeraboxCreateUnconfirmedError, TeraboxResponseError, TeraboxValidationError, buildCreateShareForm } from '../../../lib/terabox';
import type { CreateShareInput } from '../../../lib/app/ports';
import { errnoEnvelope } from '../../factories/terabox-responses';
import { BASE, fromFixture, harness, json } from './harness';
import { systemError } from './replay';

const PSET = '/share/pset';

describe('createShare input validation (before any request)', () => {
  it.each<[string, unknown, RegExp]>([
    ['nothing to share', { period: 7 }, /at least one fs id or path/],
    ['empty lists', { fsIds: [], paths: [], period: 7 }, /at least one fs id or path/],
    ['a bad fs id', { fsIds: ['12', 'x'], period: 7 }, /fsIds\[1\]/],
    ['a relative path', { paths: ['docs/a.txt'], period: 7 }, /paths\[0\] must be an absolute path/],
    ['a period of 3 days', { fsIds: ['1'], period: 3 }, /period must be 0/],
    ['a missing period', { fsIds: ['1'] }, /period must be 0/],
    ['a 5-character password', { fsIds: ['1'], period: 7, password: 'abcde' }, /password must be exactly 4/],
    ['an upper-case password', { fsIds: ['1'], period: 7, password: 'AB12' }, /password must be exactly 4/],
    ['an empty password', { fsIds: ['1'], period: 7, password: '' }, /password must be exactly 4/],
  ])('refuses %s', async (_n, input, message) => {
    const h = harness({});
    const error = await h.client.createShare(input as CreateShareInput).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxValidationError);
    expect((error as Error).message).toMatch(message);
    expect(h.requests).toHaveLength(0);
  });

  it('lists every problem at once', () => {
    expect(() => buildCreateShareForm({ fsIds: ['x'], period: 2 as 7, password: '!' })).toThrow(
      expect.objectContaining({ problems: ['fsIds[0] is not a positive integer id', 'period must be 0 (permanent), 1, 7 or 30 days', 'password must be exactly 4 characters of 0-9 and a-z'] }),
    );
  });
});

describe('createShare form', () => {
  it.each<[string, CreateShareInput, Record<string, string>]>([
    [
      'a public link from fs ids (exact beyond 2^53)',
      { fsIds: ['12345', '9007199254740993'], period: 0 },
      { fid_list: '[12345,9007199254740993]', schannel: '0', channel_list: '[]', period: '0', public: '1', pwd: '' },
    ],
    [
      'a private link with a password',
      { fsIds: ['1'], period: 7, password: 'ab12' },
      { fid_list: '[1]', schannel: '4', channel_list: '[]', period: '7', public: '0', pwd: 'ab12' },
    ],
    [
      'a link from paths',
      { paths: ['/a b/c.txt', '/d'], period: 30 },
      { path_list: '["/a b/c.txt","/d"]', schannel: '0', channel_list: '[]', period: '30', public: '1', pwd: '' },
    ],
    [
      'fs ids and paths side by side',
      { fsIds: ['7'], paths: ['/e.txt'], period: 1 },
      { fid_list: '[7]', path_list: '["/e.txt"]', schannel: '0', channel_list: '[]', period: '1', public: '1', pwd: '' },
    ],
  ])('sends %s', async (_n, input, form) => {
    const h = harness({ [PSET]: fromFixture('pset-seed.json') });
    await h.client.createShare(input);
    const [req] = h.calls(PSET);
    expect(req.method).toBe('POST');
    expect(req.headers['Content-Type']).toMatch(/application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(req.form)).toEqual(form);
    expect(req.url.searchParams.get('bdstoken')).toBeTruthy();
  });
});

describe('createShare answers', () => {
  it('reads the Baidu-style answer (id, full link, ctime)', async () => {
    const h = harness({ [PSET]: fromFixture('pset-baidu.json') }, { tokens: true });
    await expect(h.client.createShare({ fsIds: ['1'], period: 7 })).resolves.toEqual({
      shareId: '1231251527',
      shortUrl: '1yl0Ak3paNXKClQvYPBJxNg',
      link: 'https://pan.baidu.com/s/1yl0Ak3paNXKClQvYPBJxNg',
      period: 7,
      createdAtMs: 1575960894000,
    });
  });

  it("reads the seed's bare short url into a full link on the session's host", async () => {
    const h = harness({ [PSET]: fromFixture('pset-seed.json') }, { tokens: true });
    await expect(h.client.createShare({ fsIds: ['1'], period: 1, password: 'zz99' })).resolves.toEqual({
      shortUrl: '1aBcDeF',
      link: `${BASE}/s/1aBcDeF`,
      period: 1,
      password: 'zz99',
    });
  });

  it.each([
    ['errno 0 without a link', json({ errno: 0 }), /errno 0 but no link/],
    ['an empty object', fromFixture('empty-object.json'), /states no errno \(an empty object\)/],
    ['{"code": 0}', fromFixture('code-zero.json'), /states no errno \(no errno; fields: code, msg\)/],
    ['errno null', fromFixture('errno-null.json'), /states no errno/],
  ])('reports %s as TeraboxCreateUnconfirmedError (the share may exist), sent once', async (_n, answer, detail) => {
    const h = harness({ [PSET]: [answer, fromFixture('pset-seed.json')] }, { tokens: true });
    const error = await h.client.createShare({ fsIds: ['1'], period: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxCreateUnconfirmedError);
    expect(error).toBeInstanceOf(TeraboxResponseError); // the create use case counts it as uncertain
    expect(error).toMatchObject({ name: 'TeraboxCreateUnconfirmedError', problem: 'shape', endpoint: PSET, message: expect.stringMatching(/may exist/) });
    expect((error as Error).message).toMatch(detail);
    expect(h.calls(PSET)).toHaveLength(1);
  });

  it('never repeats a create on errno as a non-number (an answer it does not understand)', async () => {
    const h = harness({ [PSET]: [fromFixture('errno-not-a-number.json'), fromFixture('pset-seed.json')] }, { tokens: true });
    await expect(h.client.createShare({ fsIds: ['1'], period: 7 })).rejects.toMatchObject({ name: 'TeraboxResponseError', problem: 'shape' });
    expect(h.calls(PSET)).toHaveLength(1);
  });

  it.each([[-9], [2], [-10], [9019]])('surfaces errno %p as TeraboxApiError', async (errno) => {
    const h = harness({ [PSET]: json(errnoEnvelope(errno)) }, { tokens: true });
    const error = await h.client.createShare({ fsIds: ['1'], period: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxApiError);
    expect(error).toMatchObject({ errno, endpoint: PSET });
    expect(h.calls(PSET)).toHaveLength(1);
  });
});

describe('createShare retries', () => {
  const ok = fromFixture('pset-seed.json');
  it.each([
    ['HTTP 500', { status: 500, body: '<html>500</html>' }],
    ['HTTP 502 empty', { status: 502, body: '' }],
    ['a dropped connection', { error: systemError('ECONNRESET') }],
    ['a socket hang up', { error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }],
    ['a timeout', { hang: true }],
    ['a garbled answer', fromFixture('garbled-truncated.json')],
    ['an HTML answer', { status: 200, body: '<html>oops</html>' }],
  ])('never repeats a create after %s (it may have reached TeraBox)', async (_n, failure) => {
    const h = harness({ [PSET]: [failure, ok] }, { tokens: true, requestTimeoutMs: 20 });
    await expect(h.client.createShare({ fsIds: ['1'], period: 7 })).rejects.toMatchObject({ endpoint: PSET });
    expect(h.calls(PSET)).toHaveLength(1);
  });

  it.each([
    ['a refused connection', { error: systemError('ECONNREFUSED') }],
    ['a DNS failure', { error: systemError('ENOTFOUND') }],
    ['errno 110 (rate limited)', fromFixture('errno-rate-limit.json')],
    ['errno 4000023 (token refresh)', fromFixture('errno-jstoken-invalid.json')],
    ['errno 4500016 (token refresh)', fromFixture('errno-jstoken-4500016.json')],
    ['errno 9001 (busy)', fromFixture('errno-busy-9001.json')],
    ['errno 111 (busy)', fromFixture('errno-busy-111.json')],
  ])('repeats a create after %s (TeraBox did not act)', async (_n, failure) => {
    const h = harness({ [PSET]: [failure, ok] }, { tokens: true });
    await expect(h.client.createShare({ fsIds: ['1'], period: 7 })).resolves.toMatchObject({ shortUrl: '1aBcDeF' });
    expect(h.calls(PSET)).toHaveLength(2);
  });

  it('repeats after a 5xx when the caller holds an idempotency claim (retryUnsafe)', async () => {
    const h = harness({ [PSET]: [{ status: 503, body: '' }, ok] }, { tokens: true });
    await expect(h.client.createShare({ fsIds: ['1'], period: 7 }, { retryUnsafe: true })).resolves.toMatchObject({ shortUrl: '1aBcDeF' });
    expect(h.calls(PSET)).toHaveLength(2);
    expect(h.sleeps).toEqual([100]);
  });

  it('times out a hung request with TeraboxTimeoutError', async () => {
    const h = harness({ [PSET]: { hang: true } }, { tokens: true, requestTimeoutMs: 20 });
    await expect(h.client.createShare({ fsIds: ['1'], period: 7 })).rejects.toMatchObject({ name: 'TeraboxTimeoutError', kind: 'request', timeoutMs: 20 });
  });
});
