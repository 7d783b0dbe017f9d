/**
 * `share-lifecycle doctor`: checks, read-only, whether the client understands everything this
 * TeraBox account answers, before anyone lets a sweep cancel shares. Everything goes through the
 * real client (checkLogin, paginateShares, listFiles) over a recording fetch: what the client
 * refuses is reported as a failed check naming the problem, and the raw answers are judged
 * against what the client reads (judge.ts).
 */
import type { Share } from '../domain/share';
import {
  createTeraboxClient,
  DEFAULT_LIST_ENDPOINT,
  parseJsonLossless,
  SHARE_LIST_ENDPOINT_PATHS,
  TRANSIENT_ERRNOS,
  type FetchLike,
  type LoginStatus,
  type SessionTokenReport,
  type TeraboxClient,
  type TeraboxClientOptions,
  type TeraboxCredentials,
} from '../terabox';
import { isRecord, toNumber } from '../terabox/field-values';
import { check, extractItems, judgeErrnos, judgeFields, judgeTotal, judgeValues, type ListedPage } from './judge';
import { recordingFetch, type RecordedExchange } from './recording-fetch';
import { sessionFacts } from './session-facts';
import { overallVerdict, type DoctorCheck, type DoctorReport, type ListingOutcome } from './types';
import { runWriteTest, type WriteTestOptions } from './write-test';


export interface DoctorOptions {
  credentials: TeraboxCredentials;
  /** The transport (Node's fetch, node-fetch, a replay): doctor wraps it to record. */
  fetch: FetchLike;
  now?: () => number;
  /** Shares per page asked for (default 100, what the sweep uses). */
  pageSize?: number;
  /** More client options (retry policy, timeouts); credentials, fetch and clock are doctor's. */
  client?: Partial<Omit<TeraboxClientOptions, 'credentials' | 'fetch'>>;
  /** Also create, find, cancel and check one share (the user consented). */
  writeTest?: WriteTestOptions;
}

export interface DoctorRun {
  report: DoctorReport;
  /** Every exchange in request order, raw (holds credentials: redact before writing). */
  exchanges: RecordedExchange[];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The last answer per page number of the list exchanges (on `listPath`) from `fromSeq` on, parsed. */
export function listedPages(exchanges: readonly RecordedExchange[], listPath: string, fromSeq: number, toSeq = Infinity): ListedPage[] {
  const byPage = new Map<number, ListedPage>();
  for (const e of exchanges) {
    if (e.endpoint !== listPath || e.seq <= fromSeq || e.seq > toSeq) continue;
    const page = Number(new URL(e.url).searchParams.get('page') ?? '1');
    byPage.set(page, { page, ...parseBody(e) });
  }
  return [...byPage.values()].sort((a, b) => a.page - b.page);
}

/** A recorded answer as JSON, or what it was instead. */
export function parseBody(e: RecordedExchange): { body?: Record<string, unknown>; problem?: string } {
  if (e.status === 0) return { problem: `no answer (${e.error ?? 'network failure'})` };
  if (e.status !== 200) return { problem: `HTTP ${e.status}` };
  const text = e.body.trim();
  if (text.startsWith('<')) return { problem: 'HTML where JSON was expected' };
  try {
    const parsed: unknown = parseJsonLossless(text);
    return isRecord(parsed) ? { body: parsed } : { problem: 'JSON that is not an object' };
  } catch {
    return { problem: text === '' ? 'an empty body' : 'a body that is not valid JSON' };
  }
}

async function loginChecks(client: TeraboxClient): Promise<DoctorCheck[]> {
  let status: LoginStatus;
  try {
    status = await client.checkLogin();
  } catch (error) {
    return [
      check('login', 'cookie', 'fail', message(error)),
      check('region', 'region', 'fail', 'not known: the cookie check failed'),
    ];
  }
  const host = new URL(status.baseUrl).host;
  return [
    check('login', 'cookie', 'ok', '/api/check/login accepted the ndus cookie (errno 0)'),
    check('region', 'region', 'ok', status.switchedRegion ? `TeraBox moved the account to ${host}; the client follows` : `the account answers on ${host}`),
  ];
}

function tokensCheck(exchanges: readonly RecordedExchange[], session: SessionTokenReport): DoctorCheck {
  const facts = sessionFacts(exchanges);
  const where = facts.jsToken && session.jsToken !== 'missing' && session.jsToken !== 'configured' ? ` (in ${session.jsToken})` : '';
  const found = `jsToken ${facts.jsToken ? `found${where}` : 'missing'}, bdstoken ${facts.bdstoken ? 'found' : 'missing'}, logid ${facts.logid ? 'found' : 'missing'}`;
  const details = [
    `/main loaded ${facts.mainLoads} time${facts.mainLoads === 1 ? '' : 's'}`,
    `cookies TeraBox set: ${session.cookiesSet.length > 0 ? session.cookiesSet.join(', ') : 'none'}`,
    ...(session.ignoredNdus ? ['TeraBox sent a Set-Cookie for ndus; the client kept the configured cookie (a later -6 would mean the session really ended)'] : []),
  ];
  if (facts.source === 'not-loaded') return check('tokens', 'tokens from /main', 'warn', 'the client did not load /main (tokens came from the configuration)', details);
  if (facts.redirected) {
    const where = facts.redirected.toLogin ? 'the login page' : 'another page';
    return check('tokens', 'tokens from /main', 'fail', `/main answered HTTP ${facts.redirected.status} to ${where}`, details);
  }
  if (!facts.jsToken) return check('tokens', 'tokens from /main', 'fail', `no jsToken in /main: nothing can be listed (${found})`, details);
  if (!facts.bdstoken) return check('tokens', 'tokens from /main', 'fail', `no bdstoken in /main: cancels would be refused (${found})`, details);
  return check('tokens', 'tokens from /main', 'ok', found, details);
}

async function listShares(client: TeraboxClient, pageSize: number): Promise<ListingOutcome> {
  const shares: Share[] = [];
  let pages = 0;
  try {
    for await (const share of client.paginateShares({ pageSize, onPage: () => void (pages += 1) })) shares.push(share);
  } catch (error) {
    return { ok: false, error: message(error), count: shares.length, pages };
  }
  return { ok: true, count: shares.length, shareIds: shares.map((s) => s.shareId), pages };
}

function listingCheck(listing: ListingOutcome): DoctorCheck {
  if (!listing.ok) return check('share-list', 'share listing', 'fail', `the client refused the listing: ${listing.error}`);
  return check('share-list', 'share listing', 'ok', `the client listed ${listing.count} shares in ${listing.pages} page${listing.pages === 1 ? '' : 's'}`);
}

async function filesCheck(client: TeraboxClient): Promise<DoctorCheck> {
  try {
    const files = await client.listFiles('/');
    const folders = files.filter((f) => f.isDir).length;
    return check('files', 'root folder (/api/list)', 'ok', `${files.length} entries (${folders} folders) in /`);
  } catch (error) {
    return check('files', 'root folder (/api/list)', 'fail', message(error));
  }
}

/** errno -> endpoints, over every JSON answer. */
export function errnosOf(exchanges: readonly RecordedExchange[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const e of exchanges) {
    const { body } = parseBody(e);
    const errno = body === undefined ? undefined : toNumber(body.errno ?? body.error_code);
    if (errno === undefined || errno === 0) continue;
    out.set(errno, [...(out.get(errno) ?? []), e.endpoint]);
  }
  return out;
}

/** Timings, transport failures and rate-limit signs (HTTP 429, errno 110/31034, retries). */
export function rateCheck(exchanges: readonly RecordedExchange[], retries: number): DoctorCheck {
  const durations = exchanges.map((e) => e.durationMs).sort((a, b) => a - b);
  const slowest = exchanges.reduce<RecordedExchange | undefined>((s, e) => (s === undefined || e.durationMs > s.durationMs ? e : s), undefined);
  const median = durations.length === 0 ? 0 : durations[Math.floor(durations.length / 2)];
  const details = [`${exchanges.length} requests, median ${median} ms, slowest ${slowest ? `${slowest.durationMs} ms (${slowest.endpoint})` : '-'}`];
  const signs: string[] = [];
  const limited = exchanges.filter((e) => e.status === 429).length;
  if (limited > 0) signs.push(`${limited} HTTP 429`);
  for (const [errno, where] of errnosOf(exchanges)) if (TRANSIENT_ERRNOS.has(errno)) signs.push(`errno ${errno} ${where.length} time${where.length === 1 ? '' : 's'}`);
  const failed = exchanges.filter((e) => e.status === 0 || e.status >= 500).length;
  if (failed > 0) signs.push(`${failed} request${failed === 1 ? '' : 's'} without an answer or with HTTP 5xx`);
  if (retries > 0) signs.push(`${retries} retr${retries === 1 ? 'y' : 'ies'}`);
  if (signs.length > 0) return check('rate', 'timings and rate limits', 'warn', `signs of rate limiting or an unsteady connection: ${signs.join(', ')}`, details);
  return check('rate', 'timings and rate limits', 'ok', 'no rate-limit signs, no retries', details);
}

/** Runs every check; never throws for what TeraBox answers (that is what the checks report). */
export async function runDoctor(options: DoctorOptions): Promise<DoctorRun> {
  const now = options.now ?? Date.now;
  const pageSize = options.pageSize ?? 100;
  const recorder = recordingFetch(options.fetch, now);
  let retries = 0;
  const userLogger = options.client?.logger;
  const client = createTeraboxClient({
    ...options.client,
    credentials: options.credentials,
    fetch: recorder.fetch,
    clock: { now },
    logger: (event) => {
      if (event.event === 'retry') retries += 1;
      userLogger?.(event);
    },
  });
  const { exchanges } = recorder;
  try {
    const checks = await loginChecks(client);
    const beforeListing = exchanges.length === 0 ? 0 : exchanges[exchanges.length - 1].seq;
    const listing = await listShares(client, pageSize);
    const listPath = SHARE_LIST_ENDPOINT_PATHS[options.client?.listEndpoint ?? DEFAULT_LIST_ENDPOINT];
    const pages = listedPages(exchanges, listPath, beforeListing);
    const extracted = extractItems(pages, listPath);
    checks.push(tokensCheck(exchanges, client.sessionReport()), listingCheck(listing), judgeFields(extracted), judgeValues(extracted.items, now()));
    checks.push(judgeTotal(extracted, listing, pages, pageSize), await filesCheck(client));
    if (options.writeTest) {
      const configuredEndpoint = options.client?.listEndpoint ?? DEFAULT_LIST_ENDPOINT;
      checks.push(await runWriteTest(client, { configuredEndpoint, ...options.writeTest }));
    }
    checks.push(judgeErrnos(errnosOf(exchanges)), rateCheck(exchanges, retries));
    const { safe, verdict } = overallVerdict(checks);
    const report: DoctorReport = {
      safe,
      verdict,
      baseUrlHost: new URL(client.baseUrl).host,
      checkedAt: new Date(now()).toISOString(),
      checks,
      listing,
    };
    return { report, exchanges };
  } finally {
    client.close();
  }
}
