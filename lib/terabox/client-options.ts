/**
 * What a TeraBox client can be told (TeraboxClientOptions), the defaults, and their resolution:
 * every numeric option checked, the keep-alive agents, the default transport.
 */
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../domain/clock';
import { TeraboxValidationError } from './errors';
import type { FetchLike } from './http';
import { DEFAULT_LIST_ENDPOINT, isShareListEndpoint, type ShareListEndpoint } from './paginate';
import { positiveInt } from './positive-int';
import { DEFAULT_RETRY_POLICY, defaultSleep, type RetryPolicy } from './retry';
import { RequestPacer } from './pacer';
import type { TeraboxCredentials, TeraboxLogger } from './session';

export const DEFAULT_PAGE_SIZE = 100;
export const DEFAULT_LIST_CONCURRENCY = 6;
export const DEFAULT_CANCEL_BATCH_SIZE = 100;
/** Baidu refuses more than 999 items in one operation (errno -33); TeraBox is a fork. */
export const MAX_CANCEL_BATCH_SIZE = 999;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export interface TeraboxClientOptions {
  credentials: TeraboxCredentials;
  /** Default: node-fetch v2 (loaded on first use). The Lambda functions inject `globalFetch`. */
  fetch?: FetchLike;
  /** Per HTTP request (default 15 s); also capped by what is left of the operation's budget. */
  requestTimeoutMs?: number;
  /** Overrides of DEFAULT_RETRY_POLICY (attempts, backoff, per-operation budget, errnos). */
  retry?: Partial<RetryPolicy>;
  /** Pages fetched at once when the first page reveals the total (default 6). */
  listConcurrency?: number;
  /**
   * Pages kept in flight when TeraBox gives no total (default 1: strictly sequential). Each
   * page beyond 1 is speculative: up to `listLookahead - 1` extra calls past the last page.
   */
  listLookahead?: number;
  /** Default page size for paginateShares (default 100). */
  pageSize?: number;
  /**
   * Which list paginateShares reads (default 'sharelist'): the seed's `/share/teratransfer/sharelist`,
   * or Baidu's `/share/record` (`list[]`). The notes doubt that sharelist lists every share (it
   * appears publicly only beside TeraTransfer); `record` is Baidu's own inventory. A listing can
   * override it (`ListSharesOptions.endpoint`).
   */
  listEndpoint?: ShareListEndpoint;
  /** Safety stop for a listing that never ends (default 100,000 pages). */
  maxPages?: number;
  /** Ids per cancel request (default 100, at most 999). */
  cancelBatchSize?: number;
  userAgent?: string;
  /** Maps a region prefix (`dm`) to an origin; default `https://<prefix>.terabox.com`. */
  regionUrl?: (prefix: string, currentBaseUrl: string) => string;
  /** Receives redacted events only. */
  logger?: TeraboxLogger;
  /** Keep-alive connections (default true) and the pool size per origin (default 16). */
  keepAlive?: boolean;
  maxSockets?: number;
  clock?: Clock;
  /** The `browserid` cookie sent with every call; default: random, generated once per client. */
  browserId?: string;
  /**
   * At most this many requests start per second (pacer.ts), listing, cancels and creates alike;
   * absent: no pace. The deployed functions get TERABOX_REQUESTS_PER_SECOND (default 5).
   */
  requestsPerSecond?: number;
  /** A pace shared with other clients of the process (instead of `requestsPerSecond`). */
  pacer?: RequestPacer;
  /** Injected for tests: the pause between attempts and the jitter source. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** The options a client runs with, defaults filled in and checked. */
export interface ClientSettings {
  policy: RetryPolicy;
  clock: Clock;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  listConcurrency: number;
  listLookahead: number;
  pageSize: number;
  listEndpoint: ShareListEndpoint;
  maxPages: number;
  cancelBatchSize: number;
  requestTimeoutMs: number;
  pacer: RequestPacer | undefined;
}

/** Throws TeraboxValidationError for the first option out of range. */
export function resolveClientSettings(options: TeraboxClientOptions): ClientSettings {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const clock = options.clock ?? { now: () => Date.now() };
  const listConcurrency = positiveInt(options.listConcurrency, DEFAULT_LIST_CONCURRENCY, 'listConcurrency', 64);
  const listLookahead = positiveInt(options.listLookahead, 1, 'listLookahead', 64);
  const pageSize = positiveInt(options.pageSize, DEFAULT_PAGE_SIZE, 'pageSize', 1000);
  const listEndpoint: unknown = options.listEndpoint ?? DEFAULT_LIST_ENDPOINT;
  if (!isShareListEndpoint(listEndpoint)) throw new TeraboxValidationError(['listEndpoint must be "sharelist" or "record"']);
  return {
    policy,
    clock,
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
    listConcurrency,
    listLookahead,
    pageSize,
    listEndpoint,
    maxPages: positiveInt(options.maxPages, 100_000, 'maxPages', 10_000_000),
    cancelBatchSize: positiveInt(options.cancelBatchSize, DEFAULT_CANCEL_BATCH_SIZE, 'cancelBatchSize', MAX_CANCEL_BATCH_SIZE),
    requestTimeoutMs: positiveInt(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs', 600_000),
    pacer: options.pacer ?? pacerOf(options.requestsPerSecond, clock, options.sleep ?? defaultSleep),
  };
}

function pacerOf(requestsPerSecond: number | undefined, clock: Clock, sleep: ClientSettings['sleep']): RequestPacer | undefined {
  if (requestsPerSecond === undefined) return undefined;
  if (!Number.isFinite(requestsPerSecond) || requestsPerSecond <= 0 || requestsPerSecond > 1000) {
    throw new TeraboxValidationError([`requestsPerSecond must be a number above 0 and at most 1000 (got ${String(requestsPerSecond)})`]);
  }
  return new RequestPacer({ requestsPerSecond, now: () => clock.now(), sleep });
}

/** The keep-alive agents (none with `keepAlive: false`); `close()` destroys them. */
export function connectionPool(options: TeraboxClientOptions): { agents: http.Agent[]; agentFor?: (u: URL) => http.Agent } {
  if (options.keepAlive === false) return { agents: [] };
  const maxSockets = positiveInt(options.maxSockets, 16, 'maxSockets', 256);
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets });
  return { agents: [httpAgent, httpsAgent], agentFor: (u) => (u.protocol === 'http:' ? httpAgent : httpsAgent) };
}

/**
 * node-fetch v2 is the default transport. It is required on first use rather than imported, so
 * that a bundle which injects another fetch (the Lambda functions pass Node's global fetch and
 * mark node-fetch external) does not carry it and its URL tables (about 300 KB minified).
 */
export function loadNodeFetch(): FetchLike {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeFetch = require('node-fetch') as typeof import('node-fetch').default;
  // node-fetch v2's own AbortSignal type is structurally the same as the global one.
  return (url, init) => nodeFetch(url, init);
}
