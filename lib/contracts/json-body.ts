/**
 * Lossless JSON parsing for message bodies and request files.
 *
 * `JSON.parse` rounds every number beyond 2^53 to the nearest double, so an fs id such as
 * 18446744073709551615 would silently become another file's id. lossless-json hands us each
 * number's source text instead; we keep it in a `JsonNumber` and let the schemas decide.
 */
import { parse } from 'lossless-json';
import { truncate } from '../shared/text';

/** A JSON number kept as its exact source text. */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** The value as a double (may be rounded; use `text` for ids). */
  valueOf(): number {
    return Number(this.text);
  }

  toString(): string {
    return this.text;
  }

  toJSON(): number {
    return Number(this.text);
  }
}

export type JsonBodyResult =
  | { ok: true; value: unknown; duplicateKeys: string[] }
  | { ok: false; error: string };

const MAX_ERROR_LENGTH = 200;

/**
 * Parses JSON text without losing numeric precision. Numbers become `JsonNumber`s. Duplicate
 * keys do not fail the parse (JSON allows them) but are reported, so that a caller can refuse
 * an ambiguous message (two different `requestId`s in one body) instead of silently keeping the
 * last one as `JSON.parse` does. Never throws.
 */
export function parseJsonBody(text: string): JsonBodyResult {
  const duplicateKeys: string[] = [];
  try {
    const value = parse(text, null, {
      parseNumber: (source) => new JsonNumber(source),
      onDuplicateKey: ({ key, newValue }) => {
        if (!duplicateKeys.includes(key)) duplicateKeys.push(key);
        return newValue;
      },
    });
    return { ok: true, value, duplicateKeys };
  } catch (error) {
    // lossless-json's messages name a position and at most one character, never the content;
    // a RangeError means nesting too deep for the recursive parser.
    const message =
      error instanceof RangeError
        ? 'nested too deeply'
        : error instanceof Error
          ? error.message
          : 'unreadable';
    return { ok: false, error: truncate(message, MAX_ERROR_LENGTH) };
  }
}

/** True for a plain JSON object (not an array, not null, not a number). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

