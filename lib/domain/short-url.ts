/**
 * One canonical form for a share's short url, so that the same share compares equal however
 * TeraBox (or a record, or a person) wrote it. Pure.
 *
 * The forms seen (terabox-api-notes.md, "Second look": the code is sometimes given without its
 * leading `1`; pset may answer a full URL):
 * - the /s/ path code, bare: `1aBcDeF`;
 * - a full link: `https://<any host>/s/1aBcDeF` (query, fragment and a trailing slash ignored);
 * - the surl form, bare or as `https://<host>/sharing/link?surl=aBcDeF` (any path with `surl=`):
 *   the code without its leading `1`.
 *
 * The canonical form is the /s/ path code, with the leading `1`: it is what the client has
 * always stored as `shortUrl` (records written before this rule are mostly canonical already),
 * and what a link is built from. So a `surl=` value gets a `1` in front, and a bare code that
 * does not start with `1` is taken as a surl and gets one too.
 *
 * The doubt, and why it is accepted: nothing public shows that every /s/ code starts with `1`.
 * - A /s/ path code that does not start with `1` is kept as it is (the path is explicit).
 * - A bare surl that itself starts with `1` (about 1 in 62 random codes) is indistinguishable
 *   from a bare /s/ code and is taken as one: it then compares unequal to its own link (a match
 *   missed, never a false one, unless two shares' codes differ only by one leading `1`).
 * Comparing is case-sensitive: the codes are base-62.
 */

const CODE = /^[A-Za-z0-9_-]{2,128}$/;
const PATH_CODE = /\/s\/([A-Za-z0-9_-]{2,128})\/?$/;

/** The canonical short url code of `value` (see the module comment), or undefined when it is not one. */
export function canonicalShortUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    const path = PATH_CODE.exec(url.pathname);
    if (path) return path[1];
    const surl = url.searchParams.get('surl')?.trim();
    return surl !== undefined && CODE.test(surl) ? `1${surl}` : undefined;
  }
  if (!CODE.test(text)) return undefined;
  return text.startsWith('1') ? text : `1${text}`;
}

/** Whether two short urls (any of the forms above) name the same share; false when either is not one. */
export function sameShortUrl(a: unknown, b: unknown): boolean {
  const left = canonicalShortUrl(a);
  return left !== undefined && left === canonicalShortUrl(b);
}
