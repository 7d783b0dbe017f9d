/**
 * The ages of a run's inventory, counted by whole days: what the HTML report draws as a histogram
 * with the max-age limits on it. Kept in the run summary, so it is counted with the clock the
 * policies used (lib/domain/inventory.ts's AgeClock) at the run's own time, and stays small: one
 * number per day of age, at most MAX_AGE_HISTOGRAM_DAYS + 1 of them, whatever the account's size.
 */
import { ageClockOf, clockTimeOf, type AgeClock } from './inventory';
import type { ShareFacts } from './share';

const DAY_MS = 86_400_000;

/** Ten years: older shares are counted in the last day (`capped` says so). */
export const MAX_AGE_HISTOGRAM_DAYS = 3650;

export interface AgeHistogram {
  /** `dayCounts[d]`: shares whose age was at least d and less than d + 1 days (the last also holds older ones when `capped`). */
  dayCounts: number[];
  /** Some share was older than MAX_AGE_HISTOGRAM_DAYS: the last day holds them too. */
  capped?: true;
  /** Shares with no clock at all (not in `dayCounts`). */
  unknown: number;
  /** How many shares each clock gave the age of. */
  clocks: Partial<Record<AgeClock, number>>;
}

/**
 * Counts shares' ages at `now` by whole days, one share at a time. A share "created in the
 * future" (clock skew) is age 0, as the max-age rule treats it as young.
 */
export class AgeCounter {
  private readonly dayCounts: number[] = [];
  private readonly clocks: Partial<Record<AgeClock, number>> = {};
  private unknown = 0;
  private capped = false;

  constructor(private readonly now: number) {}

  add(f: ShareFacts): void {
    const clock = ageClockOf(f);
    if (clock === undefined) {
      this.unknown += 1;
      return;
    }
    const clockMs = clockTimeOf(f, clock);
    this.clocks[clock] = (this.clocks[clock] ?? 0) + 1;
    let day = Math.max(0, Math.floor((this.now - clockMs) / DAY_MS));
    if (day > MAX_AGE_HISTOGRAM_DAYS) {
      day = MAX_AGE_HISTOGRAM_DAYS;
      this.capped = true;
    }
    while (this.dayCounts.length <= day) this.dayCounts.push(0);
    this.dayCounts[day] = (this.dayCounts[day] ?? 0) + 1;
  }

  histogram(): AgeHistogram {
    return { dayCounts: [...this.dayCounts], ...(this.capped ? { capped: true as const } : {}), unknown: this.unknown, clocks: { ...this.clocks } };
  }
}
