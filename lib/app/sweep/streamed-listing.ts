/**
 * The evaluating step's view of the staged listing, read page by page: every share once (its
 * first appearance: a share pushed down across a chunk boundary is staged twice), joined with the
 * previous inventory and the share records, handed to the engine as it comes. What stays in
 * memory is what later phases need: the engine's compact state, the previous inventory as a
 * compact table, the slot of each listed share, and the few shares with a record, a cancel to
 * verify or a mark. The write phase reads the pages a second time (`pages`) to write sightings
 * and audit entries, so no share's paths are held for the length of the run.
 */
import { AgeCounter } from '../../domain/age-histogram';
import type { EvaluationRun } from '../../domain/evaluation-run';
import type { Share, ShareId } from '../../domain/share';
import { Int32Column } from '../../shared/columns';
import { addVerificationCandidate, type VerificationCandidates } from '../cancel-verification';
import type { ShareRecord, SweepCheckpoint } from '../store-ports';
import type { SweepContext } from './context';
import { lastPageOf, listedShare } from './listing';
import { joinShare, RecordIndex } from './plan';
import type { PreviousInventory } from './previous-inventory';

/** One distinct listed share of a staged page, as the second pass meets it. */
export interface ListedShare {
  share: Share;
  slot: number;
  /** Its row in the previous inventory (undefined: a new share). */
  row: number | undefined;
}

export class StreamedListing {
  /** Distinct shares listed. */
  listed = 0;
  /** The listed shares that match a share record (by share id or short url), with it. */
  readonly records = new Map<ShareId, ShareRecord>();
  /** Records created without a share id, now matched by short url. */
  readonly attach: { requestId: string; shareId: ShareId }[] = [];
  /** The listed shares' ids and short urls that a record names (the missing-shares check reads these only). */
  readonly recordedListed: { shareId: ShareId; shortUrl?: string }[] = [];
  readonly candidates: VerificationCandidates = { toCheck: [], givenUp: [] };
  /** The listed shares' ages at the run's start (the HTML report draws them). */
  readonly ages: AgeCounter;
  /** Slots of the listed shares: by previous-inventory row (most of them), and of the new ones. */
  private readonly slotByRow = new Int32Column();
  private readonly newSlots = new Map<ShareId, number>();
  private readonly seenInPass = new Int32Column(0);
  private pass = 0;

  constructor(
    private readonly ctx: SweepContext,
    private readonly checkpoint: SweepCheckpoint,
    readonly engine: EvaluationRun,
    readonly previous: PreviousInventory,
    private readonly index: RecordIndex,
    now: number,
  ) {
    this.ages = new AgeCounter(now);
  }

  /** Reads the staged listing once, evaluating each share's per-share policies as it comes. */
  async evaluate(now: number): Promise<void> {
    for await (const page of this.pages()) {
      for (const { share, row } of page) this.add(share, row, now);
    }
  }

  private add(share: Share, row: number | undefined, now: number): void {
    const { previous, engine } = this;
    const id = share.shareId;
    const prev = row === undefined ? undefined : previous.itemAt(row);
    if (row !== undefined) previous.markListed(row);
    const match = this.index.match(share);
    if (match) {
      this.records.set(id, match.record);
      this.recordedListed.push(share.shortUrl !== undefined ? { shareId: id, shortUrl: share.shortUrl } : { shareId: id });
      if (match.attach) this.attach.push({ requestId: match.record.requestId, shareId: id });
    }
    addVerificationCandidate(this.candidates, id, prev);
    const facts = joinShare(share, prev, match?.record, now);
    this.ages.add(facts);
    const slot = engine.add(facts);
    if (row === undefined) this.newSlots.set(id, slot);
    else this.slotByRow.set(row, slot);
    this.listed += 1;
  }

  /**
   * The staged pages in order, each with its distinct shares not met before in this pass (a new
   * pass starts with each call). In the first pass the shares get their slots as they are added.
   */
  async *pages(): AsyncGenerator<ListedShare[]> {
    this.pass += 1;
    const pass = this.pass;
    for await (const page of this.ctx.staging.readPages(this.checkpoint.runId, lastPageOf(this.checkpoint))) {
      const out: ListedShare[] = [];
      const onPage = new Set<ShareId>();
      for (const staged of page.shares) {
        // The previous inventory's copy of the id, so that the run's tables share one string per id.
        const row = this.previous.rowOf(staged.shareId);
        const shareId = row === undefined ? staged.shareId : this.previous.idAt(row);
        const known = this.slotAt(row, shareId);
        if (pass === 1 ? known !== undefined || onPage.has(shareId) : known === undefined || this.seenInPass.get(known) === pass) continue;
        if (known !== undefined) this.seenInPass.set(known, pass);
        onPage.add(shareId);
        out.push({ share: listedShare(staged, shareId), slot: known ?? -1, row });
      }
      yield out;
      await this.ctx.keepLease();
    }
  }

  /** The slot of a listed share (undefined: not listed). */
  slotOf(shareId: ShareId): number | undefined {
    return this.slotAt(this.previous.rowOf(shareId), shareId);
  }

  private slotAt(row: number | undefined, shareId: ShareId): number | undefined {
    if (row === undefined) return this.newSlots.get(shareId);
    const slot = this.slotByRow.get(row);
    return slot < 0 ? undefined : slot;
  }
}
