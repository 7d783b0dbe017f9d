/**
 * Bodies the emulator sends: JSON with exact big ids, the two `sharelist`/`pset` shapes, and the
 * HTML pages (/main with templateData, the login page, error pages).
 */
import type { EmulatorState } from './state';
import type { EmulatorFile, EmulatorShare, MainPageForm, ResponseShape, WriteAnswerBody } from './types';

// ------------------------------------------------------------------ JSON with exact ids

/*
 * TeraBox ids are JSON numbers, and some (request_id, a few share ids) exceed 2^53, where a JS
 * number would round them. Ids are therefore held as decimal strings and written as bare number
 * literals: the id is put into the object as MARK + digits, JSON.stringify writes that string as
 * "\u0001<digits>", and one regex pass drops the quotes and the mark: a few times faster than
 * lossless-json's stringify, so that the emulator is not the benchmark's bottleneck (figures:
 * bench/NOTES.md, "TeraBox client"). No other string can collide: the only strings that reach
 * this writer are paths (absolute, control characters refused by addFiles), short urls, tokens
 * and fixed texts.
 */
const MARK = '\u0001';
const MARKED = /"\\u0001(\d+)"/g;

/** A JSON number literal written digit for digit (digits must already be validated). */
export function rawNumber(digits: string): string {
  return MARK + digits;
}

/** The digits of a rawNumber() value as a plain string (written quoted); other values unchanged. */
export function asStringId(value: unknown): unknown {
  return typeof value === 'string' && value.startsWith(MARK) ? value.slice(MARK.length) : value;
}

/** JSON text of `value`, with rawNumber() strings written as bare numbers. */
export function toJson(value: unknown): string {
  return JSON.stringify(value).replace(MARKED, '$1');
}

/** Request ids look like Baidu's (19 digits, beyond 2^53); a counter keeps them deterministic. */
const REQUEST_ID_BASE = 7_969_551_761_846_580_210n;
let requestSeq = 0n;
export function nextRequestId(): string {
  requestSeq += 1n;
  return rawNumber(String(REQUEST_ID_BASE + requestSeq));
}

/** A `logid` header value (TeraBox sends one with /main; clients echo it as `dp-logid`). */
export function nextLogId(): string {
  requestSeq += 1n;
  return String(REQUEST_ID_BASE + requestSeq);
}

/** An errno-only answer, as TeraBox sends errors (inside HTTP 200). */
export function errnoBody(errno: number, errmsg: string): string {
  return toJson({ errno, request_id: nextRequestId(), errmsg, show_msg: '' });
}

// ------------------------------------------------------------------ shares

export function shareLink(linkHost: string, share: EmulatorShare): string {
  return `https://${linkHost}/s/${share.shorturl}`;
}

interface Expiry {
  /** -1 once expired, otherwise the period in days (0 = permanent), as pset's expiredType. */
  expiredType: number;
  /** Seconds left; 0 for permanent and for expired links (Baidu record semantics). */
  expiredTime: number;
}

function expiryOf(share: EmulatorShare, nowSec: number): Expiry {
  if (share.period === 0) return { expiredType: 0, expiredTime: 0 };
  const left = share.ctime + share.period * 86_400 - nowSec;
  return left > 0 ? { expiredType: share.period, expiredTime: left } : { expiredType: -1, expiredTime: 0 };
}

/** A `sharelist` item in the seed document's naming (`share_id`, bare `shorturl`). */
function seedItem(share: EmulatorShare, nowSec: number): Record<string, unknown> {
  const expiry = expiryOf(share, nowSec);
  return {
    share_id: rawNumber(share.shareId),
    shorturl: share.shorturl,
    typicalPath: share.paths[0] ?? '',
    fsIds: share.fsIds.map(rawNumber),
    ctime: share.ctime,
    expiredType: expiry.expiredType,
    expiredTime: expiry.expiredTime,
    public: share.public ? 1 : 0,
    status: share.status,
    passwd: share.pwd,
    vCnt: share.viewCount,
    dCnt: share.downloadCount,
    tCnt: share.saveCount,
  };
}

/** A `list` item as Baidu's /share/record names it (`shareId`, full `shortlink`, bare `shorturl`). */
function baiduItem(share: EmulatorShare, nowSec: number, linkHost: string): Record<string, unknown> {
  const expiry = expiryOf(share, nowSec);
  return {
    shareId: rawNumber(share.shareId),
    fsIds: share.fsIds.map(rawNumber),
    shortlink: shareLink(linkHost, share),
    shorturl: share.shorturl,
    typicalPath: share.paths[0] ?? '',
    typicalCategory: -1,
    public: share.public ? 1 : 0,
    ctime: share.ctime,
    expiredType: expiry.expiredType,
    expiredTime: expiry.expiredTime,
    status: share.status,
    vCnt: share.viewCount,
    dCnt: share.downloadCount,
    tCnt: share.saveCount,
    passwd: share.pwd,
  };
}

/**
 * A `/share/record` item, Baidu's own list, with the record conventions the notes' "Second look"
 * gathers: `shorturl` is the code without its leading `1` (the full link is in `shortlink`),
 * `passwd` is "0" for a link without password, and `expiredType` is 1 for a permanent share,
 * -1 once expired, 0 for a dated live one (an emulator choice: the other values are not known);
 * `expiredTime` holds the seconds left (0 when permanent or expired).
 */
function recordItem(share: EmulatorShare, nowSec: number, linkHost: string): Record<string, unknown> {
  const expiry = expiryOf(share, nowSec);
  return {
    shareId: rawNumber(share.shareId),
    fsIds: share.fsIds.map(rawNumber),
    shortlink: shareLink(linkHost, share),
    shorturl: share.shorturl.startsWith('1') ? share.shorturl.slice(1) : share.shorturl,
    typicalPath: share.paths[0] ?? '',
    typicalCategory: -1,
    public: share.public ? 1 : 0,
    ctime: share.ctime,
    expiredType: expiry.expiredType === -1 ? -1 : share.period === 0 ? 1 : 0,
    expiredTime: expiry.expiredTime,
    status: share.status,
    vCnt: share.viewCount,
    dCnt: share.downloadCount,
    tCnt: share.saveCount,
    passwd: share.pwd === '' ? '0' : share.pwd,
  };
}

/** The JSON text of one `/share/record` page: `list[]` (`{}` past the end), `count` and `nextpage` with reportTotal. */
export function recordPageBody(p: Omit<SharePageInput, 'shape'>): string {
  const list = p.items.map((s) => recordItem(s, p.nowSec, p.linkHost));
  const body: Record<string, unknown> = { errno: 0, request_id: nextRequestId(), list: list.length > 0 ? list : {} };
  if (p.reportTotal) {
    body.count = p.total;
    body.nextpage = p.offset + p.items.length < p.total ? p.page + 1 : 0;
  }
  return toJson(body);
}

export interface SharePageInput {
  shape: ResponseShape;
  items: EmulatorShare[];
  total: number;
  offset: number;
  /** The page number asked for (1-based). */
  page: number;
  reportTotal: boolean;
  nowSec: number;
  linkHost: string;
}

/** One `sharelist` page in the requested shape, as an object (ids as rawNumber strings). */
export function sharePageObject(p: SharePageInput): Record<string, unknown> {
  if (p.shape === 'baidu') {
    const list = p.items.map((s) => baiduItem(s, p.nowSec, p.linkHost));
    // Past the end Baidu answers `"list": {}` rather than an empty array (notes, [B]).
    const body: Record<string, unknown> = { errno: 0, request_id: nextRequestId(), list: list.length > 0 ? list : {} };
    if (p.reportTotal) body.count = p.total;
    return body;
  }
  const data: Record<string, unknown> = { share_list: p.items.map((s) => seedItem(s, p.nowSec)) };
  if (p.reportTotal) {
    data.total = p.total;
    data.has_more = p.offset + p.items.length < p.total ? 1 : 0;
  }
  return { errno: 0, request_id: nextRequestId(), data };
}

/** The JSON text of a successful `pset`. */
export function createdShareBody(shape: ResponseShape, share: EmulatorShare, linkHost: string): string {
  // The seed document shows only errno and a bare shorturl: the client must then find the id
  // through sharelist. Baidu answers with the id and full links (notes, [B] sample).
  if (shape === 'seed') return toJson({ errno: 0, shorturl: share.shorturl });
  const link = shareLink(linkHost, share);
  return toJson({
    errno: 0,
    request_id: nextRequestId(),
    shareid: rawNumber(share.shareId),
    link,
    shorturl: link,
    ctime: share.ctime,
    expiredType: share.period,
    createsharetips_ldlj: '',
    premis: false,
  });
}

// ------------------------------------------------------------------ files

const CATEGORY_BY_EXT: Record<string, number> = {
  '.mp4': 1, '.mkv': 1, '.mp3': 2, '.jpg': 3, '.png': 3, '.pdf': 4, '.docx': 4, '.txt': 4, '.zip': 7,
};

function fileItem(file: EmulatorFile): Record<string, unknown> {
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const category = file.isdir ? 6 : (CATEGORY_BY_EXT[dot > 0 ? name.slice(dot).toLowerCase() : ''] ?? 6);
  return {
    fs_id: rawNumber(file.fsId),
    path: file.path,
    server_filename: name,
    isdir: file.isdir ? 1 : 0,
    size: file.size,
    category,
    server_ctime: file.ctime,
    server_mtime: file.ctime,
    local_ctime: file.ctime,
    local_mtime: file.ctime,
  };
}

/** The JSON text of an `/api/list` page; the end is an empty list (notes, [C]). */
export function fileListBody(files: EmulatorFile[]): string {
  return toJson({ errno: 0, guid_info: '', list: files.map(fileItem), request_id: nextRequestId(), guid: 0 });
}

// ------------------------------------------------------------------ HTML

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

/** The body of a write's answer that states no errno (see WriteAnswerBody), or undefined for 'normal'. */
export function oddWriteBody(body: WriteAnswerBody): string | undefined {
  if (body === 'empty') return '{}';
  if (body === 'code') return toJson({ code: 0, msg: 'success', request_id: nextRequestId() });
  return undefined;
}

/** URL-encoded JavaScript that calls fn("<token>"), with ( ) ! ' * escaped as the page has them (`fn%28%22...%22%29`). */
function encodedTokenScript(js: string): string {
  return encodeURIComponent(js).replace(/[()!'*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The web app's shell: the client scrapes jsToken (inside `fn("...")`), bdstoken and uk from it.
 * `form` says where the jsToken is (the three forms public clients search for):
 * - `template`: templateData's `jsToken` field, URL-encoded JavaScript calling fn("<token>") (notes, [C]);
 * - `eval`: a script ``eval(decodeURIComponent(`...fn%28%22<token>%22%29...`))`` (AList #5277);
 * - `window`: only the raw text `window.jsToken%20%3D%20a%7D%3Bfn%28%22<token>%22%29` (seiya's fallback);
 * - `none`: nowhere (a page the client cannot use).
 */
export function mainPage(state: EmulatorState, form: MainPageForm = 'template'): string {
  const tokenJs = encodedTokenScript(`function fn(a){window.jsToken = a};fn("${state.jsToken}")`);
  const templateData = {
    bdstoken: state.bdstoken,
    ...(form === 'template' ? { jsToken: tokenJs } : {}),
    uk: rawNumber(state.uk),
    csrf: state.bdstoken.slice(0, 16),
    loginstate: 1,
    isVip: 0,
    username: 'emulator',
    lang: 'en',
  };
  // `</` must not end the script early; JSON allows `<\/`.
  const json = toJson(templateData).replace(/<\//g, '<\\/');
  const extra =
    form === 'eval'
      ? `<script>eval(decodeURIComponent(\`${encodedTokenScript(`(function(){function fn(a){window.jsToken = a};fn("${state.jsToken}")})()`)}\`))</script>`
      : form === 'window'
        ? `<script>var boot = "${tokenJs}";</script>`
        : '';
  return page(
    'TeraBox',
    `<div id="app"></div><script>var templateData = ${json};</script>${extra}<script src="/static/js/app.js"></script>`,
  );
}

/** What TeraBox shows a browser that is not logged in (also the `html` fault's body). */
export function loginPage(): string {
  return page(
    'TeraBox - Log in',
    '<div class="login"><h1>Log in to TeraBox</h1><form action="/passport/login" method="post">' +
      '<input name="email"><input name="password" type="password"><button>Log in</button></form></div>',
  );
}

export function notFoundPage(): string {
  return page('404 Not Found', '<h1>404 Not Found</h1>');
}

export function methodNotAllowedPage(): string {
  return page('405 Method Not Allowed', '<h1>405 Method Not Allowed</h1>');
}

/** An nginx-style gateway error page (the http5xx fault's HTML body). */
export function gatewayErrorPage(status: number): string {
  const text = status === 500 ? 'Internal Server Error' : status === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable';
  return `<html><head><title>${status} ${text}</title></head><body><center><h1>${status} ${text}</h1></center><hr><center>nginx</center></body></html>`;
}
