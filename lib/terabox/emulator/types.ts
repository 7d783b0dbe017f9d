/**
 * Types of the TeraBox emulator: options, the seed and fault specs, the state records.
 * Kept apart from the implementation so that client code and tests can import them cheaply.
 */

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
  /** Overrides the emulator's response shape at runtime when set. */
  shape?: ResponseShape;
  /** Restrict faults (not latency) to these API paths; empty = every API path. */
  paths: string[];
}

/** What `/share/cancel` answers for ids that are not (or no longer) shares. */
export type CancelMissingMode = 'ok' | 'errno';

/** What a `sharelist` request with page_size above pageSizeMax gets. */
export type OversizePageMode = 'clamp' | 'error';

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
  /** Whether list pages carry a total (`data.total`/`has_more` or `count`); default true. */
  reportTotal?: boolean;
  /** Largest page `sharelist` serves; default 100 (what public clients ask for). */
  pageSizeMax?: number;
  /** Larger page_size requests are clamped (default) or answered with errno 2. */
  oversizePage?: OversizePageMode;
  /** When set, `/api/check/login` answers with `Region-Domain-Prefix: <prefix>`. */
  regionPrefix?: string;
  /** When set, `GET /main` answers 302 to `<mainRedirect>/main` (another origin). */
  mainRedirect?: string;
  /** See CancelMissingMode; default 'ok' (errno 0, the gone ids are simply skipped). */
  cancelMissing?: CancelMissingMode;
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
  /** 0 = normal (the only value the generator uses). */
  status: number;
  viewCount: number;
  downloadCount: number;
  saveCount: number;
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
}

/** Endpoint paths the emulator implements (keys of EmulatorState.counts, with 'total'). */
export const EMULATOR_ENDPOINTS = [
  '/api/check/login',
  '/main',
  '/share/pset',
  '/share/teratransfer/sharelist',
  '/share/cancel',
  '/api/list',
] as const;

export type EmulatorEndpoint = (typeof EMULATOR_ENDPOINTS)[number];
