/** The sweep bench's lower bounds: the fewest TeraBox calls and the time they take (bench/sweep.ts). */
import { sweepBounds } from '../../../bench/sweep';
import { DEFAULT_PAGE_SIZE } from '../../../lib/terabox';

const stack = { latencyMs: 20, listConcurrency: 4, cancelBatchSize: 100, cancelPollers: 2, cancelBatchMessages: 5 };

describe('sweepBounds', () => {
  it('counts one list call per page and one cancel call per batch', () => {
    const shares = DEFAULT_PAGE_SIZE * 10 + 1;
    const bounds = sweepBounds({ ...stack, shares, enqueued: 201 });
    expect(bounds.minimum).toEqual({ listCalls: 11, cancelCalls: 3 });
  });

  it('bounds the listing by the session, page 1 alone, then the other pages c at a time', () => {
    const bounds = sweepBounds({ ...stack, shares: DEFAULT_PAGE_SIZE * 9, enqueued: 0 });
    // /main + page 1 + ceil(8 / 4) rounds.
    expect(bounds.lowerBoundMs).toEqual({ list: 20 * (2 + 2), cancel: 0, total: 80 });
  });

  it('bounds the cancels by their own session and (pollers x messages) calls at a time', () => {
    const bounds = sweepBounds({ ...stack, shares: DEFAULT_PAGE_SIZE, enqueued: 1_100 });
    // 11 cancel calls, 10 at a time: /main + 2 rounds.
    expect(bounds.lowerBoundMs.cancel).toBe(20 * 3);
    expect(bounds.lowerBoundMs.total).toBe(bounds.lowerBoundMs.list + bounds.lowerBoundMs.cancel);
  });
});
