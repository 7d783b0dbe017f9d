/** Text helpers shared by every layer. */
/**
 * `text` without a leading UTF-8 byte-order mark. Windows editors (Notepad, older Visual Studio)
 * save one by default; JSON.parse refuses it as an unexpected token, and it is never content.
 */
export function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Code-unit order, the same on every machine (localeCompare is not). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Shortens text to at most `max` characters (code points), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
