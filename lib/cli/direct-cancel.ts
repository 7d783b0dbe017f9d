/**
 * A cancel "queue" that cancels at once: each batch the sweep hands over goes straight through the
 * cancel use case (lib/app/cancel-shares.ts), the same code the cancel-shares Lambda runs. The CLI
 * sweeps from the user's machine, so there is no queue in between; the outcomes are kept for the
 * report.
 */
import { cancelShareBatch, type CancelSharesDeps } from '../app/cancel-shares';
import type { CancelQueue } from '../app/messaging-ports';
import type { CancelOutcome } from '../app/ports';
import type { CancelBatchMessage } from '../contracts/cancel-batch';

/**
 * The cancels stopped part-way because the user interrupted the command: `failures` names the
 * batches that were not sent (the shape the sweep reads from a CancelQueue's error), so the sweep
 * records exactly those as skipped and the ones sent before as they went.
 */
export class CancelsInterruptedError extends Error {
  override readonly name = 'CancelsInterruptedError';
  constructor(readonly failures: readonly { shareIds: readonly string[] }[]) {
    super(`interrupted: ${failures.length} cancel batch(es) not sent`);
  }
}

export class DirectCancelQueue implements CancelQueue {
  /** One outcome per share handed over, in the order TeraBox answered. */
  readonly outcomes: CancelOutcome[] = [];
  batches = 0;

  constructor(
    private readonly deps: CancelSharesDeps,
    private readonly onBatch?: (done: number, total: number) => void,
    /** Aborted: no further batch is started (the one in flight finishes, with its bookkeeping). */
    private readonly signal?: AbortSignal,
  ) {}

  /**
   * A batch that fails (TeraBox unreachable, a store error) is recorded as failed outcomes and the
   * next batch is still tried: throwing then would make the sweep record every batch as not sent,
   * including those already cancelled. Throws only when interrupted, naming the batches not sent.
   */
  async send(batches: CancelBatchMessage[]): Promise<void> {
    for (const [index, batch] of batches.entries()) {
      if (this.signal?.aborted === true) throw new CancelsInterruptedError(batches.slice(index).map((b) => ({ shareIds: b.shareIds })));
      try {
        const result = await cancelShareBatch(this.deps, { ok: true, batch });
        if (result.status === 'processed') {
          for (const shareId of result.cancelled) this.outcomes.push({ shareId, outcome: 'cancelled' });
          for (const shareId of result.alreadyGone) this.outcomes.push({ shareId, outcome: 'already-gone' });
          for (const shareId of result.unconfirmed) this.outcomes.push({ shareId, outcome: 'unconfirmed' });
          for (const f of result.failed) this.outcomes.push({ shareId: f.shareId, outcome: 'failed', error: f.error });
          for (const f of result.bookkeepingFailed) {
            // Cancelled on TeraBox, but its record or audit entry was not written.
            const index = this.outcomes.findIndex((o) => o.shareId === f.shareId && o.outcome !== 'failed');
            if (index >= 0) this.outcomes[index] = { ...this.outcomes[index]!, error: `bookkeeping failed: ${f.error}` };
          }
        } else if (result.status === 'skipped') {
          for (const shareId of result.shareIds) this.outcomes.push({ shareId, outcome: 'failed', error: 'global dry run is on: not cancelled' });
        } else {
          const error = result.status === 'refused' ? result.reason : result.reasons.join('; ');
          for (const shareId of batch.shareIds) this.outcomes.push({ shareId, outcome: 'failed', error });
        }
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        for (const shareId of batch.shareIds) this.outcomes.push({ shareId, outcome: 'failed', error: message });
      }
      this.batches += 1;
      this.onBatch?.(this.batches, batches.length);
    }
  }
}
