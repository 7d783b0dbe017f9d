/**
 * `name`: rules on the paths of the shared files.
 *
 * A share breaks the rule when one of its paths matches a `deny` glob or a `denyRegex`, or (when
 * any `allow` / `allowRegex` is given) when one of its paths matches none of them. A share whose
 * paths are unknown cannot be judged (`unevaluable`) and is never cancelled by this rule.
 * Patterns are validated and compiled when the policy is loaded (see glob.ts and matchers.ts for
 * the syntax and why every pattern runs in linear time).
 */
import * as z from 'zod';
import { compileGlob, compilePatternList, compileRegex } from '../matchers';
import type { NameRule } from '../policy-types';
import { globListSchema, regexListSchema } from '../schema-parts';
import type { RuleKind, ShareRule } from './rule-kind';

const PATHS_UNKNOWN = 'the shared paths are unknown, so names cannot be checked';

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

function compileName(rule: NameRule): ShareRule {
  // The verdict tests each list at once; the reason names the pattern, so it tests them one by one.
  const deny = compilePatternList(rule.deny ?? [], rule.denyRegex ?? []);
  const allow = compilePatternList(rule.allow ?? [], rule.allowRegex ?? []);
  const denyOne = [...(rule.deny ?? []).map(compileGlob), ...(rule.denyRegex ?? []).map(compileRegex)];
  const breaks = (path: string): boolean => (deny !== undefined && deny(path)) || (allow !== undefined && !allow(path));
  return {
    mode: 'per-share',
    test({ paths }) {
      if (paths === undefined) return 'unknown';
      for (const path of paths) if (breaks(path)) return 'yes';
      return 'no';
    },
    explain({ paths }) {
      if (paths === undefined) return PATHS_UNKNOWN;
      const reasons: string[] = [];
      for (const path of paths) {
        const denied = denyOne.find((m) => m.test(path));
        if (denied) reasons.push(`path "${path}" matches deny ${denied.kind === 'glob' ? 'pattern' : 'regex'} "${denied.pattern}"`);
        else if (allow !== undefined && !allow(path)) reasons.push(`path "${path}" matches no allow pattern`);
      }
      return reasons.join('; ');
    },
  };
}

export const nameRuleKind = {
  type: 'name',
  summary: 'cancels shares with a path matching a deny pattern, or a path matching no allow pattern',
  schema: nameRuleSchema,
  usesClock: false,
  describe(rule) {
    const parts: string[] = [];
    if (rule.deny) parts.push(`deny ${rule.deny.join(', ')}`);
    if (rule.denyRegex) parts.push(`deny regex ${rule.denyRegex.join(', ')}`);
    if (rule.allow) parts.push(`allow ${rule.allow.join(', ')}`);
    if (rule.allowRegex) parts.push(`allow regex ${rule.allowRegex.join(', ')}`);
    return `names: ${parts.join('; ')}`;
  },
  compile: compileName,
} as const satisfies RuleKind<NameRule>;
