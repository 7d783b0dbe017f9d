/**
 * The sweep's listing, chunk by chunk: each chunk reads pages from where the last one stopped
 * (ShareChunkReader), stages them (ListingStagingStore) and saves a checkpoint; once the list has
 * ended, the evaluating step reads the staged listing back in one pass. A one-process run (the
 * CLI, `npm start`) is the same listing in one chunk.
 */
import type { Share, ShareId } from '../../domain/share';
import { ShapeRecorder } from '../response-shape';
import type { ChunkPage, ReadChunkOptions } from '../ports';
import type { StagedShare, SweepCheckpoint } from '../store-ports';
import type { SweepContext } from './context';
import { ListingIncompleteError, SWEEP_METRICS, SweepPhaseError } from './types';

// Shared by every share read back: staging keeps neither raw items nor fs ids (StagedShare).
const NO_RAW: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
const NO_FS_IDS: string[] = Object.freeze([]) as unknown as string[];
/** Shares listed between two renewals of the lease (when due). */
const LEASE_CHECK_EVERY = 1000;
/** Chunks one run may take before it is failed (a listing that never ends). */
export const DEFAULT_MAX_CHUNKS = 200;

/** Copies the optional fields staging keeps (StagedShare) from `from` onto `to`, one by one. */
function withStagedFields<T extends StagedShare>(to: T, from: StagedShare): T {
  if (from.shortUrl !== undefined) to.shortUrl = from.shortUrl;
  if (from.createdAtMs !== undefined) to.createdAtMs = from.createdAtMs;
  if (from.visibility !== undefined) to.visibility = from.visibility;
  if (from.dead !== undefined) to.dead = from.dead;
  if (from.deadReason !== undefined) to.deadReason = from.deadReason;
  return to;
}

/** The staged form of a listed share (see StagedShare). */
export function stagedShare(share: Share): StagedShare {
  return withStagedFields({ shareId: share.shareId, paths: share.paths }, share);
}

/** The page the listing reached: the last one read (an ended listing's empty last page included). */
export function lastPageOf(checkpoint: SweepCheckpoint | undefined): number {
  if (checkpoint === undefined) return 0;
  return Math.max(checkpoint.cursor.lastPage?.page ?? 0, checkpoint.cursor.nextPage - 1);
}

function incomplete(ctx: SweepContext, pages: number, shares: number, error: unknown): SweepPhaseError {
  ctx.result.inventory.pages = pages;
  ctx.result.inventory.listed = shares;
  const message =
    `the share listing did not finish (stopped after ${pages} page${pages === 1 ? '' : 's'} and ${shares} shares): ` +
    `${ctx.describe(error)}; nothing was cancelled and no marks were written`;
  return new SweepPhaseError('list', message, { cause: new ListingIncompleteError(message, pages, shares, { cause: error }) });
}

/**
 * Lists one chunk of the run's shares and saves the checkpoint after it. A chunk retried after
 * its checkpoint was saved finds the listing further on (or ended) and reads from there; one
 * retried before that reads the same pages again and replaces what it had staged.
 */
export async function listChunk(ctx: SweepContext): Promise<SweepCheckpoint> {
  const { deps, result, request } = ctx;
  const staging = ctx.staging;
  const { runId, accountId } = result;
  let previous: SweepCheckpoint | undefined;
  try {
    previous = await staging.getCheckpoint(accountId, runId);
  } catch (error) {
    throw incomplete(ctx, 0, 0, error);
  }
  if (previous?.cursor.ended) return previous;
  const chunks = (previous?.chunks ?? 0) + 1;
  const maxChunks = deps.settings.maxChunks ?? DEFAULT_MAX_CHUNKS;
  let pages = lastPageOf(previous);
  let shares = previous?.shares ?? 0;
  if (chunks > maxChunks) throw incomplete(ctx, pages, shares, new Error(`the listing did not end within ${maxChunks} chunks`));
  const shape = ShapeRecorder.from(previous?.shape);
  let stagedPages = previous?.pages ?? 0;
  let sinceLeaseCheck = 0;

  const onPage = async (page: ChunkPage): Promise<void> => {
    for (const share of page.shares) shape.add(share.raw);
    await staging.putPage(runId, { page: page.page, reread: page.reread === true, shares: page.shares.map(stagedShare) }, deps.clock.now());
    stagedPages += 1;
    shares += page.shares.length;
    if (!page.reread) pages = page.page;
    ctx.progress({ phase: 'list', pages, shares });
    sinceLeaseCheck += page.shares.length;
    if (sinceLeaseCheck >= LEASE_CHECK_EVERY) {
      sinceLeaseCheck = 0;
      await ctx.keepLease();
    }
  };
  const options: ReadChunkOptions = {};
  if (previous) options.cursor = previous.cursor;
  if (deps.settings.pageSize !== undefined) options.pageSize = deps.settings.pageSize;
  if (deps.settings.listConcurrency !== undefined) options.concurrency = deps.settings.listConcurrency;
  if (deps.settings.pagesPerChunk !== undefined) options.maxPages = deps.settings.pagesPerChunk;
  if (request.shouldStop !== undefined) options.shouldStop = request.shouldStop;
  if (request.signal !== undefined) options.signal = request.signal;

  let checkpoint: SweepCheckpoint;
  try {
    await ctx.keepLease();
    const cursor = await deps.shares.readChunk(options, onPage);
    checkpoint = { runId, accountId, chunks, cursor, pages: stagedPages, shares, shape: shape.shape(), updatedAtMs: deps.clock.now() };
    if (!(await staging.saveCheckpoint(checkpoint, deps.clock.now()))) {
      throw new Error(`another invocation saved chunk ${chunks} of run ${runId} first`);
    }
  } catch (error) {
    throw incomplete(ctx, pages, shares, error);
  }
  return checkpoint;
}

/**
 * A staged share as a Share again, its properties named one by one: a spread (`{ ...share, raw }`)
 * of the parsed objects gave every share hidden classes of its own, about twice the memory.
 */
export function listedShare(s: StagedShare, shareId: ShareId = s.shareId): Share {
  return withStagedFields<Share>({ shareId, paths: s.paths, fsIds: NO_FS_IDS, raw: NO_RAW }, s);
}

/** Records a complete listing in the run's result and metrics. */
export function countListing(ctx: SweepContext, checkpoint: SweepCheckpoint, listed: number): void {
  const { result } = ctx;
  const pages = lastPageOf(checkpoint);
  result.inventory.pages = pages;
  result.inventory.listed = listed;
  result.inventory.complete = true;
  ctx.metric(SWEEP_METRICS.sharesListed, listed);
  ctx.metric(SWEEP_METRICS.listPages, pages);
}
