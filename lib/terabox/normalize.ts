/**
 * Turns TeraBox list items into the product's `Share`, tolerant of the field-name drift the
 * notes describe (terabox-api-notes.md "List own shares"): the seed's `data.share_list` items
 * (`share_id`, `shorturl`) and the Baidu-style `list` items (`shareId`, `shortlink`,
 * `typicalPath`, `expiredType`, ...). Pure: the origin for links and the clock come in.
 *
 * An item without a usable share id is never dropped: the page is rejected as a whole
 * (`normalizeSharePage` throws), because a sweep must not act on an inventory it only half read.
 */
import type { Share } from '../domain/share';
import { TeraboxResponseError } from './errors';
import { isRecord, kindName, pick, toEpochMs, toFlag, toNumber, type Json } from './field-values';
import { toDecimalId } from './json';
import { LINK_KEYS, linkOf } from './share-link';
import { PATH_KEYS, pathsOf } from './share-paths';

const ID_KEYS = ['share_id', 'shareId', 'shareid', 'shareID'] as const;
const FSID_KEYS = ['fsIds', 'fs_ids', 'fsid_list', 'fid_list', 'fs_id'] as const;
const CTIME_KEYS = ['ctime', 'create_time', 'createTime', 'ctime_ms'] as const;
const EXPIRED_TYPE_KEYS = ['expiredType', 'expiredtype', 'expired_type'] as const;
const EXPIRED_TIME_KEYS = ['expiredTime', 'expiredtime', 'expired_time', 'expire_time'] as const;
const PASSWORD_KEYS = ['passwd', 'pwd', 'password'] as const;
const DAY_MS = 86_400_000;
/** No share is older than this (2005-01-01: before Baidu Netdisk, let alone TeraBox, existed). */
export const EARLIEST_PLAUSIBLE_CTIME_MS = Date.UTC(2005, 0, 1);
/** How far ahead of our clock a creation time may be (clock skew), before it is implausible. */
export const CTIME_FUTURE_SLACK_MS = DAY_MS;
/** `status` of a share TeraBox (like Baidu) keeps listing but that no longer works. */
export const DEAD_SHARE_STATUS = 9;

export interface NormalizeContext {
  /** Origin used to turn a bare short url into a link, for example `https://www.terabox.com`. */
  origin: string;
  /** Now (epoch ms): `expiredTime` counts seconds left from the moment of the answer. */
  nowMs: number;
}

export type NormalizeResult = { ok: true; share: Share } | { ok: false; reason: string };

/** Adds the usable ids of a list field to `out`, each once (fs ids inform matching, never a cancel). */
function addIds(out: Set<string>, value: unknown): void {
  if (value === undefined || value === null) return;
  let list: unknown = value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      list = JSON.parse(value);
    } catch {
      return;
    }
  }
  for (const v of Array.isArray(list) ? list : [list]) {
    const id = toDecimalId(v);
    if (id) out.add(id);
  }
}

/**
 * The creation time (epoch ms) of an item, checked: a ctime that is present must be a unix time
 * in seconds (or ms) between EARLIEST_PLAUSIBLE_CTIME_MS and now + a day. Ages decide
 * cancellations, so a value not understood fails the listing instead of becoming "unknown".
 */
function createdAtOf(item: Json, nowMs: number, problems: string[]): number | undefined {
  for (const key of CTIME_KEYS) {
    const value = item[key];
    if (value === undefined || value === null) continue;
    let ms: number | undefined;
    if (typeof value === 'number') ms = value > 0 && Number.isFinite(value) ? (value >= 1e11 ? Math.round(value) : Math.round(value * 1000)) : undefined;
    else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) ms = toEpochMs(value);
    if (ms === undefined || ms < EARLIEST_PLAUSIBLE_CTIME_MS || ms > nowMs + CTIME_FUTURE_SLACK_MS) {
      const shown = JSON.stringify(value).slice(0, 40);
      problems.push(`${key} is not a plausible unix time (${shown}; expected seconds between 2005 and now)`);
      return undefined;
    }
    return ms;
  }
  return undefined;
}

/**
 * `expired` and `expiresAtMs` of a list item. Only `expiredTime` (Baidu record: seconds left,
 * 0 = permanent; a value that looks like a unix time is taken as one) gives the expiry, and
 * `expiredType: -1` says it has passed. No period is inferred from `expiredType`: in share
 * records 1 means permanent (not one day), so its other values are not understood.
 */
function expiryOf(item: Json, nowMs: number): { expired: true | undefined; expiresAtMs: number | null | undefined } {
  const type = toNumber(pick(item, EXPIRED_TYPE_KEYS));
  const time = toNumber(pick(item, EXPIRED_TIME_KEYS));
  const expired = type === -1;
  let expiresAtMs: number | null | undefined;
  if (time !== undefined) {
    if (time === 0) expiresAtMs = expired ? undefined : null;
    else if (time >= 1e9) expiresAtMs = toEpochMs(time);
    else if (time > 0) expiresAtMs = nowMs + time * 1000;
  }
  return { expired: expired ? true : undefined, expiresAtMs };
}

/**
 * Visibility: `public` (1/0) when present; without it, the password says it (Baidu: `passwd: "0"`
 * or an empty one means no password, so a public link; any other password a private one).
 */
function visibilityOf(item: Json, problems: string[]): Share['visibility'] {
  const raw = item.public;
  if (raw !== undefined && raw !== null) {
    const flag = toFlag(raw);
    if (flag === undefined) problems.push(`public is ${kindName(raw)} other than 0 or 1`);
    return flag === undefined ? undefined : flag ? 'public' : 'private';
  }
  const password = pick(item, PASSWORD_KEYS);
  if (typeof password !== 'string') return undefined;
  return isNoPassword(password) ? 'public' : 'private';
}

/** Baidu writes "no password" as `"0"` (or an empty string). */
export function isNoPassword(value: string): boolean {
  const text = value.trim();
  return text === '' || text === '0';
}

function statusOf(item: Json, problems: string[]): number | undefined {
  const raw = item.status;
  if (raw === undefined || raw === null) return undefined;
  const status = toNumber(raw);
  if (status === undefined) problems.push(`status is ${kindName(raw)} that is not a number`);
  return status;
}

const VIEW_KEYS = ['vCnt', 'view_count', 'viewCount'] as const;
const DOWNLOAD_KEYS = ['dCnt', 'download_count', 'downloadCount'] as const;
const SAVE_KEYS = ['tCnt', 'transfer_count', 'save_count', 'saveCount'] as const;

/**
 * Normalizes one list item; reports (never throws) an item it cannot use: no usable share id, or
 * a field the engine relies on (ctime, the paths, public, status) present but not understood. The
 * reason names the field, never a password or token (a ctime's value is shown).
 *
 * A plain absolute path skips the list parsing.
 */
export function normalizeShare(raw: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(raw)) return { ok: false, reason: `item is ${Array.isArray(raw) ? 'an array' : typeof raw}, not an object` };
  const idValue = pick(raw, ID_KEYS);
  const shareId = toDecimalId(idValue);
  const problems: string[] = [];
  if (shareId === undefined) {
    problems.push(idValue === undefined ? 'item has no share id (share_id/shareId/shareid)' : `the share id is ${kindName(idValue)} that is not a positive integer`);
  }
  const { paths, deletedText, problems: pathProblems } = pathsOf(raw);
  for (const p of pathProblems) problems.push(p);
  const createdAtMs = createdAtOf(raw, ctx.nowMs, problems);
  const visibility = visibilityOf(raw, problems);
  const status = statusOf(raw, problems);
  if (problems.length > 0 || shareId === undefined) return { ok: false, reason: problems.join(', ') };

  const fsIds = new Set<string>();
  for (const key of FSID_KEYS) addIds(fsIds, raw[key]);
  if (Array.isArray(raw.filelist)) {
    for (const f of raw.filelist) if (isRecord(f)) addIds(fsIds, f.fs_id);
  }
  const link = linkOf(raw, ctx.origin);
  const { expired, expiresAtMs } = expiryOf(raw, ctx.nowMs);
  const dead = status === DEAD_SHARE_STATUS || deletedText;
  const share: Share = {
    shareId,
    shortUrl: link?.shortUrl,
    link: link?.link,
    paths,
    fsIds: [...fsIds],
    createdAtMs,
    expired,
    expiresAtMs,
    visibility,
    status,
    dead: dead ? true : undefined,
    deadReason: status === DEAD_SHARE_STATUS ? `status ${DEAD_SHARE_STATUS}` : deletedText ? 'typicalPath says the shared file was deleted' : undefined,
    viewCount: toNumber(pick(raw, VIEW_KEYS)),
    downloadCount: toNumber(pick(raw, DOWNLOAD_KEYS)),
    saveCount: toNumber(pick(raw, SAVE_KEYS)),
    raw,
  };
  return { ok: true, share };
}

/**
 * Normalizes a whole page; throws TeraboxResponseError('shape') naming every unusable item by its
 * index and the field it could not use (an item without a share id, or with a ctime, path,
 * public or status present but not understood): the listing is refused, never read partially.
 */
export function normalizeSharePage(items: unknown[], ctx: NormalizeContext, where: { endpoint: string; page: number }): Share[] {
  const shares: Share[] = [];
  const problems: string[] = [];
  items.forEach((item, index) => {
    const result = normalizeShare(item, ctx);
    if (result.ok) shares.push(result.share);
    else problems.push(`#${index}: ${result.reason}`);
  });
  if (problems.length > 0) {
    throw new TeraboxResponseError(
      'shape',
      `page ${where.page} has ${problems.length} unusable item(s) (${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; ...' : ''}); the listing is refused rather than read partially`,
      { endpoint: where.endpoint },
    );
  }
  return shares;
}

/**
 * The list-item fields the client reads, by meaning, each with every name it accepts (the key
 * lists normalizeShare uses). Exported read-only for `doctor`, so that what doctor calls
 * "understood" is exactly what the client reads and the two cannot disagree.
 */
export const UNDERSTOOD_ITEM_FIELDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  shareId: ID_KEYS,
  link: LINK_KEYS,
  paths: PATH_KEYS,
  fsIds: FSID_KEYS,
  createdAt: CTIME_KEYS,
  expiredType: EXPIRED_TYPE_KEYS,
  expiredTime: EXPIRED_TIME_KEYS,
  visibility: ['public'],
  password: PASSWORD_KEYS,
  status: ['status'],
  viewCount: VIEW_KEYS,
  downloadCount: DOWNLOAD_KEYS,
  saveCount: SAVE_KEYS,
  fileList: ['filelist'],
});

