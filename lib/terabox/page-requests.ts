/** The page requests of one listing chunk: which pages are in flight and when the next ones start. */
import type { FetchedPage } from './share-listing';

/** Where a chunk's plan starts: a new listing (page 1 plans) or a continuation's carried plan. */
export interface PagePlan {
  /** The page size asked for; a short page 1 lowers it (see paginate). */
  pageSize: number;
  /** The total (or Baidu's `count`) page 1 announced, when carried over from an earlier chunk. */
  announcedTotal?: number;
  /** The first page this chunk reads (the re-read page of a continuation). */
  firstPage: number;
  /** The last page an earlier chunk read (a continuation): past the plan, pages go one by one. */
  lastReadPage?: number;
  /** No page after this one is started (the chunk's page budget, or the client's maxPages). */
  lastAllowedPage: number;
}

/**
 * A planned listing keeps `concurrency` requests running: a page frees its slot when it has
 * settled (its retries included), not when the pages before it have arrived and been consumed
 * (one slow page would otherwise hold every slot). Settled pages waiting for their turn are
 * bounded too (a few pages of memory). No page past `lastAllowedPage` is started, so a chunk's
 * budget costs no speculative requests.
 */
export class PageRequests {
  /** Pages started and not yet consumed (some may have arrived). */
  private readonly inFlight = new Map<number, Promise<FetchedPage>>();
  private running = 0;
  private next: number;
  private stopped = false;
  private readonly lastAllowedPage: number;
  /** The last page the first page's total announces; undefined while pages go one by one. */
  plannedLastPage: number | undefined;
  /** The total (or Baidu's `count`) page 1 announced. */
  announcedTotal: number | undefined;
  pageSize: number;

  constructor(
    private readonly fetch: (page: number, pageSize: number) => Promise<FetchedPage>,
    plan: PagePlan,
    private readonly concurrency: number,
    private readonly lookahead: number,
  ) {
    this.pageSize = plan.pageSize;
    this.next = plan.firstPage;
    this.lastAllowedPage = plan.lastAllowedPage;
    if (plan.announcedTotal !== undefined) this.plan(plan.announcedTotal);
    if (plan.lastReadPage !== undefined) this.afterPage(plan.lastReadPage);
  }

  /** Page `page`, started now if it is not in flight yet, along with what the plan or the lookahead allows. */
  request(page: number): Promise<FetchedPage> {
    if (page === 1) {
      this.start(1); // alone: page 1 decides the plan (and may correct the page size)
    } else if (this.plannedLastPage !== undefined) {
      this.fill();
    } else {
      while (this.next < page + this.lookahead && this.next <= this.lastAllowedPage) this.start(this.next);
    }
    if (!this.inFlight.has(page)) this.start(page);
    return this.inFlight.get(page)!;
  }

  /** Called once the page's answer is taken: it no longer counts against the pages kept waiting. */
  consumed(page: number): void {
    this.inFlight.delete(page);
  }

  /** Plans concurrent fetching from page 1's total (or hint), if it gives one. */
  planFrom(first: FetchedPage): void {
    const announced = first.total ?? first.totalHint;
    if (announced !== undefined) this.plan(announced);
  }

  /** More pages than the first total promised (shares created meanwhile): go on one by one. */
  afterPage(page: number): void {
    if (this.plannedLastPage !== undefined && page >= this.plannedLastPage) this.plannedLastPage = undefined;
  }

  stop(): void {
    this.stopped = true;
  }

  private plan(announced: number): void {
    this.announcedTotal = announced;
    this.plannedLastPage = Math.max(1, Math.ceil(announced / this.pageSize));
  }

  private start(page: number): void {
    this.running += 1;
    const promise = this.fetch(page, this.pageSize);
    this.inFlight.set(page, promise);
    this.next = Math.max(this.next, page + 1);
    const settled = (): void => {
      this.running -= 1;
      this.fill();
    };
    promise.then(settled, settled); // awaited in order by the chunk; never an unhandled rejection
  }

  private fill(): void {
    if (this.stopped || this.plannedLastPage === undefined) return;
    const last = Math.min(this.plannedLastPage, this.lastAllowedPage);
    while (this.running < this.concurrency && this.inFlight.size < this.concurrency * 2 && this.next <= last) this.start(this.next);
  }
}
