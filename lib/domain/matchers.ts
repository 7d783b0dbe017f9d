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
import { INDEX_BLOCK, type LiteralIndex } from './literal-index';
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
  /**
   * The matcher as a union of literal tests (it matches exactly when one of them holds), or
   * undefined when it needs more than literals. Lets a list of patterns test all its literals
   * in one pass (see {@link PathTestSet}).
   */
  literalParts(): readonly LiteralPart[] | undefined;
  /**
   * Literal conditions every path the matcher matches meets, when it has some and is not a union
   * of literals: a prefilter a {@link PathTestSet} answers from the run's literal index, so that
   * the matcher itself runs only on the paths that pass.
   */
  necessaryLiterals(): NecessaryLiterals | undefined;
}

/** See {@link PathMatcher.necessaryLiterals}. Empty lists are no condition. */
export interface NecessaryLiterals {
  /** The path starts with one of these. */
  readonly starts: readonly string[];
  /** The path ends with one of these. */
  readonly ends: readonly string[];
  /** Each of these begins the name, the path's last segment (right after its last `/`). */
  readonly names: readonly string[];
}

/** One literal test: the path starts with, ends with, equals or contains one of the texts. */
export interface LiteralPart {
  readonly at: 'start' | 'end' | 'whole' | 'anywhere';
  readonly texts: readonly string[];
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

/** Whether a token can match (or is) a `/`: a slash, a globstar, an escaped `\/`, braces holding one. */
function spellsSlash(t: GlobToken): boolean {
  if (t.k === 'slash' || t.k === 'globstar') return true;
  if (t.k === 'lit') return t.v.includes('/');
  if (t.k === 'brace') return t.alts.some((alt) => alt.some(spellsSlash));
  return false; // `*`, `?` and classes never match '/'
}

/**
 * The literal that follows a `**\/` in the pattern's last segment (`**\/id_rsa*` -> `id_rsa`;
 * `/Public/**\/draft-*.tmp` -> `draft-`), or none: every match's name (its last segment) begins
 * with it, since `**\/` matches nothing at the start of the path or ends with a `/`, and nothing
 * after the literal can match a `/`.
 */
function nameRuns(tokens: readonly GlobToken[]): string[] {
  const n = tokens.length;
  for (let k = n - 1; k >= 2; k -= 1) {
    const t = tokens[k]!;
    if (spellsSlash(t)) break;
    if (t.k !== 'lit' || tokens[k - 1]!.k !== 'slash' || tokens[k - 2]!.k !== 'globstar') continue;
    let run = '';
    for (let j = k; j < n && tokens[j]!.k === 'lit'; j += 1) run += (tokens[j] as { v: string }).v;
    return [run];
  }
  return [];
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

const SLASH = 47;

/**
 * Where to probe a literal that must start the path: its last character that is not "/"
 * (prefixes tend to share their first letters and their trailing slash).
 */
function startProbe(text: string): number {
  let probe = text.length - 1;
  while (probe > 0 && text.charCodeAt(probe) === SLASH) probe -= 1;
  return probe;
}

/**
 * Any of several matchers (a policy's deny or allow list), as one test. The literal parts of all
 * of them (exact paths, folders, endings, names, literal regexes) are merged and tested in one
 * call with plain loops; the other matchers (segment walks, automata, case-folded regexes) run
 * after, in order. Exactly `matchers.some((m) => m.test(path))` (a property test checks it), at a
 * fraction of the calls: twenty policies over a million paths make these the engine's hottest tests.
 * Most paths fail a literal, so each carries a probe: one character (an inlined `charCodeAt`)
 * that rejects most paths before the `startsWith` / `endsWith` builtin call, which costs ten
 * times more.
 */
export class PathTestSet {
  // From the start, each with a probe (see startProbe).
  private readonly starts: readonly string[];
  private readonly startProbeAt: Int32Array;
  private readonly startProbeCode: Int32Array;
  // From the end: each text's last character first.
  private readonly ends: readonly string[];
  private readonly endCode: Int32Array;
  private readonly wholes: readonly string[];
  private readonly anywhere: readonly string[];
  private readonly rest: readonly PathMatcher[];
  /** No matcher at all: nothing matches. */
  readonly empty: boolean;

  /**
   * Bits of this set's `start`, `end` and `whole` literals in the run's {@link LiteralIndex}
   * (`mask[w]` for words `lo` to `hi - 1`), when the set was made with one.
   */
  private readonly index: LiteralIndex | null;
  private readonly mask: Uint32Array;
  private readonly lo: number;
  private readonly hi: number;
  /** The index answers every test of the set (no literal anywhere, no other matcher). */
  private readonly indexOnly: boolean;
  /**
   * With an index, per matcher of `rest`: the literal conditions it needs (see
   * PathMatcher.necessaryLiterals) as groups of bits, `need[r]` a list of groups, each group
   * holding when one of its bits is set; the matcher runs only when every group holds.
   */
  private readonly need: readonly (readonly Int32Array[])[];

  /**
   * Any of the matchers. With an `index`, the set's start, end and whole literals are answered by
   * it in {@link testShare} (one walk per path for every set of the run).
   */
  static of(matchers: readonly PathMatcher[], index: LiteralIndex | null = null): PathTestSet {
    const literal: LiteralPart[] = [];
    const rest: PathMatcher[] = [];
    for (const m of matchers) {
      const parts = m.literalParts();
      if (parts === undefined) rest.push(m);
      else literal.push(...parts);
    }
    return new PathTestSet(literal, rest, matchers.length === 0, index);
  }

  /** Any of the literal parts. */
  static ofLiterals(parts: readonly LiteralPart[], index: LiteralIndex | null = null): PathTestSet {
    return new PathTestSet(parts, [], parts.length === 0, index);
  }

  private constructor(parts: readonly LiteralPart[], rest: readonly PathMatcher[], empty: boolean, index: LiteralIndex | null) {
    const starts = new Set<string>();
    const ends = new Set<string>();
    const wholes = new Set<string>();
    const anywhere = new Set<string>();
    for (const part of parts) {
      const into = part.at === 'start' ? starts : part.at === 'end' ? ends : part.at === 'whole' ? wholes : anywhere;
      for (const t of part.texts) into.add(t);
    }
    if ([...starts, ...ends, ...anywhere].includes('')) throw new Error('internal: an empty literal reached a path test set');
    this.starts = [...starts];
    this.startProbeAt = Int32Array.from(this.starts, startProbe);
    this.startProbeCode = Int32Array.from(this.starts, (t, k) => t.charCodeAt(this.startProbeAt[k]!));
    this.ends = [...ends];
    this.endCode = Int32Array.from(this.ends, (t) => t.charCodeAt(t.length - 1));
    this.wholes = [...wholes];
    this.anywhere = [...anywhere];
    this.rest = rest;
    this.empty = empty;
    this.index = index;
    const ids: number[] = [];
    if (index !== null) {
      for (const t of this.starts) ids.push(index.register('start', t));
      for (const t of this.ends) ids.push(index.register('end', t));
      for (const t of this.wholes) ids.push(index.register('whole', t));
    }
    this.hi = ids.length === 0 ? 0 : Math.max(...ids.map((id) => id >>> 5)) + 1;
    this.lo = ids.length === 0 ? 0 : Math.min(...ids.map((id) => id >>> 5));
    this.mask = new Uint32Array(this.hi);
    for (const id of ids) this.mask[id >>> 5]! |= 1 << (id & 31);
    this.indexOnly = index !== null && this.anywhere.length === 0 && this.rest.length === 0;
    this.need = rest.map((m) => {
      const literals = index === null ? undefined : m.necessaryLiterals();
      if (index === null || literals === undefined) return [];
      const groups: Int32Array[] = [];
      if (literals.starts.length > 0) groups.push(Int32Array.from(literals.starts, (t) => index.register('start', t)));
      if (literals.ends.length > 0) groups.push(Int32Array.from(literals.ends, (t) => index.register('end', t)));
      for (const t of literals.names) groups.push(Int32Array.of(index.register('name', t)));
      return groups;
    });
  }

  /**
   * {@link test} of path `k` of share `share` (`path` is `inventory.paths[share][k]`): with an
   * index, its literals are read from the index's bits for that share.
   */
  testShare(share: number, k: number, path: string): boolean {
    const index = this.index;
    if (index === null) return this.test(path);
    return this.testRow(index.bitsFor(share), index.start[share]! + k, path);
  }

  /**
   * {@link testShare} for a caller that walks the index itself: `bits` is what the index's
   * `bitsFor` returned for the share, `row` the path's row (`start[share] + k`), `path` its text.
   */
  testRow(bits: Uint32Array, row: number, path: string): boolean {
    const index = this.index;
    if (index === null) return this.test(path);
    const base = row * index.stride;
    return this.hits(bits, base) || this.testUnindexed(path, bits, base);
  }

  /** Whether one of the set's indexed literals holds on the path whose bits start at `base`. */
  private hits(bits: Uint32Array, base: number): boolean {
    const mask = this.mask;
    for (let w = this.lo; w < this.hi; w += 1) if ((bits[base + w]! & mask[w]!) !== 0) return true;
    return false;
  }

  /** Whether every path of share `share` hits (see {@link hits}), reading only the index. */
  private allRowsHit(bits: Uint32Array, share: number): boolean {
    const { start, stride } = this.index!;
    const last = start[share + 1]!;
    for (let row = start[share]!; row < last; row += 1) if (!this.hits(bits, row * stride)) return false;
    return true;
  }

  /** Whether some path of share `share` matches ({@link testShare}; `paths` is `inventory.paths[share]`). */
  anyOf(share: number, paths: readonly string[]): boolean {
    for (let k = 0; k < paths.length; k += 1) if (this.testShare(share, k, paths[k]!)) return true;
    return false;
  }

  /** Whether every path of share `share` matches (true for no paths), as {@link anyOf}. */
  allOf(share: number, paths: readonly string[]): boolean {
    if (this.indexOnly) return this.allIndexed(share);
    for (let k = 0; k < paths.length; k += 1) if (!this.testShare(share, k, paths[k]!)) return false;
    return true;
  }

  /**
   * For shares `from` to `to - 1`: sets `out[i - from]` to 0 where it is not 0 already, the share's
   * paths are known (`pathsKnown[i] === 1`) and not every one of them matches ({@link allOf}).
   * One loop over a block for a scope's folders, with the index's bits read directly.
   */
  narrowToAll(from: number, to: number, out: Uint8Array, pathsKnown: Uint8Array, paths: readonly (readonly string[])[]): void {
    if (!this.indexOnly) {
      for (let i = from; i < to; i += 1) if (out[i - from] !== 0 && pathsKnown[i] === 1 && !this.allOf(i, paths[i]!)) out[i - from] = 0;
      return;
    }
    const index = this.index!;
    let bits: Uint32Array = index.bits;
    for (let i = from; i < to; i += 1) {
      if (i === from || i % INDEX_BLOCK === 0) bits = index.bitsFor(i);
      if (out[i - from] !== 0 && pathsKnown[i] === 1 && !this.allRowsHit(bits, i)) out[i - from] = 0;
    }
  }

  /**
   * {@link allOf} when the index answers every test of the set: the share's paths are its rows in
   * the index, so neither the path array nor a path string is read (on a million shares, each
   * object read is a likely cache miss).
   */
  private allIndexed(share: number): boolean {
    return this.allRowsHit(this.index!.bitsFor(share), share);
  }

  /**
   * The tests the index does not answer: literals anywhere in the path, and the other matchers.
   * With the path's index bits (`bits` at `base`), a matcher runs only when its necessary
   * literals hold (see {@link need}).
   */
  private testUnindexed(path: string, bits: Uint32Array | null, base: number): boolean {
    const anywhere = this.anywhere;
    for (let k = 0; k < anywhere.length; k += 1) if (path.includes(anywhere[k]!)) return true;
    const rest = this.rest;
    for (let r = 0; r < rest.length; r += 1) {
      if ((bits === null || meets(bits, base, this.need[r]!)) && rest[r]!.test(path)) return true;
    }
    return false;
  }

  test(path: string): boolean {
    const n = path.length;
    const starts = this.starts;
    for (let k = 0; k < starts.length; k += 1) {
      const t = starts[k]!;
      if (n >= t.length && path.charCodeAt(this.startProbeAt[k]!) === this.startProbeCode[k] && path.startsWith(t)) return true;
    }
    const ends = this.ends;
    if (ends.length > 0) {
      const last = path.charCodeAt(n - 1);
      for (let k = 0; k < ends.length; k += 1) if (last === this.endCode[k] && path.endsWith(ends[k]!)) return true;
    }
    const wholes = this.wholes;
    for (let k = 0; k < wholes.length; k += 1) if (path === wholes[k]) return true;
    return this.testUnindexed(path, null, 0);
  }
}

/** Whether every group of bits (see PathTestSet.need) has one of its bits set in the path's bits at `base`. */
function meets(bits: Uint32Array, base: number, groups: readonly Int32Array[]): boolean {
  for (let g = 0; g < groups.length; g += 1) {
    const group = groups[g]!;
    let hit = false;
    for (let j = 0; j < group.length && !hit; j += 1) {
      const id = group[j]!;
      hit = (bits[base + (id >>> 5)]! & (1 << (id & 31))) !== 0;
    }
    if (!hit) return false;
  }
  return true;
}

/**
 * A few literal strings, one of which must occur at one place in the path (a glob's or a regex's
 * literal prefilter), tested by a {@link PathTestSet}; `all` asks for every one of them instead.
 */
class Needles {
  private readonly set: PathTestSet;

  constructor(
    readonly texts: readonly string[],
    private readonly at: LiteralPart['at'],
  ) {
    // An empty literal occurs everywhere: never a prefilter.
    if (texts.includes('')) throw new Error('internal: an empty literal reached a path prefilter');
    this.set = PathTestSet.ofLiterals(this.parts());
  }

  get size(): number {
    return this.texts.length;
  }

  /** This set as a literal part (none when empty). */
  parts(): LiteralPart[] {
    return this.texts.length === 0 ? [] : [{ at: this.at, texts: this.texts }];
  }

  has(path: string): boolean {
    return this.set.test(path);
  }

  /** Every literal occurs (the required runs of a glob, which may occur anywhere). */
  all(path: string): boolean {
    const texts = this.texts;
    for (let k = 0; k < texts.length; k += 1) if (!path.includes(texts[k]!)) return false;
    return true;
  }
}

const NO_NEEDLES = new Needles([], 'anywhere');

/**
 * How a compiled glob tests a path. Every glob compiles to the same class with one of these
 * shapes (not to a closure of its own): the engine calls `test` millions of times from one call
 * site, which V8 only inlines when it sees few object shapes there, never one closure per pattern.
 */
const GLOB_EXACT = 0; // `/a/b.txt`: the path itself
const GLOB_FOLDER = 1; // `<literal>/**`: the folder and everything below it
const GLOB_SUFFIX = 2; // `**/*<endings>`: the last segment ends with one of the endings
const GLOB_NAMES = 3; // `**/<names>`: the last segment is one of the names
const GLOB_SEGMENTS = 4; // `/a/*/b` or `/a/*/b/**`: whole segments, each literal or `*`
const GLOB_AUTOMATON = 5; // anything else: literal prefilters, then RE2

class GlobMatcher implements PathMatcher {
  readonly kind = 'glob' as const;
  constructor(
    readonly pattern: string,
    private readonly shape: number,
    /** EXACT: the path; FOLDER: the folder. */
    private readonly text: string,
    /**
     * FOLDER: the folder with a trailing `/` (from the start); SUFFIX: the endings (at the end);
     * NAMES: the names (the whole path); AUTOMATON: the literal prefix of every match (from the
     * start; empty if none).
     */
    private readonly first: Needles,
    /** NAMES: `/` + each name (at the end); AUTOMATON: the literal endings one of which every match has. */
    private readonly second: Needles,
    /** AUTOMATON: literal runs every match contains (anywhere). */
    private readonly inner: Needles,
    private readonly re: RE2JS | null,
    /** SEGMENTS: each segment's literal text, or null for `*`. */
    private readonly segments: readonly (string | null)[] = [],
    /** SEGMENTS: a trailing `/**` follows the segments. */
    private readonly below = false,
    /** AUTOMATON: the literal that begins the name of every match, if any (see nameRuns). */
    private readonly nameStarts: readonly string[] = [],
  ) {}

  necessaryLiterals(): NecessaryLiterals | undefined {
    if (this.shape !== GLOB_AUTOMATON) return undefined;
    const starts = this.first.texts;
    const ends = this.second.texts;
    const names = this.nameStarts;
    return starts.length + ends.length + names.length === 0 ? undefined : { starts, ends, names };
  }

  test(path: string): boolean {
    switch (this.shape) {
      case GLOB_EXACT:
        return path === this.text;
      case GLOB_FOLDER:
        return this.first.has(path) || path === this.text;
      case GLOB_SUFFIX:
        return this.first.has(path);
      case GLOB_NAMES:
        return this.second.has(path) || this.first.has(path);
      case GLOB_SEGMENTS:
        return this.matchSegments(path);
      default:
        // Cheap necessary conditions first: most paths fail them and never reach the automaton
        // (re2js costs about a microsecond per path; a million paths per policy add up).
        // The endings first: their probe is the path's last character, which rejects nearly every
        // path at once, while a prefix like `/Public/` passes most paths of a public folder.
        if (this.second.size > 0 && !this.second.has(path)) return false;
        if (this.first.size > 0 && !this.first.has(path)) return false;
        if (!this.inner.all(path)) return false;
        return this.re!.testExact(path);
    }
  }

  literalParts(): readonly LiteralPart[] | undefined {
    switch (this.shape) {
      case GLOB_EXACT:
        return [{ at: 'whole', texts: [this.text] }];
      case GLOB_FOLDER:
        return [...this.first.parts(), { at: 'whole', texts: [this.text] }];
      case GLOB_SUFFIX:
        return this.first.parts();
      case GLOB_NAMES:
        return [...this.second.parts(), ...this.first.parts()];
      default:
        return undefined;
    }
  }

  /** Walks the path segment by segment: no automaton for the most common folder patterns. */
  private matchSegments(path: string): boolean {
    if (path.charCodeAt(0) !== SLASH) return false;
    const segments = this.segments;
    let start = 1;
    for (let k = 0; k < segments.length; k += 1) {
      if (start < 0) return false; // the path has fewer segments than the pattern
      const end = path.indexOf('/', start);
      const seg = segments[k]!;
      if (seg !== null) {
        const length = (end < 0 ? path.length : end) - start;
        if (length !== seg.length || !path.startsWith(seg, start)) return false;
      }
      start = end < 0 ? -1 : end + 1;
    }
    // After the last segment: the end of the path, or (with a trailing `/**`) anything below it.
    return start < 0 || this.below;
  }
}

/**
 * `/a/*\/b` and `/a/*\/b/**`: a leading `/`, then segments that are each a literal or a lone
 * `*` (never empty), optionally a trailing `/**`. The segment list (null for `*`), or undefined.
 */
function wholeSegments(tokens: readonly GlobToken[]): { list: (string | null)[]; below: boolean } | undefined {
  let n = tokens.length;
  let below = false;
  if (n >= 2 && tokens[n - 1]!.k === 'globstar' && tokens[n - 2]!.k === 'slash') {
    below = true;
    n -= 2;
  }
  if (n < 2 || tokens[0]!.k !== 'slash') return undefined;
  const list: (string | null)[] = [];
  for (let k = 1; k < n; k += 2) {
    const t = tokens[k]!;
    if (t.k === 'lit') list.push(t.v);
    else if (t.k === 'star') list.push(null);
    else return undefined;
    if (k + 1 < n && tokens[k + 1]!.k !== 'slash') return undefined;
  }
  // Only worth it (and only tested) when a `*` segment is present: pure literals take the other shapes.
  return list.includes(null) && tokens[n - 1]!.k !== 'slash' ? { list, below } : undefined;
}

/** Compiles a glob into a linear-time matcher (fast string paths for common shapes, else RE2). */
export function compileGlob(pattern: string): PathMatcher {
  const tokens = parseGlob(pattern);
  const whole = literalOf(tokens);
  if (whole !== undefined) return new GlobMatcher(pattern, GLOB_EXACT, whole, NO_NEEDLES, NO_NEEDLES, NO_NEEDLES, null);
  const n = tokens.length;
  if (n >= 2 && tokens[n - 1]!.k === 'globstar' && tokens[n - 2]!.k === 'slash') {
    const base = literalOf(tokens.slice(0, n - 2));
    if (base !== undefined) return new GlobMatcher(pattern, GLOB_FOLDER, base, new Needles([`${base}/`], 'start'), NO_NEEDLES, NO_NEEDLES, null);
  }
  const { endings, consumed } = literalSuffixes(tokens);
  const nameOnly = endings.length > 0 && endings.every((e) => !e.includes('/'));
  if (nameOnly && n >= 3 && tokens[0]!.k === 'globstar' && tokens[1]!.k === 'slash') {
    if (consumed === n - 3 && tokens[2]!.k === 'star') {
      return new GlobMatcher(pattern, GLOB_SUFFIX, '', new Needles(endings, 'end'), NO_NEEDLES, NO_NEEDLES, null);
    }
    if (consumed === n - 2) {
      const names = new Needles(endings, 'whole');
      return new GlobMatcher(pattern, GLOB_NAMES, '', names, new Needles(endings.map((e) => `/${e}`), 'end'), NO_NEEDLES, null);
    }
  }
  const segments = wholeSegments(tokens);
  if (segments) {
    return new GlobMatcher(pattern, GLOB_SEGMENTS, '', NO_NEEDLES, NO_NEEDLES, NO_NEEDLES, null, segments.list, segments.below);
  }
  const re = compileRe2(pattern, emit(tokens), RE2JS.DOTALL);
  const prefix = literalEdge(tokens, false);
  const suffix = literalEdge(tokens, true);
  const inner = requiredRuns(tokens).filter((r) => r !== prefix && r !== suffix && r.length > 1).slice(0, 3);
  const first = prefix === '' ? NO_NEEDLES : new Needles([prefix], 'start');
  return new GlobMatcher(pattern, GLOB_AUTOMATON, '', first, new Needles(endings, 'end'), new Needles(inner, 'anywhere'), re, [], false, nameRuns(tokens));
}

/** How a compiled regex (or list of them) tests a path; one class for all, as for globs. */
const REGEX_LITERAL = 0; // a literal plan (see planLiteralRegex), case-sensitive
const REGEX_LITERAL_CI = 1; // a literal plan under (?i)
const REGEX_AUTOMATON = 2; // RE2
const REGEX_LIST = 3; // several: the literal ones one by one, then one RE2 alternation of the rest
const REGEX_WHOLE = 4; // `^body$`: RE2, a full match of the body (see wholeMatchBody)

class RegexMatcher implements PathMatcher {
  readonly kind = 'regex' as const;
  constructor(
    readonly pattern: string,
    private readonly shape: number,
    /** LITERAL: the needles at their place. */
    private readonly needles: Needles,
    /**
     * LITERAL_CI: the needles as a V8 regular expression with the `iu` flags. Safe on V8's
     * backtracking engine because it is an alternation of plain literals (no quantifier, no
     * group to retry): linear in the path. With `u`, V8 folds case by Unicode simple case
     * folding, as RE2 does: `ſ` matches `s` and the Kelvin sign `k` in both.
     */
    private readonly folded: RegExp | null,
    /** AUTOMATON, LIST (the non-literal ones; null if none); WHOLE: the body alone. */
    private readonly re: RE2JS | null,
    /** LIST: the literal plans, tested first (and the one automaton, when there is only one). */
    private readonly parts: readonly RegexMatcher[],
  ) {}

  necessaryLiterals(): NecessaryLiterals | undefined {
    return undefined;
  }

  /** Runs on RE2 (not a literal plan, not a list). */
  get isAutomaton(): boolean {
    return this.shape === REGEX_AUTOMATON || this.shape === REGEX_WHOLE;
  }

  literalParts(): readonly LiteralPart[] | undefined {
    if (this.shape === REGEX_LITERAL) return this.needles.parts();
    if (this.shape !== REGEX_LIST || this.re !== null) return undefined;
    const parts: LiteralPart[] = [];
    for (const m of this.parts) {
      const mine = m.literalParts();
      if (mine === undefined) return undefined;
      parts.push(...mine);
    }
    return parts;
  }

  test(path: string): boolean {
    switch (this.shape) {
      case REGEX_LITERAL:
        return this.needles.has(path);
      case REGEX_LITERAL_CI:
        return this.folded!.test(path);
      case REGEX_AUTOMATON:
        return this.re!.test(path);
      case REGEX_WHOLE:
        return this.re!.testExact(path);
      default: {
        const parts = this.parts;
        for (let k = 0; k < parts.length; k += 1) if (parts[k]!.test(path)) return true;
        return this.re !== null && this.re.test(path);
      }
    }
  }
}

function literalMatcher(pattern: string, plan: LiteralRegexPlan): RegexMatcher {
  const at = plan.anchorStart && plan.anchorEnd ? 'whole' : plan.anchorStart ? 'start' : plan.anchorEnd ? 'end' : 'anywhere';
  if (!plan.caseInsensitive) return new RegexMatcher(pattern, REGEX_LITERAL, new Needles(plan.needles, at), null, null, []);
  const body = plan.needles.map(escapeRegexLiteral).join('|');
  const source = at === 'whole' ? `^(?:${body})$` : at === 'start' ? `^(?:${body})` : at === 'end' ? `(?:${body})$` : body;
  return new RegexMatcher(pattern, REGEX_LITERAL_CI, NO_NEEDLES, new RegExp(source, 'iu'), null, []);
}

/** Compiles an RE2 regular expression searched anywhere in the path. */
export function compileRegex(pattern: string): PathMatcher {
  return compileOneRegex(pattern);
}

function compileOneRegex(pattern: string): RegexMatcher {
  checkPatternLength(pattern);
  const re = compileRe2(pattern, pattern, 0); // always: it is the validation
  const plan = planLiteralRegex(pattern);
  if (plan) return literalMatcher(pattern, plan);
  const body = wholeMatchBody(pattern);
  const whole = body === undefined ? undefined : compileBody(body);
  if (whole) return new RegexMatcher(pattern, REGEX_WHOLE, NO_NEEDLES, null, whole, []);
  return new RegexMatcher(pattern, REGEX_AUTOMATON, NO_NEEDLES, null, re, []);
}

/** The body of `^body$` compiled alone, or undefined when RE2 does not take it alone. */
function compileBody(body: string): RE2JS | undefined {
  try {
    return RE2JS.compile(`(?:${body})`, 0);
  } catch {
    return undefined;
  }
}

/**
 * The body of a regex anchored at both ends, `^body$`, when searching for the regex is exactly a
 * full match of the body; else undefined. Then RE2 runs the body anchored at both ends, where
 * re2js uses its DFA (about three times faster here than the one-pass engine it picks for a
 * search of `^...$`). Conservative: the `^` and `$` must be the pattern's first and last
 * characters (the `$` not escaped), the body must have no `|` outside groups and classes
 * (`^a|b$` means `(^a)|(b$)`), and no flag group other than `(?:` (a `(?m)` would change `$`).
 * A property test compares the two forms on RE2.
 */
export function wholeMatchBody(pattern: string): string | undefined {
  if (pattern.length < 2 || pattern[0] !== '^' || pattern[pattern.length - 1] !== '$') return undefined;
  const body = pattern.slice(1, -1);
  if (/^[*+?{]/.test(body)) return undefined; // a repeated `^`
  let depth = 0;
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i]!;
    if (c === '\\') {
      if (i + 1 >= body.length) return undefined; // the final `$` is escaped: a literal dollar
      if (body[i + 1] === 'Q') return undefined; // quoted text (`\Q...`) may run to the end
      i += 1;
    } else if (c === '[') {
      // A class: up to the first unescaped `]` that is not its first character.
      let j = i + 1;
      if (body[j] === '^') j += 1;
      if (body[j] === ']') j += 1;
      while (j < body.length && body[j] !== ']') j += body[j] === '\\' ? 2 : 1;
      if (j >= body.length) return undefined;
      i = j;
    } else if (c === '(') {
      if (body[i + 1] === '?' && body[i + 2] !== ':') return undefined;
      depth += 1;
    } else if (c === ')') {
      depth -= 1;
      if (depth < 0) return undefined;
    } else if (c === '|' && depth === 0) {
      return undefined;
    }
  }
  return depth === 0 ? body : undefined;
}

// ----------------------------------------------------------------------------- literal regexes

/**
 * Many policy regexes are literals in disguise: `\.(key|pem)$`, `(?i)(password|secret)`,
 * `^/Exports/`. Those run as plain string tests (re2js costs about a microsecond per path, a
 * string test a few dozen nanoseconds). Only this narrow shape qualifies, everything else runs on
 * RE2:  `(?i)`? `^`? literal? group? literal? `$`?  where the one optional group `(a|b)` or
 * `(?:a|b)` holds literal alternatives, and a literal is plain characters or escaped punctuation.
 * Under `(?i)` the needles run as one V8 regular expression with the `iu` flags (Unicode simple
 * case folding, like RE2's: `ſ` matches `s`, the Kelvin sign `k`). A property test checks the
 * plan against RE2.
 */
export interface LiteralRegexPlan {
  caseInsensitive: boolean;
  anchorStart: boolean;
  anchorEnd: boolean;
  /** The strings one of which must occur (lower-cased when case-insensitive). */
  needles: string[];
}

const PLAIN_CHAR = /[A-Za-z0-9 _\-/~,:;=@#%&'"!<>]/;

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
 * One matcher for a list of regular expressions (any may match): the literal ones as string
 * tests, the rest as a single pass of one automaton instead of one per expression. Each
 * expression keeps its own flags (`(?:(?i)a)|(?:b)` scopes `(?i)` to its group in RE2).
 */
export function compileRegexAlternation(patterns: readonly string[]): PathMatcher {
  if (patterns.length === 1) return compileOneRegex(patterns[0]!);
  const each = patterns.map(compileOneRegex); // the same errors as one by one
  const pattern = patterns.join(', ');
  const literal = each.filter((m) => !m.isAutomaton);
  const automata = each.filter((m) => m.isAutomaton);
  // One automaton stays as it is; several become one alternation.
  if (automata.length <= 1) return new RegexMatcher(pattern, REGEX_LIST, NO_NEEDLES, null, null, [...literal, ...automata]);
  const re = compileRe2(pattern, automata.map((m) => `(?:${m.pattern})`).join('|'), 0);
  return new RegexMatcher(pattern, REGEX_LIST, NO_NEEDLES, null, re, literal);
}

/** The first matcher that matches the path, or undefined. */
export function firstMatch(matchers: readonly PathMatcher[], path: string): PathMatcher | undefined {
  for (const m of matchers) if (m.test(path)) return m;
  return undefined;
}

// ----------------------------------------------------------------------------- path prefixes

/**
 * A set of path prefixes. Prefixes are folder-aware: `/Public` and `/Public/` both cover
 * `/Public` itself and everything below it, never `/Publicity`. `/` covers every path.
 */
export class PathPrefixSet {
  /** Each folder with a trailing `/` (from the start), and each folder itself (whole). */
  private readonly set: PathTestSet;
  /** With an `index`, {@link coversAnyOf} and {@link coversAllOf} read their answers from it. */
  constructor(prefixes: readonly string[], index: LiteralIndex | null = null) {
    const folders = prefixes.map((p) => p.replace(/\/+$/, ''));
    this.set = PathTestSet.ofLiterals(
      [
        { at: 'start', texts: folders.map((f) => `${f}/`) },
        { at: 'whole', texts: folders },
      ],
      index,
    );
  }

  covers(path: string): boolean {
    return this.set.test(path);
  }

  /** Whether any of the paths is covered. */
  coversAny(paths: readonly string[]): boolean {
    for (let k = 0; k < paths.length; k += 1) if (this.covers(paths[k]!)) return true;
    return false;
  }

  /** Whether every one of the paths is covered (true for no paths). */
  coversAll(paths: readonly string[]): boolean {
    for (let k = 0; k < paths.length; k += 1) if (!this.covers(paths[k]!)) return false;
    return true;
  }

  /**
   * {@link coversAny} of share `share`'s paths (`paths` is `inventory.paths[share]`). With an
   * index the answer is read from its bits, without reading the path strings.
   */
  coversAnyOf(share: number, paths: readonly string[]): boolean {
    return this.set.anyOf(share, paths);
  }

  /** {@link coversAll} of share `share`'s paths, as {@link coversAnyOf}. */
  coversAllOf(share: number, paths: readonly string[]): boolean {
    return this.set.allOf(share, paths);
  }

  /** {@link PathTestSet.narrowToAll} with this set: NO (0) for the shares not wholly covered. */
  narrowToCovered(from: number, to: number, out: Uint8Array, pathsKnown: Uint8Array, paths: readonly (readonly string[])[]): void {
    this.set.narrowToAll(from, to, out, pathsKnown, paths);
  }
}

/** Compiles path prefixes into one test (see {@link PathPrefixSet}). */
export function compilePathPrefixes(prefixes: readonly string[]): (path: string) => boolean {
  const set = new PathPrefixSet(prefixes);
  return (path) => set.covers(path);
}
