/**
 * Shares kept in creation order so that `sharelist` serves any page newest first (TeraBox lists
 * by ctime descending) without scanning the whole account:
 * - slots hold items oldest → newest; a removal leaves a hole (tombstone);
 * - a Fenwick tree over "slot is live" finds the k-th live slot in O(log n), so a page costs
 *   O(log n + page size) however many shares there are or were removed;
 * - appending a share newer than all others (the normal case: pset uses the current clock) is
 *   O(log n); an older one (tests adding back-dated shares) marks the index for one O(n log n)
 *   re-sort at the next read; holes are compacted once they outnumber live items.
 */
export class NewestFirstIndex<T> {
  private slots: Array<T | undefined> = [];
  private ctimes: number[] = [];
  private seqs: number[] = [];
  /** 1-based Fenwick tree of live flags; tree[0] unused. */
  private tree: number[] = [0];
  private slotOf = new Map<string, number>();
  private live = 0;
  private holes = 0;
  private unsorted = false;
  private seq = 0;

  /** Number of live items. */
  get size(): number {
    return this.live;
  }

  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Adds an item under a unique id; `ctime` orders it (ties: later additions are newer). */
  add(id: string, item: T, ctime: number): void {
    if (this.slotOf.has(id)) throw new Error(`duplicate id ${id}`);
    const last = this.ctimes.length - 1;
    if (last >= 0 && ctime < (this.ctimes[last] as number)) this.unsorted = true;
    this.slots.push(item);
    this.ctimes.push(ctime);
    this.seqs.push(this.seq++);
    this.slotOf.set(id, this.slots.length - 1);
    this.live++;
    if (!this.unsorted) this.appendToTree();
  }

  /** Removes an item; false when the id is unknown. */
  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    this.slotOf.delete(id);
    this.slots[slot] = undefined;
    this.live--;
    this.holes++;
    if (!this.unsorted) this.addToTree(slot + 1, -1);
    return true;
  }

  /** Up to `limit` items starting `offset` items from the newest, newest first. */
  page(offset: number, limit: number): T[] {
    if (this.unsorted || (this.holes > 1024 && this.holes > this.live)) this.rebuild();
    const out: T[] = [];
    const rank = this.live - offset; // 1-based rank, oldest first, of the page's first item
    if (rank < 1 || limit <= 0) return out;
    for (let slot = this.kth(rank) - 1; slot >= 0 && out.length < limit; slot--) {
      const item = this.slots[slot];
      if (item !== undefined) out.push(item);
    }
    return out;
  }

  private appendToTree(): void {
    const i = this.slots.length; // 1-based index of the new slot
    const low = i & -i;
    // tree[i] covers (i - low, i]: the new live slot plus the slots already in that range.
    this.tree[i] = 1 + this.prefix(i - 1) - this.prefix(i - low);
  }

  private addToTree(i: number, delta: number): void {
    for (let j = i; j < this.tree.length; j += j & -j) this.tree[j] = (this.tree[j] as number) + delta;
  }

  private prefix(i: number): number {
    let sum = 0;
    for (let j = i; j > 0; j -= j & -j) sum += this.tree[j] as number;
    return sum;
  }

  /** 1-based slot index of the k-th live slot (1 <= k <= live). */
  private kth(k: number): number {
    const n = this.tree.length - 1;
    let pos = 0;
    let rem = k;
    for (let step = highestPowerOfTwo(n); step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= n && (this.tree[next] as number) < rem) {
        pos = next;
        rem -= this.tree[next] as number;
      }
    }
    return pos + 1;
  }

  private rebuild(): void {
    const order: number[] = [];
    for (let s = 0; s < this.slots.length; s++) if (this.slots[s] !== undefined) order.push(s);
    order.sort((a, b) => (this.ctimes[a] as number) - (this.ctimes[b] as number) || (this.seqs[a] as number) - (this.seqs[b] as number));
    const ids = new Map<number, string>();
    for (const [id, slot] of this.slotOf) ids.set(slot, id);
    const slots: T[] = [];
    const ctimes: number[] = [];
    const seqs: number[] = [];
    this.slotOf = new Map();
    for (const s of order) {
      this.slotOf.set(ids.get(s) as string, slots.length);
      slots.push(this.slots[s] as T);
      ctimes.push(this.ctimes[s] as number);
      seqs.push(this.seqs[s] as number);
    }
    this.slots = slots;
    this.ctimes = ctimes;
    this.seqs = seqs;
    // All slots live: tree[i] = size of the range it covers, built in O(n).
    const tree = new Array<number>(slots.length + 1).fill(1);
    tree[0] = 0;
    for (let i = 1; i <= slots.length; i++) {
      const parent = i + (i & -i);
      if (parent <= slots.length) tree[parent] = (tree[parent] as number) + (tree[i] as number);
    }
    this.tree = tree;
    this.holes = 0;
    this.unsorted = false;
  }
}

function highestPowerOfTwo(n: number): number {
  if (n <= 0) return 0;
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}
