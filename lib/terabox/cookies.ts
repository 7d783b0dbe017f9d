/**
 * The session's cookies: the configured ndus (fixed), `lang=en`, a stable `browserid`, and every
 * cookie TeraBox sets through Set-Cookie (`/main`, `/api/check/login`, any API answer), sent back
 * on later calls as a browser would.
 *
 * Decisions (lib/terabox/README.md, "Cookie"):
 * - The header starts `ndus=<value>; lang=en`: rclone's author reports `lang=en; ndus=...` failing
 *   and this order working; seiya's client works with either.
 * - A Set-Cookie for `ndus` (deleted, renewed, emptied) is ignored: the configured cookie is the
 *   credential the user stored, and adopting another value would silently switch or drop the
 *   session. If TeraBox really ended the session, the next call says -6 and the user is told.
 * - `lang` stays `en`. `browserid` is generated once per session (random, like the web app's) and
 *   replaced only by one TeraBox sets (as a browser would keep the server's).
 * - Cookie scope (Domain, Path, Secure) is not tracked: the session talks to one TeraBox origin at
 *   a time; cookies carry over a region switch (the new region's /main sets its own).
 * - Values of cookies TeraBox sets are registered with the redactor (the Cookie header is never
 *   logged anyway; this also keeps a value out of an error that happens to echo it).
 */
import { randomBytes } from 'node:crypto';

/** Cookie names the jar never takes from a Set-Cookie. */
const FIXED = new Set(['ndus', 'lang']);
/** Values that are not secrets: not registered with the redactor. */
const PUBLIC_COOKIES = new Set(['lang', 'browserid']);
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const MAX_COOKIES = 50;

/** One parsed Set-Cookie header. */
export interface SetCookie {
  name: string;
  value: string;
  /** Max-Age <= 0 or an Expires in the past: the cookie is to be deleted. */
  expired: boolean;
}

/** Parses one Set-Cookie header; undefined when it has no usable `name=value`. */
export function parseSetCookie(header: string, nowMs: number): SetCookie | undefined {
  const [pair, ...attributes] = header.split(';');
  const eq = pair?.indexOf('=') ?? -1;
  if (pair === undefined || eq <= 0) return undefined;
  const name = pair.slice(0, eq).trim();
  let value = pair.slice(eq + 1).trim();
  if (!NAME.test(name)) return undefined;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
  let expired = false;
  for (const attribute of attributes) {
    const aeq = attribute.indexOf('=');
    const key = (aeq < 0 ? attribute : attribute.slice(0, aeq)).trim().toLowerCase();
    const raw = aeq < 0 ? '' : attribute.slice(aeq + 1).trim();
    if (key === 'max-age' && /^-?\d+$/.test(raw) && Number(raw) <= 0) expired = true;
    if (key === 'expires') {
      const at = Date.parse(raw);
      if (Number.isFinite(at) && at <= nowMs) expired = true;
    }
  }
  return { name, value, expired };
}

/** A browserid like the web app's: 44 random bytes in base64 (a device id, not a credential). */
export function newBrowserId(): string {
  return randomBytes(44).toString('base64');
}

export interface CookieJarOptions {
  ndus: string;
  /** Default: newBrowserId(). */
  browserId?: string;
  /** Called with each value of a cookie TeraBox sets that may be a secret (for the redactor). */
  onSecret?: (value: string) => void;
}

export class CookieJar {
  private readonly ndus: string;
  private readonly cookies = new Map<string, string>();
  private readonly namesSet = new Set<string>();
  private ndusIgnored = false;
  private readonly onSecret: ((value: string) => void) | undefined;

  constructor(options: CookieJarOptions) {
    this.ndus = options.ndus;
    this.onSecret = options.onSecret;
    this.cookies.set('browserid', options.browserId ?? newBrowserId());
  }

  /** Takes the cookies of one answer (its Set-Cookie headers). */
  absorb(setCookies: readonly string[], nowMs: number): void {
    for (const header of setCookies) {
      const cookie = parseSetCookie(header, nowMs);
      if (!cookie) continue;
      this.namesSet.add(cookie.name);
      if (FIXED.has(cookie.name)) {
        if (cookie.name === 'ndus' && (cookie.expired || cookie.value !== this.ndus)) this.ndusIgnored = true;
        continue;
      }
      if (cookie.expired) {
        // The session's own browserid is never dropped: TeraBox sees one stable device.
        if (cookie.name !== 'browserid') this.cookies.delete(cookie.name);
        continue;
      }
      if (!PUBLIC_COOKIES.has(cookie.name) && cookie.value.length > 0) this.onSecret?.(cookie.value);
      if (!this.cookies.has(cookie.name) && this.cookies.size >= MAX_COOKIES) continue;
      this.cookies.set(cookie.name, cookie.value);
    }
  }

  /** The Cookie header: `ndus=<value>; lang=en; browserid=...; <cookies TeraBox set>`. */
  header(): string {
    const parts = [`ndus=${this.ndus}`, 'lang=en'];
    for (const [name, value] of this.cookies) parts.push(`${name}=${value}`);
    return parts.join('; ');
  }

  /** Names of the cookies TeraBox has set so far (ndus and lang included when it tried), sorted. */
  names(): string[] {
    return [...this.namesSet].sort();
  }

  /** True once TeraBox tried to delete or replace the ndus cookie (and was ignored). */
  get ignoredNdus(): boolean {
    return this.ndusIgnored;
  }
}
