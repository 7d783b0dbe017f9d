/**
 * The inventory as the engine sees it: shares in one canonical order (by share id), with the
 * facts every policy needs precomputed once (age clock, whether the paths are known), so that
 * twenty policies over a million shares do not recompute them twenty times.
 */
import { LiteralIndex } from './literal-index';
import type { ShareFacts, ShareId } from './share';

/** Three-valued answers: a share is in scope / breaks a rule / is exempt: no, yes, or cannot tell. */
export type Tri = 0 | 1 | 2;
/**
 * The three values. Hot loops destructure them into module constants (`const { NO, YES, UNKNOWN }
 * = TRI`): an imported binding may compile to a getter call per access (esbuild's CommonJS
 * output does that), which costs seconds over a million shares and twenty policies.
 */
export const TRI = { NO: 0, YES: 1, UNKNOWN: 2 } as const;

/**
 * Which clock a share's age comes from, best first: TeraBox's own creation time, the time this
 * product created the share (share records), the first sweep that saw it (inventory).
 */
export type AgeClock = 'terabox-created' | 'product-created' | 'first-seen';

/** Index into {@link AGE_CLOCKS}; 0 = no clock at all. */
export const CLOCK_NONE = 0;
export const AGE_CLOCKS: readonly (AgeClock | undefined)[] = [undefined, 'terabox-created', 'product-created', 'first-seen'];

/**
 * Orders share ids as numbers without converting them (ids may exceed 2^53): shorter first, then
 * lexicographically. For canonical decimal strings this is numeric order; for anything else it is
 * still a total order, which is all determinism needs.
 */
export function compareShareIds(a: ShareId, b: ShareId): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first position in `sorted` (ordered by {@link compareShareIds} of `idOf`) whose id is not below `id`. */
export function lowerBoundByShareId<T>(sorted: readonly T[], id: ShareId, idOf: (x: T) => ShareId): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareShareIds(idOf(sorted[mid]!), id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The entries of `id` in ids sorted by {@link compareShareIds} (the inventory's order): `[start,
 * end)`, empty when the id is absent. A binary search, so that a handful of listed ids (an
 * exemption's) cost a few dozen comparisons instead of a lookup per share.
 */
export function shareIdRange(ids: readonly ShareId[], id: ShareId): [number, number] {
  const lo = lowerBoundByShareId(ids, id, (x) => x);
  let end = lo;
  while (end < ids.length && ids[end] === id) end += 1;
  return [lo, end];
}

/** Canonical decimal ids that a double represents exactly (15 digits < 2^53). */
const SMALL_DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;

/**
 * Input indices sorted by share id (stable for duplicates), for an input that is neither strictly
 * ascending nor strictly descending (those need no sort at all, see prepareInventory).
 */
function sortedOrder(ids: readonly string[]): number[] {
  const n = ids.length;
  // A plain array on purpose: V8 sorts it with TimSort, which is near-linear on the runs a
  // listing is made of; its typed-array sort is not.
  const order: number[] = new Array<number>(n);
  for (let i = 0; i < n; i += 1) order[i] = i;
  let small = true;
  for (let i = 0; i < n && small; i += 1) small = SMALL_DECIMAL.test(ids[i]!);
  if (small) {
    // Numeric keys compare several times faster than strings.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i += 1) keys[i] = Number(ids[i]);
    order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  } else {
    order.sort((a, b) => compareShareIds(ids[a]!, ids[b]!) || a - b);
  }
  return order;
}

/** Visibility codes of {@link PreparedInventory.visibility} (destructure them, see {@link TRI}). */
export const VISIBILITY = { UNKNOWN: 0, PUBLIC: 1, PRIVATE: 2 } as const;
const { UNKNOWN: VISIBILITY_UNKNOWN, PUBLIC: VISIBILITY_PUBLIC, PRIVATE: VISIBILITY_PRIVATE } = VISIBILITY;

const NO_PATHS: readonly string[] = Object.freeze([]);

/**
 * The shares in canonical order, with the facts every policy needs extracted once into flat
 * columns: reading a typed array is far cheaper than chasing `facts[i].share.x` through a
 * million scattered objects twenty times.
 */
export interface PreparedInventory {
  /** Number of entries (duplicates included). */
  readonly size: number;
  /** Number of distinct share ids. */
  readonly distinct: number;
  readonly now: number;
  readonly facts: readonly ShareFacts[];
  readonly ids: readonly ShareId[];
  /** The shared paths; an empty array when they are unknown (or not all absolute path strings). */
  readonly paths: readonly (readonly string[])[];
  /** 1 when the share has at least one path and every path is an absolute path string. */
  readonly pathsKnown: Uint8Array;
  /** VISIBILITY_UNKNOWN / _PUBLIC / _PRIVATE. */
  readonly visibility: Uint8Array;
  /** Index into `requesters`, -1 when no requester is recorded. */
  readonly requesterCode: Int32Array;
  /** The distinct requesters, in the order the input first names them (codes are labels, not an order). */
  readonly requesters: readonly string[];
  /** The share's age clock (epoch ms), NaN when no clock is known. */
  readonly clockMs: Float64Array;
  /** Index into {@link AGE_CLOCKS}. */
  readonly clockKind: Uint8Array;
  /** > 0 for every entry whose id appears more than once: the number of entries with that id. */
  readonly duplicateCount: Uint32Array;
  /** 1 when the share carries grace marks (`violatingSince`). */
  readonly hasMarks: Uint8Array;
  /** The literal path tests of this run's policies, answered share by share (see literal-index.ts). */
  readonly literals: LiteralIndex;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

// Reorders a column: `out[k] = column[order[k]]`. One function per element type: a generic one
// sees three array types at one access and V8 then takes its slow path for every element.
function gatherBytes(column: Uint8Array, order: readonly number[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(order.length);
  for (let k = 0; k < order.length; k += 1) out[k] = column[order[k]!]!;
  return out;
}

function gatherInt32(column: Int32Array, order: readonly number[]): Int32Array<ArrayBuffer> {
  const out = new Int32Array(order.length);
  for (let k = 0; k < order.length; k += 1) out[k] = column[order[k]!]!;
  return out;
}

function gatherFloat64(column: Float64Array, order: readonly number[]): Float64Array<ArrayBuffer> {
  const out = new Float64Array(order.length);
  for (let k = 0; k < order.length; k += 1) out[k] = column[order[k]!]!;
  return out;
}

function gatherList<T>(list: readonly T[], order: readonly number[]): T[] {
  const out: T[] = new Array<T>(order.length);
  for (let k = 0; k < order.length; k += 1) out[k] = list[order[k]!]!;
  return out;
}

/**
 * Sorts the shares by id and precomputes what every policy needs.
 *
 * A million shares are a million scattered objects, and on this engine's inventories reading them
 * costs more than any policy: each pass over them is paid in cache misses. So they are read once,
 * in input order (the order they sit in memory), into columns; the columns are then put in share
 * id order. A listing comes strictly ascending or (TeraBox's newest first) strictly descending by
 * id, which the same pass notices: then the order needs no sort (a reversal at most) and there can
 * be no duplicate ids.
 */
export function prepareInventory(shares: readonly ShareFacts[], now: number): PreparedInventory {
  const n = shares.length;
  let ids: ShareId[] = new Array<ShareId>(n);
  let paths: (readonly string[])[] = new Array<readonly string[]>(n);
  let pathsKnown = new Uint8Array(n);
  let visibility = new Uint8Array(n);
  let requesterCode = new Int32Array(n);
  const requesters: string[] = [];
  const requesterIndex = new Map<string, number>();
  let clockMs = new Float64Array(n);
  let clockKind = new Uint8Array(n);
  let hasMarks = new Uint8Array(n);
  let ascending = true;
  let descending = true;
  let previous = '';
  for (let i = 0; i < n; i += 1) {
    const f = shares[i]!;
    const share = f.share;
    const rawId: unknown = share.shareId;
    const id = typeof rawId === 'string' ? rawId : String(rawId);
    ids[i] = id;
    if (i > 0 && (ascending || descending)) {
      const c = compareShareIds(previous, id);
      if (c >= 0) ascending = false;
      if (c <= 0) descending = false;
    }
    previous = id;
    if (isFiniteNumber(share.createdAtMs)) {
      clockMs[i] = share.createdAtMs;
      clockKind[i] = 1;
    } else if (isFiniteNumber(f.recordedCreatedAtMs)) {
      clockMs[i] = f.recordedCreatedAtMs;
      clockKind[i] = 2;
    } else if (isFiniteNumber(f.firstSeenAtMs)) {
      clockMs[i] = f.firstSeenAtMs;
      clockKind[i] = 3;
    } else {
      clockMs[i] = Number.NaN;
    }
    const p: unknown = share.paths;
    let known = Array.isArray(p) && p.length > 0;
    if (known) {
      const list = p as unknown[];
      // Only absolute paths are paths: a status text where a path was expected (TeraBox's
      // typicalPath can say the file was deleted) must never meet a path rule or exemption.
      for (let j = 0; j < list.length && known; j += 1) {
        const path = list[j];
        known = typeof path === 'string' && path.charCodeAt(0) === 0x2f;
      }
    }
    pathsKnown[i] = known ? 1 : 0;
    paths[i] = known ? (p as string[]) : NO_PATHS;
    const v = share.visibility;
    visibility[i] = v === 'public' ? VISIBILITY_PUBLIC : v === 'private' ? VISIBILITY_PRIVATE : VISIBILITY_UNKNOWN;
    const marks: unknown = f.violatingSince;
    if (typeof marks === 'object' && marks !== null) hasMarks[i] = 1;
    const r: unknown = f.requester;
    if (typeof r === 'string' && r !== '') {
      let code = requesterIndex.get(r);
      if (code === undefined) {
        code = requesters.length;
        requesters.push(r);
        requesterIndex.set(r, code);
      }
      requesterCode[i] = code;
    } else {
      requesterCode[i] = -1;
    }
  }

  let facts: readonly ShareFacts[] = shares;
  const duplicateCount = new Uint32Array(n);
  let distinct = n;
  if (descending && !ascending) {
    // Newest first, as TeraBox lists: the columns reversed in place.
    facts = shares.slice().reverse();
    ids.reverse();
    paths.reverse();
    pathsKnown.reverse();
    visibility.reverse();
    requesterCode.reverse();
    clockMs.reverse();
    clockKind.reverse();
    hasMarks.reverse();
  } else if (!ascending) {
    const order = sortedOrder(ids);
    facts = gatherList(shares, order);
    ids = gatherList(ids, order);
    paths = gatherList(paths, order);
    pathsKnown = gatherBytes(pathsKnown, order);
    visibility = gatherBytes(visibility, order);
    requesterCode = gatherInt32(requesterCode, order);
    clockMs = gatherFloat64(clockMs, order);
    clockKind = gatherBytes(clockKind, order);
    hasMarks = gatherBytes(hasMarks, order);
    // Only an input out of order can hold an id twice (a strictly ordered one cannot).
    for (let k = 1; k < n; k += 1) {
      if (ids[k] !== ids[k - 1]) continue;
      let end = k;
      while (end < n && ids[end] === ids[k - 1]) end += 1;
      const count = end - (k - 1);
      for (let j = k - 1; j < end; j += 1) duplicateCount[j] = count;
      distinct -= count - 1;
      k = end - 1;
    }
  }
  return {
    size: n,
    distinct,
    now,
    facts,
    ids,
    paths,
    pathsKnown,
    visibility,
    requesterCode,
    requesters,
    clockMs,
    clockKind,
    duplicateCount,
    hasMarks,
    literals: new LiteralIndex(paths),
  };
}

/** A number of days with one decimal, more when one decimal would hide that it is past a limit. */
export function formatDays(days: number, limit?: number): string {
  let s = toFixed1(days);
  if (limit !== undefined && days > limit && Number(s) <= limit) s = days.toFixed(3);
  return s;
}

/**
 * Exactly `x.toFixed(1)`, without its cost (V8 formats through exact decimal arithmetic, over half
 * a microsecond, and a run writes a reason for every share a policy flags). When `10x` is not
 * within 0.00001 of a half, the nearest integer to the computed `10x` is also the nearest to the
 * exact one (for `x` below a million the product is off by far less), so it is the digits
 * toFixed would pick; near a half, and outside that range, toFixed itself decides.
 */
export function toFixed1(x: number): string {
  const tenths = x * 10;
  const n = Math.round(tenths);
  if (x >= 0 && x < 1e6 && Math.abs(tenths - n) < 0.49999) {
    const whole = Math.floor(n / 10);
    return `${whole}.${n - whole * 10}`;
  }
  return x.toFixed(1);
}

/**
 * A number that stands for the text of {@link agePhrase}`(kind, ageMs, limitDays)`: two calls with
 * the same key (and the same `limitDays`) give the same text. -1 when there is no such number
 * (the text needs toFixed itself, or more than one decimal near the limit). Lets a rule build a
 * phrase once for all the shares of one age to a tenth of a day: a run flags a hundred thousand
 * shares from a few thousand distinct ages, and every string kept is work for the collector.
 */
export function agePhraseKey(kind: number, ageMs: number, limitDays?: number): number {
  const days = ageMs / 86_400_000;
  const tenths = days * 10;
  const n = Math.round(tenths);
  // The conditions of toFixed1's own fast path (its text then depends on n alone), and not the
  // case where formatDays switches to three decimals (past the limit, yet not by a tenth).
  if (!(days >= 0 && days < 1e6 && Math.abs(tenths - n) < 0.49999)) return -1;
  if (limitDays !== undefined && days > limitDays && n / 10 <= limitDays) return -1;
  return n * 4 + (kind & 3);
}

/** How an age reads in a reason: "created 41.2 days ago", "first seen 41.2 days ago (no creation time known)". */
export function agePhrase(kind: number, ageMs: number, limitDays?: number): string {
  const days = formatDays(ageMs / 86_400_000, limitDays);
  switch (kind) {
    case 1:
      return `created ${days} days ago`;
    case 2:
      return `created by this product ${days} days ago (TeraBox gave no creation time)`;
    default:
      return `first seen ${days} days ago (no creation time known)`;
  }
}
