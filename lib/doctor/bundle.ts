/**
 * Doctor bundles: the raw answers of one doctor run, redacted, plus a manifest, in a folder:
 *
 *   <dir>/manifest.json              format, tool, when, host, endpoints, exchanges, verdicts
 *   <dir>/exchanges/001-api-check-login.json   one file per answer body, in request order
 *
 * A bundle is fit to attach to a bug report (see bundle-redaction.ts) and, dropped into
 * test/fixtures/terabox/recorded/, is replayed through the client as a regression test
 * (`bundleFetch` serves its answers by method, endpoint and page).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FetchLike, FetchResponseLike } from '../terabox';
import { BundleRedactor } from './bundle-redaction';
import type { RecordedExchange } from './recording-fetch';
import type { DoctorReport } from './types';

export const BUNDLE_FORMAT = 'share-lifecycle-doctor-bundle';
export const BUNDLE_FORMAT_VERSION = 1;

export interface BundleExchange {
  seq: number;
  method: string;
  endpoint: string;
  /** The request's query, tokens masked (and `dir` replaced unless keepPaths). */
  query: Record<string, string>;
  status: number;
  contentType: string;
  /** Kept response headers (redacted), e.g. `region-domain-prefix`, `logid`, `location`. */
  headers: Record<string, string>;
  durationMs: number;
  /** Body file, relative to the bundle folder; absent when no answer came. */
  file?: string;
  error?: string;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  tool: { name: string; version: string };
  recordedAt: string;
  baseUrlHost: string;
  keepPaths: boolean;
  pageSize: number;
  endpoints: string[];
  exchanges: BundleExchange[];
  /** The verdicts of the run that recorded the bundle (redacted like the bodies). */
  report: DoctorReport;
}

export interface WriteBundleInput {
  dir: string;
  exchanges: readonly RecordedExchange[];
  report: DoctorReport;
  secrets: ReadonlyArray<string | undefined>;
  keepPaths: boolean;
  pageSize: number;
  tool: { name: string; version: string };
}

function extensionOf(contentType: string, body: string): string {
  if (/json/i.test(contentType)) return 'json';
  if (/html/i.test(contentType) || body.trimStart().startsWith('<')) return 'html';
  return 'txt';
}

function slug(endpoint: string): string {
  return endpoint.replace(/^\/+/, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '') || 'root';
}

/** A redacted copy of the report: every string through the bundle's redactor. */
function redactReport(report: DoctorReport, redactor: BundleRedactor): DoctorReport {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return redactor.text(value);
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(report) as DoctorReport;
}

/** Writes a bundle; returns the manifest written. The folder is created (it may exist, empty or not). */
export async function writeBundle(input: WriteBundleInput): Promise<BundleManifest> {
  const redactor = new BundleRedactor({ secrets: input.secrets, keepPaths: input.keepPaths });
  for (const e of input.exchanges) if (e.endpoint === '/main' && e.status === 200) redactor.learnFromMainPage(e.body);
  await mkdir(join(input.dir, 'exchanges'), { recursive: true });
  const exchanges: BundleExchange[] = [];
  for (const e of input.exchanges) {
    const contentType = e.headers['content-type'] ?? '';
    const ext = extensionOf(contentType, e.body);
    const file = e.status === 0 ? undefined : `exchanges/${String(e.seq).padStart(3, '0')}-${slug(e.endpoint)}.${ext}`;
    if (file !== undefined) {
      const body = ext === 'json' ? redactor.json(e.body) : ext === 'html' ? redactor.html(e.body) : redactor.text(e.body);
      await writeFile(join(input.dir, file), body, 'utf8');
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(e.headers)) headers[name] = name === 'location' ? redactor.text(value) : value;
    exchanges.push({
      seq: e.seq,
      method: e.method,
      endpoint: e.endpoint,
      query: redactor.query(e.url),
      status: e.status,
      contentType,
      headers,
      durationMs: e.durationMs,
      ...(file !== undefined ? { file } : {}),
      ...(e.error !== undefined ? { error: e.error } : {}),
    });
  }
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    tool: input.tool,
    recordedAt: input.report.checkedAt,
    baseUrlHost: input.report.baseUrlHost,
    keepPaths: input.keepPaths,
    pageSize: input.pageSize,
    endpoints: [...new Set(input.exchanges.map((e) => e.endpoint))],
    exchanges,
    report: redactReport(input.report, redactor),
  };
  await writeFile(join(input.dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  return manifest;
}

/** Thrown for a folder that is not a readable bundle of a known format version. */
export class BundleFormatError extends Error {
  override name = 'BundleFormatError';
}

export interface LoadedBundle {
  dir: string;
  manifest: BundleManifest;
  /** seq -> body text. */
  bodies: Map<number, string>;
}

export async function readBundle(dir: string): Promise<LoadedBundle> {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
  } catch (error) {
    throw new BundleFormatError(`${dir}: no readable manifest.json`, { cause: error });
  }
  if (manifest.format !== BUNDLE_FORMAT || manifest.formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw new BundleFormatError(`${dir}: not a ${BUNDLE_FORMAT} of version ${BUNDLE_FORMAT_VERSION}`);
  }
  const bodies = new Map<number, string>();
  for (const e of manifest.exchanges) if (e.file !== undefined) bodies.set(e.seq, await readFile(join(dir, e.file), 'utf8'));
  return { dir, manifest, bodies };
}

/** Bundle folders under `root` (each holding a manifest.json), sorted. */
export async function listBundles(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const names = await readdir(join(root, entry.name));
    if (names.includes('manifest.json')) out.push(join(root, entry.name));
  }
  return out.sort();
}

/** What identifies an answer for replay: method, endpoint, page and folder. */
export function replayKey(method: string, endpoint: string, query: Record<string, string>): string {
  return [method, endpoint, query.page ?? '', query.dir ?? ''].join(' ');
}

/**
 * A fetch that answers from a bundle: the exchanges recorded under the same key in order (the
 * last one repeats); a request the bundle never saw gets a 404 page. Exchanges without an answer
 * (a network failure) fail the same way.
 */
export function bundleFetch(bundle: LoadedBundle, redactor?: BundleRedactor): FetchLike {
  const byKey = new Map<string, BundleExchange[]>();
  for (const e of bundle.manifest.exchanges) {
    const key = replayKey(e.method, e.endpoint, e.query);
    byKey.set(key, [...(byKey.get(key) ?? []), e]);
  }
  const used = new Map<string, number>();
  return async (url, init): Promise<FetchResponseLike> => {
    const parsed = new URL(url);
    const query = Object.fromEntries(parsed.searchParams);
    // The bundle holds `dir` as written (a placeholder unless keepPaths): ask with the same.
    if (query.dir !== undefined && redactor) query.dir = redactor.path(query.dir);
    const key = replayKey(init.method, parsed.pathname, query);
    const list = byKey.get(key) ?? [];
    const index = Math.min(used.get(key) ?? 0, list.length - 1);
    used.set(key, index + 1);
    const e = list[index];
    if (e === undefined) return answer(404, { 'content-type': 'text/html' }, '<h1>404 Not Found (not in the bundle)</h1>');
    if (e.status === 0) throw Object.assign(new Error(`replayed network failure on ${e.endpoint}`), { name: e.error ?? 'FetchError' });
    return answer(e.status, { 'content-type': e.contentType, ...e.headers }, bundle.bodies.get(e.seq) ?? '');
  };
}

function answer(status: number, headers: Record<string, string>, body: string): FetchResponseLike {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, headers: { get: (name) => lower.get(name.toLowerCase()) ?? null }, text: () => Promise.resolve(body) };
}
