import { maxInAnySecond, type PaceBenchResult } from '../../../bench/pace';
import { paceFigures } from '../../../bench/run';

describe('the pace bench figures', () => {
  it('counts the busiest half-open second', () => {
    expect(maxInAnySecond([])).toBe(0);
    expect(maxInAnySecond([0, 500, 999.9, 1000, 1500])).toBe(3);
    expect(maxInAnySecond([2000, 0, 1000])).toBe(1);
  });

  it('passes a run within the rate and 1.3x the bound, and misses one over either', () => {
    const run: PaceBenchResult = { shares: 20_000, rate: 20, latencyMs: 200, concurrency: 4, sharesListed: 20_000, requests: 202, wallMs: 10_996, boundMs: 10_250, maxPerSecond: 20 };
    expect(paceFigures(run).map((f) => [f.id, f.pass])).toEqual([
      ['pace.max-per-second', true],
      ['pace.wall', true],
    ]);
    expect(paceFigures({ ...run, maxPerSecond: 21, wallMs: 13_400 }).map((f) => f.pass)).toEqual([false, false]);
  });
});
