/**
 * The bad input corpus of test/reliability/bad-input.test.ts, as typed tables: malformed queue
 * messages (share requests and cancel batches), invalid policies as an admin could store them,
 * and malformed TeraBox answers (list pages, create and cancel answers). Each case names what a
 * clear error must mention. TeraBox failure shapes reuse the recorded fixtures of
 * test/fixtures/terabox/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { withRawFields } from './messages';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'terabox');
/** A recorded TeraBox failure shape (test/fixtures/terabox/<name>). */
export const teraboxFixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

// ------------------------------------------------------------------ share requests (create-shares)

/** What the create handler must do with a message. */
export type ShareRequestExpectation =
  /** No usable request id: handed back (batch item failure, then the DLQ), nothing recorded. */
  | 'unidentifiable'
  /** Recorded as rejected with the reason; not retried. */
  | 'rejected'
  /** Odd but valid: the share is made, exactly as asked. */
  | 'created';

export interface ShareRequestCase {
  name: string;
  /** The body, built from the case's request id and the path of an existing file. */
  body: (requestId: string, validPath: string) => string;
  expect: ShareRequestExpectation;
  /** What the error (record reason or logged reasons) must mention. */
  mentions: RegExp;
}

/** A valid request body with fields replaced (`set`), removed (`omit`) or spliced as raw JSON (`raw`). */
export function requestBody(
  requestId: string,
  validPath: string,
  options: { set?: Record<string, unknown>; omit?: string[]; raw?: Array<[string, string]> } = {},
): string {
  const base: Record<string, unknown> = { requestId, requester: 'corpus', paths: [validPath], period: 7, ...options.set };
  for (const key of options.omit ?? []) delete base[key];
  return withRawFields(JSON.stringify(base), options.raw ?? []);
}

/** 2^53 + 1: a double cannot hold it (it would become ...992). */
export const BEYOND_2_53 = '9007199254740993';
/** A unicode file name the corpus shares as is. */
export const UNICODE_PATH = '/Public/写真/corpus café 😀 Отчёт.pdf';

export const SHARE_REQUEST_CASES: ShareRequestCase[] = [
  { name: 'not JSON at all', body: () => 'hello, please share my file', expect: 'unidentifiable', mentions: /not valid JSON/ },
  { name: 'truncated JSON', body: (id) => `{"requestId":"${id}","requester":"corp`, expect: 'unidentifiable', mentions: /not valid JSON/ },
  { name: 'an empty body', body: () => '', expect: 'unidentifiable', mentions: /not valid JSON/ },
  { name: 'JSON null', body: () => 'null', expect: 'unidentifiable', mentions: /JSON object/ },
  { name: 'a JSON array', body: (id, p) => `[${requestBody(id, p)}]`, expect: 'unidentifiable', mentions: /JSON object/ },
  { name: 'no requestId', body: (id, p) => requestBody(id, p, { omit: ['requestId'] }), expect: 'unidentifiable', mentions: /requestId/ },
  { name: 'requestId of the wrong type', body: (id, p) => requestBody(id, p, { set: { requestId: 42 } }), expect: 'unidentifiable', mentions: /requestId/ },
  { name: 'requestId with spaces', body: (id, p) => requestBody(id, p, { set: { requestId: `${id} x` } }), expect: 'unidentifiable', mentions: /requestId/ },
  { name: 'no requester', body: (id, p) => requestBody(id, p, { omit: ['requester'] }), expect: 'rejected', mentions: /requester/ },
  { name: 'requester with trailing whitespace', body: (id, p) => requestBody(id, p, { set: { requester: 'marketing ' } }), expect: 'rejected', mentions: /requester.*whitespace/ },
  { name: 'paths as a string', body: (id, p) => requestBody(id, p, { set: { paths: p } }), expect: 'rejected', mentions: /paths/ },
  { name: 'neither paths nor fsIds', body: (id, p) => requestBody(id, p, { omit: ['paths'] }), expect: 'rejected', mentions: /fsIds\/paths/ },
  {
    name: 'a huge paths array (10,000 entries)',
    body: (id, p) => requestBody(id, p, { set: { paths: Array.from({ length: 10_000 }, (_, i) => `/Public/f-${i}.pdf`) } }),
    expect: 'rejected',
    mentions: /paths.*at most 100/,
  },
  { name: 'a relative path', body: (id, p) => requestBody(id, p, { set: { paths: ['Public/x.pdf'] } }), expect: 'rejected', mentions: /paths.*absolute/ },
  { name: 'a path with ..', body: (id, p) => requestBody(id, p, { set: { paths: ['/Public/../Private/keys/id_rsa'] } }), expect: 'rejected', mentions: /paths.*\.\./ },
  { name: 'a path with a lone surrogate', body: (id, p) => requestBody(id, p, { set: { paths: ['/Public/\ud800.pdf'] } }), expect: 'rejected', mentions: /paths.*Unicode/ },
  { name: 'a period that does not exist', body: (id, p) => requestBody(id, p, { set: { period: 5 } }), expect: 'rejected', mentions: /period/ },
  { name: 'a period as a string', body: (id, p) => requestBody(id, p, { set: { period: 'week' } }), expect: 'rejected', mentions: /period/ },
  { name: 'a 3-character password', body: (id, p) => requestBody(id, p, { set: { password: 'abc' } }), expect: 'rejected', mentions: /password/ },
  { name: 'an unknown field', body: (id, p) => requestBody(id, p, { set: { deleteAfter: true } }), expect: 'rejected', mentions: /deleteAfter/ },
  {
    name: 'an fs id beyond 2^64 as a JSON number',
    body: (id, p) => requestBody(id, p, { omit: ['paths'], raw: [['fsIds', '[18446744073709551616]']] }),
    expect: 'rejected',
    mentions: /fsIds.*too large/,
  },
  { name: 'an fs id that is not a number', body: (id, p) => requestBody(id, p, { omit: ['paths'], set: { fsIds: ['12ab'] } }), expect: 'rejected', mentions: /fsIds/ },
  {
    name: 'an fs id beyond 2^53 as a JSON number (kept exact)',
    body: (id, p) => requestBody(id, p, { omit: ['paths'], raw: [['fsIds', `[${BEYOND_2_53}]`]] }),
    expect: 'created',
    mentions: new RegExp(BEYOND_2_53),
  },
  { name: 'a unicode path (kept exact)', body: (id, p) => requestBody(id, p, { set: { paths: [UNICODE_PATH] } }), expect: 'created', mentions: /café/ },
];

// ------------------------------------------------------------------ cancel batches (cancel-shares)

export interface CancelBatchCase {
  name: string;
  /** The body, given the account, and two share ids that exist (a bad batch must not cancel them). */
  body: (accountId: string, shareIds: [string, string]) => string;
  mentions: RegExp;
}

function batchBody(accountId: string, ids: [string, string], options: { set?: Record<string, unknown>; omit?: string[]; raw?: Array<[string, string]> } = {}): string {
  const base: Record<string, unknown> = { runId: 'run-corpus', accountId, shareIds: [...ids], dryRun: false, ...options.set };
  for (const key of options.omit ?? []) delete base[key];
  return withRawFields(JSON.stringify(base), options.raw ?? []);
}

export const CANCEL_BATCH_CASES: CancelBatchCase[] = [
  { name: 'not JSON', body: () => 'cancel everything', mentions: /not valid JSON/ },
  { name: 'truncated JSON', body: (a) => `{"runId":"r1","accountId":"${a}","shareIds":["1`, mentions: /not valid JSON/ },
  { name: 'no runId', body: (a, ids) => batchBody(a, ids, { omit: ['runId'] }), mentions: /runId/ },
  { name: 'shareIds as a string', body: (a, ids) => batchBody(a, ids, { set: { shareIds: ids[0] } }), mentions: /shareIds/ },
  { name: 'an empty shareIds list', body: (a, ids) => batchBody(a, ids, { set: { shareIds: [] } }), mentions: /shareIds.*at least 1/ },
  {
    name: 'a huge shareIds array (5,000 ids)',
    body: (a, ids) => batchBody(a, ids, { set: { shareIds: Array.from({ length: 5_000 }, (_, i) => String(30_000_000_000 + i)) } }),
    mentions: /shareIds.*at most 100/,
  },
  { name: 'a share id beyond 2^53 as a JSON number', body: (a, ids) => batchBody(a, ids, { omit: ['shareIds'], raw: [['shareIds', `[${ids[0]},${BEYOND_2_53}]`]] }), mentions: /shareIds/ },
  { name: 'a share id that is not decimal', body: (a, ids) => batchBody(a, ids, { set: { shareIds: [ids[0], '0x1f'] } }), mentions: /shareIds/ },
  { name: 'dryRun missing', body: (a, ids) => batchBody(a, ids, { omit: ['dryRun'] }), mentions: /dryRun/ },
];

/** A well-formed batch for an account no registry entry serves: refused (audited), not retried, nothing cancelled. */
export const UNSERVED_ACCOUNT_BATCH = (ids: [string, string]): string => batchBody('someone-else', ids);

// ------------------------------------------------------------------ policies (stored by an admin, read by the sweep)

export interface PolicyCase {
  name: string;
  /** The raw item as stored in the policies table, without the table's own attributes. */
  item: Record<string, unknown>;
  mentions: RegExp;
}

const policy = (policyId: string, fields: Record<string, unknown>): Record<string, unknown> => ({ policyId, enabled: true, mode: 'enforce', ...fields });

/** Each of these, misread, would cancel every share of the account. */
export const POLICY_CASES: PolicyCase[] = [
  { name: 'maxAgeDays as a string', item: policy('age-string', { rule: { type: 'max-age', maxAgeDays: '0' } }), mentions: /maxAgeDays/ },
  { name: 'a negative maxAgeDays', item: policy('age-negative', { rule: { type: 'max-age', maxAgeDays: -1 } }), mentions: /maxAgeDays/ },
  { name: 'an unknown rule type', item: policy('rule-unknown', { rule: { type: 'delete-all' } }), mentions: /rule|type/ },
  { name: 'no rule', item: policy('rule-missing', {}), mentions: /rule/ },
  { name: 'an unknown mode', item: policy('mode-unknown', { mode: 'enforce!!', rule: { type: 'max-age', maxAgeDays: 1 } }), mentions: /mode/ },
  // (A single glob as a string is valid: "deny": "**" denies everything, by design.)
  { name: 'deny as a number', item: policy('deny-number', { rule: { type: 'name', deny: 42 } }), mentions: /deny/ },
  { name: 'an invalid regex', item: policy('regex-invalid', { rule: { type: 'name', denyRegex: ['(unclosed'] } }), mentions: /denyRegex/ },
  { name: 'a fractional quota', item: policy('quota-fraction', { rule: { type: 'quota', maxShares: 1.5 } }), mentions: /maxShares/ },
  { name: 'pathPrefixes as a string', item: policy('scope-string', { scope: { pathPrefixes: '/Public/' }, rule: { type: 'max-age', maxAgeDays: 1 } }), mentions: /pathPrefixes/ },
  { name: 'enabled as a string', item: policy('enabled-string', { enabled: 'yes', rule: { type: 'max-age', maxAgeDays: 1 } }), mentions: /enabled/ },
  {
    name: 'a huge deny list (20,000 globs)',
    item: policy('deny-huge', { rule: { type: 'name', deny: Array.from({ length: 20_000 }, (_, i) => `/x/${i}/**`) } }),
    mentions: /deny/,
  },
  { name: 'an unknown field', item: policy('field-unknown', { rule: { type: 'max-age', maxAgeDays: 1 }, cancelAll: true }), mentions: /cancelAll/ },
];

// ------------------------------------------------------------------ TeraBox answers

export interface ListPageCase {
  name: string;
  /** The answer to the page-2 request, given page 1's real answer. */
  answer: (page1: string) => { status: number; body: string; contentType: string };
  mentions: RegExp;
}

const json = (body: string) => ({ status: 200, body, contentType: 'application/json' });

/** A list item in the seed shape, for hand-made pages. */
export function seedListItem(shareId: string | number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { share_id: shareId, shorturl: `1corpus${shareId}`, ctime: 1_700_000_000, expiredType: 0, typicalPath: '/Public/x.pdf', public: 1, ...overrides };
}

export const LIST_PAGE_CASES: ListPageCase[] = [
  { name: 'an HTML login page', answer: () => ({ status: 200, body: teraboxFixture('login-page.html'), contentType: 'text/html' }), mentions: /HTML/ },
  { name: 'truncated JSON', answer: () => json(teraboxFixture('garbled-truncated.json')), mentions: /not valid JSON/ },
  { name: 'binary junk', answer: () => ({ status: 200, body: teraboxFixture('garbled-binary.txt'), contentType: 'application/octet-stream' }), mentions: /JSON/ },
  { name: 'an empty body', answer: () => json(''), mentions: /empty body/ },
  { name: 'an unknown errno', answer: () => json('{"errno":31337,"errmsg":"new thing"}'), mentions: /31337/ },
  { name: 'errno as a string', answer: () => json('{"errno":"zero","data":{"share_list":[]}}'), mentions: /errno/ },
  { name: 'a JSON array', answer: () => json('[1,2,3]'), mentions: /array/ },
  { name: 'share_list as an object', answer: () => json('{"errno":0,"data":{"share_list":{"a":1},"total":250}}'), mentions: /not a list/ },
  // Read as an empty page (Baidu answers `list: {}` past the end), so page 2 "ends" a list of 250.
  { name: 'no list at all', answer: () => json('{"errno":0,"data":{"total":250}}'), mentions: /shrank|no share list/ },
  {
    name: 'an item without share_id',
    answer: () => json(JSON.stringify({ errno: 0, data: { total: 250, share_list: [seedListItem(1), { shorturl: '1x', ctime: 1 }] } })),
    mentions: /share id/,
  },
  {
    name: 'a share_id of the wrong type',
    answer: () => json(JSON.stringify({ errno: 0, data: { total: 250, share_list: [seedListItem(1), seedListItem(2, { share_id: { id: 2 } })] } })),
    mentions: /share id/,
  },
  { name: 'page 1 again (page number ignored)', answer: (page1) => json(page1), mentions: /repeats page 1/ },
  {
    name: 'a short page that says more follow',
    answer: () => json(JSON.stringify({ errno: 0, data: { total: 250, has_more: true, share_list: [seedListItem(1), seedListItem(2)] } })),
    mentions: /holds 2 of 100/,
  },
  {
    name: 'a huge page (2,000 items for a page of 100)',
    answer: () => json(JSON.stringify({ errno: 0, data: { total: 250, share_list: Array.from({ length: 2_000 }, (_, i) => seedListItem(70_000_000_000 + i)) } })),
    mentions: /page 2/,
  },
];

export interface WriteAnswerCase {
  name: string;
  status: number;
  body: string;
  contentType: string;
  mentions: RegExp;
}

/** Answers to `/share/pset` and `/share/cancel` (given instead of asking TeraBox). */
export const WRITE_ANSWER_CASES: WriteAnswerCase[] = [
  { name: 'an HTML login page', status: 200, body: teraboxFixture('login-page.html'), contentType: 'text/html', mentions: /HTML/ },
  { name: 'truncated JSON', status: 200, body: teraboxFixture('garbled-truncated.json'), contentType: 'application/json', mentions: /not valid JSON/ },
  { name: 'an unknown errno', status: 200, body: '{"errno":31337}', contentType: 'application/json', mentions: /31337/ },
  { name: 'a gateway error page', status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html', mentions: /502/ },
];
