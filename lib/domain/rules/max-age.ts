/**
 * `max-age`: a share breaks the rule once it is older than `maxAgeDays` (fractions allowed).
 *
 * The age counts from the best clock known for the share (see `AgeClock`): TeraBox's creation
 * time, else the time this product created it, else the first sweep that saw it. The decision
 * names the clock used. A share with no clock at all cannot be judged (`unevaluable`). A share
 * "created in the future" (clock skew) is simply young.
 */
import * as z from 'zod';
import { agePhrase } from '../inventory';
import type { MaxAgeRule } from '../policy-types';
import type { RuleKind, ShareRule } from './rule-kind';

const DAY_MS = 86_400_000;
const NO_CLOCK = 'no creation or first-seen time known, so its age cannot be judged';

export const maxAgeRuleSchema = z.strictObject({
  type: z.literal('max-age'),
  maxAgeDays: z
    .number({ error: 'must be a finite number' })
    .gt(0, { error: 'must be greater than 0' })
    .max(36_500, { error: 'must be at most 36500 (100 years)' }),
});

function compileMaxAge(rule: MaxAgeRule, now: number): ShareRule {
  const limitMs = rule.maxAgeDays * DAY_MS;
  return {
    mode: 'per-share',
    test: ({ clockMs }) => (clockMs === undefined ? 'unknown' : now - clockMs > limitMs ? 'yes' : 'no'),
    explain: ({ clockMs, clock }) =>
      clockMs === undefined || clock === undefined ? NO_CLOCK : `${agePhrase(clock, now - clockMs, rule.maxAgeDays)}, limit ${rule.maxAgeDays} days`,
  };
}

export const maxAgeRuleKind = {
  type: 'max-age',
  summary: 'cancels shares older than maxAgeDays (TeraBox creation time, else product creation, else first seen)',
  schema: maxAgeRuleSchema,
  usesClock: true,
  describe: (rule) => `max age ${rule.maxAgeDays} days`,
  compile: compileMaxAge,
} as const satisfies RuleKind<MaxAgeRule>;
