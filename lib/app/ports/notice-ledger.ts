/**
 * The notice ledger port: which digests were sent, one record per (run, recipient key). It is
 * what makes the notifier idempotent: a digest is claimed with a conditional write before the
 * mail goes out, marked sent after SES accepted it, and released when the send failed.
 */

/** The outcome of a claim. */
export type DigestClaim =
  | { kind: 'claimed'; token: string }
  /** Sent already (a redelivered event): `marks` are the `shareId/policyId` keys it covered. */
  | { kind: 'sent'; marks: string[]; messageId?: string }
  /** Another invocation holds a live claim (it is sending right now). */
  | { kind: 'busy' };

export interface NoticeLedger {
  /**
   * Claims the digest of (`runId`, `recipient`) for `marks`, unless it was sent or another live
   * claim holds it; a claim older than `staleAfterMs` (its holder died) is taken over.
   */
  claim(input: { runId: string; recipient: string; marks: readonly string[]; nowMs: number; staleAfterMs: number }): Promise<DigestClaim>;
  /** Records the digest as sent (only under the caller's claim `token`). Returns false when the claim was lost. */
  markSent(input: { runId: string; recipient: string; token: string; messageId: string; to: readonly string[]; nowMs: number }): Promise<boolean>;
  /** Drops the caller's claim after a failed send, so that a later delivery may try again. */
  release(input: { runId: string; recipient: string; token: string }): Promise<void>;
}
