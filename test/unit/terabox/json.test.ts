import { jsonNumberArray, parseJsonLossless, toDecimalId } from '../../../lib/terabox/json';
import { fixture } from './replay';

describe('parseJsonLossless', () => {
  it('keeps integers beyond 2^53 exact as decimal strings and safe numbers as numbers', () => {
    const body = parseJsonLossless(fixture('big-ids.json')) as any;
    expect(body.request_id).toBe('17969551761846580213');
    expect(body.data.share_list[0].share_id).toBe('9007199254740993');
    expect(body.data.share_list[0].fsIds).toEqual(['18014398509481985']);
    expect(body.data.share_list[0].ctime).toBe(1700000000);
    expect(body.data.total).toBe(2);
  });

  it.each([
    ['a UTF-8 BOM', '\ufeff{"errno":0}', { errno: 0 }],
    ['duplicate keys (last wins, like JSON.parse)', '{"errno":1,"errno":0}', { errno: 0 }],
    ['fractions', '{"x":1.5}', { x: 1.5 }],
    ['negative errno', '{"errno":-6}', { errno: -6 }],
  ])('parses %s', (_name, text, expected) => {
    expect(parseJsonLossless(text)).toEqual(expected);
  });

  it.each([['garbled-truncated.json'], ['garbled-binary.txt']])('throws SyntaxError on %s', (name) => {
    expect(() => parseJsonLossless(fixture(name))).toThrow(SyntaxError);
  });
});

describe('toDecimalId', () => {
  it.each([
    [123456, '123456'],
    ['789012', '789012'],
    [' 42 ', '42'],
    ['18446744073709551615', '18446744073709551615'],
    [0, undefined],
    [-5, undefined],
    [1.5, undefined],
    [2 ** 53 + 2, undefined], // already rounded by someone else's JSON.parse: refuse it
    ['12a', undefined],
    ['', undefined],
    ['0012', undefined],
    [null, undefined],
    [{}, undefined],
  ])('%p -> %p', (input, expected) => {
    expect(toDecimalId(input)).toBe(expected);
  });
});

describe('jsonNumberArray', () => {
  it('writes ids as exact number literals without going through Number', () => {
    expect(jsonNumberArray(['1', '9007199254740993', '18446744073709551615'])).toBe('[1,9007199254740993,18446744073709551615]');
  });

  it('refuses anything that is not a decimal id', () => {
    expect(() => jsonNumberArray(['1', '2]'])).toThrow(RangeError);
  });
});
