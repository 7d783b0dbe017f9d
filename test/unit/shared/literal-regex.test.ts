import fc from 'fast-check';
import { RE2JS } from 're2js';
import { literalAlternation, literalRegex } from '../../../lib/shared/literal-regex';

describe('literalRegex', () => {
  it.each(['(?i)(password|secret|credential)', '\\.(key|p12|pfx)$', '^/Public/(?:a|b)/x\\.txt$', 'plain', '(?i)Ünïcode|日本'])('runs %s on V8', (p) => {
    expect(literalRegex(p)).toBeInstanceOf(RegExp);
  });

  it.each(['a+', 'a*', 'a?', 'a{2}', '[ab]', 'a.b', '(?s)a', '(?i:a)', '(?=a)', '\\d', '\\Qa.b\\E', '(a', 'a)', '\\pL', 'x(?i)y'])(
    'leaves %s to RE2',
    (p) => {
      expect(literalRegex(p)).toBeUndefined();
    },
  );

  // The fast path must decide as RE2 does, on every literal pattern and path.
  const atom = fc.constantFrom('a', 'B', 'é', 'É', 'ß', 'ſ', 's', 'K', 'k', '/', '-', ' ', '1', '\\.', '\\$', '\\(', '日', '😀');
  const seq = fc.array(atom, { minLength: 0, maxLength: 4 }).map((xs) => xs.join(''));
  const alt = fc.array(seq, { minLength: 1, maxLength: 3 }).map((xs) => xs.join('|'));
  const pattern = fc
    .tuple(fc.boolean(), fc.boolean(), alt, fc.constantFrom('', '(', '(?:'), fc.boolean(), seq)
    .map(([caseless, start, body, group, end, tail]) => `${caseless ? '(?i)' : ''}${start ? '^' : ''}${group ? `${group}${body})` : body}${tail}${end ? '$' : ''}`);
  const path = fc.array(fc.constantFrom('a', 'A', 'b', 'B', 'é', 'É', 'ß', 'S', 's', 'ſ', 'k', 'K', 'K', '/', '-', ' ', '1', '.', '$', '(', '日', '😀', '\n'), { maxLength: 12 }).map((xs) => xs.join(''));

  it('decides as RE2 does', () => {
    fc.assert(
      fc.property(pattern, path, (p, s) => {
        const fast = literalRegex(p);
        expect(fast).toBeDefined();
        expect(fast!.test(s)).toBe(RE2JS.compile(p).test(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('joins patterns of the same flags into one test that any of them passes', () => {
    const re = literalAlternation(['(?i)secret', '(?i)^/x$'], true)!;
    expect(['/a/SECRET.txt', '/x', '/y'].map((s) => re.test(s))).toEqual([true, true, false]);
    expect(literalAlternation([], false)).toBeUndefined();
  });
});
