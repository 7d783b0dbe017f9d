import { REDACTED, Redactor, redactPatterns } from '../../../lib/terabox/redact';
import { fixture } from './replay';

const NDUS = 'Y2tLmNoPqRsTuVwXyZ-ndus_secret-0123456789';
const JS_TOKEN = 'A1B2C3D4E5F6JSTOKENVALUE7890';
const BDSTOKEN = 'fedcba9876543210fedcba9876543210';
const SECRETS = [NDUS, JS_TOKEN, BDSTOKEN];

const redactor = new Redactor(SECRETS);

function expectClean(text: string): void {
  for (const secret of SECRETS) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
  }
}

describe('Redactor.redact', () => {
  it.each([
    ['a URL query', `https://www.terabox.com/share/cancel?app_id=250528&jsToken=${JS_TOKEN}&bdstoken=${BDSTOKEN}&page=2`],
    ['a cookie header', `lang=en; ndus=${NDUS}`],
    ['a node-fetch message', `request to https://www.terabox.com/share/pset?jsToken=${JS_TOKEN} failed, reason: connect ECONNREFUSED`],
    ['a bare value', `token was ${JS_TOKEN}.`],
    ['a URL-encoded value', `x=${encodeURIComponent(NDUS + '/+=')}`],
    ['JSON', JSON.stringify({ jsToken: JS_TOKEN, bdstoken: BDSTOKEN, ndus: NDUS })],
    ['a stack line', `Error: boom\n    at fetch (https://h/x?ndus=${NDUS})`],
  ])('masks credentials in %s', (_name, text) => {
    const out = redactor.redact(text);
    expectClean(out);
    expect(out).toContain(REDACTED);
  });

  it('keeps the rest of a URL readable', () => {
    expect(redactor.redact(`https://h/share/teratransfer/sharelist?page=2&jsToken=${JS_TOKEN}&page_size=100`)).toBe(
      `https://h/share/teratransfer/sharelist?page=2&jsToken=${REDACTED}&page_size=100`,
    );
  });

  it('is idempotent', () => {
    const once = redactor.redact(`ndus=${NDUS}; jsToken=${JS_TOKEN}`);
    expect(redactor.redact(once)).toBe(once);
  });
});

describe('redactPatterns (tokens not known yet)', () => {
  it.each([
    ['jsToken=abcdef123456&x=1', `jsToken=${REDACTED}&x=1`],
    ['Cookie: lang=en; ndus=whatever123', `Cookie: lang=en; ndus=${REDACTED}`],
    ['{"bdstoken":"0123456789abcdef0123456789abcdef"}', `{"bdstoken":"${REDACTED}"}`],
    ['fn("SOMETOKEN")', `fn("${REDACTED}")`],
    ['fn%28%22SOMETOKEN%22%29', `fn%28%22${REDACTED}%22%29`],
    ['errno 4000023 (jsToken invalid)', 'errno 4000023 (jsToken invalid)'],
    ['see https://x.example/path', 'see https://x.example/path'],
  ])('%s -> %s', (input, expected) => {
    expect(redactPatterns(input)).toBe(expected);
  });

  it('masks the tokens of a whole /main page', () => {
    const out = redactPatterns(fixture('main-page.html'));
    expect(out).not.toContain('FIXTUREJSTOKEN0123456789ABCDEF');
    expect(out).not.toContain('0123456789abcdef0123456789abcdef');
  });
});

describe('Redactor.redactHeaders', () => {
  it('masks cookie values but keeps their names and lang', () => {
    expect(redactor.redactHeaders({ Cookie: `lang=en; ndus=${NDUS}`, Referer: 'https://www.terabox.com/' })).toEqual({
      Cookie: `lang=en; ndus=${REDACTED}`,
      Referer: 'https://www.terabox.com/',
    });
  });
});

describe('Redactor.redactError and scrub', () => {
  function nested(): Error {
    const root = Object.assign(new Error(`connect ECONNREFUSED for ndus=${NDUS}`), { code: 'ECONNREFUSED' });
    return new Error(`request to https://h/x?jsToken=${JS_TOKEN} failed`, { cause: root });
  }

  it('copies name, code, message, stack and cause chain, all redacted', () => {
    const copy = redactor.redactError(nested());
    expectClean(`${copy.message}\n${copy.stack}\n${(copy.cause as Error).message}\n${(copy.cause as Error).stack}`);
    expect((copy.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it.each([
    ['a string', `bdstoken=${BDSTOKEN}`],
    ['an object', { jsToken: JS_TOKEN }],
  ])('turns %s thrown as a cause into a redacted Error', (_n, value) => {
    const copy = redactor.redactError(value);
    expect(copy).toBeInstanceOf(Error);
    expectClean(copy.message);
  });

  it('scrubs an error in place, string fields included', () => {
    const error = Object.assign(nested(), { url: `https://h/?bdstoken=${BDSTOKEN}` });
    redactor.scrub(error);
    expectClean(`${error.message}${error.stack}${error.url}${(error.cause as Error).message}${(error.cause as Error).stack}`);
  });
});
