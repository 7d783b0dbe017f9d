/** The run summary's share ages: whole days, by the clock the max-age rule uses. */
import { AgeCounter, MAX_AGE_HISTOGRAM_DAYS, type AgeHistogram } from '../../../lib/domain';
import type { ShareFacts } from '../../../lib/domain/share';

/** The histogram of these shares, added one at a time (as the sweep does while its listing streams). */
function ageHistogram(facts: readonly ShareFacts[], now: number): AgeHistogram {
  const counter = new AgeCounter(now);
  for (const f of facts) counter.add(f);
  return counter.histogram();
}
import { NOW, daysAgo, shareFacts } from '../../factories/shares';

describe('ageHistogram', () => {
  it('counts each share on the whole day of its age, from the best clock known', () => {
    const facts = [
      shareFacts({ id: '1', ageDays: 0.5 }),
      shareFacts({ id: '2', ageDays: 2.99 }),
      shareFacts({ id: '3', ageDays: 3 }),
      // No TeraBox time: the product's creation time, else the first sighting.
      shareFacts({ id: '4', createdAtMs: undefined, recordedCreatedAtMs: daysAgo(2.5), firstSeenAtMs: daysAgo(1) }),
      shareFacts({ id: '5', createdAtMs: undefined, firstSeenAtMs: daysAgo(1.2) }),
      shareFacts({ id: '6', createdAtMs: undefined }),
    ];
    expect(ageHistogram(facts, NOW)).toEqual({
      dayCounts: [1, 1, 2, 1],
      unknown: 1,
      clocks: { 'terabox-created': 3, 'product-created': 1, 'first-seen': 1 },
    });
  });

  it('counts a share created in the future as age 0, and shares beyond ten years on the last day', () => {
    const facts = [shareFacts({ id: '1', createdAtMs: NOW + 3_600_000 }), shareFacts({ id: '2', ageDays: MAX_AGE_HISTOGRAM_DAYS + 400 })];
    const h = ageHistogram(facts, NOW);
    expect(h.dayCounts).toHaveLength(MAX_AGE_HISTOGRAM_DAYS + 1);
    expect(h.dayCounts[0]).toBe(1);
    expect(h.dayCounts[MAX_AGE_HISTOGRAM_DAYS]).toBe(1);
    expect(h.capped).toBe(true);
  });

  it('is empty for an empty inventory', () => {
    expect(ageHistogram([], NOW)).toEqual({ dayCounts: [], unknown: 0, clocks: {} });
  });
});
