/**
 * `max-age`: a share breaks the rule once it is older than `maxAgeDays` (fractions allowed).
 *
 * The age counts from the best clock known for the share (see `AgeClock`): TeraBox's creation
 * time, else the time this product created it, else the first sweep that saw it. The decision
 * names the clock used. A share with no clock at all cannot be judged (`unevaluable`). A share
 * "created in the future" (clock skew) is simply young.
 */
import * as z from 'zod';
import { TRI, agePhrase, agePhraseKey, type PreparedInventory, type Tri } from '../inventory';
import type { MaxAgeRule } from '../policy-types';
import type { RuleKind, ShareRule } from './rule-kind';

const { NO, YES, UNKNOWN } = TRI;

const DAY_MS = 86_400_000;
const NO_CLOCK = 'no creation or first-seen time known, so its age cannot be judged';
/** Distinct explanations kept per rule (a century in tenths of a day, for each clock, is ~1.5 million). */
const MAX_PHRASES = 100_000;

export const maxAgeRuleSchema = z.strictObject({
  type: z.literal('max-age'),
  maxAgeDays: z
    .number({ error: 'must be a finite number' })
    .gt(0, { error: 'must be greater than 0' })
    .max(36_500, { error: 'must be at most 36500 (100 years)' }),
});

/** A compiled max-age rule (a class, not a closure: see `Scope` in scope.ts). */
class MaxAge implements ShareRule {
  readonly mode = 'per-share' as const;
  private readonly limitMs: number;
  private readonly clockMs: Float64Array;
  private readonly clockKind: Uint8Array;
  private readonly now: number;
  /** Explanations by {@link agePhraseKey}: one string per distinct age (to a tenth of a day) and clock. */
  private readonly phrases = new Map<number, string>();
  readonly explanationsRepeat = true;

  constructor(
    private readonly rule: MaxAgeRule,
    inventory: PreparedInventory,
  ) {
    this.limitMs = rule.maxAgeDays * DAY_MS;
    this.clockMs = inventory.clockMs;
    this.clockKind = inventory.clockKind;
    this.now = inventory.now;
  }

  test(i: number): Tri {
    const t = this.clockMs[i]!;
    if (t !== t) return UNKNOWN; // NaN: no clock
    return this.now - t > this.limitMs ? YES : NO;
  }

  testRange(from: number, to: number, scope: Uint8Array, out: Uint8Array): number {
    const { clockMs, now, limitMs } = this;
    let flagged = 0;
    for (let i = from; i < to; i += 1) {
      const t = clockMs[i]!;
      const v = scope[i - from] === NO ? NO : t !== t ? UNKNOWN : now - t > limitMs ? YES : NO;
      out[i - from] = v;
      if (v !== NO) flagged += 1;
    }
    return flagged;
  }

  explain(i: number): string {
    const t = this.clockMs[i]!;
    if (Number.isNaN(t)) return NO_CLOCK;
    const kind = this.clockKind[i]!;
    const ageMs = this.now - t;
    const limit = this.rule.maxAgeDays;
    const key = agePhraseKey(kind, ageMs, limit);
    let text = key < 0 ? undefined : this.phrases.get(key);
    if (text === undefined) {
      text = `${agePhrase(kind, ageMs, limit)}, limit ${limit} days`;
      if (key >= 0 && this.phrases.size < MAX_PHRASES) this.phrases.set(key, text);
    }
    return text;
  }
}

export const maxAgeRuleKind: RuleKind<MaxAgeRule> = {
  type: 'max-age',
  summary: 'cancels shares older than maxAgeDays (TeraBox creation time, else product creation, else first seen)',
  schema: maxAgeRuleSchema,
  describe: (rule) => `max age ${rule.maxAgeDays} days`,
  compile: (rule, inventory): ShareRule => new MaxAge(rule, inventory),
};
