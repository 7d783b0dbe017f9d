/**
 * Typed factories for shares and the facts the policy engine evaluates.
 */
import type { Share, ShareFacts, Visibility } from '../../lib/domain/share';

/** The fixed "now" of the domain tests: 2026-06-01T00:00:00Z. */
export const NOW = Date.UTC(2026, 5, 1);
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Epoch ms `days` before {@link NOW} (fractions allowed). */
export function daysAgo(days: number, now: number = NOW): number {
  return now - days * DAY_MS;
}

/** A normalized TeraBox share, public, one file under /Public, created a day ago. */
export function aShare(overrides: Partial<Share> = {}): Share {
  return {
    shareId: '1001',
    shortUrl: '1aBcDeF',
    link: 'https://www.terabox.com/s/1aBcDeF',
    paths: ['/Public/brochure.pdf'],
    fsIds: ['123456789'],
    createdAtMs: daysAgo(1),
    expiresAtMs: null,
    visibility: 'public',
    raw: {},
    ...overrides,
  };
}

export interface FactsOptions {
  id?: string;
  paths?: string[];
  /** `undefined` leaves TeraBox's creation time out. */
  createdAtMs?: number | undefined;
  /** Shorthand for `createdAtMs: daysAgo(n)`. */
  ageDays?: number;
  visibility?: Visibility | undefined;
  requester?: string;
  recordedCreatedAtMs?: number;
  firstSeenAtMs?: number;
  violatingSince?: Record<string, number>;
  notifiedAt?: Record<string, number>;
}

/** Share facts with the common knobs; options that are `undefined` are left out. */
export function shareFacts(options: FactsOptions = {}): ShareFacts {
  const share = aShare({ shareId: options.id ?? '1001' });
  if (options.paths !== undefined) share.paths = options.paths;
  if ('createdAtMs' in options) {
    if (options.createdAtMs === undefined) delete share.createdAtMs;
    else share.createdAtMs = options.createdAtMs;
  }
  if (options.ageDays !== undefined) share.createdAtMs = daysAgo(options.ageDays);
  if ('visibility' in options) {
    if (options.visibility === undefined) delete share.visibility;
    else share.visibility = options.visibility;
  }
  const facts: ShareFacts = { share };
  if (options.requester !== undefined) facts.requester = options.requester;
  if (options.recordedCreatedAtMs !== undefined) facts.recordedCreatedAtMs = options.recordedCreatedAtMs;
  if (options.firstSeenAtMs !== undefined) facts.firstSeenAtMs = options.firstSeenAtMs;
  if (options.violatingSince !== undefined) facts.violatingSince = options.violatingSince;
  if (options.notifiedAt !== undefined) facts.notifiedAt = options.notifiedAt;
  return facts;
}

/** `count` shares with ids `first`, `first+1`, ..., each one day older than the previous. */
export function shareSeries(count: number, options: FactsOptions & { first?: number } = {}): ShareFacts[] {
  const first = options.first ?? 1;
  return Array.from({ length: count }, (_, k) =>
    shareFacts({ ...options, id: String(first + k), ageDays: options.ageDays ?? count - k }),
  );
}
