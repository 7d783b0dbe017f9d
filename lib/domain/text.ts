/** Text handling shared by every reader of user files (pure). */

/**
 * `text` without a leading UTF-8 byte-order mark. Windows editors (Notepad, older Visual Studio)
 * save one by default; JSON.parse refuses it as an unexpected token, and it is never content.
 */
export function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
