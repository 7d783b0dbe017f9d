/**
 * parseJsonLossless against the parser it replaced (lossless-json for any body with a run of 16
 * digits, JSON.parse otherwise) on generated JSON texts full of the cases that matter: long
 * digit runs as values, as keys and inside strings next to `[`, `,`, `:`, `]`, escapes and
 * whitespace; and the same texts garbled by random edits. Both must give deep-equal values, or
 * both must throw. Fixed seeds: every run checks the same cases.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { isInteger, isSafeNumber, parse } from 'lossless-json';
import { parseJsonLossless } from '../../../lib/terabox/json';

/** The parser before the fast path: the oracle. */
function referenceParse(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!/[0-9]{16}/.test(body)) return JSON.parse(body) as unknown;
  const parseNumber = (t: string): number | string => (isSafeNumber(t) ? Number(t) : isInteger(t) ? t : Number(t));
  return parse(body, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
}

type Outcome = { ok: true; value: unknown } | { ok: false; syntax: boolean };

function outcome(run: () => unknown): Outcome {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, syntax: error instanceof SyntaxError };
  }
}

function expectSameOutcome(text: string): void {
  const expected = outcome(() => referenceParse(text));
  const actual = outcome(() => parseJsonLossless(text));
  if (expected.ok && actual.ok) {
    if (!isDeepStrictEqual(actual.value, expected.value)) {
      throw new Error(`different values for ${JSON.stringify(text)}: ${JSON.stringify(actual.value)} vs ${JSON.stringify(expected.value)}`);
    }
    return;
  }
  if (expected.ok !== actual.ok) {
    throw new Error(`${JSON.stringify(text)}: reference ${expected.ok ? 'parsed' : 'threw'}, parseJsonLossless ${actual.ok ? 'parsed' : 'threw'}`);
  }
  expect(actual).toEqual({ ok: false, syntax: true });
}

const RUNS = { numRuns: 1000, seed: 20261127 };

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const space = fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n  ');

/** Number literals, biased to 15-25 digits and the 2^53 border. */
const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -1000, max: 1_000_000 }).map(String),
  fc.tuple(fc.constantFrom('', '-'), fc.integer({ min: 1, max: 9 }), digits(14, 24)).map(([sign, first, rest]) => `${sign}${first}${rest}`),
  fc.constantFrom('9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '1000000000000000', '10000000000000000000', '-0'),
  fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 20), digits(1, 20)).map(([a, b, c]) => `${a}${b}.${c}`),
  fc.tuple(fc.integer({ min: 1, max: 9 }), digits(15, 20), fc.constantFrom('e5', 'E-3', 'e+20', '.0')).map(([a, b, e]) => `${a}${b}${e}`),
);

/** String contents that look like JSON around digit runs; some characters written as \u escapes. */
const stringText: fc.Arbitrary<string> = fc
  .array(fc.oneof(digits(1, 22), fc.constantFrom('[', ']', ',', ':', '{', '}', ' ', '\\', '"', '-', '\n', 'é', '😀', 'a', '/')), { maxLength: 8 })
  .chain((parts) =>
    fc.boolean().map((escapeDigits) => {
      const json = JSON.stringify(parts.join(''));
      return escapeDigits ? json.replace(/[0-9]/, (d) => `\\u00${d.charCodeAt(0).toString(16)}`) : json;
    }),
  );

const { value: jsonText } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    stringText,
    fc.constantFrom('true', 'false', 'null'),
    tie('object'),
    tie('array'),
  ),
  object: fc
    .array(fc.tuple(space, stringText, space, space, tie('value'), space), { maxLength: 5 })
    .map((members) => `{${members.map(([s1, k, s2, s3, v, s4]) => `${s1}${k}${s2}:${s3}${v}${s4}`).join(',')}}`),
  array: fc.array(fc.tuple(space, tie('value'), space), { maxLength: 5 }).map((items) => `[${items.map(([a, v, b]) => `${a}${v}${b}`).join(',')}]`),
}));

/** A document as TeraBox would send it, with a leading BOM or whitespace now and then. */
const documentText = fc.tuple(fc.constantFrom('', '', '\ufeff', ' '), jsonText, space).map(([a, v, b]) => `${a}${v}${b}`);

const EDIT_CHARS = ['"', '\\', ',', ':', '[', ']', '{', '}', '0', '7', '-', ' ', '.', 'e'];
/** Random edits (insert, delete, replace a character): mostly invalid, sometimes valid and odd. */
const garbled = fc
  .tuple(documentText, fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom(...EDIT_CHARS)), { minLength: 1, maxLength: 3 }))
  .map(([text, edits]) => {
    let out = text;
    for (const [at, kind, ch] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (kind === 'insert') out = out.slice(0, i) + ch + out.slice(i);
      else if (kind === 'delete') out = out.slice(0, i) + out.slice(i + 1);
      else out = out.slice(0, i) + ch + out.slice(i + 1);
    }
    return out;
  });

describe('parseJsonLossless agrees with lossless-json', () => {
  it('on generated JSON documents with long digit runs everywhere', () => {
    fc.assert(fc.property(documentText, (text) => expectSameOutcome(text)), RUNS);
  });

  it('on the same documents garbled by random edits (both parse alike or both throw SyntaxError)', () => {
    fc.assert(fc.property(garbled, (text) => expectSameOutcome(text)), RUNS);
  });

  it.each([
    ['a 19-digit request id', '{"errno":0,"request_id":7969551761846580212}'],
    ['2^53 - 1 (safe, stays a number)', '{"a":9007199254740991}'],
    ['2^53 (unsafe)', '{"a":9007199254740992}'],
    ['a negative unsafe integer', '[-9007199254740993, 1]'],
    ['an unsafe integer alone', ' 18446744073709551615 '],
    ['whitespace around a value', '{"a" :\n\t 18446744073709551615\r\n}'],
    ['a digit run inside a string that looks like a value', '{"p":"[12345678901234567890]","id":12345678901234567891}'],
    ['a string of digits after a colon', '{"p":"a:12345678901234567890,b","id":18014398509481985}'],
    ['a digit-run key (a key is never quoted twice)', '{"12345678901234567890":12345678901234567891}'],
    ['a number used as a key (invalid JSON)', '{12345678901234567890:1}'],
    ['a number used as a later key (invalid JSON, must not become a quoted key)', '{"a":1, 12345678901234567890 : 2}'],
    ['long fractions and exponents', '[1.12345678901234567, 12345678901234567.5, 12345678901234567e3, 9007199254740993.0]'],
    ['a leading zero (invalid JSON)', '[00000000000000000001]'],
    ['an escaped quote before digits', '["a\\"", 12345678901234567890]'],
    ['a backslash before a digit run (invalid escape)', '["a\\12345678901234567890]'],
    ['an unterminated string', '["abc, 12345678901234567890]'],
    ['duplicate keys with big ids', '{"id":12345678901234567890,"id":12345678901234567891}'],
  ])('matches on %s', (_name, text) => {
    expectSameOutcome(text);
  });
});
