/**
 * Finding the share list in a sharelist/record answer, and the counts beside it (`total`,
 * Baidu's `count`, has_more/nextpage). The items themselves are normalize.ts's.
 */
import { TeraboxResponseError } from './errors';
import { isRecord, pick, toFlag, toNumber, type Json } from './field-values';

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

/** Where extractSharePage looks for the list, in its order (`data` = `data` itself as a list). */
export const SHARE_LIST_LOCATIONS: readonly string[] = Object.freeze(['data.share_list', 'data.list', 'list', 'share_list', 'data']);

/** Keys of a list answer the client reads or knows to carry nothing about shares (ENVELOPE_KEYS). */
export const UNDERSTOOD_PAGE_KEYS: readonly string[] = Object.freeze([...ENVELOPE_KEYS, 'data', 'list', 'share_list']);
