/**
 * Shape variants: deliberate departures of the `sharelist` answer from the two shapes the client
 * knows, so that `doctor` (and the client) can be tested against answers a changed TeraBox might
 * send. Each variant changes one thing and names it; the data behind the answer is unchanged.
 *
 * - `renamed-field`: the share id under another name (`sid`), as field names drift (notes).
 * - `string-ids`: ids as JSON strings (`"share_id": "123"`); the notes say ids come both ways.
 * - `implausible-value`: every `ctime` a hundred years ahead: the right type, no plausible value.
 * - `extra-wrapper`: the list one object deeper (`{data: {result: {share_list: [...]}}}`).
 * - `html-page`: HTTP 200 with an HTML page instead of JSON (not the login page).
 * - `unknown-errno`: errno 31999, which no source documents.
 * - `total-disagrees`: `total` (Baidu: `count`) five more than the list holds.
 */
import { asStringId, toJson } from './responses';

export const SHAPE_VARIANTS = [
  'renamed-field',
  'string-ids',
  'implausible-value',
  'extra-wrapper',
  'html-page',
  'unknown-errno',
  'total-disagrees',
] as const;

export type ShapeVariant = (typeof SHAPE_VARIANTS)[number];

/** The errno the `unknown-errno` variant answers (documented by no source). */
export const UNKNOWN_VARIANT_ERRNO = 31999;
/** How many shares `total-disagrees` claims beyond the real total. */
export const TOTAL_SURPLUS = 5;
const CENTURY_SEC = Math.round(100 * 365.25 * 86_400);

export function isShapeVariant(value: unknown): value is ShapeVariant {
  return typeof value === 'string' && (SHAPE_VARIANTS as readonly string[]).includes(value);
}

/** What the server sends for a variant page. */
export interface VariantReply {
  html?: string;
  json?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function mapItems(page: Json, change: (item: Json) => Json): void {
  const data = isObject(page.data) ? page.data : undefined;
  if (data && Array.isArray(data.share_list)) data.share_list = data.share_list.filter(isObject).map(change);
  else if (Array.isArray(page.list)) page.list = page.list.filter(isObject).map(change);
}

function renameId(item: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(item)) out[key === 'share_id' || key === 'shareId' ? 'sid' : key] = value;
  return out;
}

function stringIds(item: Json): Json {
  const out: Json = { ...item };
  for (const key of ['share_id', 'shareId']) if (key in out) out[key] = asStringId(out[key]);
  if (Array.isArray(out.fsIds)) out.fsIds = out.fsIds.map(asStringId);
  return out;
}

function wrap(page: Json): Json {
  const { errno, request_id: requestId, ...rest } = page;
  const inner = isObject(rest.data) ? rest.data : rest;
  return { errno, request_id: requestId, data: { result: inner } };
}

/** A maintenance page, as a CDN or TeraBox may serve in place of the API. */
function htmlPage(): string {
  return '<!DOCTYPE html><html><head><title>TeraBox</title></head><body><h1>We are upgrading</h1><p>Please try again later.</p></body></html>';
}

/** Applies `variant` to one `sharelist` page object (from sharePageObject) and writes the answer. */
export function variantSharePage(variant: ShapeVariant, page: Json): VariantReply {
  switch (variant) {
    case 'html-page':
      return { html: htmlPage() };
    case 'unknown-errno':
      return { json: toJson({ errno: UNKNOWN_VARIANT_ERRNO, request_id: page.request_id, errmsg: 'unknown' }) };
    case 'renamed-field':
      mapItems(page, renameId);
      break;
    case 'string-ids':
      mapItems(page, stringIds);
      break;
    case 'implausible-value':
      mapItems(page, (item) => ({ ...item, ctime: typeof item.ctime === 'number' ? item.ctime + CENTURY_SEC : item.ctime }));
      break;
    case 'extra-wrapper':
      return { json: toJson(wrap(page)) };
    case 'total-disagrees': {
      const data = isObject(page.data) ? page.data : undefined;
      if (data && typeof data.total === 'number') data.total += TOTAL_SURPLUS;
      if (typeof page.count === 'number') page.count += TOTAL_SURPLUS;
      break;
    }
  }
  return { json: toJson(page) };
}
