/**
 * The errno classes of lib/terabox/errnos.ts as the client applies them: verification (a person
 * must act, never retried), auth (104 like -6), transient (9001, 111 retried), token (4500016
 * beside 4000023/450016: reload /main and repeat once).
 */
import {
  ERRNO_TABLE,
  TRANSIENT_ERRNOS,
  TeraboxApiError,
  TeraboxAuthError,
  TeraboxVerificationRequiredError,
  VERIFICATION_ERRNOS,
  isRetryableError,
  isSafeToRepeatCreate,
} from '../../../lib/terabox';
import { AUTH_ERRNOS, SHARE_VERIFY_ERRNOS, SPLIT_BATCH_ERRNOS, TOKEN_ERRNOS, UNCONFIRMED_CANCEL_ERRNOS, ALREADY_GONE_ERRNOS } from '../../../lib/terabox/errnos';
import { seedShareItem, seedSharePage } from '../../factories/terabox-responses';
import { PAGE_JS_TOKEN, collect, fromFixture, harness, json } from './harness';

const LIST = '/share/teratransfer/sharelist';
const onePage = json(seedSharePage([seedShareItem(1)], { total: 1 })); // a total ends the list (a short page alone no longer does)
const VERIFY = [
  [9019, 'errno-verify-9019.json'],
  [400141, 'errno-verify-400141.json'],
  [132, 'errno-verify-132.json'],
] as const;

describe('the errno table', () => {
  it('classifies each errno the notes name', () => {
    expect([...VERIFICATION_ERRNOS].sort()).toEqual([132, 400141, 9019].sort());
    expect([...AUTH_ERRNOS].sort()).toEqual([-6, 104].sort());
    expect([...TRANSIENT_ERRNOS].sort((a, b) => a - b)).toEqual([110, 111, 9001, 31034]);
    expect([...TOKEN_ERRNOS].sort((a, b) => a - b)).toEqual([450016, 4000023, 4500016]);
    expect([...SHARE_VERIFY_ERRNOS].sort((a, b) => a - b)).toEqual([400810, 4000020]);
    expect([...ALREADY_GONE_ERRNOS]).toEqual([105]);
    expect([...UNCONFIRMED_CANCEL_ERRNOS].sort((a, b) => a - b)).toEqual([-21, -7]);
    expect([...SPLIT_BATCH_ERRNOS].sort((a, b) => a - b)).toEqual([-33, -24, -21, -7, 2, 3, 105, 31075]);
    expect(ERRNO_TABLE[3]?.batchLimit).toBe(100);
    expect(ERRNO_TABLE[31075]?.batchLimit).toBe(999);
  });
});

describe('verification errnos (a person must act)', () => {
  it.each(VERIFY)('errno %p on a listing is TeraboxVerificationRequiredError telling to verify in a browser, not retried', async (errno, file) => {
    const h = harness({ [LIST]: [fromFixture(file), onePage] }, { tokens: true });
    const error = await collect(h.client.paginateShares()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxVerificationRequiredError);
    expect(error).toBeInstanceOf(TeraboxApiError);
    expect(error).toMatchObject({ name: 'TeraboxVerificationRequiredError', errno, endpoint: LIST });
    expect((error as Error).message).toMatch(/open TeraBox in a browser.*complete the verification/);
    expect(h.calls(LIST)).toHaveLength(1);
    expect(h.calls('/main')).toHaveLength(0);
    expect(h.sleeps).toEqual([]);
  });

  it.each(VERIFY)('errno %p on a create is never repeated', async (_errno, file) => {
    const h = harness({ '/share/pset': [fromFixture(file), fromFixture('pset-seed.json')] }, { tokens: true, retry: { retryableErrnos: new Set([9019, 400141, 132]) } });
    await expect(h.client.createShare({ fsIds: ['1'], period: 7 })).rejects.toBeInstanceOf(TeraboxVerificationRequiredError);
    expect(h.calls('/share/pset')).toHaveLength(1);
  });

  it('errno 9019 on check/login is TeraboxVerificationRequiredError', async () => {
    const h = harness({ '/api/check/login': fromFixture('errno-verify-9019.json') });
    await expect(h.client.checkLogin()).rejects.toBeInstanceOf(TeraboxVerificationRequiredError);
  });

  it('stops a cancel run: the refused batch and the unsent ones are failed, telling to verify', async () => {
    const h = harness({ '/share/cancel': fromFixture('errno-verify-400141.json') }, { tokens: true, cancelBatchSize: 2 });
    const outcomes = await h.client.cancelShares(['1', '2', '3']);
    expect(outcomes).toEqual([
      { shareId: '1', outcome: 'failed', error: expect.stringMatching(/^TeraboxVerificationRequiredError: .*verification/) },
      { shareId: '2', outcome: 'failed', error: expect.stringMatching(/^TeraboxVerificationRequiredError: /) },
      { shareId: '3', outcome: 'failed', error: expect.stringMatching(/^not sent: .*verification/) },
    ]);
    expect(h.calls('/share/cancel')).toHaveLength(1);
  });

  it('is neither retryable nor safe to repeat, whatever the policy lists', () => {
    const error = new TeraboxVerificationRequiredError(9019, '/share/pset');
    expect(isRetryableError(error, { retryableErrnos: new Set([9019]) })).toBe(false);
    expect(isSafeToRepeatCreate(error, { retryableErrnos: new Set([9019]) })).toBe(false);
  });
});

describe('errno 104 (auth failure)', () => {
  it.each([
    ['a listing', LIST, { [LIST]: fromFixture('errno-auth-104.json') }, true],
    ['check/login', '/api/check/login', { '/api/check/login': fromFixture('errno-auth-104.json'), [LIST]: onePage }, false],
  ])('on %s is TeraboxAuthError telling to refresh the ndus cookie, without retrying', async (_n, path, routes, tokens) => {
    const h = harness(routes, { tokens });
    const error = await collect(h.client.paginateShares()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxAuthError);
    expect((error as Error).message).toMatch(/errno 104.*ndus cookie/);
    expect(h.calls(path)).toHaveLength(1);
  });
});

describe('transient errnos', () => {
  it.each([
    [9001, 'errno-busy-9001.json'],
    [111, 'errno-busy-111.json'],
  ])('retries a listing after errno %p with backoff', async (_errno, file) => {
    const h = harness({ [LIST]: [fromFixture(file), onePage] }, { tokens: true });
    await expect(collect(h.client.paginateShares())).resolves.toHaveLength(1);
    expect(h.calls(LIST)).toHaveLength(2);
    expect(h.sleeps).toEqual([100]);
  });
});

describe('token errnos', () => {
  it('reloads the tokens and repeats once on errno 4500016', async () => {
    const h = harness({ [LIST]: [fromFixture('errno-jstoken-4500016.json'), onePage] }, { tokens: true });
    await expect(collect(h.client.paginateShares())).resolves.toHaveLength(1);
    expect(h.requests.map((r) => r.path)).toEqual([LIST, '/api/check/login', '/main', LIST]);
    expect(h.calls(LIST)[1].url.searchParams.get('jsToken')).toBe(PAGE_JS_TOKEN);
  });
});
