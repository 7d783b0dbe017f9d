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
import { TRI } from '../inventory';
import type { QuotaRule } from '../policy-types';
import type { RuleKind, SetRule, SetRuleContext, SetRuleOutcome, SetRuleSelection } from './rule-kind';

const { NO, YES, UNKNOWN } = TRI;

export const quotaRuleSchema = z.strictObject({
  type: z.literal('quota'),
  maxShares: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must not be negative' }),
  per: z.enum(['account', 'requester'], { error: 'must be "account" or "requester"' }).default('account'),
  keep: z.enum(['newest', 'oldest'], { error: 'must be "newest" or "oldest"' }).default('newest'),
});

/** 1st, 2nd, 3rd, 11th, 21st. */
export function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}

interface Group {
  label: string;
  /** Counts of the shares in the group: ranked (certainly in scope, with a clock), unranked, undecided scope. */
  ranked: number;
  unranked: number;
  scopeUnknown: number;
}

const RANKED = 1;
const UNRANKED = 2;
const SCOPE_UNKNOWN = 3;

/** Extra shares sorted beyond those a quota must flag, for the exempt ones met on the way. */
const TAIL_SLACK = 64;

/**
 * The k-th smallest (0-based) of `values`, which it reorders: Hoare's selection, O(n) on average,
 * against a native sort's O(n log n). A partition that keeps most of the range means an unlucky
 * run of pivots; after a few of those the range is sorted natively, so the worst case stays
 * O(n log n) whatever the clocks are.
 */
export function selectKth(values: Float64Array, k: number): number {
  if (!(k >= 0 && k < values.length)) throw new RangeError(`selectKth: ${k} is outside 0..${values.length - 1}`);
  let lo = 0;
  let hi = values.length - 1;
  let unlucky = 0;
  while (hi > lo) {
    if (unlucky > 8) {
      const part = values.subarray(lo, hi + 1);
      part.sort();
      return part[k - lo]!;
    }
    // Median of three as the pivot.
    const mid = lo + ((hi - lo) >> 1);
    const a = values[lo]!;
    const b = values[mid]!;
    const c = values[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i += 1;
      while (values[j]! > pivot) j -= 1;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i += 1;
        j -= 1;
      }
    }
    // Now values[lo..j] <= pivot <= values[i..hi], and values(j..i) equal the pivot.
    const before = hi - lo;
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return pivot;
    if ((hi - lo) * 4 > before * 3) unlucky += 1;
  }
  return values[k]!;
}

/**
 * The end of a group's keep order (the shares to keep first, see `rankNewestFirst`): at least
 * `need` shares, in keep order, where `tail[j]` stands at position `offset + j` of the whole
 * order. A quota of 990,000 over a million shares flags about 10,000: sorting a million indices
 * with a comparator costs about 0.2 s, while finding the clock that cuts the tail off (a
 * selection, see `selectKth`) and sorting the tail costs a fraction of it. All shares whose clock equals
 * the cut are in the tail, so it is always a whole suffix of the order.
 */
function keepOrderTail(ctx: SetRuleContext, indices: Int32Array, keep: 'newest' | 'oldest', need: number): { tail: number[]; offset: number } {
  const count = indices.length;
  if (need * 4 >= count) {
    const order = ctx.rankNewestFirst(Array.from(indices));
    if (keep === 'oldest') order.reverse();
    return { tail: order, offset: 0 };
  }
  const { clockMs } = ctx.inventory;
  const clocks = new Float64Array(count);
  for (let k = 0; k < count; k += 1) clocks[k] = clockMs[indices[k]!]!;
  // The end of newest-first: the oldest shares, every one at or below the need-th oldest clock;
  // the end of oldest-first: the newest shares, every one at or above the need-th newest clock.
  const newest = keep === 'newest';
  const cut = newest ? selectKth(clocks, need - 1) : selectKth(clocks, count - need);
  const subset: number[] = [];
  for (let k = 0; k < count; k += 1) {
    const i = indices[k]!;
    const c = clockMs[i]!;
    if (newest ? c <= cut : c >= cut) subset.push(i);
  }
  const order = ctx.rankNewestFirst(subset);
  if (!newest) order.reverse();
  return { tail: order, offset: count - subset.length };
}

export const quotaRuleKind: RuleKind<QuotaRule> = {
  type: 'quota',
  summary: 'cancels the shares beyond maxShares in scope (per account or requester), keeping the newest or oldest',
  schema: quotaRuleSchema,
  describe: (rule) => `quota ${rule.maxShares} per ${rule.per}, keep ${rule.keep}`,
  compile(rule): SetRule {
    return { mode: 'set', select: (ctx) => selectQuota(rule, ctx) };
  },
};

/**
 * The quota over the scope column. Pass 0 and the rest are functions of their own: V8 compiles
 * each apart, so that a run where one quota stops after pass 0 and the next goes on does not
 * throw away the optimized code of the other part.
 */
function selectQuota(rule: QuotaRule, ctx: SetRuleContext): SetRuleSelection {
  const { scope } = ctx;
  const { size: n, requesterCode, requesters } = ctx.inventory;
  const max = rule.maxShares;
  const perRequester = rule.per === 'requester';
  // Pass 0: most runs find every group within its quota, which a count over the scope
  // column tells in one tight loop; only a group over its quota needs its shares placed,
  // ranked and explained (passes 1 and 2).
  const totals = new Float64Array(perRequester ? requesters.length : 1);
  let certain = 0;
  for (let i = 0; i < n; i += 1) {
    const sc = scope[i]!;
    if (sc === NO) continue;
    const key = perRequester ? requesterCode[i]! : 0;
    if (key < 0) continue;
    totals[key] += 1;
    if (sc === YES) certain += 1;
  }
  if (totals.every((total) => total <= max)) return { outcomes: [], inScope: certain };
  return overQuota(rule, ctx);
}

/** Passes 1 and 2 of a quota some group of which is over it (see selectQuota). */
function overQuota(rule: QuotaRule, ctx: SetRuleContext): SetRuleSelection {
  const { scope } = ctx;
  const { size: n, requesterCode, requesters, clockMs } = ctx.inventory;
  const { maxShares: max, keep } = rule;
  const perRequester = rule.per === 'requester';
  // Pass 1: place every share in its group (one for the account, or one per requester
  // code; shares without a requester are out of a per-requester quota) and count.
  const groups: (Group | undefined)[] = [];
  const groupIndex = new Int32Array(n).fill(-1);
  const state = new Uint8Array(n);
  let inScope = 0;
  for (let i = 0; i < n; i += 1) {
    const sc = scope[i]!;
    if (sc === NO) continue;
    const key = perRequester ? requesterCode[i]! : 0;
    if (key < 0) continue;
    let g = groups[key];
    if (!g) {
      const label = perRequester ? `for requester "${requesters[key]!}"` : 'for the account';
      g = groups[key] = { label, ranked: 0, unranked: 0, scopeUnknown: 0 };
    }
    groupIndex[i] = key;
    if (sc === UNKNOWN) {
      state[i] = SCOPE_UNKNOWN;
      g.scopeUnknown += 1;
    } else if (Number.isNaN(clockMs[i]!)) {
      state[i] = UNRANKED;
      g.unranked += 1;
      inScope += 1;
    } else {
      state[i] = RANKED;
      g.ranked += 1;
      inScope += 1;
    }
  }
  // Some group is over its quota (selectQuota's pass 0 said so).
  const over = (g: Group | undefined): boolean => g !== undefined && g.ranked + g.unranked + g.scopeUnknown > max;

  // Pass 2, only for groups over the quota: the texts, then per group the shares to flag,
  // walking the group's keep order (the shares to keep first) from its end.
  const out: SetRuleOutcome[] = [];
  const texts = groups.map((g) => {
    if (!g) return undefined;
    const quotaText = `quota ${max} ${g.label}, keeps the ${keep}`;
    // One string per group for the shares that cannot be judged (the engine shares them).
    return {
      quotaText,
      unranked: `no creation or first-seen time known, so it cannot be ranked (${quotaText})`,
      scope: `cannot tell whether it counts toward the ${quotaText}`,
    };
  });
  // The ranked members of each group over its quota, in share order (sized by pass 1's counts).
  const members = groups.map((g) => (g && g.ranked > max ? { list: new Int32Array(g.ranked), filled: 0 } : undefined));
  for (let i = 0; i < n; i += 1) {
    if (state[i] !== RANKED) continue;
    const m = members[groupIndex[i]!];
    if (m !== undefined) m.list[m.filled++] = i;
  }
  for (let key = 0; key < members.length; key += 1) {
    const list = members[key]?.list;
    if (list === undefined) continue;
    const count = list.length;
    const quotaText = texts[key]!.quotaText;
    const toRemove = count - max;
    // Only the end of the keep order matters, so only the end is sorted (see keepOrderTail);
    // an exempt share there makes the walk go one further, so the tail may have to grow.
    for (let need = toRemove + TAIL_SLACK; ; need *= 4) {
      const { tail, offset } = keepOrderTail(ctx, list, keep, need);
      const found: SetRuleOutcome[] = [];
      let removed = 0;
      let j = tail.length - 1;
      for (; j >= 0 && removed < toRemove; j -= 1) {
        const i = tail[j]!;
        const pos = offset + j;
        const reason = `${ordinal(pos + 1)} ${keep} of ${count} shares in scope, ${quotaText}`;
        const ex = ctx.exempt(i);
        if (ex === YES) {
          found.push({ index: i, verdict: 'exempt', reason });
        } else {
          found.push({ index: i, verdict: ex === UNKNOWN ? 'unknown' : 'break', reason });
          removed += 1;
        }
      }
      if (removed === toRemove || offset === 0) {
        for (const f of found) out.push(f);
        break;
      }
    }
  }
  for (let i = 0; i < n; i += 1) {
    const st = state[i]!;
    if (st !== UNRANKED && st !== SCOPE_UNKNOWN) continue;
    const key = groupIndex[i]!;
    const g = groups[key]!;
    if (st === UNRANKED && g.ranked + g.unranked > max) out.push({ index: i, verdict: 'unknown', reason: texts[key]!.unranked });
    if (st === SCOPE_UNKNOWN && over(g)) out.push({ index: i, verdict: 'unknown', reason: texts[key]!.scope });
  }
  return { outcomes: out, inScope };
}
