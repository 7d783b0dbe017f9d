/**
 * Path matchers for the policy language: glob patterns, regular expressions and path prefixes,
 * all of them guaranteed linear-time.
 *
 * Why globs are not run through picomatch: picomatch's regular expressions rely on lookaheads
 * (`(?!\.)`, `(?=.)`) that RE2 cannot compile, and run on V8's backtracking engine they can stall:
 * measured here, picomatch 4.0.7's regex for the 20-character glob `**\/a*a*a*a*a*a*a*a*b` did not
 * finish within 60 s on a 200-character path (see also picomatch issue #175 on extglob ReDoS).
 * A policy is data an admin types into DynamoDB, and one pattern must never stall a sweep. So the
 * glob is translated here, by a small parser for a deliberately small syntax, into an RE2 pattern
 * run by re2js (linear in the path length), with plain string fast paths for the common shapes
 * (`/Public/**`, `**\/*.env`, exact paths) and literal prefilters before the automaton. The
 * translation is checked against picomatch (`{ dot: true }`, `basename` for slash-less patterns)
 * by a property test. Deliberate differences from picomatch 4, all towards plain glob/bash
 * semantics: `**` is zero or more segments at the edges too (`/**\/a` matches `/a`); `[!a]` is a
 * negated class; `[ab]` never matches the literal text `[ab]`; `*` may match nothing after a dot
 * (`*.*` matches `a.`); `**` inside a segment is a plain `*`.
 *
 * Glob syntax (anything else is rejected when the policy is loaded, never guessed at):
 * - `*` any characters except `/` (a leading dot included: `*` matches `.env`);
 * - `?` one character except `/`;
 * - `**` as a whole path segment: any number of segments (`/Public/**` matches `/Public` and
 *   everything below it; `**\/x` matches `x` in any folder); elsewhere `**` is a plain `*`;
 * - `[abc]`, `[a-z]`, `[!abc]` / `[^abc]` one character from (or not from) a set, never `/`;
 * - `{a,b,c}` alternatives (nestable); `\c` the literal character `c`;
 * - a pattern without any `/` matches the file or folder name at any depth (`*.env`);
 *   any other pattern must start with `/` or `**` (shared paths are absolute).
 * Rejected: extglobs (`@(`, `!(`, `+(`, `*(`, `?(`), a leading `!` (use `allow` instead), POSIX
 * classes (`[[:alpha:]]`), unclosed `[` or `{`, braces without a `,`. Parentheses and `|` are
 * literal characters. Matching is case-sensitive.
 *
 * Regular expressions (`denyRegex`, `allowRegex`) use RE2 syntax (no lookarounds, no
 * backreferences), are searched anywhere in the path (anchor with `^...$`), and may set flags
 * inline (`(?i)`).
 */
import { RE2JS } from 're2js';
import { PatternError } from './policy-errors';

/** Longest glob or regex accepted, in characters. */
export const MAX_PATTERN_LENGTH = 256;
/** Most patterns accepted in one list (`deny`, `allow`, `denyRegex`, `allowRegex`). */
export const MAX_PATTERNS_PER_LIST = 100;
/** Deepest nesting of `{...}` accepted in a glob. */
export const MAX_BRACE_DEPTH = 8;

/** A compiled, linear-time test of one path. */
export interface PathMatcher {
  /** The pattern as written in the policy. */
  readonly pattern: string;
  readonly kind: 'glob' | 'regex';
  test(path: string): boolean;
}

// ----------------------------------------------------------------------------- glob parsing

type GlobToken =
  | { k: 'lit'; v: string }
  | { k: 'slash' }
  | { k: 'star' }
  | { k: 'qmark' }
  | { k: 'globstar' }
  | { k: 'class'; re: string }
  | { k: 'brace'; alts: GlobToken[][] };

const EXTGLOB_PREFIXES = new Set(['@', '!', '+', '*', '?']);

class GlobParser {
  private i = 0;
  constructor(private readonly p: string) {}

  fail(message: string): never {
    throw new PatternError(this.p, message);
  }

  /** Parses a sequence up to the end, or (inside braces) up to an unescaped `,` or `}`. */
  parseSeq(depth: number): GlobToken[] {
    const p = this.p;
    const out: GlobToken[] = [];
    const lit = (c: string): void => {
      const last = out[out.length - 1];
      if (last?.k === 'lit') last.v += c;
      else out.push({ k: 'lit', v: c });
    };
    while (this.i < p.length) {
      const c = p[this.i]!;
      if (depth > 0 && (c === ',' || c === '}')) return out;
      if (EXTGLOB_PREFIXES.has(c) && p[this.i + 1] === '(') {
        this.fail(`extglob "${c}(" is not supported; write "\\(" for a literal parenthesis`);
      }
      switch (c) {
        case '\\': {
          if (this.i + 1 >= p.length) this.fail('ends with a lone "\\"');
          lit(p[this.i + 1]!);
          this.i += 2;
          break;
        }
        case '*': {
          const start = this.i;
          while (p[this.i] === '*') this.i += 1;
          const run = this.i - start;
          if (p[this.i] === '(') this.fail('extglob "*(" is not supported; write "\\(" for a literal parenthesis');
          const wholeSegment =
            depth === 0 && (start === 0 || p[start - 1] === '/') && (this.i === p.length || p[this.i] === '/');
          const last = out[out.length - 1];
          if (run >= 2 && wholeSegment) out.push({ k: 'globstar' });
          else if (last?.k !== 'star') out.push({ k: 'star' }); // `a**b` and `**` mid-segment are one `*`
          break;
        }
        case '?':
          out.push({ k: 'qmark' });
          this.i += 1;
          break;
        case '!':
          if (this.i === 0) this.fail('negated patterns ("!...") are not supported; use an allow list instead');
          lit(c);
          this.i += 1;
          break;
        case '/':
          out.push({ k: 'slash' });
          this.i += 1;
          break;
        case '[':
          out.push(this.parseClass());
          break;
        case '{':
          out.push(this.parseBrace(depth + 1));
          break;
        default:
          lit(c);
          this.i += 1;
      }
    }
    if (depth > 0) this.fail('unclosed "{"; write "\\{" for a literal brace');
    return out;
  }

  private parseBrace(depth: number): GlobToken {
    if (depth > MAX_BRACE_DEPTH) this.fail(`braces nested deeper than ${MAX_BRACE_DEPTH}`);
    this.i += 1; // '{'
    const alts: GlobToken[][] = [];
    for (;;) {
      alts.push(this.parseSeq(depth));
      const c = this.p[this.i];
      this.i += 1;
      if (c === '}') break;
      // parseSeq only returns early on ',' or '}' (it fails at the end of the pattern)
    }
    if (alts.length < 2) this.fail('"{...}" needs alternatives separated by ","; write "\\{" for a literal brace');
    return { k: 'brace', alts };
  }

  private parseClass(): GlobToken {
    const p = this.p;
    let j = this.i + 1;
    let negated = false;
    if (p[j] === '!' || p[j] === '^') {
      negated = true;
      j += 1;
    }
    let body = '';
    let first = true;
    for (;;) {
      if (j >= p.length) this.fail('unclosed "["; write "\\[" for a literal bracket');
      let c = p[j]!;
      if (c === ']' && !first) break;
      if (c === '[' && p[j + 1] === ':') this.fail('POSIX character classes ("[:alpha:]") are not supported');
      if (c === '\\') {
        if (j + 1 >= p.length) this.fail('ends with a lone "\\"');
        j += 1;
        c = p[j]!;
      }
      if (c === '/') this.fail('a character class cannot match "/"');
      first = false;
      j += 1;
      // a range `a-z` (a `-` right before the closing `]` is literal)
      if (p[j] === '-' && j + 1 < p.length && p[j + 1] !== ']') {
        let hi = p[j + 1]!;
        j += 2;
        if (hi === '\\') {
          if (j >= p.length) this.fail('ends with a lone "\\"');
          hi = p[j]!;
          j += 1;
        }
        if (hi === '/') this.fail('a character class cannot match "/"');
        if (hi < c) this.fail(`invalid range "${c}-${hi}" in a character class`);
        body += `${escapeClassChar(c)}-${escapeClassChar(hi)}`;
      } else {
        body += escapeClassChar(c);
      }
    }
    this.i = j + 1;
    // A glob class never matches '/', so a negated class excludes it explicitly.
    return { k: 'class', re: negated ? `[^/${body}]` : `[${body}]` };
  }
}

function escapeClassChar(c: string): string {
  return /[\\\][^-]/.test(c) ? `\\${c}` : c;
}

function escapeRegexLiteral(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

function containsSlash(tokens: readonly GlobToken[]): boolean {
  return tokens.some((t) => t.k === 'slash' || (t.k === 'brace' && t.alts.some(containsSlash)));
}

function parseGlob(pattern: string): GlobToken[] {
  checkPatternLength(pattern);
  const parser = new GlobParser(pattern);
  const tokens = parser.parseSeq(0);
  if (!containsSlash(tokens)) {
    // No '/' at all: match the name at any depth, as if written `**/<pattern>`.
    return [{ k: 'globstar' }, { k: 'slash' }, ...tokens];
  }
  const first = tokens[0];
  if (first?.k !== 'slash' && first?.k !== 'globstar') {
    parser.fail('must start with "/" or "**" (shared paths are absolute), or contain no "/" to match names at any depth');
  }
  return tokens;
}

function emit(tokens: readonly GlobToken[]): string {
  let out = '';
  for (let i = 0; i < tokens.length; i += 1) {
    const t = tokens[i]!;
    switch (t.k) {
      case 'lit':
        out += escapeRegexLiteral(t.v);
        break;
      case 'slash':
        if (tokens[i + 1]?.k === 'globstar') {
          if (i + 2 === tokens.length) {
            out += '(?:/.*)?'; // trailing `/**`: the folder itself and everything below it
            i += 1;
            break;
          }
          if (tokens[i + 2]?.k === 'slash') {
            out += '/(?:.*/)?'; // `/**/`: zero or more whole segments
            i += 2;
            break;
          }
        }
        out += '/';
        break;
      case 'globstar':
        // Only reachable at the start of the pattern (a `/` before it is handled above).
        if (tokens[i + 1]?.k === 'slash') {
          out += '(?:.*/)?';
          i += 1;
        } else {
          out += '.*';
        }
        break;
      case 'star':
        out += '[^/]*';
        break;
      case 'qmark':
        out += '[^/]';
        break;
      case 'class':
        out += t.re;
        break;
      case 'brace':
        out += `(?:${t.alts.map(emit).join('|')})`;
        break;
    }
  }
  return out;
}

/** The literal text the tokens spell, or undefined when they contain any wildcard. */
function literalOf(tokens: readonly GlobToken[]): string | undefined {
  let s = '';
  for (const t of tokens) {
    if (t.k === 'lit') s += t.v;
    else if (t.k === 'slash') s += '/';
    else return undefined;
  }
  return s;
}

/**
 * A `/` that a match may lack: the one after a leading or middle `**` (`**\/x` also matches `x`,
 * and `/a/**\/b` matches `/a/b` with a single slash) and the one before a trailing `**`
 * (`/a/**` matches `/a`). Prefilters must skip these to stay necessary conditions.
 */
function isOptionalSlash(tokens: readonly GlobToken[], k: number): boolean {
  return tokens[k - 1]?.k === 'globstar' || (tokens[k + 1]?.k === 'globstar' && k + 2 === tokens.length);
}

/** The literal text at the start (or end) of every match. */
function literalEdge(tokens: readonly GlobToken[], fromEnd: boolean): string {
  let s = '';
  const n = tokens.length;
  for (let step = 0; step < n; step += 1) {
    const k = fromEnd ? n - 1 - step : step;
    const t = tokens[k]!;
    let piece: string | undefined;
    if (t.k === 'lit') piece = t.v;
    else if (t.k === 'slash' && !isOptionalSlash(tokens, k)) piece = '/';
    if (piece === undefined) break;
    s = fromEnd ? piece + s : s + piece;
  }
  return s;
}

/** Most alternatives a prefilter expands braces into. */
const MAX_EDGE_ALTERNATIVES = 32;

/**
 * The literal endings every match has one of, expanding braces whose alternatives are all
 * literal (`*.{bak,tmp}` -> `.bak`, `.tmp`). `consumed` says how many tokens (from the end) the
 * endings account for.
 */
function literalSuffixes(tokens: readonly GlobToken[]): { endings: string[]; consumed: number } {
  let endings = [''];
  let consumed = 0;
  for (let k = tokens.length - 1; k >= 0; k -= 1) {
    const t = tokens[k]!;
    let pieces: string[] | undefined;
    if (t.k === 'lit') pieces = [t.v];
    else if (t.k === 'slash' && !isOptionalSlash(tokens, k)) pieces = ['/'];
    else if (t.k === 'brace') {
      const alts = t.alts.map(literalOf);
      if (alts.every((a): a is string => a !== undefined)) pieces = alts;
    }
    if (!pieces || pieces.length * endings.length > MAX_EDGE_ALTERNATIVES) break;
    const next: string[] = [];
    for (const piece of pieces) for (const e of endings) next.push(piece + e);
    endings = [...new Set(next)];
    consumed += 1;
  }
  return { endings: endings.filter((e) => e !== ''), consumed };
}

/** Literal runs every match contains (outside braces), longest first. */
function requiredRuns(tokens: readonly GlobToken[]): string[] {
  const runs: string[] = [];
  let run = '';
  tokens.forEach((t, k) => {
    if (t.k === 'lit') run += t.v;
    else if (t.k === 'slash' && !isOptionalSlash(tokens, k)) run += '/';
    else {
      if (run !== '') runs.push(run);
      run = '';
    }
  });
  if (run !== '') runs.push(run);
  return runs.sort((a, b) => b.length - a.length);
}

/**
 * The RE2 pattern (full-match, DOTALL) a glob translates to. Throws {@link PatternError} when the
 * glob uses syntax outside the documented subset.
 */
export function globToRegexSource(pattern: string): string {
  return emit(parseGlob(pattern));
}

/** Compiles a glob into a linear-time matcher (fast string paths for common shapes, else RE2). */
export function compileGlob(pattern: string): PathMatcher {
  const tokens = parseGlob(pattern);
  const whole = literalOf(tokens);
  if (whole !== undefined) {
    return { pattern, kind: 'glob', test: (path) => path === whole };
  }
  const n = tokens.length;
  // `<literal>/**`: the folder and everything below it
  if (n >= 2 && tokens[n - 1]!.k === 'globstar' && tokens[n - 2]!.k === 'slash') {
    const base = literalOf(tokens.slice(0, n - 2));
    if (base !== undefined) {
      const below = `${base}/`;
      return { pattern, kind: 'glob', test: (path) => path === base || path.startsWith(below) };
    }
  }
  const { endings, consumed } = literalSuffixes(tokens);
  const nameOnly = endings.length > 0 && endings.every((e) => !e.includes('/'));
  if (nameOnly && n >= 3 && tokens[0]!.k === 'globstar' && tokens[1]!.k === 'slash') {
    // `**/*<endings>`: the last segment ends with one of the endings
    if (consumed === n - 3 && tokens[2]!.k === 'star') {
      return { pattern, kind: 'glob', test: (path) => endsWithAny(path, endings) };
    }
    // `**/<names>`: the last segment is one of the names
    if (consumed === n - 2) {
      const slashed = endings.map((e) => `/${e}`);
      return { pattern, kind: 'glob', test: (path) => endings.includes(path) || endsWithAny(path, slashed) };
    }
  }
  const re = compileRe2(pattern, emit(tokens), RE2JS.DOTALL);
  // Cheap necessary conditions first: most paths fail them and never reach the automaton
  // (re2js costs about a microsecond per path; a million paths per policy add up).
  const prefix = literalEdge(tokens, false);
  const suffix = literalEdge(tokens, true);
  const inner = requiredRuns(tokens).filter((r) => r !== prefix && r !== suffix && r.length > 1).slice(0, 3);
  return {
    pattern,
    kind: 'glob',
    test: (path) => {
      if (prefix !== '' && !path.startsWith(prefix)) return false;
      if (endings.length > 0 && !endsWithAny(path, endings)) return false;
      for (let k = 0; k < inner.length; k += 1) if (!path.includes(inner[k]!)) return false;
      return re.testExact(path);
    },
  };
}

function endsWithAny(path: string, endings: readonly string[]): boolean {
  for (let k = 0; k < endings.length; k += 1) if (path.endsWith(endings[k]!)) return true;
  return false;
}

/** Compiles an RE2 regular expression searched anywhere in the path. */
export function compileRegex(pattern: string): PathMatcher {
  checkPatternLength(pattern);
  const re = compileRe2(pattern, pattern, 0); // always: it is the validation, and the fallback
  const plan = planLiteralRegex(pattern);
  if (plan) {
    const literal = literalTest(plan);
    return {
      pattern,
      kind: 'regex',
      test: plan.caseInsensitive ? (path) => (hasNonAscii(path) ? re.test(path) : literal(path)) : literal,
    };
  }
  return { pattern, kind: 'regex', test: (path) => re.test(path) };
}

// ----------------------------------------------------------------------------- literal regexes

/**
 * Many policy regexes are literals in disguise: `\.(key|pem)$`, `(?i)(password|secret)`,
 * `^/Exports/`. Those run as plain string tests (re2js costs about a microsecond per path, a
 * string test a few dozen nanoseconds). Only this narrow shape qualifies, everything else runs on
 * RE2:  `(?i)`? `^`? literal? group? literal? `$`?  where the one optional group `(a|b)` or
 * `(?:a|b)` holds literal alternatives, and a literal is plain characters or escaped punctuation.
 * Under `(?i)` a path with any non-ASCII character still goes to RE2 (its Unicode case folding
 * matches `ſ` to `s` and the Kelvin sign to `k`; ASCII folding is exact). A property test checks
 * the plan against RE2.
 */
export interface LiteralRegexPlan {
  caseInsensitive: boolean;
  anchorStart: boolean;
  anchorEnd: boolean;
  /** The strings one of which must occur (lower-cased when case-insensitive). */
  needles: string[];
}

const PLAIN_CHAR = /[A-Za-z0-9 _\-/~,:;=@#%&'"!<>]/;

/** A single character class: linear on V8's engine too, and native, so faster than a JS loop. */
const NON_ASCII = /[\u0080-\uffff]/;

function hasNonAscii(s: string): boolean {
  return NON_ASCII.test(s);
}
const ESCAPABLE = '.\\-/()[]{}*+?|^$';

/** The literal plan of a regex of the narrow shape described above, or undefined. */
export function planLiteralRegex(pattern: string): LiteralRegexPlan | undefined {
  let i = 0;
  let caseInsensitive = false;
  if (pattern.startsWith('(?i)')) {
    caseInsensitive = true;
    i = 4;
  }
  let anchorStart = false;
  if (pattern[i] === '^') {
    anchorStart = true;
    i += 1;
  }
  let end = pattern.length;
  let anchorEnd = false;
  if (end > i && pattern[end - 1] === '$' && pattern[end - 2] !== '\\') {
    anchorEnd = true;
    end -= 1;
  }
  const readLiteral = (stop: string): string | undefined => {
    let out = '';
    while (i < end && !stop.includes(pattern[i]!)) {
      const c = pattern[i]!;
      if (c === '\\') {
        const next = pattern[i + 1];
        if (next === undefined || !ESCAPABLE.includes(next)) return undefined;
        out += next;
        i += 2;
      } else if (PLAIN_CHAR.test(c)) {
        out += c;
        i += 1;
      } else {
        return undefined;
      }
    }
    return out;
  };
  const before = readLiteral('(');
  if (before === undefined) return undefined;
  let alternatives = [''];
  if (i < end) {
    // one group of literal alternatives
    i += pattern.startsWith('(?:', i) ? 3 : 1;
    alternatives = [];
    for (;;) {
      const alt = readLiteral('|)');
      if (alt === undefined || i >= end) return undefined;
      alternatives.push(alt);
      const c = pattern[i];
      i += 1;
      if (c === ')') break;
    }
  }
  const after = readLiteral('(');
  if (after === undefined || i !== end) return undefined;
  const needles = alternatives.map((a) => before + a + after);
  if (needles.some((n) => n === '')) return undefined; // an empty needle matches everything: leave it to RE2
  return {
    caseInsensitive,
    anchorStart,
    anchorEnd,
    needles: caseInsensitive ? needles.map((n) => n.toLowerCase()) : needles,
  };
}

function literalTest(plan: LiteralRegexPlan): (path: string) => boolean {
  const { needles, anchorStart, anchorEnd, caseInsensitive } = plan;
  const count = needles.length;
  const one = (p: string, needle: string): boolean =>
    anchorStart && anchorEnd ? p === needle : anchorStart ? p.startsWith(needle) : anchorEnd ? p.endsWith(needle) : p.includes(needle);
  return (path) => {
    const p = caseInsensitive ? path.toLowerCase() : path;
    for (let k = 0; k < count; k += 1) if (one(p, needles[k]!)) return true;
    return false;
  };
}

function checkPatternLength(pattern: string): void {
  if (pattern.length === 0) throw new PatternError(pattern, 'must not be empty');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(pattern, `must be at most ${MAX_PATTERN_LENGTH} characters (got ${pattern.length})`);
  }
}

function compileRe2(pattern: string, source: string, flags: number): RE2JS {
  try {
    return RE2JS.compile(source, flags);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    throw new PatternError(pattern, `does not compile: ${detail}`, { cause: error });
  }
}

/**
 * One matcher for a list of regular expressions (any may match): a single pass of the automaton
 * instead of one per expression. Each expression keeps its own flags (`(?:(?i)a)|(?:b)` scopes
 * `(?i)` to its group in RE2).
 */
export function compileRegexAlternation(patterns: readonly string[]): PathMatcher {
  if (patterns.length === 1) return compileRegex(patterns[0]!);
  const each = patterns.map(compileRegex); // the same errors as one by one
  const pattern = patterns.join(', ');
  const literal = each.filter((_, k) => planLiteralRegex(patterns[k]!) !== undefined);
  const rest = patterns.filter((p) => planLiteralRegex(p) === undefined);
  if (rest.length <= 1) {
    // Literal plans are cheap: test them one by one, then the (single) automaton.
    const all = [...literal, ...each.filter((_, k) => planLiteralRegex(patterns[k]!) === undefined)];
    return { pattern, kind: 'regex', test: (path) => firstMatch(all, path) !== undefined };
  }
  const re = compileRe2(pattern, rest.map((p) => `(?:${p})`).join('|'), 0);
  return {
    pattern,
    kind: 'regex',
    test: (path) => firstMatch(literal, path) !== undefined || re.test(path),
  };
}

/** The first matcher that matches the path, or undefined. */
export function firstMatch(matchers: readonly PathMatcher[], path: string): PathMatcher | undefined {
  for (const m of matchers) if (m.test(path)) return m;
  return undefined;
}

// ----------------------------------------------------------------------------- path prefixes

/**
 * Compiles path prefixes into one test. Prefixes are folder-aware: `/Public` and `/Public/` both
 * match `/Public` itself and everything below it, never `/Publicity`. `/` matches every path.
 */
export function compilePathPrefixes(prefixes: readonly string[]): (path: string) => boolean {
  const folders = prefixes.map((p) => p.replace(/\/+$/, ''));
  const belows = folders.map((f) => `${f}/`);
  const n = folders.length;
  if (n === 1) {
    const folder = folders[0]!;
    const below = belows[0]!;
    return (path) => path === folder || path.startsWith(below);
  }
  return (path) => {
    for (let k = 0; k < n; k += 1) {
      if (path === folders[k] || path.startsWith(belows[k]!)) return true;
    }
    return false;
  };
}
