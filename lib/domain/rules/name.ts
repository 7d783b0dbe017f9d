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
import { TRI, type Tri } from '../inventory';
import { compileGlob, compileRegex, compileRegexAlternation, firstMatch, type PathMatcher } from '../matchers';
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
  compile(rule, inventory): ShareRule {
    // For the verdict: globs first (most have string fast paths), then all the regexes of a list
    // as one alternation (one automaton pass per path). For the reason: each pattern on its own.
    const denyOne = [...(rule.deny ?? []).map(compileGlob), ...(rule.denyRegex ?? []).map(compileRegex)];
    const allowOne = [...(rule.allow ?? []).map(compileGlob), ...(rule.allowRegex ?? []).map(compileRegex)];
    const deny = [...(rule.deny ?? []).map(compileGlob), ...(rule.denyRegex ? [compileRegexAlternation(rule.denyRegex)] : [])];
    const allow = [...(rule.allow ?? []).map(compileGlob), ...(rule.allowRegex ? [compileRegexAlternation(rule.allowRegex)] : [])];
    const hasAllow = allow.length > 0;
    const denyCount = deny.length;
    const allowCount = allow.length;
    const { paths, pathsKnown } = inventory;
    // Plain loops rather than a helper: this runs for every path of every share in scope.
    const breaks = (path: string): boolean => {
      for (let k = 0; k < denyCount; k += 1) if (deny[k]!.test(path)) return true;
      if (!hasAllow) return false;
      for (let k = 0; k < allowCount; k += 1) if (allow[k]!.test(path)) return false;
      return true;
    };
    return {
      mode: 'per-share',
      test(i): Tri {
        if (pathsKnown[i] !== 1) return UNKNOWN;
        const list = paths[i]!;
        for (let k = 0; k < list.length; k += 1) if (breaks(list[k]!)) return YES;
        return NO;
      },
      explain(i) {
        if (pathsKnown[i] !== 1) return 'the shared paths are unknown, so names cannot be checked';
        const reasons: string[] = [];
        for (const path of paths[i]!) {
          const denied = firstMatch(denyOne, path);
          if (denied) reasons.push(`path "${path}" matches ${quoted(denied)}`);
          else if (hasAllow && firstMatch(allowOne, path) === undefined) reasons.push(`path "${path}" matches no allow pattern`);
        }
        return reasons.join('; ');
      },
    };
  },
};
