/**
 * The tokens of `/main`'s HTML: jsToken (three known forms) and bdstoken. Pure string work, no I/O.
 */
import { isRecord } from './field-values';

/** Where the jsToken came from (for `tokenReport`). */
export type JsTokenSource = 'templateData' | 'eval-script' | 'raw-html' | 'configured' | 'missing';

/** The tokens found in /main's HTML. */
export interface PageTokens {
  jsToken?: string;
  /** Where the jsToken was found (set with jsToken). */
  jsTokenSource?: Exclude<JsTokenSource, 'configured' | 'missing'>;
  bdstoken?: string;
}

/** The token inside `fn("TOKEN")` of (URL-encoded) JavaScript. */
function tokenInFn(js: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(js);
  } catch {
    decoded = js; // not URL-encoded after all
  }
  return /fn\(\s*["']([^"']+)["']\s*\)/.exec(decoded)?.[1];
}

/** `eval(decodeURIComponent(`...fn%28%22TOKEN%22%29...`))` in a script (AList #5277, OpenList, rclone). */
const EVAL_SCRIPT = /eval\(\s*decodeURIComponent\(\s*(`[^`]*`|"[^"]*"|'[^']*')\s*\)\s*\)/g;
/** The raw-HTML fallback seiya's client uses: `window.jsToken%20%3D%20a%7D%3Bfn%28%22TOKEN%22%29`. */
const RAW_WINDOW = /window\.jsToken%20%3D%20a%7D%3Bfn%28%22([^"%]+?)%22%29/;

/**
 * Extracts jsToken and bdstoken from /main's HTML. The jsToken is looked for, in this order:
 * 1. the `jsToken` field of `templateData`: URL-encoded JavaScript ending in `fn("TOKEN")`
 *    (notes: [C]), or a bare token;
 * 2. a script `eval(decodeURIComponent(`...fn%28%22TOKEN%22%29...`))`;
 * 3. the raw HTML text `window.jsToken%20%3D%20a%7D%3Bfn%28%22TOKEN%22%29`.
 */
export function extractPageTokens(html: string): PageTokens {
  const out: PageTokens = {};
  let data: Record<string, unknown> | undefined;
  const m = /templateData\s*=\s*(\{[\s\S]*?\})\s*;?\s*<\/script>/i.exec(html);
  if (m) {
    try {
      const parsed: unknown = JSON.parse(m[1]);
      if (isRecord(parsed)) data = parsed;
    } catch {
      data = undefined;
    }
  }
  const rawJs = typeof data?.jsToken === 'string' ? data.jsToken : /["']jsToken["']\s*:\s*["']([^"']*)["']/.exec(html)?.[1];
  if (rawJs !== undefined) {
    const fromFn = tokenInFn(rawJs);
    let decoded = rawJs;
    try {
      decoded = decodeURIComponent(rawJs);
    } catch {
      // keep it as it is
    }
    const token = fromFn ?? (/^[A-Za-z0-9_.-]{8,}$/.test(decoded) ? decoded : undefined); // or already a bare token
    if (token) Object.assign(out, { jsToken: token, jsTokenSource: 'templateData' });
  }
  if (!out.jsToken) {
    for (const script of html.matchAll(EVAL_SCRIPT)) {
      const token = tokenInFn(script[1].slice(1, -1));
      if (token) {
        Object.assign(out, { jsToken: token, jsTokenSource: 'eval-script' });
        break;
      }
    }
  }
  if (!out.jsToken) {
    const raw = RAW_WINDOW.exec(html)?.[1];
    if (raw) Object.assign(out, { jsToken: raw, jsTokenSource: 'raw-html' });
  }
  const bds = typeof data?.bdstoken === 'string' ? data.bdstoken : /["']bdstoken["']\s*:\s*["']([0-9a-fA-F]+)["']/.exec(html)?.[1];
  if (bds && /^[0-9a-zA-Z]+$/.test(bds)) out.bdstoken = bds;
  return out;
}
