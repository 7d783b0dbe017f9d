/**
 * The shape of what TeraBox sent: which fields the list items carried and of which kinds. Pure.
 *
 * Two readers use it: `doctor` (fields seen, missing and unknown, judged against what the client
 * reads) and every sweep (a fingerprint of the listing's shape, compared with the last run's: a
 * change is the early sign that TeraBox changed its answers, before anything breaks).
 *
 * A field is named by its path in the item: `shareId`, `filelist[].path`, `ext.size`. Nesting is
 * followed two levels deep; deeper values are recorded by kind only. Numbers in strings are their
 * own kind (`numeric-string`): ids moving from numbers to strings is exactly the drift to notice.
 */

export type ValueKind = 'null' | 'boolean' | 'integer' | 'number' | 'numeric-string' | 'string' | 'array' | 'object';

/** Field path -> the kinds seen there (sorted), plus how many items carried the field. */
export interface FieldShape {
  kinds: ValueKind[];
  /** Items in which the field was present (a value of any kind, null included). */
  seenIn: number;
}

export interface ResponseShape {
  /** Items recorded. */
  items: number;
  fields: Record<string, FieldShape>;
}

export interface ShapeChange {
  added: string[];
  removed: string[];
  retyped: Array<{ field: string; before: ValueKind[]; after: ValueKind[] }>;
}

const MAX_DEPTH = 2;
const NUMERIC = /^-?\d+(\.\d+)?$/;

export function kindOf(value: unknown): ValueKind {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return NUMERIC.test(value) ? 'numeric-string' : 'string';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/** Collects the shape of items one at a time (a sweep adds every share's raw item). */
export class ShapeRecorder {
  private count = 0;
  private readonly kinds = new Map<string, Set<ValueKind>>();
  private readonly seen = new Map<string, number>();

  add(item: unknown): void {
    this.count += 1;
    const present = new Set<string>();
    this.visit(item, '', 0, present);
    for (const field of present) this.seen.set(field, (this.seen.get(field) ?? 0) + 1);
  }

  shape(): ResponseShape {
    const fields: Record<string, FieldShape> = {};
    for (const field of [...this.kinds.keys()].sort()) {
      fields[field] = { kinds: [...this.kinds.get(field)!].sort(), seenIn: this.seen.get(field) ?? 0 };
    }
    return { items: this.count, fields };
  }

  private note(field: string, kind: ValueKind, present: Set<string>): void {
    let set = this.kinds.get(field);
    if (!set) this.kinds.set(field, (set = new Set()));
    set.add(kind);
    present.add(field);
  }

  private visit(value: unknown, path: string, depth: number, present: Set<string>): void {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      for (const element of value) {
        const field = `${path}[]`;
        this.note(field, kindOf(element), present);
        if (depth < MAX_DEPTH) this.visit(element, field, depth + 1, present);
      }
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const field = path === '' ? key : `${path}.${key}`;
      this.note(field, kindOf(child), present);
      if (depth < MAX_DEPTH) this.visit(child, field, depth + 1, present);
    }
  }
}

export function shapeOf(items: readonly unknown[]): ResponseShape {
  const recorder = new ShapeRecorder();
  for (const item of items) recorder.add(item);
  return recorder.shape();
}

/**
 * The canonical text of a shape: one `field:kind|kind` per line, sorted. Counts are left out, so
 * the same API answering for more or fewer shares has the same fingerprint.
 */
export function shapeSignature(shape: ResponseShape): string {
  return Object.keys(shape.fields)
    .sort()
    .map((field) => `${field}:${shape.fields[field].kinds.join('|')}`)
    .join('\n');
}

/** A short stable fingerprint of a shape (FNV-1a 64-bit of the signature, 16 hex digits). */
export function shapeFingerprint(shape: ResponseShape): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (const byte of new TextEncoder().encode(shapeSignature(shape))) {
    hash = ((hash ^ BigInt(byte)) * prime) & mask;
  }
  return hash.toString(16).padStart(16, '0');
}

/** What differs between two shapes: fields added, removed, and fields whose kinds changed. */
export function compareShapes(before: ResponseShape, after: ResponseShape): ShapeChange {
  const added = Object.keys(after.fields).filter((f) => !(f in before.fields)).sort();
  const removed = Object.keys(before.fields).filter((f) => !(f in after.fields)).sort();
  const retyped = Object.keys(after.fields)
    .filter((f) => f in before.fields && before.fields[f].kinds.join('|') !== after.fields[f].kinds.join('|'))
    .sort()
    .map((field) => ({ field, before: before.fields[field].kinds, after: after.fields[field].kinds }));
  return { added, removed, retyped };
}

export function isShapeUnchanged(change: ShapeChange): boolean {
  return change.added.length === 0 && change.removed.length === 0 && change.retyped.length === 0;
}
