/** The session endpoints: `/api/check/login`, `/main` (tokens and cookies), and the main-cookie check. */
import { errno, ERRNO, html, json, type EmulatorRequest, type Reply } from '../exchange';
import { mainPage, nextLogId, nextRequestId, toJson } from '../responses';
import type { ServerConfig } from '../server-config';
import type { EmulatorState } from '../state';
import type { RouteContext } from './context';

export function checkLogin(r: EmulatorRequest, { state, config }: RouteContext): Reply {
  const region: Record<string, string> = config.regionPrefix ? { 'Region-Domain-Prefix': config.regionPrefix } : {};
  if (!state.isValidNdus(r.ndus)) {
    // rclone PR #8508: the -6 answer may carry the prefix of the region the account lives in.
    const headers = config.regionPrefix ? { ...region, 'Url-Domain-Prefix': config.regionPrefix } : region;
    return errno(ERRNO.notLoggedIn, 'not logged in', headers);
  }
  return json(toJson({ errno: 0, newno: '', request_id: nextRequestId(), show_msg: '' }), region);
}

export function main(r: EmulatorRequest, { state, config, origin }: RouteContext): Reply {
  if (config.mainRedirect !== undefined) return html(302, '', { Location: `${config.mainRedirect}/main` });
  if (!state.isValidNdus(r.ndus)) return html(302, '', { Location: `${origin()}/login` });
  return html(200, mainPage(state, config.mainPageForm), { logid: nextLogId(), 'Set-Cookie': mainSetCookies(state, config) });
}

/** The cookies /main sets (and, with mainNdusCookie, what it says about ndus). */
function mainSetCookies(state: EmulatorState, config: ServerConfig): string[] {
  const cookies = [`csrfToken=${state.csrfToken}; Path=/; SameSite=Lax`, 'PANWEB=1; Path=/; HttpOnly'];
  if (config.mainNdusCookie === 'deleted') cookies.push('ndus=deleted; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; Path=/');
  if (config.mainNdusCookie === 'renewed') cookies.push('ndus=renewed-by-main-not-accepted; Path=/; HttpOnly');
  return cookies;
}

/** requireMainCookies: an API call with a valid ndus but without /main's cookies gets errno 4000020. */
export function missingMainCookies(state: EmulatorState, config: ServerConfig, r: EmulatorRequest): Reply | undefined {
  if (!config.requireMainCookies || r.path === '/api/check/login' || !state.isValidNdus(r.ndus)) return undefined;
  if (r.cookies.get('csrfToken') === state.csrfToken && r.cookies.get('PANWEB') === '1') return undefined;
  return errno(ERRNO.needVerify, 'need verify');
}
