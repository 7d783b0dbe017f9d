/**
 * Shared set-up for the client-against-emulator tests: real sockets, node-fetch, keep-alive.
 * Every client gets a logger and a spying fetch that records the token values it sent, so the
 * tests can check that none of them ever shows up in a log line or an error.
 */
import nodeFetch from 'node-fetch';
import { startEmulator, type RunningEmulator } from '../../lib/terabox/emulator';
import type { EmulatorOptions } from '../../lib/terabox/emulator';
import { createTeraboxClient, type FetchLike, type TeraboxClient, type TeraboxClientOptions, type TeraboxLogEvent } from '../../lib/terabox';

export const NDUS = 'integration-ndus-7c1f0b9e2d';

export interface Harness {
  emulators: RunningEmulator[];
  clients: TeraboxClient[];
  events: TeraboxLogEvent[];
  /** Every ndus/jsToken/bdstoken value any client sent. */
  secrets: Set<string>;
  emulator(options?: EmulatorOptions): Promise<RunningEmulator>;
  client(emulator: RunningEmulator, options?: Partial<TeraboxClientOptions>): TeraboxClient;
  close(): Promise<void>;
}

export function createHarness(): Harness {
  const h: Harness = {
    emulators: [],
    clients: [],
    events: [],
    secrets: new Set([NDUS]),
    async emulator(options = {}) {
      const emu = await startEmulator({ ndus: NDUS, ...options });
      h.emulators.push(emu);
      return emu;
    },
    client(emulator, options = {}) {
      const spy: FetchLike = (url, init) => {
        const params = new URL(url).searchParams;
        for (const key of ['jsToken', 'bdstoken']) {
          const value = params.get(key);
          if (value) h.secrets.add(value);
        }
        return options.fetch ? options.fetch(url, init) : nodeFetch(url, init);
      };
      const client = createTeraboxClient({
        credentials: { ndus: NDUS, baseUrl: emulator.url },
        logger: (e) => h.events.push(e),
        retry: { baseDelayMs: 2, maxDelayMs: 20, maxAttempts: 8 },
        requestTimeoutMs: 2_000,
        ...options,
        // Wraps a given fetch too: the token values are recorded whatever carries them.
        fetch: spy,
      });
      h.clients.push(client);
      return client;
    },
    async close() {
      for (const c of h.clients.splice(0)) c.close();
      await Promise.all(h.emulators.splice(0).map((e) => e.close()));
    },
  };
  return h;
}

/** Asserts that no credential value appears in the text. */
export function expectNoSecrets(text: string, secrets: Iterable<string>): void {
  for (const secret of secrets) {
    expect(text.includes(secret)).toBe(false);
    expect(text.includes(encodeURIComponent(secret))).toBe(false);
  }
}

/** Everything observable about an error: message, stack, cause chain, serialized form. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    if (!(e instanceof Error)) {
      parts.push(String(e));
      break;
    }
    parts.push(e.message, e.stack ?? '', JSON.stringify(e));
    e = e.cause;
  }
  return parts.join('\n');
}

export async function collect<T>(gen: AsyncGenerator<T, void, undefined>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of gen) out.push(item);
  return out;
}
