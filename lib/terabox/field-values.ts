/**
 * Reading the loosely typed fields of TeraBox answers: numbers sent as numbers or numeric
 * strings, 0/1 flags, unix times in seconds (or ms), and a value's kind for messages.
 */
export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first of `keys` that holds a value (neither undefined nor null). */
export function pick(item: Json, keys: readonly string[]): unknown {
  for (const key of keys) {
    if (item[key] !== undefined && item[key] !== null) return item[key];
  }
  return undefined;
}

/** A finite number from a number or a numeric string. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** true/false from a boolean or 1/0 (number or numeric string). */
export function toFlag(value: unknown): boolean | undefined {
  if (value === true || value === false) return value;
  const n = toNumber(value);
  if (n === 1) return true;
  if (n === 0) return false;
  return undefined;
}

/**
 * Epoch ms from a TeraBox time. TeraBox and Baidu send unix seconds; a value of 1e11 or more is
 * taken as already in ms (1e11 s would be the year 5138, so the two ranges cannot be confused).
 */
export function toEpochMs(value: unknown): number | undefined {
  const n = toNumber(value);
  if (n === undefined || n <= 0) return undefined;
  return n >= 1e11 ? Math.round(n) : Math.round(n * 1000);
}

/** A short description of a value's kind for a message (never the value: it could be anything). */
export function kindName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
