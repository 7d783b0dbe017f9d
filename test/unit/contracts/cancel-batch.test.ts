import { buildCancelBatches, parseCancelBatch } from '../../../lib/contracts/cancel-batch';
import { aCancelBatch, cancelBatchBody } from '../../factories/messages';

describe('parseCancelBatch', () => {
  it('accepts a batch with reasons and policy ids', () => {
    expect(parseCancelBatch(cancelBatchBody())).toEqual({ ok: true, batch: aCancelBatch() });
  });

  it.each<[string, { set?: Record<string, unknown>; omit?: string[] }]>([
    ['without reasons and policy ids', { omit: ['reasons', 'policyIds'] }],
    ['with 100 share ids', { set: { shareIds: Array.from({ length: 100 }, (_, i) => String(i + 1)), reasons: {}, policyIds: {} } }],
    ['with a 20-digit share id', { set: { shareIds: ['18446744073709551615'], reasons: {}, policyIds: {} } }],
    ['with a request id for one share and null (no record) for the other', { set: { requestIds: { '1001': 'req-1', '1002': null } } }],
    ['with request ids for some shares only', { set: { requestIds: { '1002': 'req-2' } } }],
    ['with the version of each policy', { set: { policyVersions: { 'max-age-30': 3, 'no-temp-files': 1 } } }],
  ])('accepts a batch %s', (_name, change) => {
    expect(parseCancelBatch(cancelBatchBody(change)).ok).toBe(true);
  });

  it.each<[string, { set?: Record<string, unknown>; omit?: string[] }, string]>([
    ['no share ids', { set: { shareIds: [], reasons: {}, policyIds: {} } }, 'shareIds: must have at least 1 share id'],
    ['101 share ids', { set: { shareIds: Array.from({ length: 101 }, (_, i) => String(i + 1)), reasons: {}, policyIds: {} } }, 'shareIds: must have at most 100 share ids'],
    ['a numeric share id', { set: { shareIds: [1001, '1002'] } }, 'shareIds[0]: must be a share id as a string of decimal digits'],
    ['a share id with letters', { set: { shareIds: ['10x1', '1002'] } }, 'shareIds[0]: must be a share id as a string of decimal digits'],
    ['a repeated share id', { set: { shareIds: ['1001', '1002', '1001'] } }, 'shareIds[2]: duplicates an earlier share id'],
    ['a reason for a share not in the batch', { set: { reasons: { '1001': 'x', '9999': 'y' } } }, 'reasons.9999: names a share that is not in shareIds'],
    ['policy ids for a share not in the batch', { set: { policyIds: { '9999': ['p'] } } }, 'policyIds.9999: names a share that is not in shareIds'],
    ['a reason that is not a string', { set: { reasons: { '1001': 5 } } }, 'reasons.1001: must be a string'],
    ['dryRun true', { set: { dryRun: true } }, 'dryRun: must be false (a cancel batch is never a dry run)'],
    ['dryRun missing', { omit: ['dryRun'] }, 'dryRun: must be false (a cancel batch is never a dry run)'],
    ['a missing run id', { omit: ['runId'] }, 'runId: is required'],
    ['a policy version of 0', { set: { policyVersions: { 'max-age-30': 0 } } }, 'policyVersions.max-age-30: must be at least 1'],
    ['a fractional policy version', { set: { policyVersions: { 'max-age-30': 1.5 } } }, 'policyVersions.max-age-30: must be a whole number'],
    ['a policy version as text', { set: { policyVersions: { 'max-age-30': '3' } } }, 'policyVersions.max-age-30: must be a policy version (a whole number from 1)'],
    ['a missing account id', { omit: ['accountId'] }, 'accountId: is required'],
    ['an unknown field', { set: { force: true } }, 'force: unknown field'],
    ['a request id for a share not in the batch', { set: { requestIds: { '9999': 'req-9' } } }, 'requestIds.9999: names a share that is not in shareIds'],
    ['a request id that is a number', { set: { requestIds: { '1001': 5 } } }, 'requestIds.1001: must be a string'],
    ['an empty request id', { set: { requestIds: { '1001': '' } } }, 'requestIds.1001: must not be empty'],
    ['a request id with a space', { set: { requestIds: { '1001': 'req 1' } } }, 'requestIds.1001: must use printable ASCII characters only (no spaces)'],
    ['request ids that are a list', { set: { requestIds: ['req-1'] } }, 'requestIds: must be an object of share id to request id (or null)'],
  ])('rejects a batch with %s', (_name, change, error) => {
    const result = parseCancelBatch(cancelBatchBody(change));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContain(error);
  });

  it.each([
    ['not JSON', 'nope', 'body is not valid JSON'],
    ['an array', '[]', 'body must be a JSON object'],
  ])('rejects a body that is %s', (_name, body, error) => {
    const result = parseCancelBatch(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]).toContain(error);
  });

  it('reads a message written before request ids existed exactly as before (cancel-shares then looks records up)', () => {
    const result = parseCancelBatch(cancelBatchBody());
    expect(result).toEqual({ ok: true, batch: aCancelBatch() });
    expect(result.ok && result.batch.requestIds).toBeUndefined();
  });

  it('keeps the run id of an invalid batch for the audit trail', () => {
    expect(parseCancelBatch(cancelBatchBody({ set: { dryRun: true } }))).toMatchObject({ ok: false, runId: 'run-2026-05-01T00:00:00Z' });
  });

  it('refuses a body that names shareIds twice with different lists', () => {
    const body = `{"runId":"r","accountId":"a","shareIds":["1"],"dryRun":false,"shareIds":["2"]}`;
    expect(parseCancelBatch(body)).toEqual({ ok: false, runId: 'r', errors: ['shareIds: appears twice with different values'] });
  });
});

describe('buildCancelBatches', () => {
  const run = { runId: 'run-1', accountId: 'default' };

  it('splits decisions into batches of the given size, keeping reasons and policies with each share', () => {
    const decisions = Array.from({ length: 5 }, (_, i) => ({ shareId: String(100 + i), reason: `r${i}`, policyIds: [`p${i}`] }));
    const batches = buildCancelBatches(run, decisions, 2);
    expect(batches.map((b) => b.shareIds)).toEqual([['100', '101'], ['102', '103'], ['104']]);
    expect(batches[2]).toEqual({ ...run, shareIds: ['104'], reasons: { '104': 'r4' }, policyIds: { '104': ['p4'] }, dryRun: false });
    for (const batch of batches) expect(parseCancelBatch(JSON.stringify(batch)).ok).toBe(true);
  });

  it('merges a share decided twice into one entry', () => {
    const batches = buildCancelBatches(run, [
      { shareId: '1', reason: 'too old', policyIds: ['age'] },
      { shareId: '1', reason: 'over quota', policyIds: ['quota', 'age'] },
    ]);
    expect(batches).toEqual([{ ...run, shareIds: ['1'], reasons: { '1': 'too old; over quota' }, policyIds: { '1': ['age', 'quota'] }, dryRun: false }]);
  });

  it('carries each share\'s request id, or null for none, and leaves out the shares whose record is unknown', () => {
    const batches = buildCancelBatches(run, [
      { shareId: '1', requestId: 'req-1' },
      { shareId: '2', requestId: null },
      { shareId: '3' },
    ]);
    expect(batches).toEqual([{ ...run, shareIds: ['1', '2', '3'], requestIds: { '1': 'req-1', '2': null }, dryRun: false }]);
    expect(parseCancelBatch(JSON.stringify(batches[0]))).toEqual({ ok: true, batch: batches[0] });
  });

  it('leaves request ids out of a batch that knows none', () => {
    expect(buildCancelBatches(run, [{ shareId: '1' }])).toEqual([{ ...run, shareIds: ['1'], dryRun: false }]);
  });

  it.each<[string, string | null | undefined, string | null | undefined, string | null | undefined]>([
    ['the same request id twice', 'req-1', 'req-1', 'req-1'],
    ['a request id and null', 'req-1', null, 'req-1'],
    ['unknown and a request id', undefined, 'req-1', 'req-1'],
    ['null twice', null, null, null],
    ['null and unknown', null, undefined, undefined],
    ['two different request ids', 'req-1', 'req-2', undefined],
  ])('merges %s for one share into %p', (_what, first, second, merged) => {
    const decision = (requestId: string | null | undefined) => (requestId === undefined ? { shareId: '1' } : { shareId: '1', requestId });
    const [batch] = buildCancelBatches(run, [decision(first), decision(second)]);
    expect(batch!.requestIds).toEqual(merged === undefined ? undefined : { '1': merged });
  });

  it('makes no batch for no decisions', () => {
    expect(buildCancelBatches(run, [])).toEqual([]);
  });

  it.each([[0], [101], [1.5]])('refuses batch size %s', (size) => {
    expect(() => buildCancelBatches(run, [{ shareId: '1' }], size)).toThrow(RangeError);
  });
});

describe('buildCancelBatches and policy versions', () => {
  it('gives each batch the versions of the policies its shares name, and none to a batch whose policies have none', () => {
    const batches = buildCancelBatches(
      { runId: 'r', accountId: 'default', policyVersions: { 'max-age': 4, name: 2, unused: 9 } },
      [
        { shareId: '1', policyIds: ['max-age'] },
        { shareId: '2', policyIds: ['max-age', 'name'] },
        { shareId: '3', policyIds: ['from-a-file'] },
      ],
      2,
    );
    expect(batches.map((b) => b.policyVersions)).toEqual([{ 'max-age': 4, name: 2 }, undefined]);
    for (const b of batches) expect(parseCancelBatch(JSON.stringify(b))).toEqual({ ok: true, batch: b });
  });
});
