/**
 * Typed factories for TeraBox answers (the two sharelist shapes, pset, errno envelopes), so tests
 * state only what matters to them. Field names follow /work/shared/terabox-api-notes.md.
 */

/** A sharelist item as the seed document names it. */
export interface SeedShareItem {
  share_id: number | string;
  shorturl?: string;
  typicalPath?: string;
  fsIds?: Array<number | string>;
  ctime?: number;
  expiredType?: number;
  expiredTime?: number;
  public?: number;
  status?: number;
  [key: string]: unknown;
}

/** A Baidu-style /share/record item. */
export interface BaiduRecordItem {
  shareId: number | string;
  fsIds?: Array<number | string>;
  shortlink?: string;
  shorturl?: string;
  typicalPath?: string;
  public?: number;
  ctime?: number;
  expiredType?: number;
  expiredTime?: number;
  status?: number;
  vCnt?: number;
  dCnt?: number;
  tCnt?: number;
  passwd?: string;
  [key: string]: unknown;
}

export function seedShareItem(id: number | string, overrides: Partial<SeedShareItem> = {}): SeedShareItem {
  return { share_id: id, shorturl: `1code${id}`, typicalPath: `/files/${id}.txt`, ctime: 1_700_000_000, public: 1, ...overrides };
}

export function baiduRecordItem(id: number | string, overrides: Partial<BaiduRecordItem> = {}): BaiduRecordItem {
  return {
    shareId: id,
    fsIds: [Number(id) + 1000],
    shortlink: `https://www.terabox.com/s/1code${id}`,
    shorturl: `1code${id}`,
    typicalPath: `/files/${id}.txt`,
    public: 1,
    ctime: 1_700_000_000,
    expiredType: 0,
    expiredTime: 0,
    status: 0,
    ...overrides,
  };
}

/** A seed-shaped sharelist page; `total` adds data.total and data.has_more. */
export function seedSharePage(items: SeedShareItem[], opts: { total?: number; offset?: number } = {}): Record<string, unknown> {
  const data: Record<string, unknown> = { share_list: items };
  if (opts.total !== undefined) {
    data.total = opts.total;
    data.has_more = (opts.offset ?? 0) + items.length < opts.total ? 1 : 0;
  }
  return { errno: 0, request_id: 1, data };
}

/** A Baidu-shaped page: `list` (or `{}` when empty), optional `count`. */
export function baiduSharePage(items: BaiduRecordItem[], opts: { count?: number } = {}): Record<string, unknown> {
  return { errno: 0, request_id: 1, list: items.length > 0 ? items : {}, ...(opts.count !== undefined ? { count: opts.count } : {}) };
}

export function errnoEnvelope(errno: number, errmsg = ''): Record<string, unknown> {
  return { errno, request_id: 1, errmsg, show_msg: '' };
}

/** Ids `from`, `from+1`, ... as numbers. */
export function idRange(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}
