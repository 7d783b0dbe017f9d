/**
 * A fast path for the regular expressions that are literals in disguise: alternatives of plain
 * text with anchors and groups, no quantifier, class or dot (`(?i)(password|secret)`,
 * `\.(key|p12)$`). Such a pattern means the same in RE2 and in V8, and V8 runs it without
 * backtracking beyond the pattern's own length, so it is run as a V8 RegExp; every other
 * pattern stays on RE2 (lib/domain/matchers.ts).
 */

/** Characters that may be escaped in a V8 `u` pattern (and mean themselves when escaped in RE2). */
const SYNTAX = new Set('^$\\.*+?()[]{}|/');
/** Characters that make a pattern more than literal text. */
const NOT_LITERAL = new Set('*+?{}[].');

/** The V8 RegExp of a literal RE2 pattern (an optional leading `(?i)`), or undefined when it is not one. */
export function literalRegex(pattern: string): RegExp | undefined {
  const caseless = pattern.startsWith('(?i)');
  const body = caseless ? pattern.slice(4) : pattern;
  let depth = 0;
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i]!;
    if (c === '\\') {
      if (!SYNTAX.has(body[i + 1] ?? '')) return undefined;
      i += 1;
    } else if (c === '(') {
      if (body[i + 1] === '?') {
        if (body[i + 2] !== ':') return undefined;
        i += 2;
      }
      depth += 1;
    } else if (c === ')') {
      depth -= 1;
      if (depth < 0) return undefined;
    } else if (NOT_LITERAL.has(c)) {
      return undefined;
    }
  }
  if (depth !== 0) return undefined;
  try {
    return new RegExp(body, caseless ? 'iu' : 'u');
  } catch {
    return undefined;
  }
}

/** One V8 test for several literal patterns of the same flags (undefined for none). */
export function literalAlternation(patterns: readonly string[], caseless: boolean): RegExp | undefined {
  if (patterns.length === 0) return undefined;
  const bodies = patterns.map((p) => (caseless ? p.slice(4) : p));
  return new RegExp(bodies.map((b) => `(?:${b})`).join('|'), caseless ? 'iu' : 'u');
}
