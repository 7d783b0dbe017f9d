/**
 * Escaping for the HTML report. Share paths, requesters and reasons are user data: a file named
 * `<img src=x onerror=alert(1)>.txt` must stay text wherever it lands (element text, attribute
 * values, the embedded JSON).
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in element content and in a quoted attribute value (both quote kinds are escaped). */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const SCRIPT_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/**
 * JSON for a `<script type="application/json">` element: `<`, `>` and `&` become `\u` escapes
 * (so no `</script>` or `<!--` can end or bend the element), and so do U+2028/U+2029 (line
 * terminators for older JavaScript parsers). JSON.parse of the element's text gives the value back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => SCRIPT_ESCAPES[c] ?? c);
}
