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
import type { InventoryShare } from '../inventory';
import type { QuotaRule } from '../policy-types';
import { countSchema } from '../schema-parts';
import type { RuleKind, SetRule, SetRuleContext, SetRuleOutcome, SetRuleSelection } from './rule-kind';

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

/** The shares of one group (the account, or one requester) and the texts of its reasons. */
interface Group {
  label: string;
  /** Certainly in scope, with a clock. */
  ranked: InventoryShare[];
  /** Certainly in scope, without a clock. */
  unranked: InventoryShare[];
  scopeUnknown: InventoryShare[];
}

/** The shares by group; shares without a requester are out of a per-requester quota. */
function groupsOf(rule: QuotaRule, ctx: SetRuleContext): Map<string, Group> {
  const groups = new Map<string, Group>();
  const groupOf = (share: InventoryShare): Group | undefined => {
    const key = rule.per === 'requester' ? share.requester : '';
    if (key === undefined) return undefined;
    let g = groups.get(key);
    if (!g) {
      const label = rule.per === 'requester' ? `for requester "${key}"` : 'for the account';
      groups.set(key, (g = { label, ranked: [], unranked: [], scopeUnknown: [] }));
    }
    return g;
  };
  for (let k = 0; k < ctx.inScope.length; k += 1) {
    const share = ctx.inScope[k]!;
    const g = groupOf(share);
    if (g) (share.clockMs === undefined ? g.unranked : g.ranked).push(share);
  }
  for (const share of ctx.undecided) groupOf(share)?.scopeUnknown.push(share);
  return groups;
}

/**
 * The group's ranked shares in keep order (the shares to keep first): newest first, ties the
 * higher share id first, for `keep: "newest"`; the reverse for `keep: "oldest"`.
 */
function keepOrder(shares: InventoryShare[], keep: QuotaRule['keep']): InventoryShare[] {
  const sign = keep === 'newest' ? 1 : -1;
  return shares.sort((a, b) => sign * (b.clockMs! - a.clockMs! || b.index - a.index));
}

/** The outcomes of one group over its quota. */
function overQuota(rule: QuotaRule, g: Group, ctx: SetRuleContext, out: SetRuleOutcome[]): void {
  const { maxShares: max, keep } = rule;
  const quotaText = `quota ${max} ${g.label}, keeps the ${keep}`;
  if (g.ranked.length > max) {
    // Walk the keep order from its end: exempt shares stay (and count), the next in line goes instead.
    const order = keepOrder(g.ranked, keep);
    const count = order.length;
    let removed = 0;
    for (let pos = count - 1; pos >= 0 && removed < count - max; pos -= 1) {
      const share = order[pos]!;
      const reason = `${ordinal(pos + 1)} ${keep} of ${count} shares in scope, ${quotaText}`;
      const ex = ctx.exempt(share);
      if (ex === 'yes') {
        out.push({ share, verdict: 'exempt', reason });
      } else {
        out.push({ share, verdict: ex === 'unknown' ? 'unknown' : 'break', reason });
        removed += 1;
      }
    }
  }
  if (g.ranked.length + g.unranked.length > max) {
    const reason = `no creation or first-seen time known, so it cannot be ranked (${quotaText})`;
    for (const share of g.unranked) out.push({ share, verdict: 'unknown', reason });
  }
  const reason = `cannot tell whether it counts toward the ${quotaText}`;
  for (const share of g.scopeUnknown) out.push({ share, verdict: 'unknown', reason });
}

function selectQuota(rule: QuotaRule, ctx: SetRuleContext): SetRuleSelection {
  const outcomes: SetRuleOutcome[] = [];
  let inScope = 0;
  for (const g of groupsOf(rule, ctx).values()) {
    inScope += g.ranked.length + g.unranked.length;
    if (g.ranked.length + g.unranked.length + g.scopeUnknown.length > rule.maxShares) overQuota(rule, g, ctx, outcomes);
  }
  return { outcomes, inScope };
}

export const quotaRuleKind = {
  type: 'quota',
  summary: 'cancels the shares beyond maxShares in scope (per account or requester), keeping the newest or oldest',
  schema: quotaRuleSchema,
  usesClock: true,
  describe: (rule) => `quota ${rule.maxShares} per ${rule.per}, keep ${rule.keep}`,
  compile: (rule): SetRule => ({ mode: 'set', select: (ctx) => selectQuota(rule, ctx) }),
} as const satisfies RuleKind<QuotaRule>;
