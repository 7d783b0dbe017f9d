/**
 * The literal path tests of every policy of a run, answered together, share by share.
 *
 * A run asks the same few questions of every path many times over: does it start with
 * `/Public/` (a scope), with `/Public/evergreen/` (an exemption), end with `.env` (a deny list),
 * equal `/Exports` (a folder glob)? Asked one set at a time, each question costs a string
 * comparison, and twenty policies over a million shares ask tens of millions of them. Here every
 * literal of every set is registered once and given a bit; the literals that start (or equal) a
 * path form one trie walked from the path's first character, those that end it a trie walked
 * from its last. One walk each way answers every literal of the run for that path, and a set's
 * test is then an AND of its bits with the path's. Literals that begin the name (the prefilters
 * of globs like `**\/id_rsa*`) form a third trie, walked from the name's first character.
 *
 * The answers are kept as a column (a few bytes per path), worked out a block of shares at a time
 * when first asked for: a policy's literal tests then never touch a path string themselves.
 */

/**
 * Where a literal must sit in the path: at its start, at its end, be all of it, or begin its last
 * segment, the name (right after the last `/`, or at the start when there is none: the literal
 * after `**\/` in a glob like `**\/id_rsa*`).
 */
export type IndexedAt = 'start' | 'end' | 'whole' | 'name';

/** Transition tables cover ASCII directly; other UTF-16 code units go through a map. */
const TABLE = 128;

/** A trie over literals, walked one UTF-16 code unit at a time. Node 0 is the root. */
class Trie {
  /** `next[node * TABLE + code]`: the child, 0 for none (the root is never a child). */
  readonly next: Int32Array;
  /** Children by code units >= 128: key `node * 65536 + code`. */
  readonly wide: Map<number, number>;
  /** Per node, the bits of the literals that end there: `accept[node * words + w]`. */
  readonly accept: Uint32Array;
  /** Per node, the bits of the `whole` literals that end there (forward trie only). */
  readonly acceptWhole: Uint32Array;
  /** 1 when the node accepts any literal (so the walk skips the OR otherwise). */
  readonly accepts: Uint8Array;
  readonly acceptsWhole: Uint8Array;

  constructor(literals: readonly { text: string; id: number; whole: boolean }[], fromEnd: boolean, words: number) {
    // Build with plain maps first, then lay the nodes out in tables.
    const children: Map<number, number>[] = [new Map()];
    const ends: { node: number; id: number; whole: boolean }[] = [];
    for (const { text, id, whole } of literals) {
      let node = 0;
      for (let step = 0; step < text.length; step += 1) {
        const code = text.charCodeAt(fromEnd ? text.length - 1 - step : step);
        let child = children[node]!.get(code);
        if (child === undefined) {
          child = children.length;
          children.push(new Map());
          children[node]!.set(code, child);
        }
        node = child;
      }
      ends.push({ node, id, whole });
    }
    const count = children.length;
    this.next = new Int32Array(count * TABLE);
    this.wide = new Map();
    children.forEach((map, node) => {
      for (const [code, child] of map) {
        if (code < TABLE) this.next[node * TABLE + code] = child;
        else this.wide.set(node * 65_536 + code, child);
      }
    });
    this.accept = new Uint32Array(count * words);
    this.acceptWhole = new Uint32Array(count * words);
    this.accepts = new Uint8Array(count);
    this.acceptsWhole = new Uint8Array(count);
    for (const { node, id, whole } of ends) {
      const bit = 1 << (id & 31);
      const at = node * words + (id >>> 5);
      if (whole) {
        this.acceptWhole[at]! |= bit;
        this.acceptsWhole[node] = 1;
      } else {
        this.accept[at]! |= bit;
        this.accepts[node] = 1;
      }
    }
  }
}

/** Shares per block of bits worked out at once (see {@link LiteralIndex.bitsFor}). */
const BLOCK_SHIFT = 9;
/** Shares per block of bits: {@link LiteralIndex.bitsFor} of one share serves the whole block. */
export const INDEX_BLOCK = 1 << BLOCK_SHIFT;

/** The literal tests of one run (see the module comment). */
export class LiteralIndex {
  private readonly ids = new Map<string, number>();
  private readonly literals: { text: string; at: IndexedAt; id: number }[] = [];
  private forward: Trie | null = null;
  private backward: Trie | null = null;
  /** Null when no literal of the run begins a name (then no path is walked for them). */
  private name: Trie | null = null;
  /** 32-bit words of bits per path, as laid out in {@link bits}. */
  stride = 1;
  /** Share `i`'s paths are paths `start[i]` to `start[i + 1] - 1` of the whole inventory. */
  readonly start: Int32Array;
  /**
   * Per path of the inventory, its bits: path `p`'s at `p * stride`, bit `id & 31` of word
   * `id >>> 5` set when literal `id` holds. Valid for a share once {@link bitsFor} was called for it.
   */
  bits = new Uint32Array(0);
  /** Per block of 2^BLOCK_SHIFT shares: 1 when its bits are worked out. */
  private done = new Uint8Array(0);

  constructor(
    /** The paths of each share, in the inventory's order. */
    private readonly paths: readonly (readonly string[])[],
  ) {
    const n = paths.length;
    this.start = new Int32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i += 1) {
      this.start[i] = total;
      total += paths[i]!.length;
    }
    this.start[n] = total;
  }

  /** The bit of a literal (the same literal at the same place always gets the same bit). */
  register(at: IndexedAt, text: string): number {
    const key = `${at}:${text}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.literals.length;
      this.ids.set(key, id);
      this.literals.push({ text, at, id });
      this.forward = null; // the tries and every bit must be worked out again
    }
    return id;
  }

  /**
   * The bits (see {@link bits}) with those of share `share` worked out. They are worked out a block
   * of shares at a time, when a share of the block is first asked about: the engine asks in share
   * order, while the block's paths are in the processor's cache for every policy that reads them.
   */
  bitsFor(share: number): Uint32Array {
    if (this.forward === null) this.build();
    const block = share >>> BLOCK_SHIFT;
    if (this.done[block] !== 1) this.fill(block);
    return this.bits;
  }

  private build(): void {
    const words = Math.max(1, Math.ceil(this.literals.length / 32));
    this.stride = words;
    this.forward = new Trie(
      this.literals.filter((l) => l.at === 'start' || l.at === 'whole').map((l) => ({ text: l.text, id: l.id, whole: l.at === 'whole' })),
      false,
      words,
    );
    this.backward = new Trie(
      this.literals.filter((l) => l.at === 'end').map((l) => ({ text: l.text, id: l.id, whole: false })),
      true,
      words,
    );
    const names = this.literals.filter((l) => l.at === 'name').map((l) => ({ text: l.text, id: l.id, whole: false }));
    this.name = names.length === 0 ? null : new Trie(names, false, words);
    const n = this.paths.length;
    this.bits = new Uint32Array(this.start[n]! * words);
    this.done = new Uint8Array((n >>> BLOCK_SHIFT) + 1);
  }

  private fill(block: number): void {
    const { paths, start, bits, stride } = this;
    const forward = this.forward!;
    const backward = this.backward!;
    const name = this.name;
    const end = Math.min(paths.length, (block + 1) << BLOCK_SHIFT);
    for (let i = block << BLOCK_SHIFT; i < end; i += 1) {
      const list = paths[i]!;
      for (let k = 0; k < list.length; k += 1) {
        const path = list[k]!;
        const base = (start[i]! + k) * stride;
        walk(path, forward, backward, bits, base, stride);
        if (name !== null) walkFrom(path, path.lastIndexOf('/') + 1, name, bits, base, stride);
      }
    }
    this.done[block] = 1;
  }
}

/** ORs into `bits` (at `base`) the bits of every literal that holds on `path`: one walk from each end. */
function walk(path: string, forward: Trie, backward: Trie, bits: Uint32Array, base: number, words: number): void {
  const n = path.length;
  // From the start: every `start` literal on the way, and a `whole` one if the walk uses up the path.
  const last = walkFrom(path, 0, forward, bits, base, words);
  if (last >= 0 && forward.acceptsWhole[last] === 1) {
    for (let w = 0; w < words; w += 1) bits[base + w]! |= forward.acceptWhole[last * words + w]!;
  }
  // From the end: every `end` literal on the way back.
  let node = 0;
  for (let step = n - 1; step >= 0; step -= 1) {
    const code = path.charCodeAt(step);
    const child = code < TABLE ? backward.next[node * TABLE + code]! : (backward.wide.get(node * 65_536 + code) ?? 0);
    if (child === 0) break;
    node = child;
    if (backward.accepts[node] === 1) for (let w = 0; w < words; w += 1) bits[base + w]! |= backward.accept[node * words + w]!;
  }
}

/**
 * ORs into `bits` (at `base`) the bits of every literal of `trie` that starts at `from` in
 * `path`. Returns the node the walk ends on when it used up the path (the root for an empty
 * rest, where a `whole` literal "" may end), else -1.
 */
function walkFrom(path: string, from: number, trie: Trie, bits: Uint32Array, base: number, words: number): number {
  const n = path.length;
  let node = 0;
  for (let step = from; step < n; step += 1) {
    const code = path.charCodeAt(step);
    const child = code < TABLE ? trie.next[node * TABLE + code]! : (trie.wide.get(node * 65_536 + code) ?? 0);
    if (child === 0) return -1;
    node = child;
    if (trie.accepts[node] === 1) for (let w = 0; w < words; w += 1) bits[base + w]! |= trie.accept[node * words + w]!;
  }
  return node;
}
