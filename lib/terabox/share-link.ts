/**
 * Share links as TeraBox writes them: a bare code (`1aBcDeF`, or the surl form `aBcDeF`), a full
 * `/s/` link, or a `sharing/link?surl=` link, read into the canonical short url and a full link.
 */
import { canonicalShortUrl } from '../domain/short-url';
import type { Json } from './field-values';

/** The fields a list item may carry its link or code in, in the order they are read. */
export const LINK_KEYS = ['link', 'shortlink', 'shortLink', 'shorturl', 'shortUrl', 'short_url'] as const;
const SHORT_CODE = /^[A-Za-z0-9_-]{2,128}$/;

export interface ShareLink {
  /** The canonical code (see lib/domain/short-url.ts), for example `1aBcDeF`. */
  shortUrl: string;
  /** The full link, `https://<host>/s/<code>`. */
  link: string;
}

/** `origin` without trailing slashes; the last answer is kept (one origin serves a whole listing). */
let lastOrigin = '';
let lastBase = '';
function baseOf(origin: string): string {
  if (origin !== lastOrigin) {
    lastBase = origin.replace(/\/+$/, '');
    lastOrigin = origin;
  }
  return lastBase;
}

/**
 * Reads a link given bare (`1aBcDeF`, or the surl form `aBcDeF`) or full (`https://host/s/1aBcDeF`,
 * or the `.../sharing/link?surl=aBcDeF` form). The short url comes in canonical form
 * (canonicalShortUrl). A bare code becomes a link on `origin`; a full /s/ link is kept as TeraBox
 * gave it; a surl link becomes the /s/ link on its own host.
 */
export function parseShareLink(value: unknown, origin: string): ShareLink | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const shortUrl = canonicalShortUrl(text);
  if (shortUrl === undefined) return undefined;
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text); // canonicalShortUrl parsed it already
    return /\/s\/[A-Za-z0-9_-]+\/?$/.test(url.pathname) ? { shortUrl, link: text } : { shortUrl, link: `${url.origin}/s/${shortUrl}` };
  }
  return { shortUrl, link: `${baseOf(origin)}/s/${shortUrl}` };
}

/**
 * The link to keep: the first full link that names another host than `origin` (it names the
 * real host), else the first link or code found, in LINK_KEYS order.
 */
export function linkOf(item: Json, origin: string): ShareLink | undefined {
  let first: ShareLink | undefined;
  for (const key of LINK_KEYS) {
    const value = item[key];
    if (typeof value !== 'string') continue;
    const text = value.trim();
    if (SHORT_CODE.test(text)) {
      // A bare code: its link is made on `origin`, so it never names another host.
      if (first === undefined) {
        const code = text.charCodeAt(0) === 0x31 ? text : `1${text}`; // canonicalShortUrl, inlined for the hot path
        first = { shortUrl: code, link: `${baseOf(origin)}/s/${code}` };
      }
      continue;
    }
    const parsed = parseShareLink(text, origin);
    if (parsed === undefined) continue;
    if (parsed.link !== `${baseOf(origin)}/s/${parsed.shortUrl}`) return parsed;
    first ??= parsed;
  }
  return first;
}
