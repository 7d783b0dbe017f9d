/**
 * How a staged page (ListingStagingStore) is laid out in DynamoDB items, without the SDK: the
 * sort keys, the split of a large page into parts below the 400 KB item limit, and the reassembly
 * of the parts read back in sort-key order.
 *
 * A page is one JSON string of its shares. Part 0 (sk `PAGE#<page>#<0|1>`) says how many parts
 * there are; parts 1.. (sk `PAGE#<page>#<0|1>#<part>`) sort right after it, before the next page.
 * A split page also carries a digest of the whole string, so that parts of two different writes
 * (a retried chunk that crashed half-way, two writers at once) are never glued together silently.
 */
import { createHash } from 'node:crypto';
import type { StagedPage, StagedShare } from '../app/store-ports';
import { StoreError } from './errors';

/** Bytes of share JSON in one item: DynamoDB's limit is 400 KB, keys and other attributes included. */
export const MAX_PART_BYTES = 350_000;
const PAGE_DIGITS = 7;
const PART_DIGITS = 3;
const MAX_PAGE = 10 ** PAGE_DIGITS - 1;
const MAX_PARTS = 10 ** PART_DIGITS;
const PAGE_SK = /^PAGE#(\d{7})#([01])(?:#(\d{3}))?$/;

function pagePrefix(page: number): string {
  if (!Number.isInteger(page) || page < 0 || page > MAX_PAGE) throw new StoreError(`page ${page} cannot be staged (0..${MAX_PAGE})`);
  return `PAGE#${String(page).padStart(PAGE_DIGITS, '0')}`;
}

/** The sort key of a page's part (part 0 is the page's own key). */
export function pageSk(page: number, reread: boolean, part = 0): string {
  const base = `${pagePrefix(page)}#${reread ? 1 : 0}`;
  return part === 0 ? base : `${base}#${String(part).padStart(PART_DIGITS, '0')}`;
}

/** A sort key after every item of page `page` (its re-read and their parts included) and before the next page. */
export function pageSkEnd(page: number): string {
  return `${pagePrefix(page)}#~`;
}

export interface PageKey {
  page: number;
  reread: boolean;
  part: number;
}

export function parsePageSk(sk: string): PageKey | undefined {
  const m = PAGE_SK.exec(sk);
  if (!m) return undefined;
  return { page: Number(m[1]), reread: m[2] === '1', part: m[3] === undefined ? 0 : Number(m[3]) };
}

/**
 * Splits `text` into pieces of at most `maxBytes` UTF-8 bytes, never inside a character, so that
 * every piece is a valid string and their concatenation is `text`.
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return [text];
  const pieces: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + maxBytes, bytes.length);
    // Back off continuation bytes (10xxxxxx) so the cut falls before a character's first byte.
    while (end < bytes.length && end > start && (bytes[end] & 0xc0) === 0x80) end -= 1;
    if (end === start) throw new StoreError(`cannot split text into pieces of ${maxBytes} bytes`);
    pieces.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  return pieces;
}

export function digestOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

/** A page as the strings of its parts, plus the digest a split page carries. */
export function encodePage(page: StagedPage, maxPartBytes = MAX_PART_BYTES): { parts: string[]; digest?: string } {
  const json = JSON.stringify(page.shares);
  const parts = splitUtf8(json, maxPartBytes);
  if (parts.length > MAX_PARTS) throw new StoreError(`page ${page.page} is too large to stage (${parts.length} parts of ${maxPartBytes} bytes)`);
  return parts.length === 1 ? { parts } : { parts, digest: digestOf(json) };
}

/** One stored part as read back: its key, and for part 0 the count and digest. */
export interface StoredPart extends PageKey {
  data: string;
  parts?: number;
  digest?: string;
}

interface Pending {
  page: number;
  reread: boolean;
  parts: number;
  digest?: string;
  pieces: string[];
}

/**
 * Puts pages back together from their parts, fed in sort-key order. Parts with no page before
 * them, or beyond the count their page says, are left over from an earlier, larger write of the
 * page and are skipped (they expire with the rest). A page missing a part, or whose parts come
 * from different writes, is an error: staged data is never guessed at.
 */
export class PageAssembler {
  private pending: Pending | undefined;

  /** Adds one part; returns the page when it is complete. */
  add(part: StoredPart): StagedPage | undefined {
    if (part.part === 0) {
      this.finish();
      this.pending = { page: part.page, reread: part.reread, parts: part.parts ?? 1, digest: part.digest, pieces: [] };
    } else if (!this.pending || this.pending.page !== part.page || this.pending.reread !== part.reread || part.part >= this.pending.parts) {
      return undefined;
    }
    const pending = this.pending;
    if (part.part !== pending.pieces.length) throw incomplete(pending);
    pending.pieces.push(part.data);
    if (pending.pieces.length < pending.parts) return undefined;
    this.pending = undefined;
    return decodePage(pending);
  }

  /** Called at the end of the items: a page still waiting for parts is an error. */
  finish(): void {
    if (this.pending) throw incomplete(this.pending);
  }
}

function incomplete(pending: Pending): StoreError {
  return new StoreError(`staged page ${pending.page}${pending.reread ? ' (re-read)' : ''} is missing parts: ${pending.pieces.length} of ${pending.parts} read`, {
    code: 'StagedPageIncomplete',
  });
}

function decodePage(pending: Pending): StagedPage {
  const label = `staged page ${pending.page}${pending.reread ? ' (re-read)' : ''}`;
  const json = pending.pieces.join('');
  if (pending.parts > 1 && digestOf(json) !== pending.digest) {
    throw new StoreError(`${label}: its parts come from different writes`, { code: 'StagedPageCorrupt' });
  }
  let shares: unknown;
  try {
    shares = JSON.parse(json);
  } catch (err) {
    throw new StoreError(`${label} is not valid JSON`, { cause: err, code: 'StagedPageCorrupt' });
  }
  if (!Array.isArray(shares) || !shares.every(isStagedShare)) throw new StoreError(`${label} does not hold shares`, { code: 'StagedPageCorrupt' });
  return { page: pending.page, reread: pending.reread, shares };
}

function isStagedShare(value: unknown): value is StagedShare {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.shareId === 'string' && Array.isArray(v.paths);
}
