/** How long a TeraBox share link lives, in days (0: never expires). */
export type SharePeriod = 0 | 1 | 7 | 30;
