/**
 * `quota`: at most `maxShares` shares in scope, counted for the whole account or per requester.
 * The shares beyond the quota are flagged: the oldest ones when the quota keeps the `newest`
 * (the default), the newest ones when it keeps the `oldest`.
 *
 * Counting rules (each chosen so that the quota never cancels a share it should have kept):
 * - Shares are ranked by the same clock as max-age (TeraBox creation time, else product
 *   creation, else first seen); ties are broken by share id (a higher id counts as newer), so the
 *   outcome is deterministic whatever the input order.
 * - Exempt shares count toward the quota and are never flagged: the policy then flags the next
 *   non-exempt shares in line instead, so that exactly `maxShares` remain when possible.
 * - A share whose exemption cannot be decided (paths unknown, path exemptions exist) takes a
 *   "flagged" slot but is reported `unevaluable` and never cancelled: the policy cancels fewer
 *   shares than needed rather than the wrong one.
 * - Shares that cannot be ranked (no clock) or whose scope cannot be decided are left out of the
 *   count and reported `unevaluable` when the quota is exceeded. Leaving them out can only make
 *   the policy cancel fewer shares, never a share it would have kept had their facts been known.
 * - Shares that an earlier policy already cancels in this run are not counted (policies are run
 *   in id order, quotas after the other rules), so that two policies never cancel more than needed.
 * - `per: "requester"` groups by the requester recorded for shares created through the queue;
 *   shares without a recorded requester are out of scope for such a quota.
 * - `maxShares: 0` flags every share in scope.
 */
import * as z from 'zod';
import type { QuotaRule } from '../policy-types';
import { countSchema } from '../schema-parts';
import type { RuleKind, SetRule, SetRuleContext, SetRuleSelection, SetVerdict } from './rule-kind';

export const quotaRuleSchema = z.strictObject({
  type: z.literal('quota'),
  maxShares: countSchema,
  per: z.enum(['account', 'requester'], { error: 'must be "account" or "requester"' }).default('account'),
  keep: z.enum(['newest', 'oldest'], { error: 'must be "newest" or "oldest"' }).default('newest'),
});

/** 1st, 2nd, 3rd, 11th, 21st. */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  return `${n}${teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')}`;
}

/** The shares of one group (the account, or one requester), by slot. */
interface Group {
  label: string;
  /** Certainly in scope, with a clock. */
  ranked: number[];
  /** Certainly in scope, without a clock. */
  unranked: number[];
  scopeUnknown: number[];
}

/** The shares by group; shares without a requester are out of a per-requester quota. */
function groupsOf(rule: QuotaRule, ctx: SetRuleContext): Group[] {
  const groups = new Map<string, Group>();
  const groupOf = (slot: number): Group | undefined => {
    const key = rule.per === 'requester' ? ctx.requester(slot) : '';
    if (key === undefined) return undefined;
    let g = groups.get(key);
    if (!g) {
      const label = rule.per === 'requester' ? `for requester "${key}"` : 'for the account';
      groups.set(key, (g = { label, ranked: [], unranked: [], scopeUnknown: [] }));
    }
    return g;
  };
  for (const slot of ctx.inScope) {
    const g = groupOf(slot);
    if (g) (Number.isNaN(ctx.clocks[slot]!) ? g.unranked : g.ranked).push(slot);
  }
  for (const slot of ctx.undecided) groupOf(slot)?.scopeUnknown.push(slot);
  return [...groups.values()];
}

/**
 * The group's ranked shares in keep order (the shares to keep first): newest first, ties the
 * higher share id first, for `keep: "newest"`; the reverse for `keep: "oldest"`.
 */
function keepOrder(slots: number[], keep: QuotaRule['keep'], ctx: SetRuleContext): number[] {
  const sign = keep === 'newest' ? 1 : -1;
  const clocks = ctx.clocks;
  return slots.sort((a, b) => {
    const d = clocks[b]! - clocks[a]!;
    return sign * (d > 0 ? 1 : d < 0 ? -1 : ctx.compareIds(b, a));
  });
}

/** Outcome k's reason, as two numbers: the group, and the position in keep order (or why there is none). */
const UNRANKED = -1;
const SCOPE_UNKNOWN = -2;

class QuotaSelection implements SetRuleSelection {
  readonly slots: number[] = [];
  readonly verdicts: SetVerdict[] = [];
  private readonly groupOf: number[] = [];
  private readonly positionOf: number[] = [];
  inScope = 0;

  constructor(
    private readonly rule: QuotaRule,
    private readonly groups: readonly Group[],
  ) {}

  add(slot: number, verdict: SetVerdict, group: number, position: number): void {
    this.slots.push(slot);
    this.verdicts.push(verdict);
    this.groupOf.push(group);
    this.positionOf.push(position);
  }

  reason(k: number): string {
    const { maxShares: max, keep } = this.rule;
    const g = this.groups[this.groupOf[k]!]!;
    const quotaText = `quota ${max} ${g.label}, keeps the ${keep}`;
    const position = this.positionOf[k]!;
    if (position === UNRANKED) return `no creation or first-seen time known, so it cannot be ranked (${quotaText})`;
    if (position === SCOPE_UNKNOWN) return `cannot tell whether it counts toward the ${quotaText}`;
    return `${ordinal(position + 1)} ${keep} of ${g.ranked.length} shares in scope, ${quotaText}`;
  }
}

/** The outcomes of one group over its quota. */
function overQuota(rule: QuotaRule, g: Group, group: number, ctx: SetRuleContext, out: QuotaSelection): void {
  const max = rule.maxShares;
  if (g.ranked.length > max) {
    // Walk the keep order from its end: exempt shares stay (and count), the next in line goes instead.
    const order = keepOrder(g.ranked, rule.keep, ctx);
    const count = order.length;
    let removed = 0;
    for (let pos = count - 1; pos >= 0 && removed < count - max; pos -= 1) {
      const slot = order[pos]!;
      const ex = ctx.exempt(slot);
      if (ex === 'yes') {
        out.add(slot, 'exempt', group, pos);
      } else {
        out.add(slot, ex === 'unknown' ? 'unknown' : 'break', group, pos);
        removed += 1;
      }
    }
  }
  if (g.ranked.length + g.unranked.length > max) for (const slot of g.unranked) out.add(slot, 'unknown', group, UNRANKED);
  for (const slot of g.scopeUnknown) out.add(slot, 'unknown', group, SCOPE_UNKNOWN);
}

function selectQuota(rule: QuotaRule, ctx: SetRuleContext): SetRuleSelection {
  const groups = groupsOf(rule, ctx);
  const out = new QuotaSelection(rule, groups);
  groups.forEach((g, k) => {
    out.inScope += g.ranked.length + g.unranked.length;
    if (g.ranked.length + g.unranked.length + g.scopeUnknown.length > rule.maxShares) overQuota(rule, g, k, ctx, out);
  });
  return out;
}

export const quotaRuleKind = {
  type: 'quota',
  summary: 'cancels the shares beyond maxShares in scope (per account or requester), keeping the newest or oldest',
  schema: quotaRuleSchema,
  usesClock: true,
  describe: (rule) => `quota ${rule.maxShares} per ${rule.per}, keep ${rule.keep}`,
  compile: (rule): SetRule => ({ mode: 'set', select: (ctx) => selectQuota(rule, ctx) }),
} as const satisfies RuleKind<QuotaRule>;
