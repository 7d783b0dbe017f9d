/**
 * The emulator's HTTP server (node:http): one request goes through routing, the body, the latency,
 * then the fault draw (faults.ts) and the route (routes/). Settings: server-config.ts.
 *
 * Choices the notes leave open (and why):
 * - Auth: every API call needs the `ndus` cookie (errno -6). pset and sharelist need the current
 *   jsToken (errno 4000023 for any other value, e.g. one rotated away); /api/list checks a jsToken
 *   only when one is sent. cancel needs the bdstoken: a wrong or missing one gets errno 4000020
 *   ("verification needed"), whose documented reaction - reload /main, retry once - is the fix.
 * - Faults hit the API endpoints only; /main gets the latency but no other fault, so that a
 *   client's "refresh tokens, retry once" path stays testable on purpose rather than by chance.
 *   http5xx, html and rateLimit answer before the request is handled (nothing changes); drop and
 *   timeout strike after it was handled: the share is created or cancelled and the answer is
 *   lost, which is exactly the case where a client must not blindly retry a create.
 * - sharelist and record clamp page_size to pageSizeMax (or answer errno 2 with oversizePage
 *   'error'); both follow `order=ctime&desc=1|0` unless orderParam is 'ignore', and answer in
 *   listOrder otherwise. sharelist lists only transfers with sharelistScope 'transfer-only'.
 * - Cookies: /main always sets `csrfToken` and `PANWEB=1` (as TeraBox's web app gets them);
 *   `requireMainCookies` makes the API refuse calls without them with errno 4000020 ("verification
 *   needed"): an assumption (no public sample shows TeraBox's answer), chosen because its
 *   documented remedy, reloading /main, is what restores lost cookies; -6 would wrongly say
 *   "log in again". `strictCookieOrder` treats a Cookie header not starting with `ndus=` as no
 *   cookie at all (-6, or /main's 302 to /login), as rclone's author reports for `lang=en; ndus=`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { html, parseCookies, readBody, send, type EmulatorRequest } from './exchange';
import { FaultInjector, isAnsweringFault } from './faults';
import { gatewayErrorPage, loginPage, methodNotAllowedPage, notFoundPage } from './responses';
import { missingMainCookies, routeFor, type RouteContext } from './routes';
import { resolveServerConfig } from './server-config';
import { resolveFaultSpec, resolveSeedSpec } from './specs';
import { EmulatorState } from './state';
import type { EmulatorOptions, FaultSpec } from './types';

/** A started emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  /** The live state: files, shares, tokens, counters and helpers. */
  state: EmulatorState;
  /** The faults now in force (a copy). */
  readonly faults: FaultSpec;
  /**
   * Changes faults at runtime: an object changes only the fields it names, a spec string replaces
   * all faults. Restarts the rotateEvery count. Throws EmulatorSpecError on a bad spec.
   */
  setFaults(faults: Partial<FaultSpec> | string): void;
  /** Stops the server and ends every connection, hung ones included. Idempotent. */
  close(): Promise<void>;
}

/** What one request needs: the routes' context and the faults. */
interface ServerContext extends RouteContext {
  injector: FaultInjector;
}

/**
 * Starts an emulator on `options.port` (default: a free port) of 127.0.0.1 and resolves once it
 * listens. Throws EmulatorSpecError for a bad seed or fault spec, before anything listens.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed = resolveSeedSpec(options.seed);
  const injector = new FaultInjector(resolveFaultSpec(options.faults), seed.seed);
  const config = resolveServerConfig(options);
  const state = new EmulatorState({ seed, ndus: options.ndus ?? 'emulator-ndus', now: options.now ?? Date.now });
  let origin = '';
  const ctx: ServerContext = { state, config, injector, faults: () => injector.current, origin: () => origin };

  const server: Server = createServer((req, res) => {
    handle(ctx, req, res).catch(() => {
      // A bug in the emulator must show as a server error, never as a silent hang.
      if (!res.headersSent) send(res, html(500, gatewayErrorPage(500)));
      else res.destroy();
    });
  });
  origin = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');

  let closing: Promise<void> | undefined;
  return {
    url: origin,
    state,
    get faults() {
      const faults = injector.current;
      return { ...faults, paths: [...faults.paths] };
    },
    setFaults(next) {
      injector.set(next);
    },
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        injector.cancelDelays();
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive, hung (timeout fault) and delayed connections would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Listens and resolves with the server's origin, e.g. `http://127.0.0.1:40123`. */
async function listen(server: Server, port: number, hostname: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** One request: routing, the body, the latency, then (API calls only) the fault and the route. */
async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { state, config, injector } = ctx;
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const route = routeFor(url.pathname);
  state.count(route ? url.pathname : undefined);
  if (url.pathname === '/login') return send(res, html(200, loginPage()));
  if (!route) return send(res, html(404, notFoundPage()));
  if (req.method !== route.method) return send(res, html(405, methodNotAllowedPage(), { Allow: route.method }));
  const body = req.method === 'POST' ? await readBody(req) : '';
  if (body === undefined) return send(res, html(413, '<h1>413 Request Entity Too Large</h1>'));
  state.lastCookieHeader = req.headers.cookie ?? null;
  const cookies = parseCookies(req.headers.cookie);
  // strictCookieOrder: a header that does not start with ndus reads as no cookie at all.
  const ndus = config.strictCookieOrder && !/^\s*ndus=/.test(req.headers.cookie ?? '') ? undefined : cookies.get('ndus');
  const request: EmulatorRequest = { method: req.method, path: url.pathname, query: url.searchParams, ndus, cookies, body };

  const delay = injector.drawDelayMs();
  if (delay > 0) await injector.sleep(delay);
  if (url.pathname === '/main') return send(res, route.handle(request, ctx));

  const fault = injector.drawForApiRequest(url.pathname, state);
  if (isAnsweringFault(fault)) return send(res, injector.reply(fault));
  const reply = missingMainCookies(state, config, request) ?? route.handle(request, ctx);
  if (fault === 'drop') {
    req.socket.destroy();
    return;
  }
  if (fault === 'timeout') return; // never answered; close() ends the socket
  send(res, reply);
}
