/**
 * `name`: rules on the paths of the shared files.
 *
 * A share breaks the rule when one of its paths matches a `deny` glob or a `denyRegex`, or (when
 * any `allow` / `allowRegex` is given) when one of its paths matches none of them. A share whose
 * paths are unknown cannot be judged (`unevaluable`) and is never cancelled by this rule.
 * Patterns are validated and compiled when the policy is loaded (see matchers.ts for the syntax
 * and why every pattern runs in linear time).
 */
import * as z from 'zod';
import { TRI, type PreparedInventory, type Tri } from '../inventory';
import { INDEX_BLOCK, type LiteralIndex } from '../literal-index';
import { compileGlob, compileRegex, compileRegexAlternation, firstMatch, PathTestSet, type PathMatcher } from '../matchers';
import type { NameRule } from '../policy-types';
import { globListSchema, regexListSchema } from '../schema-parts';
import type { RuleKind, ShareRule } from './rule-kind';

const { NO, YES, UNKNOWN } = TRI;

export const nameRuleSchema = z
  .strictObject({
    type: z.literal('name'),
    deny: globListSchema.optional(),
    allow: globListSchema.optional(),
    denyRegex: regexListSchema.optional(),
    allowRegex: regexListSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    if (!rule.deny && !rule.allow && !rule.denyRegex && !rule.allowRegex) {
      ctx.addIssue({ code: 'custom', message: 'needs at least one of deny, allow, denyRegex, allowRegex' });
    }
  });

function quoted(m: PathMatcher): string {
  return m.kind === 'glob' ? `deny pattern "${m.pattern}"` : `deny regex "${m.pattern}"`;
}

/** A compiled name rule (a class, not a closure: see `Scope` in scope.ts). */
class NameCheck implements ShareRule {
  readonly mode = 'per-share' as const;
  /** Explanations quote the paths: nearly one text per share. */
  readonly explanationsRepeat = false;
  /**
   * For the verdict: each list as one test (its literal parts merged, see PathTestSet), its
   * regexes as one alternation.
   */
  private readonly deny: PathTestSet;
  private readonly allow: PathTestSet;
  /** For the reason: each pattern on its own. */
  private readonly denyOne: readonly PathMatcher[];
  private readonly allowOne: readonly PathMatcher[];
  private readonly hasAllow: boolean;
  private readonly paths: PreparedInventory['paths'];
  private readonly pathsKnown: Uint8Array;
  private readonly index: LiteralIndex;

  constructor(rule: NameRule, inventory: PreparedInventory) {
    this.denyOne = [...(rule.deny ?? []).map(compileGlob), ...(rule.denyRegex ?? []).map(compileRegex)];
    this.allowOne = [...(rule.allow ?? []).map(compileGlob), ...(rule.allowRegex ?? []).map(compileRegex)];
    this.deny = PathTestSet.of([...(rule.deny ?? []).map(compileGlob), ...(rule.denyRegex ? [compileRegexAlternation(rule.denyRegex)] : [])], inventory.literals);
    this.allow = PathTestSet.of([...(rule.allow ?? []).map(compileGlob), ...(rule.allowRegex ? [compileRegexAlternation(rule.allowRegex)] : [])], inventory.literals);
    this.hasAllow = !this.allow.empty;
    this.paths = inventory.paths;
    this.pathsKnown = inventory.pathsKnown;
    this.index = inventory.literals;
  }

  /**
   * This runs for every path of every share in scope: `bits` are the index's (see
   * LiteralIndex.bitsFor), `row` the path's row in them.
   */
  private breaks(bits: Uint32Array, row: number, path: string): boolean {
    if (this.deny.testRow(bits, row, path)) return true;
    return this.hasAllow && !this.allow.testRow(bits, row, path);
  }

  test(i: number): Tri {
    if (this.pathsKnown[i] !== 1) return UNKNOWN;
    const list = this.paths[i]!;
    const bits = this.index.bitsFor(i);
    const first = this.index.start[i]!;
    for (let k = 0; k < list.length; k += 1) if (this.breaks(bits, first + k, list[k]!)) return YES;
    return NO;
  }

  testRange(from: number, to: number, scope: Uint8Array, out: Uint8Array): number {
    // `test` over the block, with the index's bits fetched once per block of the index rather
    // than once per path and set (a name rule tests every path of every share in scope).
    const { index, paths, pathsKnown } = this;
    const start = index.start;
    let bits: Uint32Array = index.bits;
    let flagged = 0;
    for (let i = from; i < to; i += 1) {
      if (i === from || i % INDEX_BLOCK === 0) bits = index.bitsFor(i);
      let t: Tri = NO;
      if (scope[i - from] === NO) t = NO;
      else if (pathsKnown[i] !== 1) t = UNKNOWN;
      else {
        const list = paths[i]!;
        const first = start[i]!;
        for (let k = 0; k < list.length && t === NO; k += 1) if (this.breaks(bits, first + k, list[k]!)) t = YES;
      }
      out[i - from] = t;
      if (t !== NO) flagged += 1;
    }
    return flagged;
  }

  explain(i: number): string {
    if (this.pathsKnown[i] !== 1) return 'the shared paths are unknown, so names cannot be checked';
    const reasons: string[] = [];
    for (const path of this.paths[i]!) {
      const denied = firstMatch(this.denyOne, path);
      if (denied) reasons.push(`path "${path}" matches ${quoted(denied)}`);
      else if (this.hasAllow && firstMatch(this.allowOne, path) === undefined) reasons.push(`path "${path}" matches no allow pattern`);
    }
    return reasons.join('; ');
  }
}

export const nameRuleKind: RuleKind<NameRule> = {
  type: 'name',
  summary: 'cancels shares with a path matching a deny pattern, or a path matching no allow pattern',
  schema: nameRuleSchema,
  describe(rule) {
    const parts: string[] = [];
    if (rule.deny) parts.push(`deny ${rule.deny.join(', ')}`);
    if (rule.denyRegex) parts.push(`deny regex ${rule.denyRegex.join(', ')}`);
    if (rule.allow) parts.push(`allow ${rule.allow.join(', ')}`);
    if (rule.allowRegex) parts.push(`allow regex ${rule.allowRegex.join(', ')}`);
    return `names: ${parts.join('; ')}`;
  },
  compile: (rule, inventory): ShareRule => new NameCheck(rule, inventory),
};
