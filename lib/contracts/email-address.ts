/**
 * Email addresses as the product accepts them: a deliberately plain subset of RFC 5321 that SES
 * takes without quoting, so that an address in the directory is one SES will not refuse for its
 * form. No display names, comments, quoted local parts or IP-literal domains; ASCII only.
 */

/** At most 254 characters in all (RFC 5321's path limit minus the angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

// Local part: dot-separated atoms of the characters RFC 5322 allows unquoted.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
// Domain: at least two labels of letters, digits and inner hyphens; a top-level label of letters.
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Whether `text` is an address the product accepts (see the module comment). */
export function isEmailAddress(text: string): boolean {
  if (text.length === 0 || text.length > MAX_EMAIL_LENGTH) return false;
  const at = text.lastIndexOf('@');
  if (at <= 0 || at !== text.indexOf('@')) return false;
  const local = text.slice(0, at);
  const labels = text.slice(at + 1).split('.');
  if (local.length > 64 || !LOCAL.test(local)) return false;
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return false;
  return /^[A-Za-z]{2,63}$/.test(labels[labels.length - 1] as string);
}
