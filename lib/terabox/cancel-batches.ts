/**
 * Cancelling many shares in batches, and reading what TeraBox answered for each batch. The HTTP
 * side (session, retries, scrubbing) is the client's: this module gets one `send` per batch and
 * decides the outcome of every id from the answers.
 *
 * - Only an answer stating errno 0 is `cancelled`. One without an errno (`{}`, `{"code": 0}`,
 *   `errno: null`) or with an unreadable one fails that batch with the reason: it is no proof.
 * - A single id answered 105 is `already-gone`; -7/-21 are `unconfirmed` (on TeraBox they mean
 *   "invalid file name" / "cannot operate preference files", not proof the share is gone: the
 *   next listing checks); any other errno `failed` (-24 included: "could not be cancelled").
 * - A batch refused with an errno of SPLIT_BATCH_ERRNOS (-7, -21, 105, -24, -33, 2, 3, 31075) is
 *   split: into chunks of the cap an errno names (3 → 100, 31075/-33 → 999) when the batch is
 *   larger, which also lowers the batch size for the rest of the call; otherwise in halves until
 *   the culprits are alone (bisection: about 2·log2(n) calls for one bad id in n, instead of n).
 * - A transport, auth or verification failure that survives the retries stops the run: that batch
 *   and the ones not sent yet are `failed` (a failed batch may still have been applied:
 *   cancelling again is harmless).
 */
import type { CancelOutcome } from '../app/ports';
import { ALREADY_GONE_ERRNOS, errnoBatchLimit, SPLIT_BATCH_ERRNOS, UNCONFIRMED_CANCEL_ERRNOS } from './errnos';
import { TeraboxApiError, TeraboxResponseError, TeraboxValidationError, TeraboxVerificationRequiredError, type TeraboxError } from './errors';
import { toDecimalId } from './json';
import { unstatedErrno } from './session';

export const CANCEL_SHARE_ENDPOINT = '/share/cancel';

/** The distinct ids, in first-seen order; throws TeraboxValidationError naming every id that is not a decimal share id. */
export function distinctShareIds(ids: unknown): string[] {
  if (!Array.isArray(ids)) throw new TeraboxValidationError(['ids must be a list of share ids']);
  const problems: string[] = [];
  const unique: string[] = [];
  const seen = new Set<string>();
  ids.forEach((raw: unknown, i) => {
    const id = toDecimalId(raw);
    if (!id) problems.push(`ids[${i}] is not a decimal share id`);
    else if (!seen.has(id)) {
      seen.add(id);
      unique.push(id);
    }
  });
  if (problems.length > 0) throw new TeraboxValidationError(problems);
  return unique;
}

export interface CancelBatchTransport {
  /** The API path, for reasons. */
  endpoint: string;
  /** Sends one batch (with the client's retries); resolves with the JSON body of an errno-0 answer. */
  send(batch: readonly string[]): Promise<Record<string, unknown>>;
  /** The public (scrubbed) form of a failure that stops the run. */
  publicError(error: unknown): TeraboxError;
}

/** The state of one run: the batch size in force, and the outcomes so far. */
interface CancelRun {
  /** Lowered when TeraBox names a smaller cap (errno 3). */
  cap: number;
  outcomes: Map<string, CancelOutcome>;
  transport: CancelBatchTransport;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Cancels `ids` (distinct, validated decimal ids) `batchSize` at a time and returns one outcome
 * per id, in the order given. Never throws: a failure becomes `failed` outcomes.
 */
export async function cancelInBatches(ids: readonly string[], batchSize: number, transport: CancelBatchTransport): Promise<CancelOutcome[]> {
  const run: CancelRun = { cap: batchSize, outcomes: new Map(), transport };
  let fatal: TeraboxError | undefined;
  for (let i = 0; i < ids.length; ) {
    const batch = ids.slice(i, i + run.cap);
    i += batch.length;
    if (fatal) {
      for (const id of batch) run.outcomes.set(id, { shareId: id, outcome: 'failed', error: `not sent: ${fatal.message}` });
      continue;
    }
    try {
      await cancelBatch(batch, run);
    } catch (error) {
      fatal = transport.publicError(error);
      for (const id of batch) if (!run.outcomes.has(id)) run.outcomes.set(id, { shareId: id, outcome: 'failed', error: describe(fatal) });
    }
  }
  return ids.map((id) => run.outcomes.get(id)!);
}

function failBatch(batch: readonly string[], run: CancelRun, reason: string): void {
  for (const shareId of batch) run.outcomes.set(shareId, { shareId, outcome: 'failed', error: reason });
}

async function cancelBatch(batch: readonly string[], run: CancelRun): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = await run.transport.send(batch);
  } catch (error) {
    if (error instanceof TeraboxResponseError && error.problem === 'shape') {
      // An answer of an unexpected shape (an errno that is not a number, a JSON array): this
      // batch is not known to be cancelled, but the next one may be understood.
      return failBatch(batch, run, `${describe(error)}: not proof that the shares were cancelled`);
    }
    if (!(error instanceof TeraboxApiError) || error instanceof TeraboxVerificationRequiredError) throw error;
    return refusedBatch(batch, error, run);
  }
  const unstated = unstatedErrno(body);
  if (unstated !== undefined) {
    return failBatch(batch, run, `TeraBox's answer to ${run.transport.endpoint} states no errno (${unstated}): not proof that the shares were cancelled`);
  }
  for (const id of batch) run.outcomes.set(id, { shareId: id, outcome: 'cancelled' });
}

/** A batch TeraBox refused with an errno: a single id gets its outcome, a larger batch may be split. */
async function refusedBatch(batch: readonly string[], error: TeraboxApiError, run: CancelRun): Promise<void> {
  const { errno } = error;
  if (batch.length === 1) {
    const shareId = batch[0] as string;
    run.outcomes.set(
      shareId,
      ALREADY_GONE_ERRNOS.has(errno)
        ? { shareId, outcome: 'already-gone', errno }
        : UNCONFIRMED_CANCEL_ERRNOS.has(errno)
          ? { shareId, outcome: 'unconfirmed', errno }
          : { shareId, outcome: 'failed', errno, error: error.message },
    );
    return;
  }
  if (!SPLIT_BATCH_ERRNOS.has(errno)) {
    for (const shareId of batch) run.outcomes.set(shareId, { shareId, outcome: 'failed', errno, error: error.message });
    return;
  }
  const limit = errnoBatchLimit(errno);
  if (limit !== undefined && batch.length > limit) {
    // TeraBox named its cap (3: 100, 31075/-33: 999): re-chunk at it, and keep to it from now on.
    run.cap = Math.min(run.cap, limit);
    for (let i = 0; i < batch.length; i += limit) await cancelBatch(batch.slice(i, i + limit), run);
    return;
  }
  const middle = Math.ceil(batch.length / 2);
  await cancelBatch(batch.slice(0, middle), run);
  await cancelBatch(batch.slice(middle), run);
}
