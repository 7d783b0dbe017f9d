/**
 * Judging what TeraBox sent against what the client understands. Pure: parsed pages in, checks
 * out. "Understood" comes from the client's own key lists (normalize.ts UNDERSTOOD_ITEM_FIELDS,
 * share-page.ts UNDERSTOOD_PAGE_KEYS), so that doctor and client cannot disagree about a field.
 *
 * The client may accept values of the right type that no real share can have (a ctime a century
 * ahead); doctor refuses them itself, because a policy acting on them would act on nonsense.
 */
import { shapeOf, type ResponseShape, type ValueKind } from '../app/response-shape';
import { KNOWN_ERRNOS, toDecimalId } from '../terabox';
import { isRecord, toEpochMs, toNumber } from '../terabox/field-values';
import { UNDERSTOOD_ITEM_FIELDS } from '../terabox/normalize';
import { extractSharePage, SHARE_LIST_LOCATIONS, UNDERSTOOD_PAGE_KEYS } from '../terabox/share-page';
import type { DoctorCheck, ListingOutcome } from './types';

/** One parsed `sharelist` answer of the listing doctor ran. */
export interface ListedPage {
  page: number;
  /** The parsed JSON body, or undefined when it was not JSON (`problem` says what it was). */
  body?: Record<string, unknown>;
  problem?: string;
}

/** TeraBox (2008 as Dubox's ancestor Baidu Netdisk, 2021 as TeraBox): nothing older is a share. */
export const EARLIEST_PLAUSIBLE_MS = Date.UTC(2008, 0, 1);
/** A share made "in the future" beyond clock skew is not a real share. */
export const FUTURE_TOLERANCE_MS = 86_400_000;

const FIELD_OF_KEY = new Map<string, string>();
for (const [meaning, keys] of Object.entries(UNDERSTOOD_ITEM_FIELDS)) for (const key of keys) FIELD_OF_KEY.set(key, meaning);

/** Fields the client needs: without an id nothing can be cancelled; the rest weaken the policies. */
const NEEDED: ReadonlyArray<{ meaning: string; severity: 'fail' | 'warn'; why: string }> = [
  { meaning: 'shareId', severity: 'fail', why: 'no share can be identified or cancelled' },
  { meaning: 'createdAt', severity: 'warn', why: 'age rules cannot judge these shares' },
  { meaning: 'paths', severity: 'warn', why: 'path and name rules cannot judge these shares' },
  { meaning: 'link', severity: 'warn', why: 'reports cannot show the links' },
];

/** Kinds each field may have for the client to read it as meant. */
const EXPECTED_KINDS: Readonly<Record<string, readonly ValueKind[]>> = {
  shareId: ['integer', 'numeric-string'],
  createdAt: ['integer', 'numeric-string', 'number'],
  link: ['string', 'numeric-string'],
  paths: ['string', 'array'],
  fsIds: ['array', 'integer', 'numeric-string', 'string'],
  viewCount: ['integer', 'numeric-string'],
  downloadCount: ['integer', 'numeric-string'],
  saveCount: ['integer', 'numeric-string'],
};

export function check(id: string, title: string, status: DoctorCheck['status'], reason: string, details: string[] = []): DoctorCheck {
  return { id, title, status, reason, details };
}

export interface ExtractedItems {
  items: unknown[];
  problems: string[];
  /** First page's total (`total`) and Baidu's `count`, as sent. */
  total?: number;
  totalHint?: number;
  hasMoreLast?: boolean;
  unknownPageKeys: string[];
}

/** The items of every page, and what could not be read, page by page. */
export function extractItems(pages: readonly ListedPage[], endpoint: string): ExtractedItems {
  const out: ExtractedItems = { items: [], problems: [], unknownPageKeys: [] };
  const unknown = new Set<string>();
  for (const p of pages) {
    if (p.body === undefined) {
      out.problems.push(`page ${p.page}: ${p.problem ?? 'not JSON'}`);
      continue;
    }
    for (const key of Object.keys(p.body)) if (!UNDERSTOOD_PAGE_KEYS.includes(key)) unknown.add(key);
    if (isRecord(p.body.data)) for (const key of Object.keys(p.body.data)) if (!UNDERSTOOD_PAGE_KEYS.includes(key)) unknown.add(`data.${key}`);
    try {
      const raw = extractSharePage(p.body, endpoint);
      out.items.push(...raw.items);
      if (p.page === 1) {
        if (raw.total !== undefined) out.total = raw.total;
        if (raw.totalHint !== undefined) out.totalHint = raw.totalHint;
      }
      out.hasMoreLast = raw.hasMore;
    } catch (error) {
      out.problems.push(`page ${p.page}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  out.unknownPageKeys = [...unknown].sort();
  return out;
}

function describeShape(shape: ResponseShape, names: readonly string[]): string[] {
  return names.map((f) => `${f}: ${shape.fields[f].kinds.join('|')} (in ${shape.fields[f].seenIn} of ${shape.items})`);
}

/** Fields seen and their kinds, fields missing that the client needs, fields it does not read. */
export function judgeFields(extracted: ExtractedItems): DoctorCheck {
  const title = 'share fields';
  if (extracted.problems.length > 0 && extracted.items.length === 0) {
    const keys = extracted.unknownPageKeys.length > 0 ? [`page keys the client does not read: ${extracted.unknownPageKeys.join(', ')}`] : [];
    const where = `the client looks for the list at ${SHARE_LIST_LOCATIONS.join(', ')}`;
    return check('share-fields', title, 'fail', `no share list the client can find: ${extracted.problems[0]}`, [...extracted.problems.slice(1, 5), ...keys, where]);
  }
  if (extracted.items.length === 0) return check('share-fields', title, 'warn', 'the account has no shares: no item shape to judge');
  const shape = shapeOf(extracted.items);
  const top = Object.keys(shape.fields).filter((f) => !f.includes('.') && !f.includes('['));
  const understood = top.filter((f) => FIELD_OF_KEY.has(f));
  const unknown = top.filter((f) => !FIELD_OF_KEY.has(f));
  const present = new Set(understood.map((f) => FIELD_OF_KEY.get(f)));
  const details = [`fields the client reads: ${describeShape(shape, understood).join('; ') || 'none'}`];
  if (unknown.length > 0) details.push(`fields the client does not read: ${describeShape(shape, unknown).join('; ')}`);
  if (extracted.unknownPageKeys.length > 0) details.push(`page keys the client does not read: ${extracted.unknownPageKeys.join(', ')}`);
  const fails: string[] = [];
  const warns: string[] = [];
  for (const need of NEEDED) {
    if (present.has(need.meaning)) continue;
    (need.severity === 'fail' ? fails : warns).push(`no ${need.meaning} field (${UNDERSTOOD_ITEM_FIELDS[need.meaning].join('/')}): ${need.why}`);
  }
  for (const field of understood) {
    const meaning = FIELD_OF_KEY.get(field) ?? '';
    const allowed = EXPECTED_KINDS[meaning];
    const wrong = allowed ? shape.fields[field].kinds.filter((k) => k !== 'null' && !allowed.includes(k)) : [];
    if (wrong.length > 0) fails.push(`${field} holds ${wrong.join('|')} where ${allowed?.join('|')} was expected`);
  }
  const missingId = extracted.items.length - (shape.fields[understood.find((f) => FIELD_OF_KEY.get(f) === 'shareId') ?? '']?.seenIn ?? 0);
  if (present.has('shareId') && missingId > 0) fails.push(`${missingId} of ${extracted.items.length} items have no share id`);
  if (fails.length > 0) return check('share-fields', title, 'fail', fails.join('; '), [...warns, ...details]);
  if (warns.length > 0) return check('share-fields', title, 'warn', warns.join('; '), details);
  return check('share-fields', title, 'ok', `${extracted.items.length} items, every field the client needs is there with the expected kind`, details);
}

const COUNT_MEANINGS = ['viewCount', 'downloadCount', 'saveCount'] as const;

/** Values of the right type but out of any plausible range: times, counts, ids. */
export function judgeValues(items: readonly unknown[], nowMs: number): DoctorCheck {
  const title = 'share values';
  const problems = new Map<string, { count: number; example: string }>();
  const note = (what: string, example: string): void => {
    const entry = problems.get(what) ?? { count: 0, example };
    entry.count += 1;
    problems.set(what, entry);
  };
  for (const item of items) {
    if (!isRecord(item)) continue;
    for (const [key, value] of Object.entries(item)) {
      const meaning = FIELD_OF_KEY.get(key);
      if (value === null || value === undefined || meaning === undefined) continue;
      if (meaning === 'shareId' && toDecimalId(value) === undefined) note(`${key} is not a positive whole number`, JSON.stringify(value));
      if (meaning === 'createdAt') {
        const ms = toEpochMs(value);
        if (ms === undefined || ms < EARLIEST_PLAUSIBLE_MS || ms > nowMs + FUTURE_TOLERANCE_MS) {
          note(`${key} is out of any plausible range (before 2008 or in the future)`, ms === undefined ? JSON.stringify(value) : new Date(ms).toISOString());
        }
      }
      if ((COUNT_MEANINGS as readonly string[]).includes(meaning)) {
        const n = toNumber(value);
        if (n === undefined || n < 0 || !Number.isInteger(n)) note(`${key} is not a count (a whole number >= 0)`, JSON.stringify(value));
      }
    }
  }
  if (problems.size === 0) return check('share-values', title, 'ok', `${items.length} items: ids, creation times and counts are plausible`);
  const lines = [...problems].map(([what, p]) => `${what}: ${p.count} item${p.count === 1 ? '' : 's'} (e.g. ${p.example})`);
  return check('share-values', title, 'fail', lines.join('; '));
}

/** Baidu's `nextpage` of a page (top level or under `data`), when it is a number. */
function nextPageOf(body: Record<string, unknown>): number | undefined {
  return toNumber(body.nextpage) ?? (isRecord(body.data) ? toNumber(body.data.nextpage) : undefined);
}

/** `total` (or `count`) against what the listing gave, and the signal that ended the list. */
export function judgeTotal(extracted: ExtractedItems, listing: ListingOutcome, pages: readonly ListedPage[], pageSize: number): DoctorCheck {
  const title = 'total and end of list';
  const last = pages[pages.length - 1];
  const details: string[] = [];
  if (last !== undefined) {
    let lastItems: number;
    try {
      lastItems = last.body ? extractSharePage(last.body, 'sharelist').items.length : -1;
    } catch {
      lastItems = -1;
    }
    // The client's end rules (lib/terabox/README.md, "End of pages"): never a merely short page.
    const nextPage = last.body ? nextPageOf(last.body) : undefined;
    const signal =
      lastItems === 0
        ? 'an empty page'
        : extracted.hasMoreLast === false
          ? 'has_more 0'
          : nextPage === 0
            ? 'nextpage 0'
            : extracted.total !== undefined && (listing.ok ? listing.count : extracted.items.length) >= extracted.total
              ? 'the total reached'
              : `a page of ${lastItems} (of ${pageSize}) with no end signal`;
    details.push(`pages read: ${pages.length}; the list ended on ${lastItems < 0 ? 'an unreadable page' : signal} (page ${last.page})`);
  }
  const listed = listing.ok ? listing.count : undefined;
  const announced = extracted.total ?? extracted.totalHint;
  const name = extracted.total !== undefined ? 'total' : 'count';
  if (announced === undefined) {
    return check('share-total', title, listing.ok ? 'ok' : 'warn', listing.ok ? `no total given; the listing ended by itself with ${listed} shares` : 'no total given', details);
  }
  if (listed === undefined) {
    // The listing failed (its own check says why): pages it did not read cannot be counted.
    const seen = extracted.items.length;
    if (seen > announced) return check('share-total', title, 'fail', `TeraBox says ${name} ${announced} but its pages held ${seen} shares`, details);
    return check('share-total', title, 'warn', `${name} ${announced} could not be checked: the listing did not finish (${seen} shares read)`, details);
  }
  if (listed !== announced) return check('share-total', title, 'fail', `TeraBox says ${name} ${announced} but the listing gave ${listed} shares`, details);
  return check('share-total', title, 'ok', `${name} ${announced} equals the ${listed} shares listed`, details);
}

/** Every non-zero errno in the answers, named. */
export function judgeErrnos(errnos: ReadonlyMap<number, string[]>): DoctorCheck {
  const title = 'errnos';
  if (errnos.size === 0) return check('errnos', title, 'ok', 'every JSON answer had errno 0');
  const unknown = [...errnos.keys()].filter((e) => KNOWN_ERRNOS[e] === undefined);
  const lines = [...errnos].map(([e, where]) => `errno ${e} (${KNOWN_ERRNOS[e] ?? 'unknown errno'}) on ${[...new Set(where)].join(', ')}`);
  if (unknown.length > 0) return check('errnos', title, 'fail', `unknown errno ${unknown.join(', ')}: the client cannot know what it means`, lines);
  return check('errnos', title, 'warn', `errnos seen: ${[...errnos.keys()].join(', ')}`, lines);
}
