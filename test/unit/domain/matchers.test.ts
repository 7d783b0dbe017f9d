import fc from 'fast-check';
import picomatch from 'picomatch';
import { RE2JS } from 're2js';
import { compileGlob, compilePatternList, compileRegex, globToRegexSource, MAX_PATTERN_LENGTH, PathPrefixSet } from '../../../lib/domain/matchers';

/** The error a call throws, as name and message (jest's toThrow(Error) also compares `cause`). */
function thrown(fn: () => unknown): { name: string; message: string } | undefined {
  try {
    fn();
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  return undefined;
}

describe('glob patterns', () => {
  it.each([
    ['**/*.env', '/Public/app/.env', true],
    ['**/*.env', '/Public/app/prod.env', true],
    ['**/*.env', '/prod.env', true],
    ['**/*.env', '/Public/app/prod.env.bak', false],
    ['**/.env', '/a/b/.env', true],
    ['**/.env', '/a/b/x.env', false],
    ['*.pdf', '/Public/deep/down/brochure.pdf', true],
    ['*.pdf', '/Public/brochure.pdf/inner.txt', false],
    ['/Public/**', '/Public', true],
    ['/Public/**', '/Public/a/b/c.txt', true],
    ['/Public/**', '/Publicity/a.txt', false],
    ['/Public/*', '/Public/a.txt', true],
    ['/Public/*', '/Public/a/b.txt', false],
    ['/Public/**/draft-*', '/Public/draft-1.doc', true],
    ['/Public/**/draft-*', '/Public/x/y/draft-1.doc', true],
    ['/Public/**/draft-*', '/Private/draft-1.doc', false],
    ['/a/{b,c}/*.txt', '/a/c/x.txt', true],
    ['/a/{b,c}/*.txt', '/a/d/x.txt', false],
    ['**/*.{bak,tmp,old}', '/x/y.tmp', true],
    ['**/*.{bak,tmp,old}', '/x/y.doc', false],
    ['/x/[abc]?.log', '/x/b1.log', true],
    ['/x/[abc]?.log', '/x/d1.log', false],
    ['/x/[!abc].log', '/x/d.log', true],
    ['/x/[!abc].log', '/x/a.log', false],
    ['/x/[!abc]', '/x//', false],
    ['photo (1).jpg', '/Pictures/photo (1).jpg', true],
    ['/a/\\*.txt', '/a/*.txt', true],
    ['/a/\\*.txt', '/a/b.txt', false],
    ['/Shared/*/public/**', '/Shared/team-a/public/x.pdf', true],
    ['/Shared/*/public/**', '/Shared/team-a/private/x.pdf', false],
    ['Thumbs.db', '/Pictures/Thumbs.db', true],
    ['Thumbs.db', '/Pictures/MyThumbs.db', false],
    ['/a**b', '/a-middle-b', true],
    ['/a**b', '/a/b', false],
    // where picomatch 4 differs, on purpose: `**` is zero or more segments everywhere
    ['/**/a', '/a', true],
    ['**/a*/**', '/a', true],
    ['*.*', '/x/a.', true],
  ])('%s against %s -> %s', (pattern, path, expected) => {
    expect(compileGlob(pattern).test(path)).toBe(expected);
  });

  it.each([
    ['', 'must not be empty'],
    ['x'.repeat(MAX_PATTERN_LENGTH + 1), `must be at most ${MAX_PATTERN_LENGTH} characters (got ${MAX_PATTERN_LENGTH + 1})`],
    ['!*.env', 'negated patterns ("!...") are not supported; use an allow list instead'],
    ['/a/@(x|y)', 'extglob "@(" is not supported; write "\\(" for a literal parenthesis'],
    ['/a/+(x)', 'extglob "+(" is not supported; write "\\(" for a literal parenthesis'],
    ['/a/*(x)', 'extglob "*(" is not supported; write "\\(" for a literal parenthesis'],
    ['/a/[abc', 'unclosed "["; write "\\[" for a literal bracket'],
    ['/a/{b,c', 'unclosed "{"; write "\\{" for a literal brace'],
    ['/a/{b}', '"{...}" needs alternatives separated by ","; write "\\{" for a literal brace'],
    ['/[[:alpha:]]', 'POSIX character classes ("[:alpha:]") are not supported'],
    ['/a/[z-a]', 'invalid range "z-a" in a character class'],
    ['/a/[a/b]', 'a character class cannot match "/"'],
    ['Public/*.pdf', 'must start with "/" or "**" (shared paths are absolute), or contain no "/" to match names at any depth'],
    ['/a\\', 'ends with a lone "\\"'],
  ])('rejects %j: %s', (pattern, message) => {
    expect(thrown(() => compileGlob(pattern))).toEqual({ name: 'PatternError', message });
  });

  it('translates to RE2 syntax without lookarounds', () => {
    expect(globToRegexSource('/Public/**/*.{pdf,doc}')).toBe('/Public/(?:.*/)?[^/]*\\.(?:pdf|doc)');
    expect(globToRegexSource('*.env')).toBe('(?:.*/)?[^/]*\\.env');
  });

  it('matches a pattern that makes backtracking engines stall, on a long path', () => {
    // picomatch's regex for this glob does not finish on V8 for a 200-character path.
    const matcher = compileGlob('**/a*a*a*a*a*a*a*a*b');
    expect(matcher.test(`/${'a'.repeat(5000)}`)).toBe(false);
    expect(matcher.test(`/${'a'.repeat(5000)}b`)).toBe(true);
  });

  // Differential check against picomatch on the syntax both understand: literal characters,
  // `*`, `?`, `**` segments, classes and braces, over paths without `.`/`..` segments.
  const segmentChar = fc.constantFrom('a', 'b', '.', '-');
  const pathSegment = fc
    .array(segmentChar, { minLength: 1, maxLength: 4 })
    .map((cs) => cs.join(''))
    .filter((s) => s !== '.' && s !== '..');
  const path = fc.array(pathSegment, { minLength: 1, maxLength: 4 }).map((segs) => `/${segs.join('/')}`);
  // `[^a]` and not `[!a]`: picomatch 4 reads `[!a]` as "! or a" (bash and this module negate).
  const globPiece = fc.constantFrom('a', 'b', '.', '-', '*', '?', '[ab]', '[^a]', '{a,b}', '{a,.b}');
  const globSegment = fc.oneof(
    { weight: 1, arbitrary: fc.constant('**') },
    {
      weight: 4,
      // A `**` inside a segment is a plain `*` here and in bash (picomatch 4 reads `**{a,b}`
      // otherwise), and `*` may match nothing after a dot (picomatch 4: `*.*` misses `a.`).
      arbitrary: fc
        .array(globPiece, { minLength: 1, maxLength: 3 })
        .map((ps) => ps.join(''))
        .filter((seg) => !seg.includes('**') && !seg.includes('.*')),
    },
  );
  // `**` only between other segments: picomatch 4 has quirks at the edges that this module does
  // not copy (`/**/a` does not match `/a` there, nor `**/a*/**` match `/a`); tables cover those.
  const inner = fc
    .array(globSegment, { minLength: 1, maxLength: 4 })
    .filter((segs) => segs[0] !== '**' && segs[segs.length - 1] !== '**');
  const glob = fc.oneof(
    inner.map((segs) => `/${segs.join('/')}`),
    inner.map((segs) => `**/${segs.join('/')}`),
    fc
      .array(globPiece, { minLength: 1, maxLength: 3 })
      .map((ps) => ps.join(''))
      .filter((seg) => !seg.includes('**') && !seg.includes('.*')),
  );

  it('agrees with picomatch (dot: true; basename for patterns without a slash) on the shared syntax', () => {
    fc.assert(
      fc.property(glob, fc.array(path, { minLength: 1, maxLength: 8 }), (pattern, paths) => {
        const ours = compileGlob(pattern);
        // basename matching only for patterns without a slash (picomatch 4 misapplies it to others)
        const theirs = picomatch(pattern, { dot: true, basename: !pattern.includes('/') });
        for (const p of paths) expect([pattern, p, ours.test(p)]).toEqual([pattern, p, theirs(p)]);
      }),
      { numRuns: 500, seed: 20260601 },
    );
  });
});

describe('glob fast paths against the automaton', () => {
  // Every shape compileGlob answers without RE2 (exact paths, folders, name patterns at any depth,
  // below a folder or anywhere) must agree with the RE2 translation of the same glob, and so must
  // the shapes that go to RE2, including on paths with empty segments, trailing slashes and no
  // leading slash.
  const literalSegment = fc.constantFrom('a', 'b', 'ab', '.env', 'x.pdf', 'Public');
  const segment = fc.oneof(literalSegment, fc.constant('*'), fc.constant('*.pdf'), fc.constant('a*'));
  const pattern = fc.oneof(
    fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.boolean()).map(([segs, below]) => `/${segs.join('/')}${below ? '/**' : ''}`),
    fc.array(literalSegment, { minLength: 1, maxLength: 3 }).map((segs) => `**/${segs.join('/')}`),
    fc.constantFrom('**/*.pdf', '**/*.{env,pdf}', '*.env', 'Public'),
    fc
      .tuple(fc.array(literalSegment, { maxLength: 2 }), fc.boolean(), fc.constantFrom('a*', '*b', 'a*b', 'ab*', '*.{env,pdf}', '{a,ab}', '*', 'x.pdf*', '*{,.pdf}', '{,a}b', 'a?', '[ab]*'))
      .map(([segs, anywhere, name]) => (anywhere ? `**/${name}` : `${segs.map((x) => `/${x}`).join('')}/**/${name}`)),
  );
  const pathPiece = fc.constantFrom('a', 'b', 'ab', '.env', 'x.pdf', 'Public', '', 'y');
  const path = fc
    .tuple(fc.array(pathPiece, { minLength: 0, maxLength: 5 }), fc.boolean())
    .map(([segs, absolute]) => `${absolute ? '/' : ''}${segs.join('/')}`);

  it('gives the same answer as the RE2 translation', () => {
    fc.assert(
      fc.property(pattern, fc.array(path, { minLength: 1, maxLength: 10 }), (glob, paths) => {
        const fast = compileGlob(glob);
        const automaton = RE2JS.compile(globToRegexSource(glob), RE2JS.DOTALL);
        for (const p of paths) expect([glob, p, fast.test(p)]).toEqual([glob, p, automaton.testExact(p)]);
      }),
      { numRuns: 1000, seed: 20261127 },
    );
  });

  it.each([
    ['/Shared/*/public/**', '/Shared/team-a/public/x.pdf', true],
    ['/Shared/*/public/**', '/Shared/team-a/public', true],
    ['/Shared/*/public/**', '/Shared/public/x.pdf', false],
    ['/Shared/*/public/**', '/Shared/a/b/public/x.pdf', false],
    ['/Public/*', '/Public/', true],
    ['/*/x', '//x', true],
    ['/*/x', 'a/x', false],
  ])('%s against %s -> %s (whole segments)', (glob, p, expected) => {
    expect(compileGlob(glob).test(p)).toBe(expected);
  });
});

describe('a pattern list as one test (compilePatternList)', () => {
  // The merged literal loops and the matchers left over must answer exactly as the matchers one
  // by one (any of them), for globs and regexes of every shape, literal or not.
  const piece = fc.constantFrom('a', 'b', '.env', 'x.pdf', 'Public', 'Thumbs.db', 'draft-1.tmp', '', 'xenv', 'pdf', 'xThumbs.db', 'Publicity');
  const path = fc.oneof(
    fc.tuple(fc.array(piece, { maxLength: 4 }), fc.boolean()).map(([segs, absolute]) => `${absolute ? '/' : ''}${segs.join('/')}`),
    // Paths some automaton glob below matches (or nearly: a literal in the wrong place).
    fc.constantFrom('/Public/draft-1.tmp', '/Public/x/draft-2.tmp', '/Public/x/my-draft-2.tmp', '/x/id_rsa.pub', 'id_rsa', '/xid_rsa', '/a/b/bx/c', '/a/bx', '/a/abx', '/日本/日本.txt', '/é/éa', '/x.pdf/y/ab', '//a', '/a/b.tmp'),
  );
  const glob = fc.constantFrom(
    '/Public/**', '/a/x.pdf', '**/*.env', '**/.env', '*.{env,pdf}', 'Thumbs.db', '**/a', '/Public/**/draft-*.tmp', '/*/a', '**/id_rsa*', '/a/**', '/**',
  );
  const regex = fc.constantFrom('\\.(env|pdf)$', '^/Public/', '(?i)thumbs', '^/a/x\\.pdf$', 'draft-[0-9]', 'a', '^(b|a)/');

  it('matches exactly when one of its matchers does', () => {
    fc.assert(
      fc.property(fc.array(glob, { maxLength: 4 }), fc.array(regex, { maxLength: 3 }), fc.array(path, { minLength: 1, maxLength: 12 }), (globs, regexes, paths) => {
        const matchers = [...globs.map(compileGlob), ...regexes.map(compileRegex)];
        const set = compilePatternList(globs, regexes) ?? (() => false);
        for (const p of paths) expect([matchers.map((m) => m.pattern), p, set(p)]).toEqual([matchers.map((m) => m.pattern), p, matchers.some((m) => m.test(p))]);
      }),
      { numRuns: 1000, seed: 20261127 },
    );
  });
});

describe('regexes anchored at both ends', () => {
  // Same answers as RE2's search of the pattern as written, including tricky shapes (a top-level |,
  // an escaped $, \Q quoting, flag groups, (?m)).
  const pattern = fc.constantFrom(
    '^/Exports/[0-9]{4}-[0-9]{2}/[a-z0-9_-]+\\.(csv|xlsx)$',
    '^a|b$', '^(a|b)$', '^[|]$', '^a\\$', '^a\\\\$', '^\\Qa$', '^a(?m)$', '^(?i:a)b$', '^(?i)a$', '^[]a]$', '^[^]]x$',
    '^a.*$', '^$', '^(a)(b)$', '^a)$', '^.b$', '^a[$]$', '^/x/[^/]+/?$', '^(?s:.)*$',
  );
  const path = fc.stringMatching(/^[ab$|\\\n/xA.\]]{0,6}$/);

  it('answers as the search of the whole pattern', () => {
    fc.assert(
      fc.property(pattern, fc.array(path, { minLength: 1, maxLength: 20 }), (p, paths) => {
        let re: RE2JS;
        try {
          re = RE2JS.compile(p);
        } catch {
          return; // not a valid regex: validation rejects it before any matching
        }
        const ours = compileRegex(p);
        for (const x of paths) expect([p, x, ours.test(x)]).toEqual([p, x, re.test(x)]);
      }),
      { numRuns: 1000, seed: 20261127 },
    );
  });
});

describe('regular expressions', () => {
  it.each([
    ['(?i)secret', '/Public/My-SECRET.txt', true],
    ['\\.(key|pem)$', '/a/server.pem', true],
    ['\\.(key|pem)$', '/a/server.pem.txt', false],
    ['^/Exports/[0-9]{4}-[0-9]{2}/', '/Exports/2026-05/a.csv', true],
  ])('%s searched in %s -> %s', (pattern, p, expected) => {
    expect(compileRegex(pattern).test(p)).toBe(expected);
  });

  it.each([
    ['(a', 'does not compile: missing closing ): `(a`'],
    ['(?=x)', 'does not compile: invalid or unsupported Perl syntax: `(?=`'],
    ['(a)\\1', 'does not compile: invalid escape sequence: `\\1`'],
    ['', 'must not be empty'],
  ])('rejects %j: %s', (pattern, message) => {
    expect(thrown(() => compileRegex(pattern))).toEqual({ name: 'PatternError', message });
  });

  it('combines a list into one automaton, each expression keeping its own flags', () => {
    const m = compilePatternList([], ['(?i)secret', 'KEY$'])!;
    expect([m('/a/SECRET'), m('/a/x.KEY'), m('/a/x.key')]).toEqual([true, true, false]);
  });
});

describe('path prefixes', () => {
  it.each([
    [['/Public/'], '/Public', true],
    [['/Public/'], '/Public/a/b.pdf', true],
    [['/Public'], '/Public/a.pdf', true],
    [['/Public'], '/Publicity/a.pdf', false],
    [['/'], '/anything', true],
    [['/A', '/B/'], '/B/x', true],
    [['/A', '/B/'], '/C/x', false],
  ])('%j holds for %s -> %s', (prefixes, p, expected) => {
    expect(new PathPrefixSet(prefixes).covers(p)).toBe(expected);
  });
});

describe('regular expressions that look like literals', () => {
  // Literals, anchors, one group of alternatives and (?i), checked against RE2 itself on
  // paths with case variants, newlines and the characters Unicode folds onto ASCII letters.
  const litChar = fc.constantFrom('a', 'B', 's', 'K', '.', '/', '-', '\\.', '\\/', '\\(', '\\$');
  const literal = fc.array(litChar, { maxLength: 3 }).map((cs) => cs.join(''));
  const regex = fc
    .tuple(
      fc.boolean(),
      fc.boolean(),
      literal,
      fc.option(fc.tuple(fc.boolean(), fc.array(literal, { minLength: 1, maxLength: 3 })), { nil: undefined }),
      literal,
      fc.boolean(),
    )
    .map(([ci, start, before, group, after, end]) => {
      const g = group ? `${group[0] ? '(?:' : '('}${group[1].join('|')})` : '';
      return `${ci ? '(?i)' : ''}${start ? '^' : ''}${before}${g}${after}${end ? '$' : ''}`;
    })
    .filter((r) => r !== '' && r !== '(?i)');
  const pathChar = fc.constantFrom('a', 'A', 'b', 'B', 's', 'S', 'k', 'K', '\u017f', '\u212a', '.', '/', '-', '(', '$', '\n');
  const text = fc.array(pathChar, { maxLength: 8 }).map((cs) => cs.join(''));

  it('agrees with RE2', () => {
    fc.assert(
      fc.property(regex, fc.array(text, { minLength: 1, maxLength: 10 }), (pattern, paths) => {
        let re: RE2JS;
        try {
          re = RE2JS.compile(pattern);
        } catch {
          return; // not a valid regex: validation rejects it before any matching
        }
        const ours = compileRegex(pattern);
        for (const p of paths) expect([pattern, p, ours.test(p)]).toEqual([pattern, p, re.test(p)]);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
