/**
 * A compact encoding of a run's flagged set, split into parts that each fit far below DynamoDB's
 * 400 KB item limit. Pure: the flagged-set store writes one item per part.
 *
 * Each part maps policy id -> one string. Share ids are decimal: a policy's ids are sorted
 * numerically and written as `d` followed by comma-separated base-36 numbers, the first absolute
 * and each next one the difference from the one before (ids of one account lie close together,
 * so most differences are a few characters). An id that is not a plain decimal number (no such
 * id comes from TeraBox, but the type allows it) turns the policy's segment into `j` + a JSON array.
 * A policy with more ids than one part holds continues in the next part, its segment there
 * starting again from an absolute number, so that every part decodes on its own.
 *
 * Sizes (measured with tsx on the unit test's generated ids): 100,000 flagged shares with 17-digit
 * ids spread over 10^12 take 0.59 MB encoded (2 parts) against 2.0 MB as a JSON list; ids 2,000
 * apart on average take 0.33 MB.
 */
import { compareShareIds } from '../domain/inventory';
import type { ShareId } from '../domain/share';
import type { FlaggedSet } from '../app/run-diff';

/** Encoded bytes per part: far below 400 KB, with room for the keys and bookkeeping attributes. */
export const MAX_PART_BYTES = 300_000;

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** The parts of `flagged` (at least one, empty for an empty set). */
export function encodeFlagged(flagged: FlaggedSet, maxBytes: number = MAX_PART_BYTES): Array<Record<string, string>> {
  const parts: Array<Record<string, string>> = [];
  let part: Record<string, string> = {};
  let size = 0;
  for (const policyId of Object.keys(flagged).sort()) {
    const ids = distinctSorted(flagged[policyId] ?? []);
    if (ids.length === 0) continue;
    const decimal = ids.every((id) => DECIMAL.test(id));
    const overhead = policyId.length + 8;
    let tokens: string[] = [];
    let previous: bigint | undefined;
    const flush = (): void => {
      if (tokens.length > 0) part[policyId] = decimal ? `d${tokens.join(',')}` : `j${JSON.stringify(tokens)}`;
      tokens = [];
      previous = undefined;
    };
    size += overhead;
    for (const id of ids) {
      let token: string;
      if (decimal) {
        const value = BigInt(id);
        token = (previous === undefined ? value : value - previous).toString(36);
        previous = value;
      } else token = id;
      const cost = (decimal ? token.length : JSON.stringify(token).length) + 1;
      if (size + cost > maxBytes && tokens.length > 0) {
        flush();
        parts.push(part);
        part = {};
        size = overhead;
        if (decimal) {
          previous = BigInt(id);
          token = previous.toString(36);
        }
      }
      tokens.push(token);
      size += cost;
    }
    flush();
  }
  parts.push(part);
  return parts;
}

/** The flagged set of the parts, in order; throws a RangeError on text it did not write. */
/** The ids sorted by share id, each once: as given when they already are (a run's flagged set is), else a sorted copy. */
function distinctSorted(ids: readonly ShareId[]): readonly ShareId[] {
  let ordered = true;
  for (let k = 1; k < ids.length && ordered; k += 1) ordered = compareShareIds(ids[k - 1]!, ids[k]!) < 0;
  if (ordered) return ids;
  const sorted = [...ids].sort(compareShareIds);
  return sorted.filter((id, k) => k === 0 || id !== sorted[k - 1]);
}

export function decodeFlagged(parts: ReadonlyArray<Readonly<Record<string, unknown>>>): Record<string, ShareId[]> {
  const out: Record<string, ShareId[]> = {};
  for (const part of parts) {
    for (const [policyId, text] of Object.entries(part)) {
      if (typeof text !== 'string' || text.length === 0) throw new RangeError(`flagged set of policy ${policyId}: not an encoded string`);
      (out[policyId] ??= []).push(...decodeSegment(policyId, text));
    }
  }
  return out;
}

function decodeSegment(policyId: string, text: string): ShareId[] {
  if (text.startsWith('j')) {
    const ids = JSON.parse(text.slice(1)) as unknown;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new RangeError(`flagged set of policy ${policyId}: not a list of share ids`);
    return ids as ShareId[];
  }
  if (!text.startsWith('d')) throw new RangeError(`flagged set of policy ${policyId}: unknown encoding ${JSON.stringify(text.slice(0, 1))}`);
  const out: ShareId[] = [];
  let value = 0n;
  for (const [i, token] of text.slice(1).split(',').entries()) {
    const n = fromBase36(token, policyId);
    value = i === 0 ? n : value + n;
    out.push(value.toString());
  }
  return out;
}

function fromBase36(token: string, policyId: string): bigint {
  if (!/^[0-9a-z]+$/.test(token)) throw new RangeError(`flagged set of policy ${policyId}: ${JSON.stringify(token.slice(0, 20))} is not a base-36 number`);
  let n = 0n;
  for (const c of token) n = n * 36n + BigInt(parseInt(c, 36));
  return n;
}
