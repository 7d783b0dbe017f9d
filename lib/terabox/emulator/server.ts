/**
 * The emulator's HTTP server (node:http): routing, auth checks, the six endpoints and the faults.
 *
 * Choices the notes leave open (and why):
 * - Auth: every API call needs the `ndus` cookie (errno -6). pset and sharelist need the current
 *   jsToken (errno 4000023 for any other value, e.g. one rotated away); /api/list checks a jsToken
 *   only when one is sent. cancel needs the bdstoken: a wrong or missing one gets errno 4000020
 *   ("verification needed"), whose documented reaction - reload /main, retry once - is the fix.
 * - Faults hit the API endpoints only; /main gets the latency but no other fault, so that a
 *   client's "refresh tokens, retry once" path stays testable on purpose rather than by chance.
 *   http5xx, html and rateLimit answer before the request is handled (nothing changes); drop and
 *   timeout strike after it was handled: the share is created or cancelled and the answer is
 *   lost, which is exactly the case where a client must not blindly retry a create.
 * - sharelist and record clamp page_size to pageSizeMax (or answer errno 2 with oversizePage
 *   'error'); both follow `order=ctime&desc=1|0` unless orderParam is 'ignore', and answer in
 *   listOrder otherwise. sharelist lists only transfers with sharelistScope 'transfer-only'.
 * - Cookies: /main always sets `csrfToken` and `PANWEB=1` (as TeraBox's web app gets them);
 *   `requireMainCookies` makes the API refuse calls without them with errno 4000020 ("verification
 *   needed"): an assumption (no public sample shows TeraBox's answer), chosen because its
 *   documented remedy, reloading /main, is what restores lost cookies; -6 would wrongly say
 *   "log in again". `strictCookieOrder` treats a Cookie header not starting with `ndus=` as no
 *   cookie at all (-6, or /main's 302 to /login), as rclone's author reports for `lang=en; ndus=`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseLossless } from 'lossless-json';
import { IneffectiveCancels } from './cancel-faults';
import { createPrng, STREAM } from './prng';
import {
  createdShareBody,
  errnoBody,
  oddWriteBody,
  fileListBody,
  gatewayErrorPage,
  loginPage,
  mainPage,
  methodNotAllowedPage,
  nextLogId,
  nextRequestId,
  notFoundPage,
  recordPageBody,
  sharePageObject,
  type SharePageInput,
  toJson,
} from './responses';
import { resolveFaultSpec, resolveSeedSpec } from './specs';
import { EmulatorState, isAcceptablePath } from './state';
import { isShapeVariant, variantSharePage, type ShapeVariant } from './variants';
import type {
  CancelMissingMode,
  EmulatorEndpoint,
  EmulatorFile,
  EmulatorOptions,
  EmulatorSharePeriod,
  FaultSpec,
  ListOrder,
  MainNdusCookie,
  MainPageForm,
  OrderParamMode,
  OversizePageMode,
  ResponseShape,
  SharelistScope,
  WriteAnswerBody,
} from './types';

/** A started emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  /** The live state: files, shares, tokens, counters and helpers. */
  state: EmulatorState;
  /** The faults now in force (a copy). */
  readonly faults: FaultSpec;
  /**
   * Changes faults at runtime: an object changes only the fields it names, a spec string replaces
   * all faults. Restarts the rotateEvery count. Throws EmulatorSpecError on a bad spec.
   */
  setFaults(faults: Partial<FaultSpec> | string): void;
  /** Stops the server and ends every connection, hung ones included. Idempotent. */
  close(): Promise<void>;
}

/** errno values the emulator answers with (see /work/shared/terabox-api-notes.md). */
export const ERRNO = {
  ok: 0,
  notLoggedIn: -6,
  shareGone: -7,
  fileNotFound: -9,
  badParam: 2,
  tooManyItems: -33,
  someNotCancelled: -24,
  jsTokenInvalid: 4000023,
  needVerify: 4000020,
} as const;

/** Baidu caps one operation at 999 items (errno -33) [B]. */
const MAX_CANCEL_IDS = 999;
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_DIR_PAGE = 1000;
const PERIODS: ReadonlySet<number> = new Set([0, 1, 7, 30]);
const PWD = /^[0-9a-z]{4}$/;
const UNSIGNED_ID = /^(0|[1-9][0-9]*)$/;

interface Reply {
  status: number;
  /** An array value sends the header once per entry (Set-Cookie). */
  headers: Record<string, string | string[]>;
  body: string;
}

interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  ndus: string | undefined;
  cookies: Map<string, string>;
  body: string;
}

interface Config {
  shape: ResponseShape;
  reportTotal: boolean;
  pageSizeMax: number;
  oversizePage: OversizePageMode;
  regionPrefix: string | undefined;
  mainRedirect: string | undefined;
  cancelMissing: CancelMissingMode;
  cancelMissingErrno: number;
  cancelMaxIds: number;
  cancelTooManyErrno: number;
  cancelBody: WriteAnswerBody;
  psetBody: WriteAnswerBody;
  mainPageForm: MainPageForm;
  mainNdusCookie: MainNdusCookie | undefined;
  requireMainCookies: boolean;
  strictCookieOrder: boolean;
  linkHost: string;
  sharelistScope: SharelistScope;
  listOrder: ListOrder;
  orderParam: OrderParamMode;
  variant: ShapeVariant | undefined;
  ineffectiveCancels: IneffectiveCancels;
}

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };
const HTML_TYPE = { 'Content-Type': 'text/html; charset=utf-8' };

const json = (body: string, headers: Record<string, string | string[]> = {}): Reply => ({ status: 200, headers: { ...JSON_TYPE, ...headers }, body });
const html = (status: number, body: string, headers: Record<string, string | string[]> = {}): Reply => ({
  status,
  headers: { ...HTML_TYPE, ...headers },
  body,
});
const errno = (code: number, message: string, headers: Record<string, string> = {}): Reply => json(errnoBody(code, message), headers);

/**
 * Starts an emulator on `options.port` (default: a free port) of 127.0.0.1 and resolves once it
 * listens. Throws EmulatorSpecError for a bad seed or fault spec, before anything listens.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed = resolveSeedSpec(options.seed);
  let faults = resolveFaultSpec(options.faults);
  const pageSizeMax = options.pageSizeMax ?? 100;
  if (!Number.isSafeInteger(pageSizeMax) || pageSizeMax < 1) throw new RangeError(`pageSizeMax must be a whole number >= 1 (got ${pageSizeMax})`);
  const cancelMaxIds = options.cancelMaxIds ?? MAX_CANCEL_IDS;
  if (!Number.isSafeInteger(cancelMaxIds) || cancelMaxIds < 1) throw new RangeError(`cancelMaxIds must be a whole number >= 1 (got ${cancelMaxIds})`);
  const cancelMissing = options.cancelMissing ?? 'ok';
  const config: Config = {
    shape: options.shape ?? 'seed',
    reportTotal: options.reportTotal ?? true,
    pageSizeMax,
    oversizePage: options.oversizePage ?? 'clamp',
    regionPrefix: options.regionPrefix,
    mainRedirect: options.mainRedirect?.replace(/\/+$/, ''),
    cancelMissing,
    cancelMissingErrno: options.cancelMissingErrno ?? (cancelMissing === 'refuse-batch' ? ERRNO.someNotCancelled : ERRNO.shareGone),
    cancelMaxIds,
    cancelTooManyErrno: options.cancelTooManyErrno ?? ERRNO.tooManyItems,
    cancelBody: options.cancelBody ?? 'normal',
    psetBody: options.psetBody ?? 'normal',
    mainPageForm: options.mainPageForm ?? 'template',
    mainNdusCookie: options.mainNdusCookie,
    requireMainCookies: options.requireMainCookies ?? false,
    strictCookieOrder: options.strictCookieOrder ?? false,
    linkHost: options.linkHost ?? 'www.terabox.com',
    sharelistScope: options.sharelistScope ?? 'all',
    listOrder: options.listOrder ?? 'newest-first',
    orderParam: options.orderParam ?? 'honor',
    variant: options.variant,
    ineffectiveCancels: new IneffectiveCancels(options.cancelIneffective),
  };
  if (!['all', 'transfer-only'].includes(config.sharelistScope)) throw new RangeError(`sharelistScope must be 'all' or 'transfer-only'`);
  if (!['newest-first', 'oldest-first', 'unordered'].includes(config.listOrder)) throw new RangeError(`listOrder must be 'newest-first', 'oldest-first' or 'unordered'`);
  if (!['honor', 'ignore'].includes(config.orderParam)) throw new RangeError(`orderParam must be 'honor' or 'ignore'`);
  if (config.variant !== undefined && !isShapeVariant(config.variant)) throw new RangeError(`unknown shape variant ${JSON.stringify(config.variant)}`);
  const state = new EmulatorState({ seed, ndus: options.ndus ?? 'emulator-ndus', now: options.now ?? Date.now });
  const faultRng = createPrng(seed.seed, STREAM.faults);
  const timers = new Set<NodeJS.Timeout>();
  let apiRequests = 0;
  let origin = '';

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handlers: Record<EmulatorEndpoint, { method: string; handle: (r: Request) => Reply }> = {
    '/api/check/login': { method: 'GET', handle: (r) => checkLogin(state, config, r) },
    '/main': { method: 'GET', handle: (r) => main(state, config, r, origin) },
    '/share/pset': { method: 'POST', handle: (r) => pset(state, config, r, faults) },
    '/share/teratransfer/sharelist': { method: 'GET', handle: (r) => shareList(state, config, r, faults) },
    '/share/record': { method: 'GET', handle: (r) => shareRecord(state, config, r) },
    '/share/cancel': { method: 'POST', handle: (r) => cancel(state, config, r) },
    '/api/list': { method: 'GET', handle: (r) => apiList(state, r) },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const route = Object.hasOwn(handlers, url.pathname) ? handlers[url.pathname as EmulatorEndpoint] : undefined;
    state.count(route ? url.pathname : undefined);
    if (url.pathname === '/login') return send(res, html(200, loginPage()));
    if (!route) return send(res, html(404, notFoundPage()));
    if (req.method !== route.method) return send(res, html(405, methodNotAllowedPage(), { Allow: route.method }));
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (body === undefined) return send(res, html(413, '<h1>413 Request Entity Too Large</h1>'));
    state.lastCookieHeader = req.headers.cookie ?? null;
    const cookies = parseCookies(req.headers.cookie);
    // strictCookieOrder: a header that does not start with ndus reads as no cookie at all.
    const ndus = config.strictCookieOrder && !/^\s*ndus=/.test(req.headers.cookie ?? '') ? undefined : cookies.get('ndus');
    const request: Request = { method: req.method, path: url.pathname, query: url.searchParams, ndus, cookies, body };

    const delay = faults.latencyMs + (faults.jitterMs > 0 ? faultRng.next() * faults.jitterMs : 0);
    if (delay > 0) await sleep(delay);
    if (url.pathname === '/main') return send(res, route.handle(request));

    apiRequests++;
    if (faults.rotateEvery > 0 && apiRequests % faults.rotateEvery === 0) state.rotateJsToken();
    const fault = drawFault(faults, faultRng.next(), url.pathname);
    if (fault === 'http5xx') {
      const status = [500, 502, 503][faultRng.int(3)] as number;
      return send(res, faultRng.next() < 0.5 ? html(status, gatewayErrorPage(status)) : { status, headers: {}, body: '' });
    }
    if (fault === 'html') return send(res, html(200, loginPage()));
    if (fault === 'rateLimit') return send(res, errno(faults.rateLimitErrno, 'too many requests'));
    const reply = missingMainCookies(state, config, request) ?? route.handle(request);
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'timeout') return; // never answered; close() ends the socket
    send(res, reply);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A bug in the emulator must show as a server error, never as a silent hang.
      if (!res.headersSent) send(res, html(500, gatewayErrorPage(500)));
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: origin,
    state,
    get faults() {
      return { ...faults, paths: [...faults.paths] };
    },
    setFaults(next) {
      faults = resolveFaultSpec(next, faults);
      apiRequests = 0;
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive, hung (timeout fault) and delayed connections would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

type FaultKind = 'drop' | 'timeout' | 'http5xx' | 'html' | 'rateLimit';
const FAULT_ORDER: readonly FaultKind[] = ['drop', 'timeout', 'http5xx', 'html', 'rateLimit'];

/** One draw in [0,1) against consecutive bands of the fault rates: at most one fault per request. */
function drawFault(faults: FaultSpec, draw: number, path: string): FaultKind | undefined {
  if (faults.paths.length > 0 && !faults.paths.includes(path)) return undefined;
  let edge = 0;
  for (const kind of FAULT_ORDER) {
    edge += faults[kind];
    if (draw < edge) return kind;
  }
  return undefined;
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(Buffer.byteLength(reply.body)) });
  res.end(reply.body);
}

/** The body as text, or undefined when larger than MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The cookies of a Cookie header (the first value of a repeated name wins, as servers commonly do). */
function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq).trim() : '';
    if (name !== '' && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** The cookies /main sets (and, with mainNdusCookie, what it says about ndus). */
function mainSetCookies(state: EmulatorState, config: Config): string[] {
  const cookies = [`csrfToken=${state.csrfToken}; Path=/; SameSite=Lax`, 'PANWEB=1; Path=/; HttpOnly'];
  if (config.mainNdusCookie === 'deleted') cookies.push('ndus=deleted; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; Path=/');
  if (config.mainNdusCookie === 'renewed') cookies.push('ndus=renewed-by-main-not-accepted; Path=/; HttpOnly');
  return cookies;
}

/** requireMainCookies: an API call with a valid ndus but without /main's cookies gets errno 4000020. */
function missingMainCookies(state: EmulatorState, config: Config, r: Request): Reply | undefined {
  if (!config.requireMainCookies || r.path === '/api/check/login' || !state.isValidNdus(r.ndus)) return undefined;
  if (r.cookies.get('csrfToken') === state.csrfToken && r.cookies.get('PANWEB') === '1') return undefined;
  return errno(ERRNO.needVerify, 'need verify');
}

/** Parses a form field holding a JSON array, numbers kept as their exact digits. */
function jsonArrayField(raw: string | null): unknown[] | undefined | 'invalid' {
  if (raw === null) return undefined;
  try {
    const value = parseLossless(raw, null, (digits: string) => digits);
    return Array.isArray(value) ? (value as unknown[]) : 'invalid';
  } catch {
    return 'invalid';
  }
}

function idList(values: unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string' || !UNSIGNED_ID.test(v)) return undefined;
    out.push(v);
  }
  return out;
}

function pageParam(query: URLSearchParams, names: string[], fallback: number): number | undefined {
  for (const name of names) {
    const raw = query.get(name);
    if (raw === null || raw === '') continue;
    const n = Number(raw);
    return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
  }
  return fallback;
}

// ------------------------------------------------------------------ endpoints

function checkLogin(state: EmulatorState, config: Config, r: Request): Reply {
  const region: Record<string, string> = config.regionPrefix ? { 'Region-Domain-Prefix': config.regionPrefix } : {};
  if (!state.isValidNdus(r.ndus)) {
    // rclone PR #8508: the -6 answer may carry the prefix of the region the account lives in.
    const headers = config.regionPrefix ? { ...region, 'Url-Domain-Prefix': config.regionPrefix } : region;
    return errno(ERRNO.notLoggedIn, 'not logged in', headers);
  }
  return json(toJson({ errno: 0, newno: '', request_id: nextRequestId(), show_msg: '' }), region);
}

function main(state: EmulatorState, config: Config, r: Request, origin: string): Reply {
  if (config.mainRedirect !== undefined) return html(302, '', { Location: `${config.mainRedirect}/main` });
  if (!state.isValidNdus(r.ndus)) return html(302, '', { Location: `${origin}/login` });
  return html(200, mainPage(state, config.mainPageForm), { logid: nextLogId(), 'Set-Cookie': mainSetCookies(state, config) });
}

function pset(state: EmulatorState, config: Config, r: Request, faults: FaultSpec): Reply {
  if (!state.isValidNdus(r.ndus)) return errno(ERRNO.notLoggedIn, 'not logged in');
  if (r.query.get('jsToken') !== state.jsToken) return errno(ERRNO.jsTokenInvalid, 'jsToken invalid');
  const form = new URLSearchParams(r.body);
  const problems: string[] = [];
  const fidField = jsonArrayField(form.get('fid_list'));
  const pathField = jsonArrayField(form.get('path_list'));
  const channels = jsonArrayField(form.get('channel_list'));
  const fsIds = fidField === undefined ? [] : fidField === 'invalid' ? undefined : idList(fidField);
  const paths = pathField === undefined ? [] : pathField === 'invalid' ? undefined : pathField;
  if (fsIds === undefined) problems.push('fid_list');
  if (paths === undefined || !paths.every((p) => typeof p === 'string' && isAcceptablePath(p))) problems.push('path_list');
  if (channels === 'invalid') problems.push('channel_list');
  const schannel = form.get('schannel') ?? '0';
  const period = Number(form.get('period') ?? '0');
  const pwd = form.get('pwd') ?? '';
  const publicField = form.get('public') ?? (schannel === '4' ? '0' : '1');
  if (schannel !== '0' && schannel !== '4') problems.push('schannel');
  if (!PERIODS.has(period)) problems.push('period');
  if (schannel === '4' && !PWD.test(pwd)) problems.push('pwd');
  if (publicField !== '0' && publicField !== '1') problems.push('public');
  // A private link is one with a password: public=0 without schannel=4 would be a link nobody can open.
  if (publicField === '0' && schannel !== '4') problems.push('public=0 needs schannel=4');
  if (problems.length === 0 && (fsIds as string[]).length === 0 && (paths as string[]).length === 0) problems.push('fid_list or path_list');
  if (problems.length > 0) return errno(ERRNO.badParam, `bad parameter: ${problems.join(', ')}`);

  const items: EmulatorFile[] = [];
  for (const id of fsIds as string[]) {
    const file = state.fileByFsId(id);
    if (!file) return errno(ERRNO.fileNotFound, 'file does not exist');
    if (!items.includes(file)) items.push(file);
  }
  for (const path of paths as string[]) {
    const file = state.fileAtPath(path);
    if (!file) return errno(ERRNO.fileNotFound, 'file does not exist');
    if (!items.includes(file)) items.push(file);
  }
  const share = state.addShare({
    fsIds: items.map((f) => f.fsId),
    paths: items.map((f) => f.path),
    period: period as EmulatorSharePeriod,
    public: publicField === '1',
    pwd: schannel === '4' ? pwd : '',
  });
  return json(oddWriteBody(config.psetBody) ?? createdShareBody(faults.shape ?? config.shape, share, config.linkHost));
}

/** The order a list request gets: what it asks (`order=ctime`, `desc` 1 or 0) when honored, else listOrder. */
function listOrderFor(query: URLSearchParams, config: Config): ListOrder {
  if (config.orderParam === 'honor' && query.get('order') === 'ctime') {
    const desc = query.get('desc');
    if (desc === '1') return 'newest-first';
    if (desc === '0') return 'oldest-first';
  }
  return config.listOrder;
}

type ListRequest = { page: number; size: number; offset: number } | Reply;

/** Auth and page parameters shared by sharelist and record. */
function listRequest(state: EmulatorState, config: Config, r: Request): ListRequest {
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

function shareList(state: EmulatorState, config: Config, r: Request, faults: FaultSpec): Reply {
  const req = listRequest(state, config, r);
  if ('status' in req) return req;
  const query = { order: listOrderFor(r.query, config), transferOnly: config.sharelistScope === 'transfer-only' };
  const body = sharePageObject({ shape: faults.shape ?? config.shape, ...pageInput(state, config, req, state.listShares(req.offset, req.size, query)) });
  const variant = faults.variant ?? config.variant;
  if (variant === undefined) return json(toJson(body));
  const reply = variantSharePage(variant, body);
  return reply.html !== undefined ? html(200, reply.html) : json(reply.json ?? toJson(body));
}

/** Baidu's `/share/record`: every share, always in the Baidu record shape. */
function shareRecord(state: EmulatorState, config: Config, r: Request): Reply {
  const req = listRequest(state, config, r);
  if ('status' in req) return req;
  return json(recordPageBody(pageInput(state, config, req, state.listShares(req.offset, req.size, { order: listOrderFor(r.query, config) }))));
}

/** What both list endpoints put on a page, whatever its shape. */
function pageInput(
  state: EmulatorState,
  config: Config,
  req: { page: number; offset: number },
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

function cancel(state: EmulatorState, config: Config, r: Request): Reply {
  if (!state.isValidNdus(r.ndus)) return errno(ERRNO.notLoggedIn, 'not logged in');
  if (r.query.get('bdstoken') !== state.bdstoken) return errno(ERRNO.needVerify, 'need verify');
  const field = jsonArrayField(new URLSearchParams(r.body).get('shareid_list'));
  const ids = field === undefined || field === 'invalid' ? undefined : idList(field);
  if (ids === undefined || ids.length === 0) return errno(ERRNO.badParam, 'bad parameter: shareid_list');
  if (ids.length > config.cancelMaxIds) return errno(config.cancelTooManyErrno, 'too many items');
  const present = ids.filter((id) => state.getShare(id) !== undefined);
  // 'errno' mode: a batch of gone ids only answers cancelMissingErrno (-7, as Baidu does for a
  // deleted share); a batch with at least one live id cancels the live ones and answers 0.
  if (config.cancelMissing === 'errno' && present.length === 0) return errno(config.cancelMissingErrno, 'share does not exist');
  // 'refuse-batch' mode: one gone id refuses the whole batch (-24) and nothing changes.
  if (config.cancelMissing === 'refuse-batch' && present.length < ids.length) return errno(config.cancelMissingErrno, 'some shares could not be cancelled');
  for (const id of present) if (!config.ineffectiveCancels.keeps(id)) state.removeShare(id);
  return json(oddWriteBody(config.cancelBody) ?? toJson({ errno: 0, request_id: nextRequestId(), err_msg: '' }));
}

function apiList(state: EmulatorState, r: Request): Reply {
  if (!state.isValidNdus(r.ndus)) return errno(ERRNO.notLoggedIn, 'not logged in');
  const token = r.query.get('jsToken');
  if (token !== null && token !== state.jsToken) return errno(ERRNO.jsTokenInvalid, 'jsToken invalid');
  const dir = r.query.get('dir') || '/';
  const page = pageParam(r.query, ['page'], 1);
  const num = pageParam(r.query, ['num'], MAX_DIR_PAGE);
  if (!isAcceptablePath(dir) || page === undefined || num === undefined) return errno(ERRNO.badParam, 'bad parameter');
  const limit = Math.min(num, MAX_DIR_PAGE);
  const files = state.listDir(dir, (page - 1) * limit, limit);
  if (files === undefined) return errno(ERRNO.fileNotFound, 'directory does not exist');
  return json(fileListBody(files));
}
