/**
 * What the session found on TeraBox's `/main` page: which of jsToken, bdstoken and logid (names and
 * booleans only, never values). Derived from the recorded `/main` answer with the client's own
 * scraper (extractPageTokens), so that doctor reads the page exactly as the client does.
 *
 * When the client gains `sessionReport()` (another change in flight), `sessionFacts` is the one
 * place to use it instead: the check that prints these facts does not change.
 */
import { extractPageTokens } from '../terabox';
import type { RecordedExchange } from './recording-fetch';

export interface SessionFacts {
  /** Where the facts come from: the recorded `/main` page, or nothing was loaded. */
  source: 'main-page' | 'not-loaded';
  mainLoads: number;
  jsToken: boolean;
  bdstoken: boolean;
  logid: boolean;
  /** `/main` answered a redirect (status and whether it pointed to a login page). */
  redirected?: { status: number; toLogin: boolean };
}

/** The facts of the last `/main` answer among `exchanges`. */
export function sessionFacts(exchanges: readonly RecordedExchange[]): SessionFacts {
  const mains = exchanges.filter((e) => e.endpoint === '/main');
  const last = mains[mains.length - 1];
  if (last === undefined) return { source: 'not-loaded', mainLoads: 0, jsToken: false, bdstoken: false, logid: false };
  const facts: SessionFacts = { source: 'main-page', mainLoads: mains.length, jsToken: false, bdstoken: false, logid: false };
  if (last.status >= 300 && last.status < 400) {
    const location = last.headers.location ?? '';
    facts.redirected = { status: last.status, toLogin: /\/(login|signin|passport)\b/i.test(location) };
    return facts;
  }
  const tokens = extractPageTokens(last.body);
  facts.jsToken = tokens.jsToken !== undefined;
  facts.bdstoken = tokens.bdstoken !== undefined;
  facts.logid = typeof last.headers.logid === 'string' && last.headers.logid.length > 0;
  return facts;
}
