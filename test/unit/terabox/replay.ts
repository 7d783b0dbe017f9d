/**
 * Fixture replay for the TeraBox client: a scripted `fetch` that answers from
 * test/fixtures/terabox/ (or inline replies) route by route, and records every request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FetchInit, FetchLike, FetchResponseLike } from '../../../lib/terabox';

export const FIXTURE_DIR = join(__dirname, '..', '..', 'fixtures', 'terabox');

/** The text of a fixture file. */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURE_DIR, name), 'latin1');
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Throw this from fetch instead of answering (a network failure). */
  error?: Error;
  /** Never answer (until aborted). */
  hang?: boolean;
  /** Set-Cookie headers, one per cookie (served through `headers.getSetCookie()`, as WHATWG fetch does). */
  setCookies?: string[];
}

export type Responder = Reply | ((req: RecordedRequest) => Reply);

export interface RecordedRequest {
  url: URL;
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  form: URLSearchParams;
}

/** A json reply from a fixture file. */
export const fromFixture = (name: string, extra: Omit<Reply, 'body'> = {}): Reply => ({ status: 200, body: fixture(name), ...extra });
/** A json reply from an object. */
export const json = (value: unknown, extra: Omit<Reply, 'body'> = {}): Reply => ({ status: 200, body: JSON.stringify(value), ...extra });

/** A node-style system error as node-fetch v2 raises it (FetchError with `code`). */
export function systemError(code: string, message = `request to somewhere failed, reason: ${code}`): Error {
  return Object.assign(new Error(message), { name: 'FetchError', type: 'system', code, errno: code });
}

/**
 * A fake fetch. `routes` maps a path to a list of responders used in order (the last one
 * repeats). Paths without a route get a 404 page.
 */
export function replayFetch(routes: Record<string, Responder | Responder[]>): { fetch: FetchLike; requests: RecordedRequest[]; inFlight: () => number; maxInFlight: () => number } {
  const requests: RecordedRequest[] = [];
  const used = new Map<string, number>();
  let active = 0;
  let peak = 0;
  const fetch: FetchLike = async (url: string, init: FetchInit): Promise<FetchResponseLike> => {
    const parsed = new URL(url);
    const req: RecordedRequest = {
      url: parsed,
      path: parsed.pathname,
      method: init.method,
      headers: init.headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      form: new URLSearchParams(init.body ?? ''),
    };
    requests.push(req);
    const list = routes[parsed.pathname];
    const responders = list === undefined ? [] : Array.isArray(list) ? list : [list];
    const index = used.get(parsed.pathname) ?? 0;
    used.set(parsed.pathname, index + 1);
    const responder = responders[Math.min(index, responders.length - 1)];
    const reply: Reply = responder === undefined ? { status: 404, body: '<h1>404</h1>' } : typeof responder === 'function' ? responder(req) : responder;
    active++;
    peak = Math.max(peak, active);
    try {
      // One turn of the event loop before answering: a step of order, not of time. Every request
      // the client starts in one go is in flight together, so inFlight and maxInFlight show its
      // concurrency the same way on any machine, however busy.
      await new Promise((r) => setImmediate(r));
      if (reply.hang) {
        await new Promise<never>((_, reject) => {
          const abort = (): void => reject(Object.assign(new Error('The user aborted a request.'), { name: 'AbortError', type: 'aborted' }));
          if (init.signal.aborted) abort();
          init.signal.addEventListener('abort', abort, { once: true });
        });
      }
      if (reply.error) throw reply.error;
      const headers = new Map(Object.entries(reply.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      return {
        status: reply.status ?? 200,
        headers: {
          get: (name: string) => (name.toLowerCase() === 'set-cookie' && reply.setCookies ? reply.setCookies.join(', ') : headers.get(name.toLowerCase()) ?? null),
          ...(reply.setCookies ? { getSetCookie: () => [...(reply.setCookies ?? [])] } : {}),
        },
        text: async () => reply.body ?? '',
      };
    } finally {
      active--;
    }
  };
  return { fetch, requests, inFlight: () => active, maxInFlight: () => peak };
}
