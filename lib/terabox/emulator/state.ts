/**
 * Everything the emulator knows: the file tree, the shares, the session (ndus, jsToken, bdstoken)
 * and request counters. Lookups are by map and pages are slices, so a request costs O(page) (plus
 * O(log n) for shares) whether the account holds ten shares or a hundred thousand.
 */
import { NewestFirstIndex } from './newest-first-index';
import { BASE62, createPrng, HEX_LOWER, HEX_UPPER, PWD_ALPHABET, STREAM, type Prng } from './prng';
import { generateSeedData } from './seed-generator';
import {
  EMULATOR_ENDPOINTS,
  type EmulatorFile,
  type EmulatorShare,
  type ListOrder,
  type NewEmulatorFile,
  type NewEmulatorShare,
  type SeedSpec,
} from './types';

const DECIMAL_ID = /^[1-9][0-9]*$/;
const SHORT_URL = /^[0-9A-Za-z_-]+$/;
const PERIODS = new Set([0, 1, 7, 30]);

export interface EmulatorStateOptions {
  seed: SeedSpec;
  ndus: string;
  now: () => number;
}

/** One page of a listing plus the size of the whole list. */
export interface ListPage<T> {
  items: T[];
  total: number;
}

/** Which shares a listing covers and in which order (see listShares). */
export interface ListSharesQuery {
  /** Default 'newest-first'. */
  order?: ListOrder;
  /** Only shares made by a TeraTransfer transfer (`source: 'transfer'`); default false. */
  transferOnly?: boolean;
}

/** FNV-1a of a string: the fixed, deterministic "unordered" order of a share id. */
function scrambleKey(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The emulator's mutable state; tests and benchmarks reach it through `RunningEmulator.state`. */
export class EmulatorState {
  /** Clock (epoch ms) the emulator uses for ages and expiry. */
  readonly now: () => number;
  /** The ndus cookie value currently accepted; undefined after expireSession(). */
  ndus: string | undefined;
  /** The current jsToken (what /main hands out); any other value gets errno 4000023. */
  jsToken: string;
  /** The current bdstoken (32 lowercase hex chars), required by /share/cancel. */
  bdstoken: string;
  /** The account's user key, shown in /main's templateData. */
  readonly uk: string;
  /** The `csrfToken` cookie /main sets (with `PANWEB=1`); required with requireMainCookies. */
  csrfToken: string;
  /** The Cookie header of the last request (tests check what a client sends; null before any). */
  lastCookieHeader: string | null = null;
  /** Requests received per endpoint path, plus `total` (every request, faulted or not). */
  readonly counts: Record<string, number> = {};

  private readonly fileById = new Map<string, EmulatorFile>();
  private readonly fileByPath = new Map<string, EmulatorFile>();
  private readonly childrenOf = new Map<string, EmulatorFile[]>();
  private readonly shareById = new Map<string, EmulatorShare>();
  private readonly shareBySurl = new Map<string, EmulatorShare>();
  private readonly order = new NewestFirstIndex<EmulatorShare>();
  private readonly transferOrder = new NewestFirstIndex<EmulatorShare>();
  /** The 'unordered' listing of each scope, rebuilt after a change (O(n log n), tests only). */
  private scrambled: { all?: EmulatorShare[]; transfer?: EmulatorShare[] } = {};
  private readonly tokens: Prng;
  private readonly cookieRng: Prng;
  private readonly ids: Prng;
  private nextFsId: number;
  private nextShareId: number;

  constructor(options: EmulatorStateOptions) {
    this.now = options.now;
    this.ndus = options.ndus;
    this.tokens = createPrng(options.seed.seed, STREAM.tokens);
    this.jsToken = this.newJsToken();
    this.bdstoken = this.tokens.chars(HEX_LOWER, 32);
    this.uk = String(4_000_000_000_000 + this.tokens.int(999_999_999));
    // A stream of its own: adding the cookie left every other token of a seed as it was.
    this.cookieRng = createPrng(options.seed.seed, STREAM.cookies);
    this.csrfToken = this.cookieRng.chars(BASE62, 32);
    this.ids = createPrng(options.seed.seed ^ 0x5bd1e995);
    this.resetCounts();
    this.childrenOf.set('/', []);
    const data = generateSeedData(options.seed, this.now());
    for (const file of data.files) this.insertFile(file);
    for (const share of data.shares) this.insertShare(share);
    this.nextFsId = data.nextFsId;
    this.nextShareId = data.nextShareId;
  }

  /** fs_id → file or folder. */
  get files(): ReadonlyMap<string, EmulatorFile> {
    return this.fileById;
  }

  /** share id → share. */
  get shares(): ReadonlyMap<string, EmulatorShare> {
    return this.shareById;
  }

  // ------------------------------------------------------------------ session

  /** True when `ndus` is the cookie value the emulator currently accepts. */
  isValidNdus(ndus: string | undefined): boolean {
    return ndus !== undefined && this.ndus !== undefined && ndus === this.ndus;
  }

  /** Replaces the jsToken (as TeraBox does now and then); the old one then gets errno 4000023. */
  rotateJsToken(): string {
    this.jsToken = this.newJsToken();
    return this.jsToken;
  }

  /** Logs the session out: the ndus stops working (errno -6, /main redirects to /login). */
  expireSession(): void {
    this.ndus = undefined;
  }

  /** A new login: accepts `ndus` (default: a fresh value) with fresh jsToken and bdstoken. */
  renewSession(ndus?: string): string {
    this.ndus = ndus ?? `emulator-ndus-${this.tokens.chars(BASE62, 16)}`;
    this.rotateJsToken();
    this.bdstoken = this.tokens.chars(HEX_LOWER, 32);
    this.csrfToken = this.cookieRng.chars(BASE62, 32);
    return this.ndus;
  }

  /** Sets every counter (each endpoint and `total`) to zero. */
  resetCounts(): void {
    for (const key of Object.keys(this.counts)) delete this.counts[key];
    for (const endpoint of EMULATOR_ENDPOINTS) this.counts[endpoint] = 0;
    this.counts.total = 0;
  }

  /** Counts one request to `endpoint` (a known path, or undefined for any other path). */
  count(endpoint: string | undefined): void {
    this.counts.total = (this.counts.total ?? 0) + 1;
    if (endpoint !== undefined) this.counts[endpoint] = (this.counts[endpoint] ?? 0) + 1;
  }

  private newJsToken(): string {
    return this.tokens.chars(HEX_UPPER, 96);
  }

  // ------------------------------------------------------------------ files

  /**
   * Adds files or folders (missing parent folders are created). Throws on a relative or
   * duplicate path or a duplicate or malformed fsId.
   */
  addFiles(files: NewEmulatorFile[]): EmulatorFile[] {
    return files.map((input) => {
      const path = normalizePath(input.path);
      if (this.fileByPath.has(path)) throw new Error(`emulator: ${path} already exists`);
      if (input.fsId !== undefined && !DECIMAL_ID.test(input.fsId)) throw new Error(`emulator: fsId ${input.fsId} is not a decimal id`);
      if (input.fsId !== undefined && this.fileById.has(input.fsId)) throw new Error(`emulator: fsId ${input.fsId} already exists`);
      this.ensureFolder(parentOf(path));
      const file: EmulatorFile = {
        fsId: input.fsId ?? this.newFsId(),
        path,
        isdir: input.isdir ?? false,
        size: input.isdir ? 0 : (input.size ?? 1024),
        ctime: input.ctime ?? Math.floor(this.now() / 1000),
      };
      this.insertFile(file);
      return file;
    });
  }

  fileByFsId(fsId: string): EmulatorFile | undefined {
    return this.fileById.get(fsId);
  }

  fileAtPath(path: string): EmulatorFile | undefined {
    return this.fileByPath.get(normalizePath(path));
  }

  /** A page of a folder's children in listing order, or undefined when `dir` is not a folder. */
  listDir(dir: string, offset: number, limit: number): EmulatorFile[] | undefined {
    const children = this.childrenOf.get(normalizePath(dir));
    return children === undefined ? undefined : children.slice(offset, offset + limit);
  }

  private ensureFolder(path: string): void {
    if (this.childrenOf.has(path)) return;
    if (this.fileByPath.has(path)) throw new Error(`emulator: ${path} is a file, not a folder`);
    this.addFiles([{ path, isdir: true }]);
  }

  private insertFile(file: EmulatorFile): void {
    this.fileById.set(file.fsId, file);
    this.fileByPath.set(file.path, file);
    let siblings = this.childrenOf.get(parentOf(file.path));
    if (siblings === undefined) {
      siblings = [];
      this.childrenOf.set(parentOf(file.path), siblings);
    }
    siblings.push(file);
    if (file.isdir && !this.childrenOf.has(file.path)) this.childrenOf.set(file.path, []);
  }

  private newFsId(): string {
    let id: string;
    do {
      this.nextFsId += 1 + this.ids.int(1000);
      id = String(this.nextFsId);
    } while (this.fileById.has(id));
    return id;
  }

  // ------------------------------------------------------------------ shares

  /**
   * Adds a share. fsIds and paths are completed from the tree where they match a file; ones that
   * match nothing are kept as given (a share of a file deleted since). An explicit shareId may be
   * any decimal id, also beyond 2^53: it is kept as a string and written to JSON digit for digit.
   */
  addShare(input: NewEmulatorShare): EmulatorShare {
    const fsIds = [...(input.fsIds ?? [])];
    const paths = (input.paths ?? []).map(normalizePath);
    if (fsIds.length === 0 && paths.length === 0) throw new Error('emulator: a share needs fsIds or paths');
    for (const id of fsIds) if (!DECIMAL_ID.test(id)) throw new Error(`emulator: fsId ${id} is not a decimal id`);
    if (fsIds.length === 0) for (const p of paths) fsIds.push(this.fileByPath.get(p)?.fsId ?? this.newFsId());
    if (paths.length === 0) for (const id of fsIds) paths.push(this.fileById.get(id)?.path ?? `/missing/${id}`);
    const shareId = input.shareId ?? this.newShareId();
    if (!DECIMAL_ID.test(shareId)) throw new Error(`emulator: shareId ${shareId} is not a decimal id`);
    if (this.shareById.has(shareId)) throw new Error(`emulator: share ${shareId} already exists`);
    const period = input.period ?? 0;
    if (!PERIODS.has(period)) throw new Error(`emulator: period ${String(period)} is not 0, 1, 7 or 30`);
    const isPublic = input.public ?? input.pwd === undefined;
    const pwd = input.pwd ?? (isPublic ? '' : this.ids.chars(PWD_ALPHABET, 4));
    const shorturl = input.shorturl ?? this.newShortUrl();
    if (!SHORT_URL.test(shorturl)) throw new Error(`emulator: short url ${shorturl} is not [0-9A-Za-z_-]+`);
    if (this.shareBySurl.has(shorturl)) throw new Error(`emulator: short url ${shorturl} already exists`);
    const share: EmulatorShare = {
      shareId,
      fsIds,
      paths,
      shorturl,
      ctime: input.ctime ?? Math.floor(this.now() / 1000),
      period,
      public: isPublic,
      pwd,
      status: input.status ?? 0,
      viewCount: input.viewCount ?? 0,
      downloadCount: input.downloadCount ?? 0,
      saveCount: input.saveCount ?? 0,
      ...(input.source === 'transfer' ? { source: 'transfer' as const } : {}),
    };
    this.insertShare(share);
    return share;
  }

  /** Adds several shares (see addShare). */
  addShares(inputs: NewEmulatorShare[]): EmulatorShare[] {
    return inputs.map((input) => this.addShare(input));
  }

  /** Removes a share; false when there is no such share. */
  removeShare(shareId: string): boolean {
    const share = this.shareById.get(shareId);
    if (share === undefined) return false;
    this.shareById.delete(shareId);
    this.shareBySurl.delete(share.shorturl);
    this.order.remove(shareId);
    this.transferOrder.remove(shareId);
    this.scrambled = {};
    return true;
  }

  getShare(shareId: string): EmulatorShare | undefined {
    return this.shareById.get(shareId);
  }

  /** The share whose short url code is `shorturl` (e.g. `1aBcDeF`). */
  findShareByShortUrl(shorturl: string): EmulatorShare | undefined {
    return this.shareBySurl.get(shorturl);
  }

  /**
   * `limit` shares from `offset`, newest first (ctime descending, ties newest-added first) unless
   * `query.order` says otherwise; every share, or only transfers. Newest and oldest first cost
   * O(log n + limit); 'unordered' (a fixed scramble by share id) sorts once after each change.
   */
  listShares(offset: number, limit: number, query: ListSharesQuery = {}): ListPage<EmulatorShare> {
    const index = query.transferOnly ? this.transferOrder : this.order;
    const total = index.size;
    const order = query.order ?? 'newest-first';
    if (order === 'newest-first') return { items: index.page(offset, limit), total };
    if (order === 'oldest-first') {
      const end = total - offset; // exclusive, in newest-first positions
      if (end <= 0 || limit <= 0) return { items: [], total };
      const start = Math.max(0, end - limit);
      return { items: index.page(start, end - start).reverse(), total };
    }
    const key = query.transferOnly ? 'transfer' : 'all';
    const all = (this.scrambled[key] ??= index.page(0, total).sort((a, b) => scrambleKey(a.shareId) - scrambleKey(b.shareId) || (a.shareId < b.shareId ? -1 : 1)));
    return { items: all.slice(offset, offset + limit), total };
  }

  private insertShare(share: EmulatorShare): void {
    this.shareById.set(share.shareId, share);
    this.shareBySurl.set(share.shorturl, share);
    this.order.add(share.shareId, share, share.ctime);
    if (share.source === 'transfer') this.transferOrder.add(share.shareId, share, share.ctime);
    this.scrambled = {};
  }

  private newShareId(): string {
    let id: string;
    do {
      this.nextShareId += 1 + this.ids.int(9_999);
      id = String(this.nextShareId);
    } while (this.shareById.has(id));
    return id;
  }

  private newShortUrl(): string {
    let surl: string;
    do surl = `1${this.ids.chars(BASE62, 10)}`;
    while (this.shareBySurl.has(surl));
    return surl;
  }
}

/** `/a/b/` → `/a/b`; throws on a relative path or one with control characters (TeraBox refuses those). */
export function normalizePath(path: string): string {
  if (!isAcceptablePath(path)) throw new Error(`emulator: path ${JSON.stringify(path)} is not absolute or has control characters`);
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** Absolute and free of control characters (which responses.ts relies on). */
export function isAcceptablePath(path: string): boolean {
  // eslint-disable-next-line no-control-regex
  return path.startsWith('/') && !/[\u0000-\u001f\u007f]/.test(path);
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
