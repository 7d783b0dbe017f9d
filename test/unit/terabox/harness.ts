/** Builds a client over the replay fetch with instant, recorded pauses and known credentials. */
import { createTeraboxClient, type TeraboxClient, type TeraboxClientOptions, type TeraboxLogEvent } from '../../../lib/terabox';
import { fixture, fromFixture, json, replayFetch, type Responder } from './replay';

/** Credential values used by the unit tests; asserted absent from every error and log line. */
export const NDUS = 'unit-ndus-SECRET-4f9c2e7a1b';
/** The tokens inside test/fixtures/terabox/main-page.html. */
export const PAGE_JS_TOKEN = 'FIXTUREJSTOKEN0123456789ABCDEF';
export const PAGE_BDSTOKEN = '0123456789abcdef0123456789abcdef';
export const GIVEN_JS_TOKEN = 'GIVENJSTOKEN-aaaabbbbccccdddd';
export const GIVEN_BDSTOKEN = 'ffffeeeeddddccccbbbbaaaa99998888';
export const ALL_SECRETS = [NDUS, PAGE_JS_TOKEN, PAGE_BDSTOKEN, GIVEN_JS_TOKEN, GIVEN_BDSTOKEN];
export const BASE = 'https://www.terabox.com';

/** The routes every session needs: check/login and /main answered from fixtures. */
export function sessionRoutes(): Record<string, Responder | Responder[]> {
  return {
    '/api/check/login': fromFixture('check-login-ok.json'),
    '/main': { status: 200, body: fixture('main-page.html'), headers: { logid: '1234567890' } },
  };
}

export function harness(routes: Record<string, Responder | Responder[]>, options: Partial<TeraboxClientOptions> & { tokens?: boolean } = {}) {
  const replay = replayFetch({ ...sessionRoutes(), ...routes });
  const sleeps: number[] = [];
  const events: TeraboxLogEvent[] = [];
  let now = 1_700_000_000_000;
  const { tokens, ...rest } = options;
  const client: TeraboxClient = createTeraboxClient({
    credentials: { ndus: NDUS, baseUrl: BASE, ...(tokens ? { jsToken: GIVEN_JS_TOKEN, bdstoken: GIVEN_BDSTOKEN } : {}) },
    fetch: replay.fetch,
    keepAlive: false,
    clock: { now: () => now },
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => 0.5,
    logger: (e) => events.push(e),
    ...rest,
  });
  const calls = (path: string) => replay.requests.filter((r) => r.path === path);
  return { client, ...replay, sleeps, events, calls };
}

/** Collects a whole listing. */
export async function collect<T>(gen: AsyncGenerator<T, void, undefined>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of gen) out.push(item);
  return out;
}

export { fixture, fromFixture, json };
