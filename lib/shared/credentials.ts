/**
 * The one credential scrubber: masks the value after a known credential key (`ndus=`, `jsToken=`,
 * `"bdstoken":"`, the `fn%28%22...%22%29` form in /main's templateData) in any free text, so a
 * token we have not learnt yet (a body snippet, an error that quoted a URL) never leaves the
 * process. Masking known values wherever they appear is `Redactor` (lib/terabox/redact.ts), which
 * applies these patterns too.
 */

export const REDACTED = '[REDACTED]';

/** The one list of credential key names (matched case-insensitively) masked wherever they appear. */
export const CREDENTIAL_KEYS: readonly string[] = Object.freeze(['ndus', 'jstoken', 'js_token', 'bdstoken', 'bds_token', 'csrf', 'csrftoken', 'stoken', 'bduss']);

const KEYS = CREDENTIAL_KEYS.join('|');

// key=value (query strings, cookies, form bodies) and key: value (header-ish dumps).
const KEY_VALUE = new RegExp(`((?:^|[^a-z0-9_])(?:${KEYS})\\s*(?:=|:(?!\\/\\/))\\s*)([^&;,\\s"'<>]+)`, 'gi');
// "key":"value" and 'key': 'value' in JSON or JS object text; also URL-encoded quotes.
const QUOTED = new RegExp(`((?:["']|%22|%27)(?:${KEYS})(?:["']|%22|%27)\\s*(?::|%3A)\\s*(?:["']|%22|%27))([^"'%]*(?:%(?!22|27)[^"'%]*)*)`, 'gi');
// The jsToken inside templateData: fn("TOKEN") raw or URL-encoded fn%28%22TOKEN%22%29.
const FN_RAW = /(fn\(\s*["'])([^"']*)(["']\s*\))/gi;
const FN_ENCODED = /(fn%28%22)(.*?)(%22%29)/gi;

/** Masks credential-looking key/value pairs in free text. Safe on any string, idempotent. */
export function redactPatterns(text: string): string {
  return text
    .replace(FN_ENCODED, (_m, a: string, _v: string, c: string) => `${a}${REDACTED}${c}`)
    .replace(FN_RAW, (_m, a: string, _v: string, c: string) => `${a}${REDACTED}${c}`)
    .replace(QUOTED, (_m, a: string) => `${a}${REDACTED}`)
    .replace(KEY_VALUE, (m, a: string, v: string) => (v === REDACTED ? m : `${a}${REDACTED}`));
}
