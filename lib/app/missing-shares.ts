/**
 * Shares the product created that a complete listing does not show.
 *
 * A share record in state `created` (the product made the share and did not cancel it) whose
 * share id and short url are both absent from a complete listing means one of two things: the
 * list endpoint does not list every share (the notes: `sharelist` may not be the whole
 * inventory), or the owner deleted the share by hand in the TeraBox web UI. The first makes every
 * conclusion of the run doubtful, so the sweep FAILS (cancels nothing, writes nothing), naming the
 * missing shares and the way out. The second is the owner's business: a person confirms it with
 * `share-lifecycle runs acknowledge-missing <requestId>...`, which moves the record to `cancelled`
 * (reason "deleted outside the product"), and the next sweep proceeds.
 *
 * Not counted as missing:
 * - a share created less than `graceMs` (default 30 minutes) before the listing started: the
 *   list may lag behind a fresh create;
 * - a share whose period has run out (created + period days before the listing): an expired link
 *   may drop out of the list;
 * - a record with neither a share id nor a short url (nothing to look for).
 */
import type { ShareId } from '../domain/share';
import { canonicalShortUrl } from '../domain/short-url';
import type { ShareRecord, ShareRecordStore } from './store-ports';

export const DEFAULT_MISSING_GRACE_MS = 30 * 60_000;
const DAY_MS = 86_400_000;
/** Missing shares named in the run's reason (all are counted). */
const MAX_NAMED = 10;

export interface MissingShare {
  requestId: string;
  shareId?: ShareId;
  shortUrl?: string;
  createdAtMs?: number;
  requester?: string;
}

/** The created shares of `records` that the complete listing does not show (see the module comment). */
export function findMissingCreatedShares(input: {
  records: readonly ShareRecord[];
  listed: readonly { shareId: ShareId; shortUrl?: string }[];
  listingStartedAtMs: number;
  graceMs: number;
}): MissingShare[] {
  const ids = new Set<ShareId>();
  const codes = new Set<string>();
  for (const s of input.listed) {
    ids.add(s.shareId);
    const code = canonicalShortUrl(s.shortUrl);
    if (code !== undefined) codes.add(code);
  }
  const missing: MissingShare[] = [];
  for (const r of input.records) {
    if (r.status !== 'created') continue;
    const hasId = r.shareId !== undefined && r.shareId !== '';
    const hasCode = r.shortUrl !== undefined && r.shortUrl !== '';
    if (!hasId && !hasCode) continue;
    const code = canonicalShortUrl(r.shortUrl);
    if ((hasId && ids.has(r.shareId!)) || (code !== undefined && codes.has(code))) continue;
    const createdAt = r.createdAtMs ?? r.updatedAtMs;
    if (createdAt > input.listingStartedAtMs - input.graceMs) continue;
    if (r.period !== undefined && r.period > 0 && createdAt + r.period * DAY_MS <= input.listingStartedAtMs) continue;
    const m: MissingShare = { requestId: r.requestId };
    if (hasId) m.shareId = r.shareId;
    if (hasCode) m.shortUrl = r.shortUrl;
    if (r.createdAtMs !== undefined) m.createdAtMs = r.createdAtMs;
    if (r.requester !== undefined) m.requester = r.requester;
    missing.push(m);
  }
  return missing.sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
}

/** The failed run's reason: which shares, and how to resolve. */
export function missingSharesMessage(missing: readonly MissingShare[]): string {
  const named = missing.slice(0, MAX_NAMED).map((m) => {
    const what = [m.shareId !== undefined ? `share ${m.shareId}` : undefined, m.shortUrl !== undefined ? `short url ${m.shortUrl}` : undefined].filter(Boolean).join(', ');
    return `request ${m.requestId} (${what}${m.createdAtMs !== undefined ? `, created ${new Date(m.createdAtMs).toISOString()}` : ''})`;
  });
  const more = missing.length > MAX_NAMED ? ` and ${missing.length - MAX_NAMED} more` : '';
  return (
    `${missing.length} share(s) the product created are missing from a complete listing: ${named.join('; ')}${more}. ` +
    'The list may not show every share, so nothing was cancelled and nothing was written. ' +
    'If they were deleted by hand in TeraBox, acknowledge it: share-lifecycle runs acknowledge-missing ' +
    `${missing.slice(0, MAX_NAMED).map((m) => m.requestId).join(' ')}`
  );
}

export type AcknowledgeResult =
  | { requestId: string; kind: 'acknowledged'; record: ShareRecord }
  | { requestId: string; kind: 'not-found' }
  | { requestId: string; kind: 'not-created'; status: string };

/**
 * Records that these created shares were deleted outside the product: each record moves to
 * `cancelled` (reason `deleted outside the product, acknowledged ...`), so sweeps stop looking for
 * them. A record that is not `created` is left alone and reported.
 */
export async function acknowledgeMissingShares(
  deps: { shareRecords: Pick<ShareRecordStore, 'get' | 'markCancelled'>; now: number },
  requestIds: readonly string[],
  note?: string,
): Promise<AcknowledgeResult[]> {
  const out: AcknowledgeResult[] = [];
  for (const requestId of requestIds) {
    const record = await deps.shareRecords.get(requestId);
    if (record === undefined) {
      out.push({ requestId, kind: 'not-found' });
      continue;
    }
    if (record.status !== 'created') {
      out.push({ requestId, kind: 'not-created', status: record.status });
      continue;
    }
    const reason = `deleted outside the product (missing from the share list), acknowledged ${new Date(deps.now).toISOString()}${note ? `: ${note}` : ''}`;
    const marked = await deps.shareRecords.markCancelled({ requestId, reason, now: deps.now, ...(record.shareId !== undefined ? { shareId: record.shareId } : {}) });
    out.push(marked === undefined ? { requestId, kind: 'not-found' } : { requestId, kind: 'acknowledged', record: marked });
  }
  return out;
}
