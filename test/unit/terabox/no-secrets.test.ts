/**
 * The credentials (ndus, jsToken, bdstoken) must never appear in an error message, stack, cause,
 * serialized error or log event, whatever went wrong. Each scenario below drives one error path
 * with known token values and searches everything observable for them.
 */
import { inspect } from 'node:util';
import { TeraboxError } from '../../../lib/terabox';
import { errnoEnvelope } from '../../factories/terabox-responses';
import { ALL_SECRETS, GIVEN_BDSTOKEN, GIVEN_JS_TOKEN, NDUS, PAGE_JS_TOKEN, collect, fixture, fromFixture, harness, json } from './harness';
import { systemError, type Responder } from './replay';

const LIST = '/share/teratransfer/sharelist';
const PSET = '/share/pset';
const leakyMessage = (code: string) =>
  `request to https://www.terabox.com${LIST}?jsToken=${GIVEN_JS_TOKEN}&bdstoken=${GIVEN_BDSTOKEN} failed, reason: ${code} (cookie ndus=${NDUS})`;

type Scenario = [string, Record<string, Responder | Responder[]>, 'list' | 'create' | 'cancel' | 'files', boolean];
const scenarios: Scenario[] = [
  ['a refused connection whose message holds the URL', { [LIST]: { error: systemError('ECONNREFUSED', leakyMessage('ECONNREFUSED')) } }, 'list', true],
  ['a reset connection (nested cause)', { [PSET]: { error: new Error(leakyMessage('x'), { cause: systemError('ECONNRESET', leakyMessage('ECONNRESET')) }) } }, 'create', true],
  ['a timeout', { [LIST]: { hang: true } }, 'list', true],
  ['HTTP 500 echoing the query', { [LIST]: { status: 500, body: `<html>bad request ?jsToken=${GIVEN_JS_TOKEN}</html>` } }, 'list', true],
  ['an HTML page echoing the tokens', { [LIST]: { status: 200, body: `<html>ndus=${NDUS} ${GIVEN_BDSTOKEN}</html>` } }, 'list', true],
  ['garbled JSON echoing the token', { [LIST]: { status: 200, body: `{"jsToken":"${GIVEN_JS_TOKEN}", "errno":` } }, 'list', true],
  ['an errno', { [LIST]: json(errnoEnvelope(31337, `bad token ${GIVEN_JS_TOKEN}`)) }, 'list', true],
  ['an expired cookie', { [LIST]: fromFixture('errno-not-logged-in.json') }, 'list', true],
  ['/main redirecting to login', { [LIST]: json(errnoEnvelope(4000023)), '/main': { status: 302, headers: { Location: '/login' } } }, 'list', true],
  ['/main without templateData, echoing the cookie', { [LIST]: json(errnoEnvelope(4000023)), '/main': { status: 200, body: `<html>hello ndus=${NDUS}</html>` } }, 'list', true],
  ['an unusable item', { [LIST]: json({ errno: 0, data: { share_list: [{ shorturl: GIVEN_JS_TOKEN }] } }) }, 'list', true],
  ['a thrown non-Error value', { [LIST]: { error: { jsToken: GIVEN_JS_TOKEN } as unknown as Error } }, 'list', true],
  ['a cancel failing for good', { '/share/cancel': { error: systemError('ECONNRESET', leakyMessage('ECONNRESET')) } }, 'cancel', true],
  ['a rotated token, then success (log only)', { [LIST]: [json(errnoEnvelope(4000023)), fromFixture('sharelist-seed.json'), json({ errno: 0, data: { share_list: [] } })] }, 'list', false],
  ['a file listing error', { '/api/list': { error: systemError('EPIPE', leakyMessage('EPIPE')) } }, 'files', true],
];

function everything(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && depth < 6; depth++) {
    if (e instanceof Error) {
      parts.push(e.message, e.stack ?? '', JSON.stringify(e), JSON.stringify(Object.entries(e)));
      e = e.cause;
    } else {
      parts.push(inspect(e));
      e = undefined;
    }
  }
  parts.push(inspect(error, { depth: 10 }));
  return parts.join('\n');
}

describe('no credential in any error or log line', () => {
  it.each(scenarios)('%s', async (_name, routes, operation, fails) => {
    const h = harness(routes, { tokens: true, requestTimeoutMs: 20, retry: { maxAttempts: 2 } });
    let thrown: unknown;
    let outcome: unknown;
    try {
      if (operation === 'list') outcome = await collect(h.client.paginateShares());
      else if (operation === 'create') outcome = await h.client.createShare({ fsIds: ['1'], period: 7 });
      else if (operation === 'files') outcome = await h.client.listFiles('/');
      else outcome = await h.client.cancelShares(['1']);
    } catch (error) {
      thrown = error;
    }
    if (operation === 'cancel') {
      expect(JSON.stringify(outcome)).toMatch(/failed/);
    } else if (fails) {
      expect(thrown).toBeInstanceOf(TeraboxError);
    } else {
      expect(thrown).toBeUndefined();
    }
    const observable = [everything(thrown), JSON.stringify(outcome ?? null), JSON.stringify(h.events)].join('\n');
    expect(h.events.length).toBeGreaterThan(0);
    for (const secret of [...ALL_SECRETS, PAGE_JS_TOKEN]) {
      expect(observable).not.toContain(secret);
      expect(observable).not.toContain(encodeURIComponent(secret));
    }
  });

  it('keeps body snippets of diagnostic errors redacted', async () => {
    const h = harness({ [LIST]: { status: 200, body: fixture('main-page.html') } }, { tokens: true, retry: { maxAttempts: 1 } });
    const error = (await collect(h.client.paginateShares()).catch((e: unknown) => e)) as { bodySnippet?: string };
    expect(error.bodySnippet).toBeDefined();
    expect(error.bodySnippet).not.toContain('FIXTUREJSTOKEN');
  });
});
