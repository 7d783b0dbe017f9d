/**
 * The digest mail: one message per recipient and run, listing every share of theirs that a policy
 * marked, why, when it goes at the earliest, and how to ask for an exemption. Pure: the time of
 * sending and the settings are passed in.
 *
 * Every string that comes from users or TeraBox (paths, requester names, display names, reasons,
 * short urls, request ids) is HTML-escaped in the HTML part; the text part is plain text, which a
 * mail client never interprets. The subject holds only counts.
 */
import type { MarkNotice } from '../../contracts/notice-event';

const HOUR_MS = 3_600_000;
/** Paths listed per share in the mail (the rest are counted). */
export const DIGEST_PATHS = 5;

export interface DigestSettings {
  /** Where the share links live (`<linkBase>/s/<shortUrl>`), e.g. https://www.terabox.com. */
  linkBase: string;
  /** Who to write to for an exemption (the reply-to address, else the sender). */
  exemptionContact: string;
}

export interface DigestInput {
  /** The directory's display name of the requester, when known. */
  displayName?: string;
  /** The requester the shares belong to; undefined for shares the product did not create. */
  requester?: string;
  /** True when the mail goes to the account's fallback instead of the requester. */
  fallback: boolean;
  notices: readonly MarkNotice[];
  /** When the mail is sent: each share's grace ends no sooner than this plus its grace. */
  nowMs: number;
}

export interface DigestMail {
  subject: string;
  text: string;
  html: string;
}

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

interface Row {
  notice: MarkNotice;
  link?: string;
  endsAt: string;
  paths: string[];
  more: number;
}

function rowsOf(input: DigestInput, settings: DigestSettings): Row[] {
  const sorted = [...input.notices].sort((a, b) => a.graceHours - b.graceHours || a.shareId.localeCompare(b.shareId) || a.policyId.localeCompare(b.policyId));
  return sorted.map((notice) => {
    const paths = notice.paths.slice(0, DIGEST_PATHS);
    const row: Row = { notice, endsAt: new Date(input.nowMs + notice.graceHours * HOUR_MS).toISOString(), paths, more: Math.max(0, notice.pathCount - paths.length) };
    // Only a plain short url code goes into a link (a code is letters, digits, - and _).
    if (notice.shortUrl !== undefined && /^[A-Za-z0-9_-]{1,64}$/.test(notice.shortUrl)) row.link = `${settings.linkBase.replace(/\/+$/, '')}/s/${notice.shortUrl}`;
    return row;
  });
}

function greetingOf(input: DigestInput): string {
  if (!input.fallback) return `Hello ${input.displayName ?? input.requester ?? 'there'},`;
  const whose = input.requester !== undefined ? `requester "${input.requester}", who has no address in the requester directory` : 'nobody the product knows (they were not created through the request queue)';
  return `Hello, you receive this as the account's fallback contact: these shares belong to ${whose}.`;
}

/** The digest of `input`: subject, text and HTML parts. */
export function buildDigest(input: DigestInput, settings: DigestSettings): DigestMail {
  const rows = rowsOf(input, settings);
  const count = rows.length;
  const subject = `${count} TeraBox share link${count === 1 ? '' : 's'} will be cancelled unless you act`;
  const intro = `${count === 1 ? 'A share link' : `${count} share links`} broke a sharing policy and ${count === 1 ? 'is' : 'are'} marked for cancellation. Each is cancelled by the first sweep after its grace ends, if it still breaks the policy.`;
  const exemption = `To keep a link, write to ${settings.exemptionContact} before its grace ends, naming the share id and why it must stay: an operator can add an exemption for it. Nothing is needed if the link may go.`;
  return { subject, text: textOf(input, rows, intro, exemption), html: htmlOf(input, rows, intro, exemption) };
}

function textOf(input: DigestInput, rows: readonly Row[], intro: string, exemption: string): string {
  const lines = [greetingOf(input), '', intro, ''];
  for (const r of rows) {
    lines.push(`- share ${r.notice.shareId}${r.link ? ` (${r.link})` : ''}`);
    for (const p of r.paths) lines.push(`    ${p}`);
    if (r.more > 0) lines.push(`    ...and ${r.more} more`);
    lines.push(`    why: ${r.notice.reason}`);
    lines.push(`    not cancelled before: ${r.endsAt}`);
    if (r.notice.requestId !== undefined) lines.push(`    request: ${r.notice.requestId}`);
  }
  lines.push('', exemption, '', '-- terabox-share-lifecycle');
  return `${lines.join('\n')}\n`;
}

function htmlOf(input: DigestInput, rows: readonly Row[], intro: string, exemption: string): string {
  const cell = 'style="border:1px solid #ccc;padding:4px 8px;vertical-align:top"';
  const body = rows
    .map((r) => {
      const id = escapeHtml(r.notice.shareId);
      const share = r.link ? `<a href="${escapeHtml(r.link)}">${id}</a>` : id;
      const paths = r.paths.map((p) => escapeHtml(p)).join('<br>') + (r.more > 0 ? `<br>…and ${r.more} more` : '');
      const request = r.notice.requestId !== undefined ? `<br><small>request ${escapeHtml(r.notice.requestId)}</small>` : '';
      return `<tr><td ${cell}>${share}${request}</td><td ${cell}>${paths}</td><td ${cell}>${escapeHtml(r.notice.reason)}</td><td ${cell}>${escapeHtml(r.endsAt)}</td></tr>`;
    })
    .join('\n');
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>Share links marked for cancellation</title></head>',
    '<body style="font-family:sans-serif">',
    `<p>${escapeHtml(greetingOf(input))}</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    `<table style="border-collapse:collapse"><thead><tr><th ${cell}>Share</th><th ${cell}>Files</th><th ${cell}>Why</th><th ${cell}>Not cancelled before</th></tr></thead>`,
    `<tbody>\n${body}\n</tbody></table>`,
    `<p>${escapeHtml(exemption)}</p>`,
    '<p style="color:#666">terabox-share-lifecycle</p>',
    '</body></html>',
    '',
  ].join('\n');
}
