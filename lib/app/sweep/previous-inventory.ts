/**
 * The inventory as the last runs left it, held compactly for one evaluating step: a million items
 * as one map of ids and three columns of times, not a million objects. Items that carry more
 * than their times (grace marks, cancel bookkeeping: a few) are kept whole. `get` rebuilds an item
 * when it is asked for, so the store's `putChanged` reads it like a map of items.
 */
import type { ShareId } from '../../domain/share';
import { ByteColumn, Float64Column } from '../../shared/columns';
import type { InventoryItem, InventoryLookup } from '../store-ports';

const TIMES_ONLY = new Set(['shareId', 'firstSeenAtMs', 'lastSeenAtMs', 'goneAtMs']);

function timesOnly(item: InventoryItem): boolean {
  for (const key of Object.keys(item)) if (!TIMES_ONLY.has(key)) return false;
  return true;
}

export class PreviousInventory implements InventoryLookup {
  private readonly rows = new Map<ShareId, number>();
  private readonly ids: ShareId[] = [];
  private readonly firstSeen = new Float64Column();
  private readonly lastSeen = new Float64Column();
  private readonly goneAt = new Float64Column();
  private readonly whole = new Map<number, InventoryItem>();
  /** 1 for the rows this run's listing showed. */
  private readonly listed = new ByteColumn();

  static async load(items: AsyncIterable<InventoryItem>): Promise<PreviousInventory> {
    const inventory = new PreviousInventory();
    for await (const item of items) inventory.add(item);
    return inventory;
  }

  /** Adds (or replaces) an item. */
  add(item: InventoryItem): void {
    let row = this.rows.get(item.shareId);
    if (row === undefined) {
      row = this.ids.length;
      this.ids.push(item.shareId);
      this.rows.set(item.shareId, row);
    }
    if (timesOnly(item)) {
      this.whole.delete(row);
      this.firstSeen.set(row, item.firstSeenAtMs);
      this.lastSeen.set(row, item.lastSeenAtMs);
      this.goneAt.set(row, item.goneAtMs ?? Number.NaN);
    } else {
      this.whole.set(row, item);
    }
  }

  /** The row of a stored share (undefined: none), for tables kept beside this one. */
  rowOf(shareId: ShareId): number | undefined {
    return this.rows.get(shareId);
  }

  /** The stored id of a row (the string the run's other tables then share). */
  idAt(row: number): ShareId {
    return this.ids[row]!;
  }

  get(shareId: ShareId): InventoryItem | undefined {
    const row = this.rows.get(shareId);
    return row === undefined ? undefined : this.itemAt(row);
  }

  /** The item at a row (see rowOf). */
  itemAt(row: number): InventoryItem {
    const whole = this.whole.get(row);
    if (whole) return whole;
    const item: InventoryItem = { shareId: this.ids[row]!, firstSeenAtMs: this.firstSeen.get(row), lastSeenAtMs: this.lastSeen.get(row) };
    const gone = this.goneAt.optional(row);
    if (gone !== undefined) item.goneAtMs = gone;
    return item;
  }

  /** Records that the listing showed the share at this row. */
  markListed(row: number): void {
    this.listed.set(row, 1);
  }

  /** The items the listing did not show. */
  *unlisted(): Generator<InventoryItem> {
    for (let row = 0; row < this.ids.length; row += 1) if (this.listed.get(row) === 0) yield this.itemAt(row);
  }
}
