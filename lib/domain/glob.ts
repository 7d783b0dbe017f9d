/**
 * Glob patterns for the policy language, translated into RE2 (linear-time) patterns.
 *
 * Globs are not run through picomatch: its regexes need lookaheads RE2 cannot compile, and some
 * stall V8 (bench/NOTES.md). A policy is data an admin types in; one pattern must never stall a
 * sweep. So a small parser translates a deliberately small syntax into RE2 (re2js, linear in the
 * path); common shapes run without RE2 (see quickTest). A property test checks the translation against
 * picomatch (`{ dot: true }`); the deliberate differences follow plain glob/bash semantics: `**`
 * is zero or more segments at the edges too (`/**\/a` matches `/a`); `[!a]` is a negated class;
 * `[ab]` never matches the text `[ab]`; `*` may match nothing after a dot; `**` inside a segment
 * is a plain `*`.
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
 */
import { PatternError } from './policy-errors';

/** Longest glob or regex accepted, in characters. */
export const MAX_PATTERN_LENGTH = 256;
/** Deepest nesting of `{...}` accepted in a glob. */
export const MAX_BRACE_DEPTH = 8;

export function checkPatternLength(pattern: string): void {
  if (pattern.length === 0) throw new PatternError(pattern, 'must not be empty');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(pattern, `must be at most ${MAX_PATTERN_LENGTH} characters (got ${pattern.length})`);
  }
}

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

/** Most alternatives the endings of a glob are expanded into (`*.{bak,tmp}` -> `.bak`, `.tmp`). */
const MAX_ENDINGS = 32;

/**
 * The texts, without `/`, one of which ends every match of the tokens after `start`, when those
 * tokens are all literals or braces of literals; undefined otherwise.
 */
function literalEndings(tokens: readonly GlobToken[], start: number): string[] | undefined {
  let endings = [''];
  for (let k = start; k < tokens.length; k += 1) {
    const t = tokens[k]!;
    const pieces = t.k === 'lit' ? [t.v] : t.k === 'brace' ? t.alts.map(literalOf) : [undefined];
    if (pieces.some((p) => p === undefined || p.includes('/')) || pieces.length * endings.length > MAX_ENDINGS) return undefined;
    endings = [...new Set(endings.flatMap((e) => pieces.map((p) => e + p!)))];
  }
  return endings;
}

/**
 * The RE2 pattern (full-match, DOTALL) a glob translates to. Throws {@link PatternError} when the
 * glob uses syntax outside the documented subset.
 */
export function globToRegexSource(pattern: string): string {
  return emit(parseGlob(pattern));
}

/** A compiled glob: a test without RE2 for the common shapes, else its RE2 source. */
export interface CompiledGlob {
  readonly pattern: string;
  /** Full-match RE2 source (DOTALL). */
  readonly source: string;
  /** The same answer as the RE2 source, without RE2; undefined when the glob needs RE2. */
  readonly quick: ((path: string) => boolean) | undefined;
  /** The glob as names at any depth, when it is one (its `quick` is then their test). */
  readonly names: readonly NameGlob[] | undefined;
  /** False only for a path no match can be: one without the glob's literal start or texts. */
  readonly mayMatch: (path: string) => boolean;
}

/**
 * A cheap test that rules out paths: every match starts with the literal start (up to the first
 * wildcard, or a `/` that a `**` may stand for) and contains each literal outside braces.
 */
function mayMatchTest(tokens: readonly GlobToken[]): (path: string) => boolean {
  let start = '';
  for (let k = 0; k < tokens.length; k += 1) {
    const t = tokens[k]!;
    if (t.k === 'lit') start += t.v;
    else if (t.k === 'slash' && tokens[k + 1]?.k !== 'globstar') start += '/';
    else break;
  }
  const texts = tokens.flatMap((t) => (t.k === 'lit' ? [t.v] : []));
  return (p) => {
    if (!p.startsWith(start)) return false;
    for (const text of texts) if (!p.includes(text)) return false;
    return true;
  };
}

/**
 * One alternative of a glob that is a name at any depth below a folder: the path starts with
 * `folder`, and its last segment is `start` + anything + `end` (or, when `exact`, `start` + `end`).
 */
export interface NameGlob {
  readonly folder: string;
  readonly start: string;
  readonly end: string;
  readonly exact: boolean;
}

/**
 * The last segment's pattern as `start*end` or literal names (braces of literals, at most one
 * `*`, no `/`), when it is one.
 */
function nameShape(folder: string, tokens: readonly GlobToken[]): NameGlob[] | undefined {
  const star = tokens.findIndex((t) => t.k === 'star');
  const head = tokens.slice(0, Math.max(star, 0));
  const start = head.length === 0 ? '' : head.length === 1 && head[0]!.k === 'lit' && !head[0].v.includes('/') ? head[0].v : undefined;
  const ends = literalEndings(tokens, star + 1);
  return start !== undefined && ends ? ends.map((end) => ({ folder, start, end, exact: star < 0 })) : undefined;
}

/** `**\/<name>` or `<folder>/**\/<name>`: the name is the last segment, anywhere below. */
function nameGlob(tokens: readonly GlobToken[]): NameGlob[] | undefined {
  const g = tokens.findIndex((t) => t.k === 'globstar');
  if (g < 0 || tokens[g + 1]?.k !== 'slash' || (g > 0 && tokens[g - 1]!.k !== 'slash')) return undefined;
  const folder = g === 0 ? '' : literalOf(tokens.slice(0, g));
  return folder === undefined ? undefined : nameShape(folder, tokens.slice(g + 2));
}

/** Where the last segment of the path starts (a loop: V8's lastIndexOf is a slow runtime call). */
function nameStart(p: string): number {
  let k = p.length - 1;
  while (k >= 0 && p.charCodeAt(k) !== 0x2f) k -= 1;
  return k + 1;
}

/** Whether the path ends with the ending, `cut` being where its last segment starts. */
function endingMatches(p: string, cut: number, x: NameGlob): boolean {
  const length = p.length - cut;
  const needed = x.start.length + x.end.length;
  return (x.exact ? length === needed : length >= needed) && p.startsWith(x.start, cut);
}

/**
 * One test of several name globs (any may match). Endings are looked up by the path's last
 * character, so a path meets only the endings it could end with (and those with no end text).
 */
export function nameGlobsTest(globs: readonly NameGlob[]): (path: string) => boolean {
  const byLast = new Map<number, NameGlob[]>();
  const open: NameGlob[] = [];
  for (const x of globs) {
    const last = x.end !== '' ? x.end : x.exact ? x.start : '';
    if (last === '') {
      open.push(x);
      continue;
    }
    const code = last.charCodeAt(last.length - 1);
    const endings = byLast.get(code);
    if (endings) endings.push(x);
    else byLast.set(code, [x]);
  }
  return (p) => {
    let cut = -1; // found on first need
    const candidates = byLast.get(p.charCodeAt(p.length - 1));
    if (candidates) {
      for (const x of candidates) {
        if (!p.endsWith(x.end) || !p.startsWith(x.folder)) continue;
        if (cut < 0) cut = nameStart(p);
        if (endingMatches(p, cut, x)) return true;
      }
    }
    for (const x of open) {
      // The segment must start with `start`: a path without it anywhere needs no segment.
      if (!p.startsWith(x.folder) || !p.includes(x.start)) continue;
      if (cut < 0) cut = nameStart(p);
      if (endingMatches(p, cut, x)) return true;
    }
    return false;
  };
}

/**
 * The test of a glob of a common shape without RE2: a name pattern at any depth (`**\/*.env`,
 * `*.{bak,tmp}`, `Thumbs.db`) or below a folder (`/Public/**\/draft-*.tmp`), as string tests; whole
 * segments (`/Public/**`, `/Shared/*\/public/**`, an exact path) as a V8 regex.
 */
function quickTest(tokens: readonly GlobToken[], names: readonly NameGlob[] | undefined): ((path: string) => boolean) | undefined {
  if (names) return nameGlobsTest(names);
  return wholeSegments(tokens) ? RegExp.prototype.test.bind(new RegExp(`^(?:${emit(tokens)})$`, 's')) : undefined;
}

/**
 * Whether the glob is whole segments, each literal text or `*`, maybe ending in `/**`
 * (`/Shared/*\/public/**`). Its regex then runs on V8 in linear time: each `[^/]*` can only end
 * at the next `/`, so backtracking into it fails at once.
 */
function wholeSegments(tokens: readonly GlobToken[]): boolean {
  const last = tokens.length - 1;
  return tokens.every((t, k) => {
    if (t.k === 'slash' || t.k === 'lit') return true;
    if (t.k === 'globstar') return k === last && k > 0;
    return t.k === 'star' && tokens[k - 1]?.k === 'slash' && (k === last || tokens[k + 1]!.k === 'slash');
  });
}

/** Compiles (and so validates) a glob. */
export function compileGlob(pattern: string): CompiledGlob {
  const tokens = parseGlob(pattern);
  const names = nameGlob(tokens);
  return { pattern, source: emit(tokens), quick: quickTest(tokens, names), names, mayMatch: mayMatchTest(tokens) };
}
