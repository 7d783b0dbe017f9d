/**
 * Lossless JSON parsing for TeraBox bodies. `JSON.parse` would round an integer beyond 2^53 (a
 * share id, an fs id, a `request_id`) to a neighbouring value, and a rounded share id can name
 * another share. Integers that are not safe in a JS number stay exact as decimal strings;
 * everything else becomes a plain number (the semantics of lossless-json with `parseNumber`
 * below, which remains the exact fallback).
 *
 * The sweep parses every page of a listing, and every TeraBox answer carries a 19-digit
 * `request_id`, so a "no long digit run, use JSON.parse" shortcut never applies, and lossless-json
 * (a parser written in JS) is several times slower than the built-in parser. Instead, the unsafe
 * integers are found with a cheap scan, written as JSON strings, and the text goes to the
 * built-in `JSON.parse` (figures: bench/NOTES.md, "TeraBox client").
 */
import { isInteger, isSafeNumber, parse } from 'lossless-json';

function parseNumber(text: string): number | string {
  if (isSafeNumber(text)) return Number(text);
  // An unsafe integer keeps its exact digits; an unsafe fraction only loses insignificant digits.
  return isInteger(text) ? text : Number(text);
}

/** The exact, slow parser (lossless-json): the reference the fast path must agree with. */
function parseWithLosslessJson(body: string): unknown {
  // Duplicate keys: last one wins, as JSON.parse does (lossless-json would throw by default).
  return parse(body, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const MINUS = 0x2d;
const ZERO = 0x30;
/** 2^53 has 16 digits: a shorter integer is always safe. */
const UNSAFE_DIGITS = 16;

/**
 * `text` with every unsafe integer that stands as a value (`:`, `,`, `[` or the start before it;
 * `,`, `]`, `}` or the end after it) written as a JSON string of its digits. The same text when
 * there is none.
 *
 * Why the result can be trusted whenever `JSON.parse` accepts it: a run of digits that was inside
 * a JSON string gets an inserted `"` right after a space or one of `:,[` (never after a
 * backslash), which ends that string and is followed by a digit or `-`: invalid JSON, so the
 * caller falls back to the exact parser. A run outside strings with that context is a whole
 * integer token in value position (not a key: a key is followed by `:`), so quoting it turns a
 * number into a string and changes nothing else. And every integer token of 16+ digits in valid
 * JSON has that context, so none is left for `JSON.parse` to round.
 */
function quoteUnsafeIntegers(text: string): string {
  const n = text.length;
  let out = '';
  let copied = 0;
  // Every run of 16+ digits covers an index i with i % 16 === 15 (and, after a skip to e, an
  // index e + 16k): probing those finds all of them while reading one character in 16.
  for (let i = UNSAFE_DIGITS - 1; i < n; i += UNSAFE_DIGITS) {
    if (!isDigit(text.charCodeAt(i))) continue;
    let start = i;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < n && isDigit(text.charCodeAt(end))) end++;
    i = end; // the loop adds 16: the next probe is end + 16
    if (end - start < UNSAFE_DIGITS || text.charCodeAt(start) === ZERO) continue; // short, or not a JSON integer
    if (start > 0 && text.charCodeAt(start - 1) === MINUS) start--;
    let before = start - 1;
    while (before >= 0 && isJsonSpace(text.charCodeAt(before))) before--;
    const b = before < 0 ? OPEN_BRACKET : text.charCodeAt(before);
    if (b !== COLON && b !== COMMA && b !== OPEN_BRACKET) continue;
    let after = end;
    while (after < n && isJsonSpace(text.charCodeAt(after))) after++;
    const a = after >= n ? CLOSE_BRACKET : text.charCodeAt(after);
    if (a !== COMMA && a !== CLOSE_BRACKET && a !== CLOSE_BRACE) continue;
    const digits = text.slice(start, end);
    if (Number.isSafeInteger(Number(digits))) continue; // 16 digits up to 2^53 - 1
    out += `${text.slice(copied, start)}"${digits}"`;
    copied = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Parses JSON text; throws SyntaxError on invalid JSON (the caller translates it). */
export function parseJsonLossless(text: string): unknown {
  // A UTF-8 BOM is not JSON but some gateways prepend one.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    // Duplicate keys: the last one wins, in both parsers.
    return JSON.parse(quoteUnsafeIntegers(body)) as unknown;
  } catch {
    // Invalid JSON, or a digit run inside a string that looked like a value: the exact parser
    // decides (it throws SyntaxError on invalid JSON).
    return parseWithLosslessJson(body);
  }
}

const DECIMAL_ID = /^[1-9][0-9]{0,39}$/;

/** True for a positive integer written in plain decimal digits (how ids travel). */
export function isDecimalId(value: string): boolean {
  return DECIMAL_ID.test(value);
}

/**
 * An id as an exact decimal string, from a number (safe integers only) or a string of digits.
 * Returns undefined for anything else (0, negatives, fractions, unsafe numbers, junk).
 */
export function toDecimalId(value: unknown): string | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value > 0 ? String(value) : undefined;
  }
  if (typeof value === 'bigint') return value > 0n ? value.toString() : undefined;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return isDecimalId(trimmed) ? trimmed : undefined;
  }
  return undefined;
}

/**
 * A JSON array of numbers written from decimal strings without going through `Number`, so
 * an id beyond 2^53 reaches TeraBox exactly (`["9007199254740993"]` -> `[9007199254740993]`).
 */
export function jsonNumberArray(ids: readonly string[]): string {
  for (const id of ids) {
    if (!isDecimalId(id)) throw new RangeError('not a decimal id');
  }
  return `[${ids.join(',')}]`;
}
