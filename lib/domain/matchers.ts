/**
 * Path matchers for the policy language: globs (glob.ts), regular expressions and path prefixes,
 * all of them linear-time.
 *
 * Regular expressions (`denyRegex`, `allowRegex`) use RE2 syntax (no lookarounds, no
 * backreferences), are searched anywhere in the path (anchor with `^...$`), and may set flags
 * inline (`(?i)`). Those that are only literal text run on V8 (lib/shared/literal-regex.ts).
 */
import { RE2JS } from 're2js';
import { checkPatternLength, compileGlob as compileGlobParts } from './glob';
import { literalAlternation, literalRegex } from '../shared/literal-regex';
import { PatternError } from './policy-errors';

export { MAX_PATTERN_LENGTH, globToRegexSource } from './glob';

/** Most patterns accepted in one list (`deny`, `allow`, `denyRegex`, `allowRegex`). */
export const MAX_PATTERNS_PER_LIST = 100;

/** A compiled, linear-time test of one path. */
export interface PathMatcher {
  /** The pattern as written in the policy. */
  readonly pattern: string;
  readonly kind: 'glob' | 'regex';
  test(path: string): boolean;
}

function compileRe2(pattern: string, source: string, flags: number): RE2JS {
  try {
    return RE2JS.compile(source, flags);
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    throw new PatternError(pattern, `does not compile: ${detail}`, { cause: error });
  }
}

/** Compiles a glob into a matcher (string tests for the common shapes, else RE2). */
export function compileGlob(pattern: string): PathMatcher {
  return { pattern, kind: 'glob', test: compilePatternList([pattern], [])! };
}

/** Compiles an RE2 regular expression searched anywhere in the path. */
export function compileRegex(pattern: string): PathMatcher {
  return { pattern, kind: 'regex', test: compilePatternList([], [pattern])! };
}

/**
 * One test for a list of globs and regexes (any may match), undefined for an empty list; each
 * pattern is validated on its own, with its own error. The globs' string tests and the literal
 * regexes (on V8) come first, then the rest as one RE2 alternation (each regex keeps its own
 * flags: `(?:(?i)a)`; each glob a full match with `.` matching newlines), which is skipped for a
 * path none of its globs may match when the list has no other regex.
 */
export function compilePatternList(globs: readonly string[], regexes: readonly string[]): ((path: string) => boolean) | undefined {
  if (globs.length === 0 && regexes.length === 0) return undefined;
  const plain: ((path: string) => boolean)[] = [];
  const sources: string[] = [];
  const mayMatch: ((path: string) => boolean)[] = [];
  for (const g of globs) {
    const glob = compileGlobParts(g);
    if (glob.stringTests) plain.push(...glob.stringTests);
    else {
      compileRe2(g, glob.source, RE2JS.DOTALL);
      sources.push(`(?s:^(?:${glob.source})$)`);
      mayMatch.push(glob.mayMatch);
    }
  }
  for (const r of regexes) {
    checkPatternLength(r);
    compileRe2(r, r, 0);
  }
  const literal = regexes.filter((r) => literalRegex(r) !== undefined);
  for (const caseless of [false, true]) {
    const re = literalAlternation(literal.filter((r) => r.startsWith('(?i)') === caseless), caseless);
    if (re) plain.push((path) => re.test(path));
  }
  const others = regexes.filter((r) => !literal.includes(r));
  const automata = alternation([...sources, ...others]);
  const guarded = others.length === 0;
  return (path) => {
    if (anyHolds(plain, path)) return true;
    if (automata.length === 0 || (guarded && !anyHolds(mayMatch, path))) return false;
    for (const re of automata) if (re.test(path)) return true;
    return false;
  };
}

function anyHolds(tests: readonly ((path: string) => boolean)[], path: string): boolean {
  for (const test of tests) if (test(path)) return true;
  return false;
}

/**
 * One RE2 alternation of the sources, or each on its own in the rare case their alternation does
 * not compile although each does (`\Q...` quotes up to the end of the pattern, a closing group included).
 */
function alternation(sources: readonly string[]): RE2JS[] {
  if (sources.length === 0) return [];
  try {
    return [RE2JS.compile(sources.length === 1 ? sources[0]! : sources.map((s) => `(?:${s})`).join('|'))];
  } catch {
    return sources.map((s) => RE2JS.compile(s));
  }
}

/**
 * A set of path prefixes. Prefixes are folder-aware: `/Public` and `/Public/` both cover
 * `/Public` itself and everything below it, never `/Publicity`. `/` covers every path.
 */
export class PathPrefixSet {
  private readonly folders: readonly string[];

  constructor(prefixes: readonly string[]) {
    this.folders = prefixes.map((p) => p.replace(/\/+$/, ''));
  }

  covers(path: string): boolean {
    for (const f of this.folders) {
      if (path.startsWith(f) && (path.length === f.length || path.charCodeAt(f.length) === 0x2f)) return true;
    }
    return false;
  }

  coversAny(paths: readonly string[]): boolean {
    for (const p of paths) if (this.covers(p)) return true;
    return false;
  }

  /** Whether every one of the paths is covered (true for no paths). */
  coversAll(paths: readonly string[]): boolean {
    for (const p of paths) if (!this.covers(p)) return false;
    return true;
  }
}
