/**
 * Redaction of a doctor bundle, fit to attach to a public bug report. Two layers:
 * - values only known at run time, replaced wherever they appear: the ndus cookie, the jsToken and
 *   bdstoken the session scraped from `/main`, the account's `uk`, its user name, e-mail
 *   addresses; then the project's Redactor (lib/terabox/redact.ts) for anything credential-shaped;
 * - paths and file names (unless `keepPaths`), replaced by placeholders that keep the shape: the
 *   same depth, the same extension, one placeholder per name across the whole bundle, so that two
 *   items in one folder still share a folder (`/Public/a.pdf` -> `/n1/n2.pdf`).
 *
 * Share links and codes (`shorturl`, `shortlink`, ...) and share passwords are replaced too: a
 * public link in a bug report would hand anyone the user's files. Share ids stay (they open nothing).
 *
 * JSON bodies are rewritten literal by literal (a scan of the string literals, each decoded and
 * re-encoded): numbers, order and spacing stay as TeraBox sent them.
 */
import { extractPageTokens, Redactor } from '../terabox';
import { isRecord } from '../terabox/field-values';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
export const EMAIL_PLACEHOLDER = 'user@example.invalid';
export const JSTOKEN_PLACEHOLDER = 'REDACTED-JSTOKEN';
export const BDSTOKEN_PLACEHOLDER = '0'.repeat(32);
// A JSON string literal: no raw quote, backslash or control character inside, escapes allowed.
// eslint-disable-next-line no-control-regex
const STRING_LITERAL = /"(?:[^"\\\u0000-\u001f]|\\.)*"/g;
/** Keys whose string values are file or folder names (not paths). */
const NAME_KEYS = new Set(['server_filename', 'filename', 'file_name', 'name', 'typicalName']);
/** templateData fields that identify the person. */
const PERSON_KEYS = ['uk', 'username', 'user_name', 'email', 'phone', 'nickname', 'photo', 'loginName'];
const EXTENSION = /(\.[A-Za-z0-9]{1,10})$/;
/** Keys of share links and codes: a public link in a bug report would hand out the user's files. */
const LINK_KEYS = new Set(['link', 'shortlink', 'shortLink', 'shorturl', 'shortUrl', 'short_url', 'surl']);
/** Keys of a share's access code (`"0"` and `""` mean none and stay). */
const PASSWORD_KEYS = new Set(['passwd', 'pwd', 'password']);
const SHORT_CODE = /^[A-Za-z0-9_-]{2,128}$/;

export interface BundleRedactorOptions {
  /** Values to remove wherever they appear (the ndus cookie, configured tokens). */
  secrets: ReadonlyArray<string | undefined>;
  keepPaths: boolean;
}

/** One instance per bundle: the placeholder mapping is shared by every file of it. */
export class BundleRedactor {
  private readonly redactor = new Redactor();
  private readonly replacements = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private readonly codes = new Map<string, string>();
  readonly keepPaths: boolean;

  constructor(options: BundleRedactorOptions) {
    this.keepPaths = options.keepPaths;
    for (const secret of options.secrets) this.redactor.addSecret(secret);
  }

  /** Learns the tokens and personal values of a `/main` page (call before redacting anything). */
  learnFromMainPage(html: string): void {
    const tokens = extractPageTokens(html);
    this.redactor.addSecret(tokens.jsToken);
    this.redactor.addSecret(tokens.bdstoken);
    const m = /templateData\s*=\s*(\{[\s\S]*?\})\s*;?\s*<\/script>/i.exec(html);
    let data: unknown;
    try {
      data = m ? JSON.parse(m[1]) : undefined;
    } catch {
      data = undefined;
    }
    // uk without the JSON parse (a uk beyond 2^53 would round): its digits as written.
    const uk = /["']uk["']\s*:\s*"?(\d{4,})/.exec(html)?.[1];
    if (uk) this.replacements.set(uk, `1${'0'.repeat(uk.length - 1)}`);
    if (!isRecord(data)) return;
    for (const key of PERSON_KEYS) {
      const value = data[key];
      if (key !== 'uk' && typeof value === 'string' && value.length >= 3) this.redactor.addSecret(value);
    }
  }

  /** The placeholder of one file or folder name: `n<k>` plus the name's extension. */
  name(original: string): string {
    if (this.keepPaths || original === '') return original;
    let placeholder = this.names.get(original);
    if (placeholder === undefined) {
      placeholder = `n${this.names.size + 1}${EXTENSION.exec(original)?.[1] ?? ''}`;
      this.names.set(original, placeholder);
    }
    return placeholder;
  }

  /** The placeholder of an absolute path: every segment by `name`, the depth kept. */
  path(original: string): string {
    if (this.keepPaths) return original;
    return original
      .split('/')
      .map((segment) => this.name(segment))
      .join('/');
  }

  /** The placeholder of a share code: same length, `1` kept in front, one per code. */
  code(original: string): string {
    let placeholder = this.codes.get(original);
    if (placeholder === undefined) {
      const k = String(this.codes.size + 1);
      placeholder = `${original.startsWith('1') ? '1' : ''}R${k}`;
      placeholder += 'x'.repeat(Math.max(0, original.length - placeholder.length));
      this.codes.set(original, placeholder);
    }
    return placeholder;
  }

  /** A share link (full or a bare code) with its code replaced. */
  private link(value: string): string {
    if (SHORT_CODE.test(value)) return this.code(value);
    const m = /^(https?:\/\/[^/]+\/s\/)([A-Za-z0-9_-]+)(\/?)$/.exec(value) ?? /^(https?:\/\/.*[?&]surl=)([A-Za-z0-9_-]+)()$/.exec(value);
    return m ? `${m[1]}${this.code(m[2])}${m[3]}` : value;
  }

  /** Free text (HTML, an error message): secrets and e-mail addresses out. Paths: see `body`. */
  text(text: string): string {
    let out = text;
    // Whole numbers only: the uk's digits inside a longer id are not the uk.
    for (const [from, to] of this.replacements) out = out.replace(new RegExp(`(?<![0-9])${from}(?![0-9])`, 'g'), to);
    out = this.redactor.redact(out).replace(EMAIL, EMAIL_PLACEHOLDER);
    for (const [original, placeholder] of this.codes) if (original.length >= 6) out = out.split(original).join(placeholder);
    if (!this.keepPaths) for (const [original] of [...this.names].sort((a, b) => b[0].length - a[0].length)) out = this.replaceNameInText(out, original);
    return out;
  }

  private replaceNameInText(text: string, original: string): string {
    // Only whole path segments: `/name/` or `/name` at an end; short names would hit innocent text.
    if (original.length < 3) return text;
    const escaped = original.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return text.replace(new RegExp(`(?<=/)${escaped}(?=/|["'\\s<]|$)`, 'g'), this.name(original));
  }

  /**
   * An HTML body (`/main`): as `text`, then the token fields of templateData are given placeholder
   * values of their real shape (`fn("...")`, 32 hex digits), so that a replay of the bundle still
   * finds tokens where the client looks for them.
   */
  html(body: string): string {
    const tokens = extractPageTokens(body);
    let out = this.text(body);
    if (tokens.jsToken !== undefined) out = out.replace(/(["']jsToken["']\s*:\s*["'])[^"']*(["'])/, `$1fn%28%22${JSTOKEN_PLACEHOLDER}%22%29$2`);
    if (tokens.bdstoken !== undefined) out = out.replace(/(["']bdstoken["']\s*:\s*["'])[^"']*(["'])/, `$1${BDSTOKEN_PLACEHOLDER}$2`);
    return out;
  }

  /** A JSON body: every string literal rewritten (paths, names, secrets); anything else by `text`. */
  json(body: string): string {
    let lastKey: string | undefined;
    const rewritten = body.replace(STRING_LITERAL, (literal, offset: number) => {
      let value: string;
      try {
        value = JSON.parse(literal) as string;
      } catch {
        return literal;
      }
      const isKey = /^\s*:/.test(body.slice(offset + literal.length, offset + literal.length + 8));
      if (isKey) {
        lastKey = value;
        return literal;
      }
      const replaced = this.value(value, lastKey);
      return replaced === value ? literal : JSON.stringify(replaced);
    });
    return this.text(rewritten);
  }

  /** One string value of a JSON answer. */
  value(value: string, key: string | undefined): string {
    let out = value;
    if (key !== undefined && LINK_KEYS.has(key)) return this.link(out);
    if (key !== undefined && PASSWORD_KEYS.has(key) && out !== '' && out !== '0') return '*'.repeat(out.length);
    if (!this.keepPaths) {
      if (out.startsWith('/') && out.length > 1 && !out.startsWith('//')) out = this.path(out);
      else if (key !== undefined && NAME_KEYS.has(key)) out = this.name(out);
      else if (out.trimStart().startsWith('[') && out.includes('"/')) out = this.json(out); // a JSON list of paths in a string
    }
    return out.replace(EMAIL, EMAIL_PLACEHOLDER);
  }

  /** A request URL's query, as name -> value, with tokens masked and a `dir` path replaced. */
  query(url: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of new URL(url).searchParams) {
      if (/^(jsToken|bdstoken|ndus|csrf|stoken)$/i.test(name)) out[name] = '[REDACTED]';
      else if (name === 'dir' || name === 'path') out[name] = this.path(value);
      else out[name] = this.text(value);
    }
    return out;
  }
}
