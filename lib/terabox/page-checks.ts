/** What a listing chunk has read so far, and the checks every new page must pass (see paginate). */
import type { Share } from '../domain/share';
import { TeraboxResponseError } from './errors';
import type { FetchedPage } from './share-listing';

/** Tracks whether the shares so far were newest first (ctime never increasing, every ctime known). */
export class OrderCheck {
  /**
   * @param proven false once a share had no ctime or a newer one than the share before it.
   * @param last the ctime of the last share checked (a continuation starts from the cursor's).
   */
  constructor(
    public proven = true,
    public last: number | undefined = undefined,
  ) {}

  add(shares: readonly Share[]): void {
    for (const share of shares) {
      const ctime = share.createdAtMs;
      if (ctime === undefined) this.proven = false;
      else {
        if (this.last !== undefined && ctime > this.last) this.proven = false;
        this.last = ctime;
      }
    }
  }
}

/** A short page seen after page 1: only the end of the list may follow it. */
export interface ShortPage {
  page: number;
  count: number;
}

/** What a continuation carries over from the chunk before it. */
export interface CarriedChecks {
  order: OrderCheck;
  shortPage?: ShortPage;
}

export class PageChecks {
  readonly seen = new Set<string>();
  readonly order: OrderCheck;
  private previousIds: string | undefined;
  private short: ShortPage | undefined;

  constructor(
    private readonly endpoint: string,
    carried: CarriedChecks = { order: new OrderCheck() },
  ) {
    this.order = carried.order;
    this.short = carried.shortPage;
  }

  /** The short page seen so far, if any (it travels in the cursor). */
  get shortPage(): ShortPage | undefined {
    return this.short;
  }

  /** Throws when a page holds more shares than asked for. */
  checkSize(page: number, fetched: FetchedPage, pageSize: number): void {
    const count = fetched.shares.length;
    if (count > pageSize) {
      // TeraBox ignored page_size: its page boundaries are not the ones the offsets assume, so
      // shares may be skipped or belong to something else. Never evaluate such a listing.
      throw new TeraboxResponseError('shape', `page ${page} holds ${count} shares for a page of ${pageSize}; the listing cannot be trusted`, { endpoint: this.endpoint });
    }
  }

  /** Throws when the page cannot be trusted; returns its shares not seen before (and checks their order). */
  accept(page: number, fetched: FetchedPage, pageSize: number): Share[] {
    const { endpoint } = this;
    const count = fetched.shares.length;
    this.checkSize(page, fetched, pageSize);
    const ids = fetched.shares.map((s) => s.shareId).join(',');
    if (count > 0 && ids === this.previousIds) {
      throw new TeraboxResponseError('shape', `page ${page} repeats page ${page - 1} (TeraBox ignored the page number?); the listing is incomplete`, { endpoint });
    }
    this.previousIds = ids;
    if (this.short !== undefined && count > 0) {
      // A page held fewer than the page size and yet the list went on: the server's page
      // boundaries are not the offsets asked for, so shares may have been skipped.
      throw new TeraboxResponseError(
        'shape',
        `page ${this.short.page} held ${this.short.count} of ${pageSize} shares and page ${page} still holds more; the listing may have skipped shares`,
        { endpoint },
      );
    }
    const fresh = this.fresh(fetched.shares);
    this.order.add(fresh);
    return fresh;
  }

  /** A page read again (a continuation's first): the next page must not repeat it, and its shares count as seen. */
  markRead(shares: readonly Share[]): void {
    this.previousIds = shares.map((s) => s.shareId).join(',');
    this.markSeen(shares.map((s) => s.shareId));
  }

  /** Marks shares as already delivered (a continuation's re-read page): later pages leave them out. */
  markSeen(ids: Iterable<string>): void {
    for (const id of ids) this.seen.add(id);
  }

  /** The shares not seen before, marked seen now. */
  fresh(shares: readonly Share[]): Share[] {
    const out: Share[] = [];
    for (const share of shares) {
      if (this.seen.has(share.shareId)) continue;
      this.seen.add(share.shareId);
      out.push(share);
    }
    return out;
  }

  /**
   * A short page after page 1 that does not end the list: not an end by itself (only an empty
   * page, has_more/nextpage 0 or the total is), but only the end may follow it (accept throws on
   * a non-empty next page). Throws at once when TeraBox says more follow.
   */
  shortPageSeen(page: number, fetched: FetchedPage, pageSize: number): void {
    const count = fetched.shares.length;
    if (fetched.hasMore === true) {
      throw new TeraboxResponseError('shape', `page ${page} holds ${count} of ${pageSize} shares but TeraBox says more follow; the listing is incomplete`, { endpoint: this.endpoint });
    }
    this.short = { page, count };
  }
}
