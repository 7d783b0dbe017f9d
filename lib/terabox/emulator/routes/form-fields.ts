/** Reading the emulator's query and form parameters the way TeraBox is assumed to. */
import { parse as parseLossless } from 'lossless-json';

const UNSIGNED_ID = /^(0|[1-9][0-9]*)$/;

/** Parses a form field holding a JSON array, numbers kept as their exact digits. */
export function jsonArrayField(raw: string | null): unknown[] | undefined | 'invalid' {
  if (raw === null) return undefined;
  try {
    const value = parseLossless(raw, null, (digits: string) => digits);
    return Array.isArray(value) ? (value as unknown[]) : 'invalid';
  } catch {
    return 'invalid';
  }
}

/** The values as decimal ids, or undefined when any is not one. */
export function idList(values: unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string' || !UNSIGNED_ID.test(v)) return undefined;
    out.push(v);
  }
  return out;
}

/** The first of `names` present in the query as a whole number >= 1; undefined when it is not one. */
export function pageParam(query: URLSearchParams, names: string[], fallback: number): number | undefined {
  for (const name of names) {
    const raw = query.get(name);
    if (raw === null || raw === '') continue;
    const n = Number(raw);
    return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
  }
  return fallback;
}
