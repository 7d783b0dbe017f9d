/**
 * The two list endpoints: `/share/teratransfer/sharelist` (seed or Baidu shape, optional shape
 * variants) and Baidu's `/share/record`. Both clamp the page size to pageSizeMax (or answer
 * errno 2 with oversizePage 'error') and follow `order=ctime&desc=1|0` unless orderParam is 'ignore'.
 */
import { errno, ERRNO, html, json, type EmulatorRequest, type Reply } from '../exchange';
import { recordPageBody, sharePageObject, toJson, type SharePageInput } from '../responses';
import type { ServerConfig } from '../server-config';
import type { EmulatorState } from '../state';
import type { FaultSpec, ListOrder } from '../types';
import { variantSharePage } from '../variants';
import type { RouteContext } from './context';
import { pageParam } from './form-fields';

/** The order a list request gets: what it asks (`order=ctime`, `desc` 1 or 0) when honored, else listOrder. */
function listOrderFor(query: URLSearchParams, config: ServerConfig): ListOrder {
  if (config.orderParam === 'honor' && query.get('order') === 'ctime') {
    const desc = query.get('desc');
    if (desc === '1') return 'newest-first';
    if (desc === '0') return 'oldest-first';
  }
  return config.listOrder;
}

interface PageRequest {
  page: number;
  size: number;
  offset: number;
}

/** Auth and page parameters shared by sharelist and record. */
function listRequest(state: EmulatorState, config: ServerConfig, r: EmulatorRequest): PageRequest | Reply {
  if (!state.isValidNdus(r.ndus)) return errno(ERRNO.notLoggedIn, 'not logged in');
  if (r.query.get('jsToken') !== state.jsToken) return errno(ERRNO.jsTokenInvalid, 'jsToken invalid');
  const page = pageParam(r.query, ['page'], 1);
  // Baidu's /share/record calls the page size `num`; both endpoints accept both names.
  let size = pageParam(r.query, ['page_size', 'num'], config.pageSizeMax);
  if (page === undefined || size === undefined) return errno(ERRNO.badParam, 'bad parameter: page, page_size');
  if (size > config.pageSizeMax) {
    if (config.oversizePage === 'error') return errno(ERRNO.badParam, 'bad parameter: page_size');
    size = config.pageSizeMax;
  }
  return { page, size, offset: (page - 1) * size };
}

/** What both list endpoints put on a page, whatever its shape. */
function pageInput(
  state: EmulatorState,
  config: ServerConfig,
  req: PageRequest,
  listed: Pick<SharePageInput, 'items' | 'total'>,
): Omit<SharePageInput, 'shape'> {
  return {
    items: listed.items,
    total: listed.total,
    offset: req.offset,
    page: req.page,
    reportTotal: config.reportTotal,
    nowSec: Math.floor(state.now() / 1000),
    linkHost: config.linkHost,
  };
}

/**
 * The churn faults (createEvery, cancelEvery): the list changes just before this request reads
 * it, as when people create and cancel shares while a sweep lists them.
 */
function churn(state: EmulatorState, spec: FaultSpec, path: string): void {
  const n = state.counts[path] ?? 0;
  if (spec.createEvery > 0 && n % spec.createEvery === 0) {
    const file = state.listDir('/', 0, 1)?.[0];
    state.addShare(file ? { fsIds: [file.fsId], paths: [file.path], public: true } : { public: true });
  }
  if (spec.cancelEvery > 0 && n % spec.cancelEvery === 0 && state.shares.size > 0) {
    const ids = [...state.shares.keys()];
    state.removeShare(ids[Math.floor(ids.length / 2)]!);
  }
}

export function shareList(r: EmulatorRequest, { state, config, faults }: RouteContext): Reply {
  const req = listRequest(state, config, r);
  if ('status' in req) return req;
  churn(state, faults(), r.path);
  const { shape, variant: faultVariant } = faults();
  const query = { order: listOrderFor(r.query, config), transferOnly: config.sharelistScope === 'transfer-only' };
  const body = sharePageObject({ shape: shape ?? config.shape, ...pageInput(state, config, req, state.listShares(req.offset, req.size, query)) });
  const variant = faultVariant ?? config.variant;
  if (variant === undefined) return json(toJson(body));
  const reply = variantSharePage(variant, body);
  return reply.html !== undefined ? html(200, reply.html) : json(reply.json ?? toJson(body));
}

/** Baidu's `/share/record`: every share, always in the Baidu record shape. */
export function shareRecord(r: EmulatorRequest, { state, config, faults }: RouteContext): Reply {
  const req = listRequest(state, config, r);
  if ('status' in req) return req;
  churn(state, faults(), r.path);
  return json(recordPageBody(pageInput(state, config, req, state.listShares(req.offset, req.size, { order: listOrderFor(r.query, config) }))));
}
