/**
 * A small seeded PRNG (the public-domain mulberry32 mixing function) so that the emulator's data,
 * tokens and fault decisions are reproducible from one seed. Not for anything secret.
 */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform whole number in [0, n). */
  int(n: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `length` characters drawn from `alphabet`. */
  chars(alphabet: string, length: number): string;
}

/** Independent streams from one seed: data, tokens and faults must not disturb one another. */
export const STREAM = { data: 0x9e3779b9, tokens: 0x85ebca6b, faults: 0xc2b2ae35, cookies: 0x27d4eb2f } as const;

/**
 * The bare mulberry32 generator: uniform numbers in [0, 1) from a 32-bit seed. Also used by the
 * benchmarks and the test factories for reproducible synthetic data.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG for `seed` on stream `stream` (see STREAM). */
export function createPrng(seed: number, stream: number = STREAM.data): Prng {
  const next = mulberry32(Math.imul(seed >>> 0, 0x2c1b3c6d) ^ stream);
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    chars: (alphabet: string, length: number): string => {
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[int(alphabet.length)];
      return out;
    },
  };
}

export const HEX_UPPER = '0123456789ABCDEF';
export const HEX_LOWER = '0123456789abcdef';
export const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** TeraBox share passwords: exactly 4 of [0-9a-z] (TeraBox open-platform doc). */
export const PWD_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
