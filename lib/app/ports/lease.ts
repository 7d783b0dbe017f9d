/** The sweep lease port: one sweep per account at a time. */
export interface LeaseHolder {
  owner: string;
  expiresAtMs: number;
  acquiredAtMs: number;
}

/** A mutual-exclusion lease with an expiry, so that two sweeps of one account never overlap. */
export interface Lease {
  /** true when `owner` now holds the lease (it was free, expired, or already `owner`'s). */
  acquire(input: { owner: string; ttlMs: number; now: number }): Promise<boolean>;
  /** Extends the lease; false when `owner` no longer holds it. */
  renew(input: { owner: string; ttlMs: number; now: number }): Promise<boolean>;
  /** false when `owner` did not hold it (nothing was changed). */
  release(owner: string): Promise<boolean>;
  current(): Promise<LeaseHolder | undefined>;
}
