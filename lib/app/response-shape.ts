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

  /** A recorder that goes on from a shape recorded earlier (a listing read in several chunks). */
  static from(shape: ResponseShape | undefined): ShapeRecorder {
    const recorder = new ShapeRecorder();
    if (shape === undefined) return recorder;
    recorder.count = shape.items;
    for (const [field, { kinds, seenIn }] of Object.entries(shape.fields)) {
      recorder.kinds.set(field, new Set(kinds));
      recorder.seen.set(field, seenIn);
    }
    return recorder;
  }

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

// ------------------------------------------------------------------ drift between runs

/** A stored shape keeps at most this many fields (the first by name), each name at most this long. */
export const MAX_SHAPE_FIELDS = 300;
export const MAX_SHAPE_FIELD_NAME = 200;

/**
 * The shape with its fields capped (the first {@link MAX_SHAPE_FIELDS} by name) and long names
 * cut, so that a stored shape stays small whatever TeraBox sends. Compare bounded with bounded.
 */
export function boundShape(shape: ResponseShape): { shape: ResponseShape; truncated: boolean } {
  const names = Object.keys(shape.fields).sort();
  let truncated = names.length > MAX_SHAPE_FIELDS;
  const fields: Record<string, FieldShape> = {};
  for (const name of names.slice(0, MAX_SHAPE_FIELDS)) {
    const key = name.length > MAX_SHAPE_FIELD_NAME ? name.slice(0, MAX_SHAPE_FIELD_NAME) : name;
    if (key !== name) truncated = true;
    const field = shape.fields[name]!;
    const kept = fields[key];
    fields[key] = kept
      ? { kinds: [...new Set([...kept.kinds, ...field.kinds])].sort(), seenIn: Math.max(kept.seenIn, field.seenIn) }
      : { kinds: [...field.kinds], seenIn: field.seenIn };
  }
  return { shape: { items: shape.items, fields }, truncated };
}

/**
 * Kinds that say the same thing about a field: a whole and a fractional number, a text that
 * happens to be all digits and one that is not (a name, a password: `passwd` is `"0"` or 4 chars
 * of [0-9a-z]). `null` says nothing (an optional value left empty) and is ignored.
 */
const KIND_FAMILY: Record<ValueKind, string | undefined> = {
  null: undefined,
  boolean: 'boolean',
  integer: 'number',
  number: 'number',
  'numeric-string': 'text',
  string: 'text',
  array: 'array',
  object: 'object',
};

function familiesOf(kinds: readonly ValueKind[]): Set<string> {
  const out = new Set<string>();
  for (const k of kinds) {
    const f = KIND_FAMILY[k];
    if (f !== undefined) out.add(f);
  }
  return out;
}

/** How unlikely a field's absence must be to count (once in a thousand runs by chance). */
export const DRIFT_ABSENCE_CHANCE = 0.001;

/**
 * The chance that none of `n` items carries a field that a fraction `rate` of items carry.
 * Below {@link DRIFT_ABSENCE_CHANCE}, the field's absence (or its appearance) is a change of the
 * API, not of the account's shares.
 */
export function absenceChance(rate: number, n: number): number {
  if (rate >= 1) return 0;
  if (rate <= 0) return 1;
  return Math.pow(1 - rate, n);
}

/**
 * What changed between the shape of the last completed run (`before`) and this run's (`after`),
 * counting only what cannot be the account's shares changing:
 * - **retyped**: a field both saw whose kinds now share no family with the kinds seen before
 *   (ids that were numbers and are now strings; an object turned array). `null` is ignored, and
 *   integer/number and numeric-string/string are one family each, so that an optional field left
 *   empty, or a password that happens to be all digits, is no change.
 * - **removed**: a field the baseline saw in a fraction p of its items and none of this run's n
 *   items carries, when (1 - p)^n < 1/1000. A field every item carried counts as removed as soon
 *   as no item carries it; `passwd` on 3 of 10 shares is not "removed" from a run of 4 public
 *   shares (0.7^4 = 0.24), but would be from a run of 20 (0.7^20 < 0.001).
 * - **added**: the mirror: a field the baseline never saw, carried by a fraction q of this run's
 *   items, when (1 - q)^(baseline items) < 1/1000.
 * An empty side (no items: an empty account) has no shape: nothing changed.
 */
export function compareShapesForDrift(before: ResponseShape, after: ResponseShape): ShapeChange {
  const none: ShapeChange = { added: [], removed: [], retyped: [] };
  if (before.items <= 0 || after.items <= 0) return none;
  const present = (shape: ResponseShape, field: string): boolean => (shape.fields[field]?.seenIn ?? 0) > 0;
  const rate = (shape: ResponseShape, field: string): number => (shape.fields[field]?.seenIn ?? 0) / shape.items;
  const added = Object.keys(after.fields)
    .filter((f) => present(after, f) && !present(before, f) && absenceChance(rate(after, f), before.items) < DRIFT_ABSENCE_CHANCE)
    .sort();
  const removed = Object.keys(before.fields)
    .filter((f) => present(before, f) && !present(after, f) && absenceChance(rate(before, f), after.items) < DRIFT_ABSENCE_CHANCE)
    .sort();
  const retyped = Object.keys(after.fields)
    .filter((f) => {
      if (!(f in before.fields)) return false;
      const was = familiesOf(before.fields[f]!.kinds);
      const now = familiesOf(after.fields[f]!.kinds);
      if (was.size === 0 || now.size === 0) return false;
      for (const family of now) if (was.has(family)) return false;
      return true;
    })
    .sort()
    .map((field) => ({ field, before: before.fields[field]!.kinds, after: after.fields[field]!.kinds }));
  return { added, removed, retyped };
}

/** A one-line description of a change: `fields added: a, b; removed: c; retyped: id (integer -> numeric-string)`. */
export function describeShapeChange(change: ShapeChange, maxFields = 20): string {
  const list = (names: readonly string[]): string =>
    names.length <= maxFields ? names.join(', ') : `${names.slice(0, maxFields).join(', ')} and ${names.length - maxFields} more`;
  const parts: string[] = [];
  if (change.added.length > 0) parts.push(`fields added: ${list(change.added)}`);
  if (change.removed.length > 0) parts.push(`fields removed: ${list(change.removed)}`);
  if (change.retyped.length > 0) {
    parts.push(`fields retyped: ${list(change.retyped.map((r) => `${r.field} (${r.before.join('|')} -> ${r.after.join('|')})`))}`);
  }
  return parts.join('; ');
}
