/**
 * A share as the policies see it: the facts they read (known paths, visibility, requester, age
 * clock) taken from its raw facts once.
 */
import type { ShareFacts, ShareId, Visibility } from './share';

/** Three-valued answers: a share is in scope / breaks a rule / is exempt: no, yes, or cannot tell. */
export type Tri = 'no' | 'yes' | 'unknown';

/**
 * Which clock a share's age comes from, best first: TeraBox's own creation time, the time this
 * product created the share (share records), the first sweep that saw it (inventory).
 */
export type AgeClock = 'terabox-created' | 'product-created' | 'first-seen';

export interface InventoryShare {
  /** The share's slot in the evaluation (the order it was added in). */
  readonly index: number;
  readonly id: ShareId;
  readonly facts: ShareFacts;
  /** The shared paths; undefined when unknown (none, or not all absolute path strings). */
  readonly paths: readonly string[] | undefined;
  readonly visibility: Visibility | undefined;
  /** The requester recorded when the product created it, when there is one. */
  readonly requester: string | undefined;
  /** The share's age clock (epoch ms) and where it comes from; undefined when none is known. */
  readonly clockMs: number | undefined;
  readonly clock: AgeClock | undefined;
}

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

export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The paths when they are known. Only absolute paths are paths: a status text where a path was
 * expected (TeraBox's typicalPath can say the file was deleted) must never meet a path rule or exemption.
 */
function knownPaths(p: unknown): readonly string[] | undefined {
  if (!Array.isArray(p) || p.length === 0) return undefined;
  for (const path of p as unknown[]) if (typeof path !== 'string' || !path.startsWith('/')) return undefined;
  return p as string[];
}

/** The best age clock known for a share (see AgeClock); undefined when none is. */
export function ageClockOf(f: ShareFacts): AgeClock | undefined {
  if (isFiniteNumber(f.share.createdAtMs)) return 'terabox-created';
  if (isFiniteNumber(f.recordedCreatedAtMs)) return 'product-created';
  return isFiniteNumber(f.firstSeenAtMs) ? 'first-seen' : undefined;
}

/** The time of the share's `clock` (epoch ms). */
export function clockTimeOf(f: ShareFacts, clock: AgeClock): number {
  return (clock === 'terabox-created' ? f.share.createdAtMs : clock === 'product-created' ? f.recordedCreatedAtMs : f.firstSeenAtMs)!;
}

/** The share's facts as the policies read them, at slot `index`. */
export function inventoryShare(f: ShareFacts, index: number): InventoryShare {
  const { share } = f;
  const rawId: unknown = share.shareId;
  const v = share.visibility;
  const r: unknown = f.requester;
  const clock = ageClockOf(f);
  const clockMs = clock === undefined ? undefined : clockTimeOf(f, clock);
  return {
    index,
    id: typeof rawId === 'string' ? rawId : String(rawId),
    facts: f,
    paths: knownPaths(share.paths),
    visibility: v === 'public' || v === 'private' ? v : undefined,
    requester: typeof r === 'string' && r !== '' ? r : undefined,
    clockMs,
    clock,
  };
}

/** A number of days with one decimal, more when one decimal would hide that it is past a limit. */
export function formatDays(days: number, limit?: number): string {
  const s = days.toFixed(1);
  return limit !== undefined && days > limit && Number(s) <= limit ? days.toFixed(3) : s;
}

const CLOCK_WORDS: Record<AgeClock, readonly [string, string]> = {
  'terabox-created': ['created', ''],
  'product-created': ['created by this product', ' (TeraBox gave no creation time)'],
  'first-seen': ['first seen', ' (no creation time known)'],
};

/** How an age reads in a reason: "created 41.2 days ago", "first seen 41.2 days ago (no creation time known)". */
export function agePhrase(clock: AgeClock, ageMs: number, limitDays?: number): string {
  const [what, why] = CLOCK_WORDS[clock];
  return `${what} ${formatDays(ageMs / 86_400_000, limitDays)} days ago${why}`;
}
