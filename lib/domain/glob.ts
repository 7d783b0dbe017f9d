/**
 * Glob patterns for the policy language, translated into RE2 (linear-time) patterns.
 *
 * Globs are not run through picomatch: its regexes need lookaheads RE2 cannot compile, and some
 * stall V8 (bench/NOTES.md). A policy is data an admin types in; one pattern must never stall a
 * sweep. So a small parser translates a deliberately small syntax into RE2 (re2js, linear in the
 * path); common shapes run as string tests (see stringTest). A property test checks the translation against
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
    // One character of the class at j (`\\c` is `c`), never `/`.
    const member = (): string => {
      let c = p[j]!;
      if (c === '\\') {
        if (j + 1 >= p.length) this.fail('ends with a lone "\\"');
        j += 1;
        c = p[j]!;
      }
      if (c === '/') this.fail('a character class cannot match "/"');
      j += 1;
      return c;
    };
    for (let first = true; ; first = false) {
      if (j >= p.length) this.fail('unclosed "["; write "\\[" for a literal bracket');
      if (p[j] === ']' && !first) break;
      if (p[j] === '[' && p[j + 1] === ':') this.fail('POSIX character classes ("[:alpha:]") are not supported');
      const c = member();
      // a range `a-z` (a `-` right before the closing `]` is literal)
      if (p[j] === '-' && j + 1 < p.length && p[j + 1] !== ']') {
        j += 1;
        const hi = member();
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

/**
 * The RE2 pattern (full-match, DOTALL) a glob translates to. Throws {@link PatternError} when the
 * glob uses syntax outside the documented subset.
 */
export function globToRegexSource(pattern: string): string {
  return emit(parseGlob(pattern));
}

/** The text of tokens [from, to) when they are only literals and slashes. */
function literalText(tokens: readonly GlobToken[], from: number, to: number): string | undefined {
  let s = '';
  for (let k = from; k < to; k += 1) {
    const t = tokens[k]!;
    if (t.k === 'lit') s += t.v;
    else if (t.k === 'slash') s += '/';
    else return undefined;
  }
  return s;
}

/** Most brace-free globs one glob is expanded into for the string tests (`*.{bak,tmp}`: two). */
const MAX_EXPANSIONS = 16;

/** The brace-free token lists a glob stands for (brace expansion); undefined past MAX_EXPANSIONS. */
function expandBraces(tokens: readonly GlobToken[]): GlobToken[][] | undefined {
  let out: GlobToken[][] = [[]];
  for (const t of tokens) {
    const alts = t.k === 'brace' ? t.alts.map(expandBraces) : [[[t]]];
    if (alts.some((a) => a === undefined)) return undefined;
    const flat = alts.flatMap((a) => a!);
    if (out.length * flat.length > MAX_EXPANSIONS) return undefined;
    out = out.flatMap((seq) => flat.map((tail) => joinTokens(seq, tail)));
  }
  return out;
}

/** `head` followed by `tail`, adjacent literals merged. */
function joinTokens(head: readonly GlobToken[], tail: readonly GlobToken[]): GlobToken[] {
  const out = [...head];
  for (const t of tail) {
    const last = out[out.length - 1];
    if (t.k === 'lit' && last?.k === 'lit') out[out.length - 1] = { k: 'lit', v: last.v + t.v };
    else out.push(t);
  }
  return out;
}

/**
 * A string test for a brace-free glob of a common shape, answering as its RE2 translation does:
 * whole segments, each literal or `*`, maybe ending in `/**` (`/Public/**`, `/Shared/*\/public/**`,
 * an exact path), or a name pattern with at most one `*` at any depth (`*.env`, `**\/id_rsa*`),
 * maybe below a folder (`/Public/**\/draft-*`). Undefined for any other shape.
 */
function stringTest(tokens: readonly GlobToken[]): ((path: string) => boolean) | undefined {
  return segmentsTest(tokens) ?? nameTest(tokens);
}

/** `/seg/seg...` with each segment literal text or `*`, maybe ending in `/**`. */
function segmentsTest(tokens: readonly GlobToken[]): ((path: string) => boolean) | undefined {
  const below = tokens.length >= 2 && tokens[tokens.length - 1]!.k === 'globstar' && tokens[tokens.length - 2]!.k === 'slash';
  const end = below ? tokens.length - 2 : tokens.length;
  const segments: (string | undefined)[] = []; // undefined: `*`
  for (let k = 0; k < end; k += 2) {
    const t = tokens[k + 1];
    if (tokens[k]!.k !== 'slash' || (t?.k !== 'lit' && t?.k !== 'star')) return undefined;
    segments.push(t.k === 'lit' ? t.v : undefined);
  }
  return (p) => {
    let at = 0;
    for (const segment of segments) {
      if (p.charCodeAt(at) !== 0x2f) return false;
      at += 1;
      if (segment === undefined) {
        const next = p.indexOf('/', at);
        at = next < 0 ? p.length : next;
      } else if (p.startsWith(segment, at)) at += segment.length;
      else return false;
    }
    return at === p.length || (below && p.charCodeAt(at) === 0x2f);
  };
}

/** `**\/name` or `<folder>/**\/name`, the name literal text with at most one `*`. */
function nameTest(tokens: readonly GlobToken[]): ((path: string) => boolean) | undefined {
  const n = tokens.length;
  const g = tokens.findIndex((t) => t.k === 'globstar');
  const folder = g >= 0 && tokens[g + 1]?.k === 'slash' ? literalText(tokens, 0, g) : undefined;
  if (folder === undefined || (g > 0 && !folder.endsWith('/'))) return undefined;
  const star = tokens.findIndex((t, k) => k > g && t.k === 'star');
  const start = literalText(tokens, g + 2, star < 0 ? n : star);
  const end = star < 0 ? '' : literalText(tokens, star + 1, n);
  if (start === undefined || end === undefined || `${start}${end}`.includes('/')) return undefined;
  const least = start.length + end.length;
  return (p) => {
    if (!p.endsWith(star < 0 ? start : end) || !p.startsWith(folder)) return false;
    const cut = p.lastIndexOf('/') + 1;
    return (star < 0 ? p.length - cut === least : p.length - cut >= least) && p.startsWith(start, cut);
  };
}

/**
 * A cheap test that rules paths out: every match starts with the glob's literal start (up to the
 * first wildcard, or a `/` that a `**` may stand for) and contains each literal outside braces.
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

/** A compiled (and so validated) glob. */
export interface CompiledGlob {
  /** Full-match RE2 source (DOTALL). */
  readonly source: string;
  /** String tests that together (any of them) answer as the source does; undefined when the glob needs RE2. */
  readonly stringTests: readonly ((path: string) => boolean)[] | undefined;
  /** False only for a path no match can be (see mayMatchTest): it guards the RE2 test. */
  readonly mayMatch: (path: string) => boolean;
}

export function compileGlob(pattern: string): CompiledGlob {
  const tokens = parseGlob(pattern);
  const tests = expandBraces(tokens)?.map(stringTest);
  const stringTests = tests?.every((t) => t !== undefined) ? (tests as ((path: string) => boolean)[]) : undefined;
  return { source: emit(tokens), stringTests, mayMatch: mayMatchTest(tokens) };
}
