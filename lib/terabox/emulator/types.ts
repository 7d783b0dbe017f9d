/**
 * Types of the TeraBox emulator: options, the seed and fault specs, the state records.
 * Kept apart from the implementation so that client code and tests can import them cheaply.
 */

import type { ShapeVariant } from './variants';

/** Which of the two known `sharelist` / `pset` response shapes the emulator answers with. */
export type ResponseShape = 'seed' | 'baidu';

/** Periods TeraBox accepts for a share (days; 0 = permanent). */
export type EmulatorSharePeriod = 0 | 1 | 7 | 30;

/** What the deterministic generator puts into a fresh emulator. */
export interface SeedSpec {
  /** Number of regular files in the tree (folders come on top). */
  files: number;
  /** Number of shares over those files. */
  shares: number;
  /** Share creation times spread uniformly between now and now - maxAgeDays. */
  maxAgeDays: number;
  /** PRNG seed: same seed (and same clock) → same files, shares and tokens. */
  seed: number;
  /** Fraction of shares that are public links (the rest are private with a 4-char pwd). */
  public: number;
}

/**
 * Faults injected on API endpoints. Rates are fractions of requests in [0, 1]; one random draw per
 * request picks at most one of drop / timeout / http5xx / html / rateLimit, so their sum must be <= 1.
 */
export interface FaultSpec {
  /** Fixed delay before every answer (also applied to /main). */
  latencyMs: number;
  /** Extra uniform random delay in [0, jitterMs). */
  jitterMs: number;
  /** Answer HTTP 500/502/503 with an HTML or empty body. */
  http5xx: number;
  /** Accept the request and never answer (close() still ends these sockets). */
  timeout: number;
  /** Destroy the socket without any response. */
  drop: number;
  /** HTTP 200 with `{"errno": rateLimitErrno}`. */
  rateLimit: number;
  /** errno used by rateLimit (110: "share count exceeded" on Baidu, the closest known). */
  rateLimitErrno: number;
  /** Rotate the jsToken before every Nth API request (0 = never); the old token then gets 4000023. */
  rotateEvery: number;
  /** HTTP 200 with an HTML login page instead of JSON. */
  html: number;
  /**
   * A list that shifts while it is read: before every Nth list request (sharelist or record, 0 =
   * never) a new share is created, which moves every share one place down a newest-first list.
   */
  createEvery: number;
  /** Before every Nth list request (0 = never) the share in the middle of the list is cancelled. */
  cancelEvery: number;
  /** Overrides the emulator's response shape at runtime when set. */
  shape?: ResponseShape;
  /** Overrides the emulator's shape variant (variants.ts) at runtime when set. */
  variant?: ShapeVariant;
  /** Restrict faults (not latency) to these API paths; empty = every API path. */
  paths: string[];
}

/**
 * What `/share/cancel` answers for ids that are not (or no longer) shares:
 * - `ok`: skips them, errno 0;
 * - `errno`: a batch of only gone ids answers `cancelMissingErrno` (default -7) and changes
 *   nothing; a batch with a live id cancels the live ones and answers 0;
 * - `refuse-batch`: a batch holding any gone id answers `cancelMissingErrno` (default -24, "some
 *   shares could not be cancelled") and changes nothing (an assumption: all or nothing).
 */
export type CancelMissingMode = 'ok' | 'errno' | 'refuse-batch';

/** How `/main` carries the jsToken (the three forms public clients search for). */
export type MainPageForm = 'template' | 'eval' | 'window' | 'none';

/** What `/main` says about the ndus cookie in its Set-Cookie (the client must ignore both). */
export type MainNdusCookie = 'deleted' | 'renewed';

/**
 * The body of a write's answer: `normal`, or one that states no errno (`empty`: `{}`;
 * `code`: `{"code":0,"msg":"success"}`). The write is applied either way: the answer is odd.
 */
export type WriteAnswerBody = 'normal' | 'empty' | 'code';

/** What a `sharelist` request with page_size above pageSizeMax gets. */
export type OversizePageMode = 'clamp' | 'error';

/** How a share came to be: by `pset` (the web app, the product) or by a TeraTransfer transfer. */
export type ShareSource = 'pset' | 'transfer';

/**
 * Which shares `/share/teratransfer/sharelist` lists: all of them, or only TeraTransfer's (the
 * risk the notes raise: the endpoint appears publicly only beside TeraTransfer, so it may omit
 * shares made by pset). `/share/record` always lists every share.
 */
export type SharelistScope = 'all' | 'transfer-only';

/** The order list pages come in: by ctime newest first, oldest first, or a fixed scrambled order. */
export type ListOrder = 'newest-first' | 'oldest-first' | 'unordered';

/** Whether the list endpoints follow `order=ctime&desc=1|0` (honor) or always answer in `listOrder` (ignore). */
export type OrderParamMode = 'honor' | 'ignore';

export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Bind address; default 127.0.0.1 (loopback only). */
  host?: string;
  /** The ndus cookie value the emulator accepts; default "emulator-ndus". */
  ndus?: string;
  /** Seed data; a SeedSpec or a spec string (see parseSeedSpec). Default: 100 files, 0 shares, seed 1. */
  seed?: Partial<SeedSpec> | string;
  /** Faults; a FaultSpec or a spec string (see parseFaultSpec). Default: none. */
  faults?: Partial<FaultSpec> | string;
  /** Response shape of pset and sharelist; default 'seed'. */
  shape?: ResponseShape;
  /** A deliberate departure of the sharelist answer from its shape (variants.ts); default none. */
  variant?: ShapeVariant;
  /** Whether list pages carry a total (`data.total`/`has_more` or `count`); default true. */
  reportTotal?: boolean;
  /**
   * Largest page the list endpoints serve; default 100 (what public clients ask for). With
   * `reportTotal: false` and a cap below the size asked (e.g. 10), every page is short and
   * carries no total, has_more or nextpage: the case where only an empty page ends the list.
   */
  pageSizeMax?: number;
  /** See SharelistScope; default 'all'. */
  sharelistScope?: SharelistScope;
  /** Order of list pages when a request does not ask for one (or `orderParam` is 'ignore'); default 'newest-first'. */
  listOrder?: ListOrder;
  /** See OrderParamMode; default 'honor'. */
  orderParam?: OrderParamMode;
  /** Larger page_size requests are clamped (default) or answered with errno 2. */
  oversizePage?: OversizePageMode;
  /** When set, `/api/check/login` answers with `Region-Domain-Prefix: <prefix>`. */
  regionPrefix?: string;
  /** When set, `GET /main` answers 302 to `<mainRedirect>/main` (another origin). */
  mainRedirect?: string;
  /** See CancelMissingMode; default 'ok' (errno 0, the gone ids are simply skipped). */
  cancelMissing?: CancelMissingMode;
  /** errno of cancelMissing 'errno' (default -7) or 'refuse-batch' (default -24); e.g. -21, 105. */
  cancelMissingErrno?: number;
  /** Most ids one cancel takes (default 999); a larger batch gets `cancelTooManyErrno`. */
  cancelMaxIds?: number;
  /** errno for a cancel over cancelMaxIds (default -33; TeraBox clients name 3 for 100, 31075 for 999). */
  cancelTooManyErrno?: number;
  /** The body of a successful cancel's answer (default 'normal'). */
  cancelBody?: WriteAnswerBody;
  /** The body of a successful pset's answer (default 'normal'). */
  psetBody?: WriteAnswerBody;
  /** How /main carries the jsToken (default 'template': inside templateData). */
  mainPageForm?: MainPageForm;
  /** When set, /main's Set-Cookie also deletes or renews the ndus cookie (which the emulator keeps accepting as it was). */
  mainNdusCookie?: MainNdusCookie;
  /**
   * API calls (all but /api/check/login) must carry the cookies /main sets (`csrfToken`, `PANWEB`);
   * without them errno 4000020 ("verification needed"). Default false.
   */
  requireMainCookies?: boolean;
  /** A Cookie header that does not start with `ndus=` is refused with errno -6 (rclone's report). Default false. */
  strictCookieOrder?: boolean;
  /**
   * Fault: cancels answered errno 0 that keep the share (see cancel-faults.ts): `'always'`,
   * `'once'` (each share survives its first cancel) or the ids that survive every cancel. Default none.
   */
  cancelIneffective?: 'always' | 'once' | readonly string[];
  /** Host used to build share links (`https://<linkHost>/s/1...`); default www.terabox.com. */
  linkHost?: string;
  /** Clock (epoch ms) for share ages and expiry; default Date.now. */
  now?: () => number;
}

/** One entry of the emulated file tree. */
export interface EmulatorFile {
  /** Decimal string, exact. */
  fsId: string;
  /** Absolute path, `/` separated, no trailing slash. */
  path: string;
  isdir: boolean;
  size: number;
  /** Unix seconds. */
  ctime: number;
}

/** One emulated share. */
export interface EmulatorShare {
  /** Decimal string, exact even beyond 2^53. */
  shareId: string;
  fsIds: string[];
  paths: string[];
  /** The short url code, e.g. `1aBcDeF2x9`. */
  shorturl: string;
  /** Creation time, unix seconds (as TeraBox reports it). */
  ctime: number;
  period: EmulatorSharePeriod;
  public: boolean;
  /** 4 chars of [0-9a-z] for private links; '' for public ones. */
  pwd: string;
  /** 0 = normal (the only value the generator uses); 9 = dead (Baidu). */
  status: number;
  viewCount: number;
  downloadCount: number;
  saveCount: number;
  /** How the share was made; undefined = 'pset' (every generated and created share). */
  source?: ShareSource;
}

/** Input of EmulatorState.addFiles: fsId is generated when absent. */
export interface NewEmulatorFile {
  fsId?: string;
  path: string;
  isdir?: boolean;
  size?: number;
  ctime?: number;
}

/** Input of EmulatorState.addShare: everything but fsIds or paths has a default. */
export interface NewEmulatorShare {
  /** Explicit id as a decimal string (may exceed 2^53); generated when absent. */
  shareId?: string;
  fsIds?: string[];
  paths?: string[];
  shorturl?: string;
  /** Unix seconds; default now. */
  ctime?: number;
  period?: EmulatorSharePeriod;
  public?: boolean;
  pwd?: string;
  status?: number;
  viewCount?: number;
  downloadCount?: number;
  saveCount?: number;
  /** Default 'pset'. */
  source?: ShareSource;
}

/** Endpoint paths the emulator implements (keys of EmulatorState.counts, with 'total'). */
export const EMULATOR_ENDPOINTS = [
  '/api/check/login',
  '/main',
  '/share/pset',
  '/share/teratransfer/sharelist',
  '/share/record',
  '/share/cancel',
  '/api/list',
] as const;

export type EmulatorEndpoint = (typeof EMULATOR_ENDPOINTS)[number];
