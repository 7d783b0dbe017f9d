import {
  parseShareRequest,
  parseShareRequestLines,
  shareRequestMessageSchema,
  toCreateShareInput,
  type ShareRequest,
} from '../../../lib/contracts/share-request';
import { aShareRequest, shareRequestBody } from '../../factories/messages';

const defaults = { period: 7 } as const;

describe('parseShareRequest', () => {
  it('accepts the documented example and keeps every field', () => {
    const result = parseShareRequest(shareRequestBody(), defaults);
    expect(result).toEqual({
      ok: true,
      request: {
        requestId: 'req-2026-0001',
        requester: 'marketing',
        fsIds: ['123456789'],
        paths: ['/Public/brochure.pdf'],
        period: 7,
        password: 'ab12',
        label: 'Partner brochure',
      },
    });
  });

  const longUnicodePath = `/${'é'.repeat(1000)}/${'📷'.repeat(22)}`; // 1024 code points, 2067 UTF-16 units
  it.each<[string, { set?: Record<string, unknown>; omit?: string[] }, Partial<ShareRequest>]>([
    ['fs ids only', { omit: ['paths'] }, { fsIds: ['123456789'], paths: undefined }],
    ['paths only', { omit: ['fsIds'] }, { paths: ['/Public/brochure.pdf'], fsIds: undefined }],
    ['an fs id as a decimal string', { set: { fsIds: ['42'] } }, { fsIds: ['42'] }],
    ['an empty fsIds list beside paths (dropped)', { set: { fsIds: [] } }, { fsIds: undefined }],
    ['period 0 (permanent)', { set: { period: 0 } }, { period: 0 }],
    ['period 1', { set: { period: 1 } }, { period: 1 }],
    ['period 30', { set: { period: 30 } }, { period: 30 }],
    ['no password (public link)', { omit: ['password'] }, { password: undefined }],
    ['no label', { omit: ['label'] }, { label: undefined }],
    ['an empty label', { set: { label: '' } }, { label: '' }],
    ['unicode paths', { set: { paths: ['/Фото/été 2026/naïve 📷.jpg', '/共享/文件.pdf'] } }, { paths: ['/Фото/été 2026/naïve 📷.jpg', '/共享/文件.pdf'] }],
    ['a path of 1024 characters counted as code points', { set: { paths: [longUnicodePath] } }, { paths: [longUnicodePath] }],
    ['100 fs ids', { set: { fsIds: Array.from({ length: 100 }, (_, i) => i + 1) } }, { fsIds: Array.from({ length: 100 }, (_, i) => String(i + 1)) }],
    ['a 128-character request id', { set: { requestId: 'r'.repeat(128) } }, { requestId: 'r'.repeat(128) }],
    ['a request id with punctuation', { set: { requestId: 'team/2026:05#1' } }, { requestId: 'team/2026:05#1' }],
    ['a unicode requester', { set: { requester: 'équipe-marketing' } }, { requester: 'équipe-marketing' }],
  ])('accepts %s', (_name, change, expected) => {
    const result = parseShareRequest(shareRequestBody(change), defaults);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    for (const [key, value] of Object.entries(expected)) {
      if (value === undefined) expect(result.request).not.toHaveProperty(key);
      else expect(result.request[key as keyof ShareRequest]).toEqual(value);
    }
  });

  it.each([[0], [1], [30]] as const)('applies the configured default period %s when none is given', (period) => {
    const result = parseShareRequest(shareRequestBody({ omit: ['period'] }), { period });
    expect(result).toMatchObject({ ok: true, request: { period } });
  });

  it.each([
    ['2^53 + 1 as a JSON number', '[9007199254740993]', '9007199254740993'],
    ['the largest 64-bit fs id as a JSON number', '[18446744073709551615]', '18446744073709551615'],
    ['2^53 + 1 as a string', '["9007199254740993"]', '9007199254740993'],
  ])('keeps a big fs id exact: %s', (_name, raw, expected) => {
    const result = parseShareRequest(shareRequestBody({ omit: ['fsIds'], raw: [['fsIds', raw]] }), defaults);
    expect(result).toMatchObject({ ok: true, request: { fsIds: [expected] } });
  });

  it('accepts a repeated field when both copies are equal', () => {
    const body = shareRequestBody({ raw: [['requester', '"marketing"']] });
    expect(parseShareRequest(body, defaults).ok).toBe(true);
  });

  it.each<[string, { set?: Record<string, unknown>; omit?: string[]; raw?: Array<[string, string]> }, string]>([
    ['a missing requester', { omit: ['requester'] }, 'requester: is required'],
    ['an empty requester', { set: { requester: '' } }, 'requester: must not be empty'],
    ['a requester with surrounding spaces', { set: { requester: 'marketing ' } }, 'requester: must not start or end with whitespace'],
    ['a requester of 129 characters', { set: { requester: 'm'.repeat(129) } }, 'requester: must be at most 128 characters'],
    ['a requester with a newline', { set: { requester: 'mark\neting' } }, 'requester: must not contain control characters'],
    ['neither fs ids nor paths', { omit: ['fsIds', 'paths'] }, 'fsIds/paths: at least one fs id or path is required'],
    ['both lists empty', { set: { fsIds: [], paths: [] } }, 'fsIds/paths: at least one fs id or path is required'],
    ['fsIds not an array', { set: { fsIds: 123 } }, 'fsIds: must be an array of fs ids'],
    ['fs id zero', { set: { fsIds: [0] } }, 'fsIds[0]: must be a positive integer (a JSON number or a string of decimal digits)'],
    ['a negative fs id', { set: { fsIds: [-5] } }, 'fsIds[0]: must be a positive integer (a JSON number or a string of decimal digits)'],
    ['a fractional fs id', { set: { fsIds: [1.5] } }, 'fsIds[0]: must be a positive integer (a JSON number or a string of decimal digits)'],
    ['an fs id in exponent form', { omit: ['fsIds'], raw: [['fsIds', '[1e3]']] }, 'fsIds[0]: must be a positive integer (a JSON number or a string of decimal digits)'],
    ['an fs id string with a leading zero', { set: { fsIds: ['0123'] } }, 'fsIds[0]: must be a positive integer (a JSON number or a string of decimal digits)'],
    ['an fs id string with letters', { set: { fsIds: ['12a'] } }, 'fsIds[0]: must be a positive integer (a JSON number or a string of decimal digits)'],
    ['a null fs id', { set: { fsIds: [null] } }, 'fsIds[0]: must be a positive integer (a JSON number or a string of decimal digits)'],
    ['an fs id above 2^64-1', { omit: ['fsIds'], raw: [['fsIds', '[18446744073709551616]']] }, 'fsIds[0]: is too large for an fs id (above 2^64-1)'],
    ['a repeated fs id (number and string)', { set: { fsIds: [5, '5'] } }, 'fsIds[1]: duplicates an earlier item'],
    ['101 fs ids', { set: { fsIds: Array.from({ length: 101 }, (_, i) => i + 1) } }, 'fsIds: must have at most 100 items'],
    ['a relative path', { set: { paths: ['Public/a.pdf'] } }, 'paths[0]: must be an absolute path (start with /)'],
    ['an empty path', { set: { paths: [''] } }, 'paths[0]: must not be empty'],
    ['the root', { set: { paths: ['/'] } }, 'paths[0]: must name a file or folder, not the root'],
    ['a path with NUL', { set: { paths: ['/a\u0000b'] } }, 'paths[0]: must not contain NUL'],
    ['a path with a tab', { set: { paths: ['/a\tb'] } }, 'paths[0]: must not contain control characters'],
    ['a path with a lone surrogate', { set: { paths: ['/a\ud800b'] } }, 'paths[0]: must be valid Unicode (no lone surrogates)'],
    ['a path of 1025 characters', { set: { paths: [`/${'a'.repeat(1024)}`] } }, 'paths[0]: must be at most 1024 characters'],
    ['a path with //', { set: { paths: ['/a//b'] } }, 'paths[0]: must not contain empty segments (// or a trailing /)'],
    ['a path with a trailing /', { set: { paths: ['/Public/'] } }, 'paths[0]: must not contain empty segments (// or a trailing /)'],
    ['a path with ..', { set: { paths: ['/Public/../Private'] } }, 'paths[0]: must not contain . or .. segments'],
    ['a path that is not a string', { set: { paths: [42] } }, 'paths[0]: must be a string'],
    ['a repeated path', { set: { paths: ['/a', '/a'] } }, 'paths[1]: duplicates an earlier item'],
    ['101 paths', { set: { paths: Array.from({ length: 101 }, (_, i) => `/f${i}`) } }, 'paths: must have at most 100 items'],
    ['period 3', { set: { period: 3 } }, 'period: must be one of 0 (permanent), 1, 7 or 30 (days)'],
    ['period as a string', { set: { period: '7' } }, 'period: must be one of 0 (permanent), 1, 7 or 30 (days)'],
    ['a null period', { set: { period: null } }, 'period: must be one of 0 (permanent), 1, 7 or 30 (days)'],
    ['an upper-case password', { set: { password: 'AB12' } }, 'password: must be exactly 4 characters of [0-9a-z]'],
    ['a 5-character password', { set: { password: 'ab123' } }, 'password: must be exactly 4 characters of [0-9a-z]'],
    ['a numeric password', { set: { password: 1234 } }, 'password: must be a string'],
    ['a label of 257 characters', { set: { label: 'x'.repeat(257) } }, 'label: must be at most 256 characters'],
    ['a label with a control character', { set: { label: 'a\u0007b' } }, 'label: must not contain control characters'],
    ['an unknown field', { set: { priority: 'high' } }, 'priority: unknown field'],
    ['a __proto__ field', { raw: [['__proto__', '{"admin":true}']] }, '__proto__: unknown field'],
    ['a field repeated with a different value', { raw: [['label', '"other"']] }, 'label: appears twice with different values'],
  ])('rejects %s as invalid, naming the field', (_name, change, error) => {
    const result = parseShareRequest(shareRequestBody(change), defaults);
    expect(result).toMatchObject({ ok: false, kind: 'invalid', requestId: 'req-2026-0001', errors: [error] });
  });

  it('reports every broken field at once', () => {
    const result = parseShareRequest(shareRequestBody({ set: { period: 2, password: 'x', extra: 1 } }), defaults);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(
      expect.arrayContaining([
        'period: must be one of 0 (permanent), 1, 7 or 30 (days)',
        'password: must be exactly 4 characters of [0-9a-z]',
        'extra: unknown field',
      ]),
    );
  });

  it('rejects a huge array with one line, without listing its items', () => {
    const fsIds = `[${Array.from({ length: 200_000 }, (_, i) => `"x${i}"`).join(',')}]`;
    const result = parseShareRequest(shareRequestBody({ omit: ['fsIds'], raw: [['fsIds', fsIds]] }), defaults);
    expect(result).toMatchObject({ ok: false, kind: 'invalid', errors: ['fsIds: must have at most 100 items'] });
  });

  it('caps the number of error lines', () => {
    const result = parseShareRequest(shareRequestBody({ set: { paths: Array.from({ length: 60 }, (_, i) => `rel${i}`) } }), defaults);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(21);
    expect(result.errors[20]).toBe('…and 40 more problem(s)');
  });

  it.each<[string, string, string]>([
    ['text that is not JSON', 'hello', "body is not valid JSON: JSON value expected but got 'h' at position 0"],
    ['an empty body', '', 'body is not valid JSON: JSON value expected but reached end of input at position 0'],
    ['truncated JSON', shareRequestBody().slice(0, 40), 'body is not valid JSON'],
    ['a JSON array', '[{"requestId":"r1"}]', 'body must be a JSON object'],
    ['a JSON string', '"req-1"', 'body must be a JSON object'],
    ['JSON null', 'null', 'body must be a JSON object'],
    ['deeply nested JSON', `${'['.repeat(50_000)}${']'.repeat(50_000)}`, 'body is not valid JSON: nested too deeply'],
    ['a missing request id', shareRequestBody({ omit: ['requestId'] }), 'requestId: is required'],
    ['an empty request id', shareRequestBody({ set: { requestId: '' } }), 'requestId: must not be empty'],
    ['a numeric request id', shareRequestBody({ set: { requestId: 2026 } }), 'requestId: must be a string'],
    ['a request id of 129 characters', shareRequestBody({ set: { requestId: 'r'.repeat(129) } }), 'requestId: must be at most 128 characters'],
    ['a request id with a space', shareRequestBody({ set: { requestId: 'req 1' } }), 'requestId: must use printable ASCII characters only (no spaces)'],
    ['a request id with a newline', shareRequestBody({ set: { requestId: 'req\n1' } }), 'requestId: must use printable ASCII characters only (no spaces)'],
    ['a non-ASCII request id', shareRequestBody({ set: { requestId: 'réq-1' } }), 'requestId: must use printable ASCII characters only (no spaces)'],
    ['two different request ids', shareRequestBody({ raw: [['requestId', '"req-other"']] }), 'requestId: appears twice with different values'],
  ])('returns %s as unidentifiable (for the DLQ)', (_name, body, error) => {
    const result = parseShareRequest(body, defaults);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.kind).toBe('unidentifiable');
    expect(result.requestId).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toContain(error);
  });

  it('keeps a valid requester on an unidentifiable message, for the log line', () => {
    const result = parseShareRequest(shareRequestBody({ omit: ['requestId'] }), defaults);
    expect(result).toEqual({ ok: false, kind: 'unidentifiable', requester: 'marketing', errors: ['requestId: is required'] });
  });

  it('never echoes a long field value in an error', () => {
    const secretish = `/${'s3cr3t'.repeat(200)}`;
    const result = parseShareRequest(shareRequestBody({ set: { paths: [secretish] } }), defaults);
    expect(JSON.stringify(result)).not.toContain('s3cr3ts3cr3t');
  });
});

describe('shareRequestMessageSchema on plain objects', () => {
  it('refuses a JS number fs id beyond 2^53, which JSON.parse has already rounded', () => {
    const parsed = shareRequestMessageSchema.safeParse({ ...aShareRequest(), fsIds: [2 ** 53 + 2] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('is beyond 2^53 and was rounded by the JSON parser: send it as a string');
  });

  it('accepts safe JS numbers and returns them as decimal strings', () => {
    const parsed = shareRequestMessageSchema.parse({ ...aShareRequest(), fsIds: [1, 9007199254740991] });
    expect(parsed.fsIds).toEqual(['1', '9007199254740991']);
  });
});

describe('toCreateShareInput', () => {
  it('passes the TeraBox fields and leaves out the label and ids', () => {
    const request = { ...aShareRequest(), period: 30 as const };
    expect(toCreateShareInput(request)).toEqual({ fsIds: ['123456789'], paths: ['/Public/brochure.pdf'], period: 30, password: 'ab12' });
  });
});

describe('parseShareRequestLines', () => {
  const line = (id: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ requestId: id, requester: 'marketing', paths: [`/Public/${id}.pdf`], ...extra });

  it('reads JSON lines, skipping blank lines, with CRLF endings, leaving the period to the stack', () => {
    const text = `${line('r1')}\r\n\r\n${line('r2', { period: 30 })}\r\n`;
    expect(parseShareRequestLines(text)).toEqual({
      ok: true,
      requests: [
        { requestId: 'r1', requester: 'marketing', paths: ['/Public/r1.pdf'] },
        { requestId: 'r2', requester: 'marketing', paths: ['/Public/r2.pdf'], period: 30 },
      ],
    });
  });

  it.each([
    ['a JSON array', `[\n  ${line('r1')},\n  ${line('r2')}\n]`, ['r1', 'r2']],
    ['one pretty-printed object', JSON.stringify(JSON.parse(line('r1')), null, 2), ['r1']],
    ['one line with a byte-order mark', `\uFEFF${line('r1')}`, ['r1']],
  ])('reads %s', (_name, text, ids) => {
    const result = parseShareRequestLines(text);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.requests.map((r) => r.requestId)).toEqual(ids);
  });

  it('keeps a big fs id exact', () => {
    const text = `{"requestId":"r1","requester":"m","fsIds":[18446744073709551615]}`;
    expect(parseShareRequestLines(text)).toMatchObject({ ok: true, requests: [{ fsIds: ['18446744073709551615'] }] });
  });

  it('validates every line before anything is sent and names each line', () => {
    const text = [line('r1'), '{"requestId":', line('r2', { period: 5 }), '', line('r1'), JSON.stringify({ requester: 'x', paths: ['/a'] })].join('\n');
    expect(parseShareRequestLines(text)).toEqual({
      ok: false,
      errors: [
        "line 2: not valid JSON: Object value expected after ':' at position 13",
        'line 3: period: must be one of 0 (permanent), 1, 7 or 30 (days)',
        'line 5: requestId: "r1" is already used by line 1',
        'line 6: requestId: is required',
      ],
    });
  });

  it('names array items in errors', () => {
    const text = `[${line('r1')}, ${line('r2', { password: 'NO' })}]`;
    expect(parseShareRequestLines(text)).toEqual({ ok: false, errors: ['item 2: password: must be exactly 4 characters of [0-9a-z]'] });
  });

  it.each([
    ['empty input', '  \n ', 'no requests found: the input is empty'],
    ['an empty array', '[]', 'no requests found: the array is empty'],
    ['a line that is not an object', `42\n${line('r1')}`, 'line 1: request must be a JSON object'],
  ])('refuses %s', (_name, text, error) => {
    expect(parseShareRequestLines(text)).toEqual({ ok: false, errors: [error] });
  });
});

describe('the account of a request', () => {
  it('keeps a named account and leaves it out when none is named', () => {
    expect(parseShareRequest(shareRequestBody({ set: { account: "brand" } }), defaults)).toMatchObject({ ok: true, request: { account: 'brand' } });
    const unnamed = parseShareRequest(shareRequestBody(), defaults);
    expect(unnamed.ok && 'account' in unnamed.request).toBe(false);
  });

  it.each([['with a space', 'my brand'], ['empty', ''], ['not text', 42]])('records an account id %s as invalid under its request id', (_what, account) => {
    const result = parseShareRequest(shareRequestBody({ set: { account } }), defaults);
    expect(result).toMatchObject({ ok: false, kind: 'invalid', requestId: 'req-2026-0001' });
    expect(!result.ok && result.errors.join('; ')).toMatch(/^account: /);
  });
});
