import { TeraboxValidationError, createTeraboxClient } from '../../../lib/terabox';
import { idRange } from '../../factories/terabox-responses';
import type { RecordedRequest } from './replay';
import { fromFixture, harness, json, NDUS } from './harness';

const CANCEL = '/share/cancel';
const idsOf = (req: RecordedRequest): string[] => (req.form.get('shareid_list') ?? '').replace(/[[\]]/g, '').split(',').filter(Boolean);
const ok = fromFixture('ok-envelope.json');

/** A cancel route where `gone` ids make a batch answer `refusal` (any gone id, or only gone ids; else 0). */
function account(gone: Set<string>, mode: 'any-gone' | 'all-gone' = 'any-gone', refusal = 'errno-share-gone.json') {
  return (req: RecordedRequest) => {
    const ids = idsOf(req);
    const goneHere = ids.filter((id) => gone.has(id));
    const refuse = mode === 'any-gone' ? goneHere.length > 0 : goneHere.length === ids.length;
    return refuse ? fromFixture(refusal) : ok;
  };
}

/** A cancel route that refuses batches larger than `max` with `refusal`, and accepts the rest. */
function capped(max: number, refusal: string) {
  return (req: RecordedRequest) => (idsOf(req).length > max ? fromFixture(refusal) : ok);
}

describe('cancelShares', () => {
  it('sends batches of the configured size with ids as exact number literals', async () => {
    const h = harness({ [CANCEL]: ok }, { tokens: true, cancelBatchSize: 2 });
    const outcomes = await h.client.cancelShares(['1', '9007199254740993', '18446744073709551615', '4', '5']);
    expect(h.calls(CANCEL).map((r) => r.form.get('shareid_list'))).toEqual(['[1,9007199254740993]', '[18446744073709551615,4]', '[5]']);
    expect(outcomes).toEqual(['1', '9007199254740993', '18446744073709551615', '4', '5'].map((shareId) => ({ shareId, outcome: 'cancelled' })));
    expect(h.calls(CANCEL)[0].url.searchParams.get('bdstoken')).toBeTruthy();
  });

  it('defaults to batches of 100', async () => {
    const h = harness({ [CANCEL]: ok }, { tokens: true });
    await h.client.cancelShares(idRange(1, 250).map(String));
    expect(h.calls(CANCEL).map((r) => idsOf(r).length)).toEqual([100, 100, 50]);
  });

  it('counts errno 105 on a single id as already gone', async () => {
    const h = harness({ [CANCEL]: fromFixture('errno-share-removed.json') }, { tokens: true });
    await expect(h.client.cancelShares(['42'])).resolves.toEqual([{ shareId: '42', outcome: 'already-gone', errno: 105 }]);
  });

  it.each([
    [-7, 'errno-share-gone.json'],
    [-21, 'errno-cannot-operate.json'],
  ])('reports errno %p on a single id as unconfirmed (on TeraBox it is not proof the share is gone)', async (errno, file) => {
    const h = harness({ [CANCEL]: fromFixture(file) }, { tokens: true });
    await expect(h.client.cancelShares(['42'])).resolves.toEqual([{ shareId: '42', outcome: 'unconfirmed', errno }]);
  });

  it.each([
    [-7, 'errno-share-gone.json', 'unconfirmed'],
    [-21, 'errno-cannot-operate.json', 'unconfirmed'],
    [105, 'errno-share-removed.json', 'already-gone'],
    [-24, 'errno-cancel-partial.json', 'failed'],
  ])('bisects a batch refused with errno %p to find the culprit ids', async (errno, file, culprit) => {
    const h = harness({ [CANCEL]: account(new Set(['3', '6']), 'any-gone', file) }, { tokens: true, cancelBatchSize: 8 });
    const outcomes = await h.client.cancelShares(idRange(1, 8).map(String));
    expect(outcomes).toEqual(
      idRange(1, 8)
        .map(String)
        .map((id) =>
          id === '3' || id === '6'
            ? { shareId: id, outcome: culprit, errno, ...(culprit === 'failed' ? { error: expect.stringMatching(new RegExp(`errno ${errno}`)) } : {}) }
            : { shareId: id, outcome: 'cancelled' },
        ),
    );
    // [1..8] -> [1..4] x -> [1,2] ok, [3,4] x -> [3] culprit, [4] ok; [5..8] x -> [5,6] x -> [5] ok, [6] culprit; [7,8] ok
    expect(h.calls(CANCEL)).toHaveLength(11);
  });

  it('reports every id of an all-gone batch (-7) as unconfirmed', async () => {
    const gone = new Set(idRange(1, 4).map(String));
    const h = harness({ [CANCEL]: account(gone, 'all-gone') }, { tokens: true });
    const outcomes = await h.client.cancelShares([...gone]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['unconfirmed', 'unconfirmed', 'unconfirmed', 'unconfirmed']);
  });

  it('re-chunks at 100 when TeraBox answers errno 3 (at most 100), and keeps to 100 afterwards', async () => {
    const h = harness({ [CANCEL]: capped(100, 'errno-cancel-max-100.json') }, { tokens: true, cancelBatchSize: 250 });
    const outcomes = await h.client.cancelShares(idRange(1, 600).map(String));
    expect(outcomes.every((o) => o.outcome === 'cancelled')).toBe(true);
    // 250 refused -> 100, 100, 50; then the rest goes at 100 a batch: 100, 100, 100, 50
    expect(h.calls(CANCEL).map((r) => idsOf(r).length)).toEqual([250, 100, 100, 50, 100, 100, 100, 50]);
  });

  it('bisects when errno 31075 (at most 999) comes for a smaller batch: the cap is lower than TeraBox says', async () => {
    const h = harness({ [CANCEL]: capped(40, 'errno-cancel-max-999.json') }, { tokens: true, cancelBatchSize: 100 });
    const outcomes = await h.client.cancelShares(idRange(1, 100).map(String));
    expect(outcomes.every((o) => o.outcome === 'cancelled')).toBe(true);
    // 100 x -> 50 x -> 25, 25; 50 x -> 25, 25
    expect(h.calls(CANCEL).map((r) => idsOf(r).length)).toEqual([100, 50, 25, 25, 50, 25, 25]);
  });

  it.each([
    ['an empty object', fromFixture('empty-object.json'), /states no errno \(an empty object\)/],
    ['{"code": 0}', fromFixture('code-zero.json'), /states no errno \(no errno; fields: code, msg\)/],
    ['errno null', fromFixture('errno-null.json'), /states no errno/],
    ['errno as a non-number', fromFixture('errno-not-a-number.json'), /errno is not an integer/],
  ])('never counts %s as cancelled: the batch fails with the reason, the next batch still goes', async (_n, answer, reason) => {
    const h = harness({ [CANCEL]: [answer, ok] }, { tokens: true, cancelBatchSize: 2 });
    const outcomes = await h.client.cancelShares(['1', '2', '3']);
    expect(outcomes).toEqual([
      { shareId: '1', outcome: 'failed', error: expect.stringMatching(reason) },
      { shareId: '2', outcome: 'failed', error: expect.stringMatching(/not proof that the shares were cancelled/) },
      { shareId: '3', outcome: 'cancelled' },
    ]);
    expect(h.calls(CANCEL)).toHaveLength(2);
  });

  it('marks a batch failed with the errno when the errno concerns the whole batch', async () => {
    const h = harness({ [CANCEL]: [fromFixture('errno-unknown.json'), ok] }, { tokens: true, cancelBatchSize: 2 });
    const outcomes = await h.client.cancelShares(['1', '2', '3']);
    expect(outcomes).toEqual([
      { shareId: '1', outcome: 'failed', errno: 31337, error: expect.stringMatching(/errno 31337/) },
      { shareId: '2', outcome: 'failed', errno: 31337, error: expect.stringMatching(/errno 31337/) },
      { shareId: '3', outcome: 'cancelled' },
    ]);
  });

  it('retries a batch after a transient failure (cancelling is idempotent in effect)', async () => {
    const h = harness({ [CANCEL]: [{ status: 502, body: '' }, ok] }, { tokens: true });
    await expect(h.client.cancelShares(['1'])).resolves.toEqual([{ shareId: '1', outcome: 'cancelled' }]);
    expect(h.calls(CANCEL)).toHaveLength(2);
  });

  it('refreshes the bdstoken on errno 4000020 and repeats once', async () => {
    const h = harness({ [CANCEL]: [fromFixture('errno-need-verify.json'), ok] }, { tokens: true });
    await expect(h.client.cancelShares(['1'])).resolves.toEqual([{ shareId: '1', outcome: 'cancelled' }]);
    expect(h.calls('/main')).toHaveLength(1);
  });

  it('stops after a batch fails for good, reporting it and the unsent ones as failed', async () => {
    const h = harness({ [CANCEL]: [ok, { status: 503, body: '' }] }, { tokens: true, cancelBatchSize: 1, retry: { maxAttempts: 2 } });
    const outcomes = await h.client.cancelShares(['1', '2', '3']);
    expect(outcomes).toEqual([
      { shareId: '1', outcome: 'cancelled' },
      { shareId: '2', outcome: 'failed', error: expect.stringMatching(/TeraboxHttpError: .*HTTP 503/) },
      { shareId: '3', outcome: 'failed', error: expect.stringMatching(/^not sent: .*HTTP 503/) },
    ]);
    expect(h.calls(CANCEL)).toHaveLength(3);
  });

  it('reports an expired cookie on every id, telling to refresh it', async () => {
    const h = harness({ [CANCEL]: fromFixture('errno-not-logged-in.json') }, { tokens: true });
    const outcomes = await h.client.cancelShares(['1', '2']);
    expect(outcomes.every((o) => o.outcome === 'failed' && /ndus cookie/.test(o.error ?? ''))).toBe(true);
    expect(JSON.stringify(outcomes)).not.toContain(NDUS);
  });

  it('reports each distinct id once', async () => {
    const h = harness({ [CANCEL]: ok }, { tokens: true });
    await expect(h.client.cancelShares(['1', '2', '1'])).resolves.toHaveLength(2);
    expect(h.calls(CANCEL)[0].form.get('shareid_list')).toBe('[1,2]');
  });

  it.each([[['1', 'abc']], [['1', '1.5']], [['-3']], [[' ']]])('refuses invalid ids %p before any request', async (ids) => {
    const h = harness({ [CANCEL]: ok }, { tokens: true });
    await expect(h.client.cancelShares(ids)).rejects.toBeInstanceOf(TeraboxValidationError);
    expect(h.requests).toHaveLength(0);
  });

  it('does nothing for an empty list', async () => {
    const h = harness({ [CANCEL]: ok }, { tokens: true });
    await expect(h.client.cancelShares([])).resolves.toEqual([]);
    expect(h.requests).toHaveLength(0);
  });

  it.each([[0], [1000], [1.5]])('refuses a batch size of %p', (size) => {
    expect(() => createTeraboxClient({ credentials: { ndus: 'x'.repeat(8) }, cancelBatchSize: size })).toThrow(/cancelBatchSize must be an integer from 1 to 999/);
  });
});

describe('listFiles', () => {
  it('reads entries with exact fs ids', async () => {
    const h = harness({ '/api/list': fromFixture('api-list.json') }, { tokens: true });
    await expect(h.client.listFiles('/photos')).resolves.toEqual([
      expect.objectContaining({ fsId: '589423761234567', path: '/photos/beach.jpg', name: 'beach.jpg', isDir: false, size: 204800 }),
      expect.objectContaining({ fsId: '9007199254740995', path: '/photos/2019', name: '2019', isDir: true, size: 0 }),
    ]);
    expect(h.calls('/api/list')[0].url.searchParams.get('dir')).toBe('/photos');
  });

  it('pages until a short page', async () => {
    const entries = (from: number, n: number) => idRange(from, n).map((i) => ({ fs_id: i, path: `/d/${i}`, server_filename: `${i}`, isdir: 0, size: 1 }));
    const h = harness({ '/api/list': [json({ errno: 0, list: entries(1, 100) }), json({ errno: 0, list: entries(101, 3) })] }, { tokens: true });
    await expect(h.client.listFiles('/d')).resolves.toHaveLength(103);
    expect(h.calls('/api/list').map((r) => r.url.searchParams.get('page'))).toEqual(['1', '2']);
  });

  it('refuses a relative dir', async () => {
    const h = harness({}, { tokens: true });
    await expect(h.client.listFiles('photos')).rejects.toBeInstanceOf(TeraboxValidationError);
  });
});
