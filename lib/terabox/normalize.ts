/**
 * Turns TeraBox list items into the product's `Share`, tolerant of the field-name drift the
 * notes describe (terabox-api-notes.md "List own shares"): the seed's `data.share_list` items
 * (`share_id`, `shorturl`) and the Baidu-style `list` items (`shareId`, `shortlink`,
 * `typicalPath`, `expiredType`, ...). Pure: the origin for links and the clock come in.
 *
 * An item without a usable share id is never dropped: the page is rejected as a whole
 * (`normalizeSharePage` throws), because a sweep must not act on an inventory it only half read.
 */
import { makeShare, type Share } from '../domain/share';
import { TeraboxResponseError } from './errors';
import { toDecimalId } from './json';

type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pick(item: Json, keys: readonly string[]): unknown {
  for (const key of keys) {
    if (item[key] !== undefined && item[key] !== null) return item[key];
  }
  return undefined;
}

/** A finite number from a number or a numeric string. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function toFlag(value: unknown): boolean | undefined {
  if (value === true || value === false) return value;
  const n = toNumber(value);
  if (n === 1) return true;
  if (n === 0) return false;
  return undefined;
}

/**
 * Epoch ms from a TeraBox time. TeraBox and Baidu send unix seconds; a value of 1e11 or more is
 * taken as already in ms (1e11 s would be the year 5138, so the two ranges cannot be confused).
 */
export function toEpochMs(value: unknown): number | undefined {
  const n = toNumber(value);
  if (n === undefined || n <= 0) return undefined;
  return n >= 1e11 ? Math.round(n) : Math.round(n * 1000);
}

/** A list given as an array, or as the JSON text of an array (how form fields echo back). */
function toList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(value);
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }
  if (typeof value === 'string' && value.length > 0) return [value];
  return [];
}

const SHORT_CODE = /^[A-Za-z0-9_-]{2,128}$/;

export interface ShareLink {
  /** The bare code, for example `1aBcDeF`. */
  shortUrl: string;
  /** The full link, `https://<host>/s/<code>`. */
  link: string;
}

/** `origin` without trailing slashes; the last answer is kept (one origin serves a whole listing). */
let lastOrigin = '';
let lastBase = '';
function baseOf(origin: string): string {
  if (origin !== lastOrigin) {
    lastBase = origin.replace(/\/+$/, '');
    lastOrigin = origin;
  }
  return lastBase;
}

/**
 * Reads a link given bare (`1aBcDeF`) or full (`https://host/s/1aBcDeF`, or the
 * `.../sharing/link?surl=aBcDeF` form, whose surl lacks the leading `1` of the /s/ path).
 * A bare code becomes a link on `origin`; a full link is kept as TeraBox gave it.
 */
export function parseShareLink(value: unknown, origin: string): ShareLink | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    const match = /\/s\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname);
    if (match) return { shortUrl: match[1], link: text };
    const surl = url.searchParams.get('surl');
    if (surl && SHORT_CODE.test(surl)) return { shortUrl: `1${surl}`, link: `${url.origin}/s/1${surl}` };
    return undefined;
  }
  if (!SHORT_CODE.test(text)) return undefined;
  return { shortUrl: text, link: `${baseOf(origin)}/s/${text}` };
}

const ID_KEYS = ['share_id', 'shareId', 'shareid', 'shareID'] as const;
const LINK_KEYS = ['link', 'shortlink', 'shortLink', 'shorturl', 'shortUrl', 'short_url'] as const;
const PATH_KEYS = ['typicalPath', 'typical_path', 'path', 'paths', 'path_list'] as const;
const FSID_KEYS = ['fsIds', 'fs_ids', 'fsid_list', 'fid_list', 'fs_id'] as const;
const CTIME_KEYS = ['ctime', 'create_time', 'createTime', 'ctime_ms'] as const;
const EXPIRED_TYPE_KEYS = ['expiredType', 'expiredtype', 'expired_type'] as const;
const EXPIRED_TIME_KEYS = ['expiredTime', 'expiredtime', 'expired_time', 'expire_time'] as const;
const DAY_MS = 86_400_000;

export interface NormalizeContext {
  /** Origin used to turn a bare short url into a link, for example `https://www.terabox.com`. */
  origin: string;
  /** Now (epoch ms): `expiredTime` counts seconds left from the moment of the answer. */
  nowMs: number;
}

export type NormalizeResult = { ok: true; share: Share } | { ok: false; reason: string };

/**
 * The link to keep: the first full link that names another host than `origin` (it names the
 * real host), else the first link or code found, in LINK_KEYS order.
 */
function linkOf(item: Json, origin: string): ShareLink | undefined {
  let first: ShareLink | undefined;
  for (const key of LINK_KEYS) {
    const value = item[key];
    if (typeof value !== 'string') continue;
    const text = value.trim();
    if (SHORT_CODE.test(text)) {
      // A bare code: its link is made on `origin`, so it never names another host.
      first ??= { shortUrl: text, link: `${baseOf(origin)}/s/${text}` };
      continue;
    }
    const parsed = parseShareLink(text, origin);
    if (parsed === undefined) continue;
    if (parsed.link !== `${baseOf(origin)}/s/${parsed.shortUrl}`) return parsed;
    first ??= parsed;
  }
  return first;
}

/** Adds the non-empty strings of a list field (see toList) to `out`, each once. */
function addPaths(out: Set<string>, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'string' && value.length > 0 && value.charCodeAt(0) === 0x2f) {
    out.add(value); // the common case: one absolute path, no list to parse
    return;
  }
  for (const p of toList(value)) if (typeof p === 'string' && p.length > 0) out.add(p);
}

/** Adds the usable ids of a list field (see toList) to `out`, each once. */
function addIds(out: Set<string>, value: unknown): void {
  if (value === undefined || value === null) return;
  for (const v of toList(value)) {
    const id = toDecimalId(v);
    if (id) out.add(id);
  }
}

/** `expired` (true or unknown) and `expiresAtMs` of an item. */
function expiryOf(item: Json, createdAtMs: number | undefined, nowMs: number): { expired: true | undefined; expiresAtMs: number | null | undefined } {
  const type = toNumber(pick(item, EXPIRED_TYPE_KEYS));
  const time = toNumber(pick(item, EXPIRED_TIME_KEYS));
  const expired = type === -1;
  let expiresAtMs: number | null | undefined;
  if (time !== undefined) {
    // Baidu: seconds left, 0 = permanent. A value that looks like a unix time is taken as one.
    if (time === 0) expiresAtMs = expired ? undefined : null;
    else if (time >= 1e9) expiresAtMs = toEpochMs(time);
    else if (time > 0) expiresAtMs = nowMs + time * 1000;
  } else if (type !== undefined && createdAtMs !== undefined) {
    // Without expiredTime, a Baidu pset answer's expiredType equals the period in days (7 for 7).
    if (type === 0) expiresAtMs = null;
    else if (type === 1 || type === 7 || type === 30) expiresAtMs = createdAtMs + type * DAY_MS;
  }
  return { expired: expired ? true : undefined, expiresAtMs };
}

const STATUS_KEYS = ['status'] as const;
const VIEW_KEYS = ['vCnt', 'view_count', 'viewCount'] as const;
const DOWNLOAD_KEYS = ['dCnt', 'download_count', 'downloadCount'] as const;
const SAVE_KEYS = ['tCnt', 'transfer_count', 'save_count', 'saveCount'] as const;

/**
 * Normalizes one list item; reports (never throws) an item it cannot use.
 *
 * Runs for every share of every sweep (100,000 in the bench): the Share is built property by
 * property in one fixed order, without intermediate objects or spreads, and the list fields
 * skip the generic parsing when they hold a plain path.
 */
export function normalizeShare(raw: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(raw)) return { ok: false, reason: `item is ${Array.isArray(raw) ? 'an array' : typeof raw}, not an object` };
  const idValue = pick(raw, ID_KEYS);
  const shareId = toDecimalId(idValue);
  if (shareId === undefined) {
    return {
      ok: false,
      reason: idValue === undefined ? 'item has no share id (share_id/shareId/shareid)' : `item has an unusable share id (${typeof idValue})`,
    };
  }

  const fileList = Array.isArray(raw.filelist) ? raw.filelist : undefined;
  const paths = new Set<string>();
  for (const key of PATH_KEYS) addPaths(paths, raw[key]);
  const fsIds = new Set<string>();
  for (const key of FSID_KEYS) addIds(fsIds, raw[key]);
  if (fileList !== undefined) {
    for (const f of fileList) if (isRecord(f) && typeof f.path === 'string' && f.path) paths.add(f.path);
    for (const f of fileList) {
      if (!isRecord(f)) continue;
      const id = toDecimalId(f.fs_id);
      if (id) fsIds.add(id);
    }
  }

  const createdAtMs = toEpochMs(pick(raw, CTIME_KEYS));
  const isPublic = toFlag(raw.public);
  const link = linkOf(raw, ctx.origin);

  const { expired, expiresAtMs } = expiryOf(raw, createdAtMs, ctx.nowMs);
  // Every field present (undefined when unknown): one hidden class for every share (see makeShare).
  const share = makeShare({
    shareId,
    shortUrl: link?.shortUrl,
    link: link?.link,
    paths: [...paths],
    fsIds: [...fsIds],
    createdAtMs,
    expired,
    expiresAtMs,
    visibility: isPublic === undefined ? undefined : isPublic ? 'public' : 'private',
    status: toNumber(pick(raw, STATUS_KEYS)),
    viewCount: toNumber(pick(raw, VIEW_KEYS)),
    downloadCount: toNumber(pick(raw, DOWNLOAD_KEYS)),
    saveCount: toNumber(pick(raw, SAVE_KEYS)),
    raw,
  });
  return { ok: true, share };
}

/** Keys of an envelope that says nothing about shares (Baidu answers `{}` or these for "no more"). */
const ENVELOPE_KEYS = new Set(['errno', 'errmsg', 'error_code', 'error_msg', 'request_id', 'requestId', 'show_msg', 'newno', 'has_more', 'hasMore', 'total', 'total_count', 'count', 'page', 'server_time']);

export interface RawSharePage {
  items: unknown[];
  /** Total number of shares, when TeraBox says so under an unambiguous name (`total`). */
  total?: number;
  /**
   * Baidu's `count` beside `list`: most likely the total, but not certain (it could count the
   * page). Used only to plan concurrent fetching, never to decide that the listing has ended.
   */
  totalHint?: number;
  /** TeraBox's has_more flag, when present. */
  hasMore?: boolean;
}

function onlyEnvelope(obj: Json): boolean {
  return Object.keys(obj).every((k) => ENVELOPE_KEYS.has(k) || (k === 'data' && (obj.data === null || (isRecord(obj.data) && onlyEnvelope(obj.data)))));
}

/**
 * Finds the share list in a sharelist/record answer: `data.share_list` (seed), `list`
 * (Baidu record), `data.list`, `share_list`. `{}` (or an envelope with no list, or `"list": {}`,
 * as Baidu answers past the last page) is an empty page. Anything else is a shape error: a
 * renamed list must not read as "no shares".
 */
export function extractSharePage(body: Json, endpoint: string): RawSharePage {
  const data = isRecord(body.data) ? body.data : undefined;
  const candidates: Array<[string, unknown]> = [
    ['data.share_list', data?.share_list],
    ['data.list', data?.list],
    ['list', body.list],
    ['share_list', body.share_list],
    ['data', Array.isArray(body.data) ? body.data : undefined],
  ];
  const found = candidates.find(([, v]) => v !== undefined && v !== null);
  let items: unknown[];
  if (found) {
    const [name, value] = found;
    if (Array.isArray(value)) items = value;
    else if (isRecord(value) && Object.keys(value).length === 0) items = [];
    else throw new TeraboxResponseError('shape', `${name} is ${typeof value}, not a list`, { endpoint });
  } else if (onlyEnvelope(body)) {
    items = [];
  } else {
    throw new TeraboxResponseError('shape', `no share list in an answer with keys [${Object.keys(body).sort().join(', ')}]`, { endpoint });
  }
  const scopes = data ? [body, data] : [body];
  const firstOf = <T>(read: (o: Json) => T | undefined): T | undefined => {
    for (const o of scopes) {
      const v = read(o);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const total = firstOf((o) => toNumber(pick(o, ['total', 'total_count'])));
  const totalHint = firstOf((o) => toNumber(o.count));
  const hasMore = firstOf((o) => toFlag(pick(o, ['has_more', 'hasMore'])));
  return {
    items,
    ...(total !== undefined && Number.isInteger(total) && total >= 0 ? { total } : {}),
    ...(totalHint !== undefined && Number.isInteger(totalHint) && totalHint >= 0 ? { totalHint } : {}),
    ...(hasMore !== undefined ? { hasMore } : {}),
  };
}

/** Normalizes a whole page; throws TeraboxResponseError naming every unusable item. */
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
      `page ${where.page} has ${problems.length} item(s) without a usable share id (${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; ...' : ''}); the listing is refused rather than read partially`,
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
  status: STATUS_KEYS,
  viewCount: VIEW_KEYS,
  downloadCount: DOWNLOAD_KEYS,
  saveCount: SAVE_KEYS,
  fileList: ['filelist'],
});

/** Where extractSharePage looks for the list, in its order (`data` = `data` itself as a list). */
export const SHARE_LIST_LOCATIONS: readonly string[] = Object.freeze(['data.share_list', 'data.list', 'list', 'share_list', 'data']);

/** Keys of a list answer the client reads or knows to carry nothing about shares (ENVELOPE_KEYS). */
export const UNDERSTOOD_PAGE_KEYS: readonly string[] = Object.freeze([...ENVELOPE_KEYS, 'data', 'list', 'share_list']);
