/**
 * The batch's share id lookup: one `sharelist` read serves every record of a create batch whose
 * create answer had no share id (used by the create-share use case and its handler).
 */
import type { TeraboxGateway } from './ports';
import type { Share } from '../domain/share';
import { canonicalShortUrl } from '../domain/short-url';

/** Defaults of the use case's `shareIdLookupShares` and `shareIdLookupMaxWaitMs`. */
export const DEFAULT_SHARE_ID_LOOKUP_SHARES = 100;
export const DEFAULT_SHARE_ID_LOOKUP_MAX_WAIT_MS = 2_000;

/** What a lookup of one short url found. */
export type ShareIdLookupAnswer = { kind: 'found'; share: Share } | { kind: 'not-found' } | { kind: 'failed'; error: unknown };

/** One record's place in a `BatchShareIdLookup`. */
export interface ShareIdLookupTicket {
  /** Waits for a list read that starts after this call, and answers whether it saw `shortUrl`. */
  find(shortUrl: string): Promise<ShareIdLookupAnswer>;
  /** This record will ask nothing (more); idempotent. */
  leave(): void;
}

/** Options of a `BatchShareIdLookup` (the use case's settings of the same names). */
export interface BatchShareIdLookupOptions {
  /** How many of the newest shares one read searches (`shareIdLookupShares`). */
  maxShares?: number;
  /** The longest a waiting record waits for the batch's other creates (`shareIdLookupMaxWaitMs`). */
  maxWaitMs?: number;
}

type Waiter = { shortUrl: string; resolve: (answer: ShareIdLookupAnswer) => void };

/**
 * One `sharelist` read for all the records of a batch whose create answer had no share id,
 * instead of one read per record: the same call count as a single create, and a tenth of the
 * parsing for a batch of 10.
 *
 * Each record joins when it starts and leaves when it is done. A record that needs an id waits;
 * the read starts once no joined record is still on its way to a create answer (each is then
 * waiting or gone), so one read serves the whole batch. A waiter is only ever served by a read
 * that started after its create was answered, so its share is in that read unless the list lags
 * or more than `maxShares` newer shares came first (then the record looks once more on its own).
 * A record still working (a slow create, a search after an uncertain attempt) holds the read for
 * at most `maxWaitMs`; then the waiting records are served without it (it gets a read of its own
 * later). Nobody waits on a waiter, so nothing deadlocks.
 */
export class BatchShareIdLookup {
  private active = 0;
  private waiting: Waiter[] = [];
  private reading = false;
  private overdue = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly maxShares: number;
  private readonly maxWaitMs: number;
  /** List reads made (for tests and benchmarks). */
  reads = 0;

  constructor(
    private readonly terabox: Pick<TeraboxGateway, 'paginateShares'>,
    options: BatchShareIdLookupOptions = {},
  ) {
    this.maxShares = options.maxShares ?? DEFAULT_SHARE_ID_LOOKUP_SHARES;
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_SHARE_ID_LOOKUP_MAX_WAIT_MS;
  }

  join(): ShareIdLookupTicket {
    this.active += 1;
    let state: 'active' | 'waiting' | 'gone' = 'active';
    const stopWorking = (next: 'waiting' | 'gone'): void => {
      if (state === 'active') this.active -= 1;
      if (state !== 'gone') state = next;
    };
    return {
      find: (shortUrl) => {
        stopWorking('waiting');
        const answer = new Promise<ShareIdLookupAnswer>((resolve) => this.waiting.push({ shortUrl, resolve }));
        this.startWhenReady();
        return answer;
      },
      leave: () => {
        stopWorking('gone');
        this.startWhenReady();
      },
    };
  }

  private startWhenReady(): void {
    if (this.reading || this.waiting.length === 0) return;
    if (this.active > 0 && !this.overdue) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.overdue = true;
        this.startWhenReady();
      }, this.maxWaitMs);
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.overdue = false;
    const round = this.waiting.splice(0);
    this.reading = true;
    this.reads += 1;
    void this.read(round).finally(() => {
      this.reading = false;
      this.startWhenReady();
    });
  }

  private async read(round: Waiter[]): Promise<void> {
    let found: Map<string, Share>;
    try {
      found = await findNewestByShortUrl(this.terabox, round.map((w) => w.shortUrl), this.maxShares);
    } catch (error) {
      for (const waiter of round) waiter.resolve({ kind: 'failed', error });
      return;
    }
    for (const waiter of round) {
      const share = found.get(waiter.shortUrl);
      waiter.resolve(share === undefined ? { kind: 'not-found' } : { kind: 'found', share });
    }
  }
}

/**
 * Searches the first `maxShares` shares of the list (asked for newest first, one page of up to
 * 100 at a time) for the given short urls; stops as soon as all are found. Throws when the list
 * cannot be read. Best effort, so the order is not checked here: a share not found only leaves
 * its record without an id, which the sweep attaches later by short url.
 */
export async function findNewestByShortUrl(terabox: Pick<TeraboxGateway, 'paginateShares'>, shortUrls: readonly string[], maxShares: number): Promise<Map<string, Share>> {
  // Compared in canonical form: the create answer and the list may write one code differently
  // (a full link, the code without its leading 1). The map is keyed by the caller's spelling.
  const wanted = new Map<string, string>();
  for (const url of shortUrls) {
    const canonical = canonicalShortUrl(url);
    if (canonical !== undefined) wanted.set(canonical, url);
  }
  const found = new Map<string, Share>();
  let scanned = 0;
  if (wanted.size === 0 || maxShares < 1) return found;
  for await (const share of terabox.paginateShares({ pageSize: Math.min(100, maxShares) })) {
    const asked = wanted.get(canonicalShortUrl(share.shortUrl) ?? '');
    if (asked !== undefined && !found.has(asked)) {
      found.set(asked, share);
      if (found.size === wanted.size) break;
    }
    scanned += 1;
    if (scanned >= maxShares) break;
  }
  return found;
}
