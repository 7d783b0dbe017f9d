/**
 * A `fetch` that tees every exchange: the client under doctor gets the same responses, and doctor
 * keeps the raw bytes (status, a few response headers, the body, the time taken) to judge them
 * and to write them into a bundle. Request headers (the Cookie) are never kept.
 */
import type { FetchInit, FetchLike, FetchResponseLike } from '../terabox';

/** Response headers worth keeping: what the client reads and what explains an answer. */
export const KEPT_RESPONSE_HEADERS = ['content-type', 'location', 'region-domain-prefix', 'url-domain-prefix', 'logid', 'retry-after'] as const;

export interface RecordedExchange {
  /** 1-based order of the request. */
  seq: number;
  method: string;
  /** The full request URL as sent (it holds tokens: never written out unredacted). */
  url: string;
  /** The URL's path, e.g. `/share/teratransfer/sharelist`. */
  endpoint: string;
  /** 0 when no answer came (network failure, timeout). */
  status: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
  /** Set when fetch threw: the error's name (never its message, which may hold the URL). */
  error?: string;
}

export interface RecordingFetch {
  fetch: FetchLike;
  exchanges: RecordedExchange[];
}

/** Wraps `base`; `now` times each exchange (an injected clock in tests). */
export function recordingFetch(base: FetchLike, now: () => number = Date.now): RecordingFetch {
  const exchanges: RecordedExchange[] = [];
  let requests = 0;
  const fetch: FetchLike = async (url: string, init: FetchInit): Promise<FetchResponseLike> => {
    requests += 1;
    const seq = requests;
    const started = now();
    const endpoint = new URL(url).pathname;
    try {
      const response = await base(url, init);
      const body = await response.text();
      const headers: Record<string, string> = {};
      for (const name of KEPT_RESPONSE_HEADERS) {
        const value = response.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      insert(exchanges, { seq, method: init.method, url, endpoint, status: response.status, headers, body, durationMs: now() - started });
      return { status: response.status, headers: response.headers, text: () => Promise.resolve(body) };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      insert(exchanges, { seq, method: init.method, url, endpoint, status: 0, headers: {}, body: '', durationMs: now() - started, error: name });
      throw error;
    }
  };
  return { fetch, exchanges };
}

/** Keeps `exchanges` in request order (concurrent pages may answer out of order). */
function insert(exchanges: RecordedExchange[], exchange: RecordedExchange): void {
  let i = exchanges.length;
  while (i > 0 && exchanges[i - 1].seq > exchange.seq) i -= 1;
  exchanges.splice(i, 0, exchange);
}
