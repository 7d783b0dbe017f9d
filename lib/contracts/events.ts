/**
 * Product events sent to EventBridge (source `terabox-share-lifecycle`), so that requesters
 * and operators can subscribe: one detail type per thing that happened.
 *
 * Builders copy only the documented fields (never a whole object handed in, which might carry a
 * cookie or a token) and scrub anything that looks like a TeraBox credential out of free text
 * such as reasons. Times are ISO 8601 strings in details, as EventBridge consumers expect.
 */
import type { SharePeriod } from '../domain/share-period';
import type { PolicyMode } from '../domain/policy-types';
import { redactPatterns } from '../shared/credentials';
import { truncate } from '../shared/text';

export const EVENT_SOURCE = 'terabox-share-lifecycle';

export interface ShareCreatedDetail {
  requestId: string;
  requester: string;
  shareId?: string;
  shortUrl: string;
  link: string;
  period: SharePeriod;
  /** ISO 8601; absent for a permanent link (period 0) or when unknown. */
  expiresAt?: string;
}

export interface ShareRequestRejectedDetail {
  requestId?: string;
  requester?: string;
  reasons: string[];
}

/**
 * The grace notice of a mark: everything a subscriber needs to warn the share's owner. The grace
 * period starts with this notice (not with the mark), so `graceEndsAt` is the notice's time plus
 * the policy's grace.
 */
export interface ShareMarkedForCancelDetail {
  shareId: string;
  policyId: string;
  /**
   * ISO 8601: the share is not cancelled before this, and is cancelled by the first run after it
   * if it still breaks the policy.
   */
  graceEndsAt: string;
  /** What the share breaks: `created 41.2 days ago, limit 30 days (public-30d)`. */
  reason: string;
  /** The short url code (the link is `https://<host>/s/<shortUrl>`), when TeraBox gave one. */
  shortUrl?: string;
  /** The share's first paths (at most {@link MAX_EVENT_PATHS}; `pathCount` says how many it has). */
  paths: string[];
  pathCount: number;
  /** Who asked for the share and under which request id, when the product created it. */
  requester?: string;
  requestId?: string;
  /**
   * The run that sent the notice, and the policy's grace in hours. The email notifier builds one
   * digest per run and requester from them, and starts the grace when its mail was accepted.
   */
  runId?: string;
  graceHours?: number;
}

export interface ShareCancelledDetail {
  shareId: string;
  runId: string;
  policyIds: string[];
  /** The version of each of `policyIds` that decided, where known (`policies history ID` shows it). */
  policyVersions?: Record<string, number>;
  reason: string;
  requestId?: string;
}

/**
 * Two cancels of the share were answered done, yet complete listings still show it: the product
 * stops cancelling it, and a person must look (cancel it by hand, or find why TeraBox keeps it).
 */
export interface ShareCancelIneffectiveDetail {
  shareId: string;
  /** The run that found the second miss and gave up. */
  runId: string;
  /** The run whose cancel was answered done last. */
  cancelRunId: string;
  /** TeraBox's last answer (`cancelled`, `unconfirmed`, `already-gone`). */
  answer: string;
  /** Misses counted (complete listings that still showed the share after an answer). */
  misses: number;
  reason: string;
  shortUrl?: string;
  paths: string[];
  pathCount: number;
  requester?: string;
  requestId?: string;
}

export interface SweepCompletedDetail {
  runId: string;
  mode: PolicyMode;
  counts: Record<string, number>;
  /** New / still / resolved flagged shares against the previous completed run (absent when not compared). */
  diff?: SweepDiffCounts;
}

/** Counts of new / still / resolved flagged shares. */
export interface FlaggedCounts {
  new: number;
  still: number;
  resolved: number;
}

/** The diff counts a SweepCompleted event carries (the shape of lib/app/run-diff.ts's RunDiffCounts). */
export interface SweepDiffCounts {
  /** Absent on a first run: everything is new. */
  fromRunId?: string;
  totals: FlaggedCounts;
  perPolicy: Record<string, FlaggedCounts>;
}

export interface GuardrailTrip {
  /** Which limit, e.g. `maxCancellations`, `maxCancellationPercent`, `policy.maxCancellationsPerRun`. */
  guardrail: string;
  limit: number;
  actual: number;
  policyId?: string;
}

export interface GuardrailTrippedDetail {
  runId: string;
  trips: GuardrailTrip[];
}

/** Detail type → detail shape. */
export interface ProductEventDetails {
  ShareCreated: ShareCreatedDetail;
  ShareRequestRejected: ShareRequestRejectedDetail;
  ShareMarkedForCancel: ShareMarkedForCancelDetail;
  ShareCancelled: ShareCancelledDetail;
  ShareCancelIneffective: ShareCancelIneffectiveDetail;
  SweepCompleted: SweepCompletedDetail;
  GuardrailTripped: GuardrailTrippedDetail;
}

export type ProductEventType = keyof ProductEventDetails;

export const PRODUCT_EVENT_TYPES: readonly ProductEventType[] = [
  'ShareCreated',
  'ShareRequestRejected',
  'ShareMarkedForCancel',
  'ShareCancelled',
  'ShareCancelIneffective',
  'SweepCompleted',
  'GuardrailTripped',
];

/** One product event; `detailType` discriminates `detail`. */
export type ProductEvent = {
  [K in ProductEventType]: {
    source: typeof EVENT_SOURCE;
    detailType: K;
    detail: ProductEventDetails[K];
    /** When it happened (epoch ms); EventBridge uses the time of the call when absent. */
    time?: number;
  };
}[ProductEventType];

/** The event of one detail type. */
export type ProductEventOf<K extends ProductEventType> = Extract<ProductEvent, { detailType: K }>;

// ------------------------------------------------------------------ hygiene

const MAX_TEXT = 1024;
const MAX_REASONS = 50;
/**
 * Paths carried by a ShareMarkedForCancel event. With each path capped like any free text (1,024
 * characters, at most 6 bytes each once JSON-escaped) an event stays far below EventBridge's
 * 256 KiB entry limit, however many files a share holds.
 */
export const MAX_EVENT_PATHS = 20;
/** Free text in a detail: credentials scrubbed, length capped. */
function freeText(text: string): string {
  return truncate(redactPatterns(text), MAX_TEXT);
}

function isoTime(epochMs: number, field: string): string {
  if (!Number.isFinite(epochMs)) throw new RangeError(`${field} must be a finite epoch-ms time`);
  return new Date(epochMs).toISOString();
}

function withTime<E extends ProductEvent>(event: E, at: number | undefined): E {
  return at === undefined ? event : { ...event, time: at };
}

// ------------------------------------------------------------------ builders

/** `ShareCreated`: a queued request became a share. The share password is never included. */
export function shareCreatedEvent(
  input: {
    requestId: string;
    requester: string;
    shareId?: string;
    shortUrl: string;
    link: string;
    period: SharePeriod;
    /** Epoch ms; null or absent for a permanent link. */
    expiresAtMs?: number | null;
  },
  at?: number,
): ProductEventOf<'ShareCreated'> {
  const detail: ShareCreatedDetail = {
    requestId: input.requestId,
    requester: input.requester,
    shortUrl: input.shortUrl,
    link: input.link,
    period: input.period,
  };
  if (input.shareId !== undefined) detail.shareId = input.shareId;
  if (input.expiresAtMs !== undefined && input.expiresAtMs !== null) detail.expiresAt = isoTime(input.expiresAtMs, 'expiresAtMs');
  return withTime({ source: EVENT_SOURCE, detailType: 'ShareCreated', detail }, at);
}

/** `ShareRequestRejected`: a request broke the schema; it is recorded and not retried. */
export function shareRequestRejectedEvent(
  input: { requestId?: string; requester?: string; reasons: readonly string[] },
  at?: number,
): ProductEventOf<'ShareRequestRejected'> {
  const detail: ShareRequestRejectedDetail = { reasons: capReasons(input.reasons) };
  if (input.requestId !== undefined) detail.requestId = input.requestId;
  if (input.requester !== undefined) detail.requester = input.requester;
  return withTime({ source: EVENT_SOURCE, detailType: 'ShareRequestRejected', detail }, at);
}

/**
 * `ShareMarkedForCancel`: the grace notice of a share that broke a policy with a grace period; the
 * grace starts with it. Sent once per mark (again only if the bus did not accept it).
 */
export function shareMarkedForCancelEvent(
  input: {
    shareId: string;
    policyId: string;
    graceEndsAtMs: number;
    reason: string;
    shortUrl?: string;
    /** All of the share's paths; the event keeps the first {@link MAX_EVENT_PATHS}. */
    paths: readonly string[];
    requester?: string;
    requestId?: string;
    runId?: string;
    graceHours?: number;
  },
  at?: number,
): ProductEventOf<'ShareMarkedForCancel'> {
  const detail: ShareMarkedForCancelDetail = {
    shareId: input.shareId,
    policyId: input.policyId,
    graceEndsAt: isoTime(input.graceEndsAtMs, 'graceEndsAtMs'),
    reason: freeText(input.reason),
    paths: input.paths.slice(0, MAX_EVENT_PATHS).map(freeText),
    pathCount: input.paths.length,
  };
  if (input.shortUrl !== undefined) detail.shortUrl = freeText(input.shortUrl);
  if (input.requester !== undefined) detail.requester = freeText(input.requester);
  if (input.requestId !== undefined) detail.requestId = freeText(input.requestId);
  if (input.runId !== undefined) detail.runId = input.runId;
  if (input.graceHours !== undefined) detail.graceHours = input.graceHours;
  return withTime({ source: EVENT_SOURCE, detailType: 'ShareMarkedForCancel', detail }, at);
}

/** `ShareCancelled`: a share was cancelled (or found already gone) by a run. */
export function shareCancelledEvent(
  input: { shareId: string; runId: string; policyIds: readonly string[]; policyVersions?: Readonly<Record<string, number>>; reason: string; requestId?: string },
  at?: number,
): ProductEventOf<'ShareCancelled'> {
  const detail: ShareCancelledDetail = {
    shareId: input.shareId,
    runId: input.runId,
    policyIds: [...input.policyIds],
    reason: freeText(input.reason),
  };
  if (input.requestId !== undefined) detail.requestId = input.requestId;
  // Only the versions of the policies named, and only whole numbers: never a field handed in as is.
  const versions = Object.fromEntries(
    input.policyIds.flatMap((id) => {
      const v = input.policyVersions?.[id];
      return typeof v === 'number' && Number.isInteger(v) ? [[id, v] as const] : [];
    }),
  );
  if (Object.keys(versions).length > 0) detail.policyVersions = versions;
  return withTime({ source: EVENT_SOURCE, detailType: 'ShareCancelled', detail }, at);
}

/** `ShareCancelIneffective`: the product gave up cancelling a share that two answered cancels did not remove. */
export function shareCancelIneffectiveEvent(
  input: {
    shareId: string;
    runId: string;
    cancelRunId: string;
    answer: string;
    misses: number;
    reason: string;
    shortUrl?: string;
    paths: readonly string[];
    requester?: string;
    requestId?: string;
  },
  at?: number,
): ProductEventOf<'ShareCancelIneffective'> {
  const detail: ShareCancelIneffectiveDetail = {
    shareId: input.shareId,
    runId: input.runId,
    cancelRunId: input.cancelRunId,
    answer: freeText(input.answer),
    misses: input.misses,
    reason: freeText(input.reason),
    paths: input.paths.slice(0, MAX_EVENT_PATHS).map(freeText),
    pathCount: input.paths.length,
  };
  if (input.shortUrl !== undefined) detail.shortUrl = freeText(input.shortUrl);
  if (input.requester !== undefined) detail.requester = freeText(input.requester);
  if (input.requestId !== undefined) detail.requestId = freeText(input.requestId);
  return withTime({ source: EVENT_SOURCE, detailType: 'ShareCancelIneffective', detail }, at);
}

/** `SweepCompleted`: a sweep run finished (counts such as listed, violating, cancelled). */
export function sweepCompletedEvent(
  input: { runId: string; mode: PolicyMode; counts: Readonly<Record<string, number>>; diff?: SweepDiffCounts },
  at?: number,
): ProductEventOf<'SweepCompleted'> {
  const detail: SweepCompletedDetail = { runId: input.runId, mode: input.mode, counts: { ...input.counts } };
  if (input.diff !== undefined) {
    const only = (c: FlaggedCounts): FlaggedCounts => ({ new: c.new, still: c.still, resolved: c.resolved });
    detail.diff = {
      ...(input.diff.fromRunId !== undefined ? { fromRunId: input.diff.fromRunId } : {}),
      totals: only(input.diff.totals),
      perPolicy: Object.fromEntries(Object.entries(input.diff.perPolicy).map(([id, c]) => [id, only(c)])),
    };
  }
  return withTime({ source: EVENT_SOURCE, detailType: 'SweepCompleted', detail }, at);
}

/** `GuardrailTripped`: a run would have exceeded a blast-radius limit and cancelled nothing. */
export function guardrailTrippedEvent(
  input: { runId: string; trips: readonly GuardrailTrip[] },
  at?: number,
): ProductEventOf<'GuardrailTripped'> {
  const trips = input.trips.map((trip) => {
    const copy: GuardrailTrip = { guardrail: trip.guardrail, limit: trip.limit, actual: trip.actual };
    if (trip.policyId !== undefined) copy.policyId = trip.policyId;
    return copy;
  });
  return withTime({ source: EVENT_SOURCE, detailType: 'GuardrailTripped', detail: { runId: input.runId, trips } }, at);
}

function capReasons(reasons: readonly string[]): string[] {
  const kept = reasons.slice(0, MAX_REASONS).map(freeText);
  if (reasons.length > MAX_REASONS) kept.push(`…and ${reasons.length - MAX_REASONS} more`);
  return kept;
}
