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
import { canonicalShortUrl } from '../domain/short-url';
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

const SHORT_CODE = /^[A-Za-z0-9_-]{2,128}$/;

export interface ShareLink {
  /** The canonical code (see lib/domain/short-url.ts), for example `1aBcDeF`. */
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
 * Reads a link given bare (`1aBcDeF`, or the surl form `aBcDeF`) or full (`https://host/s/1aBcDeF`,
 * or the `.../sharing/link?surl=aBcDeF` form). The short url comes in canonical form
 * (canonicalShortUrl). A bare code becomes a link on `origin`; a full /s/ link is kept as TeraBox
 * gave it; a surl link becomes the /s/ link on its own host.
 */
export function parseShareLink(value: unknown, origin: string): ShareLink | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const shortUrl = canonicalShortUrl(text);
  if (shortUrl === undefined) return undefined;
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text); // canonicalShortUrl parsed it already
    return /\/s\/[A-Za-z0-9_-]+\/?$/.test(url.pathname) ? { shortUrl, link: text } : { shortUrl, link: `${url.origin}/s/${shortUrl}` };
  }
  return { shortUrl, link: `${baseOf(origin)}/s/${shortUrl}` };
}

const ID_KEYS = ['share_id', 'shareId', 'shareid', 'shareID'] as const;
const LINK_KEYS = ['link', 'shortlink', 'shortLink', 'shorturl', 'shortUrl', 'short_url'] as const;
const PATH_KEYS = ['typicalPath', 'typical_path', 'path', 'paths', 'path_list'] as const;
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
/** Baidu's `typicalPath` of a share whose file was deleted ("the shared file has been deleted"). */
export const DELETED_FILE_TEXT = '分享的文件已被删除';

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
      if (first === undefined) {
        const code = text.charCodeAt(0) === 0x31 ? text : `1${text}`; // canonicalShortUrl, inlined for the hot path
        first = { shortUrl: code, link: `${baseOf(origin)}/s/${code}` };
      }
      continue;
    }
    const parsed = parseShareLink(text, origin);
    if (parsed === undefined) continue;
    if (parsed.link !== `${baseOf(origin)}/s/${parsed.shortUrl}`) return parsed;
    first ??= parsed;
  }
  return first;
}

/** A short description of a value's kind for a message (never the value: it could be anything). */
function kindName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** What the path fields of an item say. */
interface PathFacts {
  /** The absolute paths found (empty when none, or when any path-like text was not one). */
  paths: string[];
  /** A path field holds the deleted-file status text. */
  deletedText: boolean;
  problems: string[];
}

/** Collects the strings of one path field: a string, a list of strings, or the JSON text of one. */
function pathStrings(key: string, value: unknown, problems: string[]): string[] {
  if (typeof value === 'string') {
    if (value.length === 0) return [];
    if (value.charCodeAt(0) !== 0x5b) return [value]; // not '[': one path (the common case)
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      problems.push(`${key} is text starting with "[" that is not a JSON list`);
      return [];
    }
    return pathStrings(key, parsed, problems);
  }
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (let i = 0; i < value.length; i++) {
      const p: unknown = value[i];
      if (typeof p === 'string') {
        if (p.length > 0) out.push(p);
      } else {
        problems.push(`${key}[${i}] is ${kindName(p)}, not a path`);
      }
    }
    return out;
  }
  problems.push(`${key} is ${kindName(value)}, neither a path nor a list of paths`);
  return [];
}

/**
 * The paths of an item. Only absolute paths are paths: a path field holding anything else (the
 * deleted-file text, another status text) makes the share's paths unknown as a whole, since a
 * share whose paths are partly known could escape a path exemption it falls under.
 */
const NO_PROBLEMS: string[] = [];

function pathsOf(item: Json): PathFacts {
  // The common case, every share of a sweep: one absolute typicalPath and no other path field.
  const typical = item.typicalPath;
  if (
    typeof typical === 'string' &&
    typical.charCodeAt(0) === 0x2f &&
    item.typical_path == null &&
    item.path == null &&
    item.paths == null &&
    item.path_list == null &&
    item.filelist == null
  ) {
    return { paths: [typical], deletedText: false, problems: NO_PROBLEMS };
  }
  const problems: string[] = [];
  const found = new Set<string>();
  let deletedText = false;
  let nonPath = false;
  const add = (p: string): void => {
    if (p.charCodeAt(0) === 0x2f) found.add(p);
    else {
      nonPath = true;
      if (p.trim() === DELETED_FILE_TEXT) deletedText = true;
    }
  };
  for (const key of PATH_KEYS) {
    const value = item[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' && value.length > 0 && value.charCodeAt(0) === 0x2f) found.add(value); // one absolute path
    else for (const p of pathStrings(key, value, problems)) add(p);
  }
  const fileList = item.filelist;
  if (fileList !== undefined && fileList !== null) {
    if (!Array.isArray(fileList)) problems.push(`filelist is ${kindName(fileList)}, not a list`);
    else
      fileList.forEach((f: unknown, i) => {
        if (!isRecord(f) || f.path === undefined || f.path === null) return;
        if (typeof f.path !== 'string') problems.push(`filelist[${i}].path is ${kindName(f.path)}, not a path`);
        else if (f.path.length > 0) add(f.path);
      });
  }
  return { paths: nonPath ? [] : [...found], deletedText, problems };
}

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

/** Keys of an envelope that says nothing about shares (Baidu answers `{}` or these for "no more"). */
const ENVELOPE_KEYS = new Set(['errno', 'errmsg', 'error_code', 'error_msg', 'request_id', 'requestId', 'show_msg', 'newno', 'has_more', 'hasMore', 'nextpage', 'total', 'total_count', 'count', 'page', 'server_time']);

export interface RawSharePage {
  items: unknown[];
  /** Total number of shares, when TeraBox says so under an unambiguous name (`total`). */
  total?: number;
  /**
   * Baidu's `count` beside `list`: most likely the total, but not certain (it could count the
   * page). Used only to plan concurrent fetching, never to decide that the listing has ended.
   */
  totalHint?: number;
  /**
   * TeraBox's has_more flag, when present; Baidu's `nextpage: 0` (no next page) reads as
   * `false` when there is no has_more (a non-zero nextpage says nothing: it may name a page past the end).
   */
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
  const hasMore = firstOf((o) => toFlag(pick(o, ['has_more', 'hasMore']))) ?? (firstOf((o) => toNumber(o.nextpage)) === 0 ? false : undefined);
  return {
    items,
    ...(total !== undefined && Number.isInteger(total) && total >= 0 ? { total } : {}),
    ...(totalHint !== undefined && Number.isInteger(totalHint) && totalHint >= 0 ? { totalHint } : {}),
    ...(hasMore !== undefined ? { hasMore } : {}),
  };
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

/** Where extractSharePage looks for the list, in its order (`data` = `data` itself as a list). */
export const SHARE_LIST_LOCATIONS: readonly string[] = Object.freeze(['data.share_list', 'data.list', 'list', 'share_list', 'data']);

/** Keys of a list answer the client reads or knows to carry nothing about shares (ENVELOPE_KEYS). */
export const UNDERSTOOD_PAGE_KEYS: readonly string[] = Object.freeze([...ENVELOPE_KEYS, 'data', 'list', 'share_list']);
