/**
 * Parsing and validation of the emulator's seed and fault specs, written as `key=value,key=value`
 * so that they fit on a command line (`--seed "shares=300" --faults "latency=20,http5xx=0.1"`).
 * Every problem in a spec is reported at once, in one EmulatorSpecError.
 */
import type { FaultSpec, ResponseShape, SeedSpec } from './types';
import { isShapeVariant, SHAPE_VARIANTS, type ShapeVariant } from './variants';

/** A seed or fault spec that cannot be used; `problems` lists every one found. */
export class EmulatorSpecError extends Error {
  override name = 'EmulatorSpecError';
  readonly problems: string[];

  constructor(kind: 'seed' | 'fault', spec: string, problems: string[]) {
    super(`invalid ${kind} spec ${JSON.stringify(spec)}: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The data a fresh emulator holds when no seed is given: a small tree and no shares. */
export const DEFAULT_SEED_SPEC: Readonly<SeedSpec> = Object.freeze({
  files: 100,
  shares: 0,
  maxAgeDays: 120,
  seed: 1,
  public: 0.7,
});

/** No faults at all. */
export const NO_FAULTS: Readonly<FaultSpec> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  http5xx: 0,
  timeout: 0,
  drop: 0,
  rateLimit: 0,
  rateLimitErrno: 110,
  rotateEvery: 0,
  html: 0,
  createEvery: 0,
  cancelEvery: 0,
  paths: [],
});

type Check = (value: number) => string | undefined;

const nonNegativeInt: Check = (v) => (Number.isSafeInteger(v) && v >= 0 ? undefined : 'must be a whole number >= 0');
const nonNegative: Check = (v) => (Number.isFinite(v) && v >= 0 ? undefined : 'must be a number >= 0');
const fraction: Check = (v) => (Number.isFinite(v) && v >= 0 && v <= 1 ? undefined : 'must be a number between 0 and 1');
const uint32: Check = (v) =>
  Number.isSafeInteger(v) && v >= 0 && v <= 0xffffffff ? undefined : 'must be a whole number between 0 and 4294967295';
const anyInt: Check = (v) => (Number.isSafeInteger(v) ? undefined : 'must be a whole number');

const SEED_FIELDS: Record<keyof SeedSpec, Check> = {
  files: nonNegativeInt,
  shares: nonNegativeInt,
  maxAgeDays: nonNegative,
  seed: uint32,
  public: fraction,
};

type NumericFaultKey = Exclude<keyof FaultSpec, 'shape' | 'variant' | 'paths'>;

const FAULT_FIELDS: Record<NumericFaultKey, Check> = {
  latencyMs: nonNegative,
  jitterMs: nonNegative,
  http5xx: fraction,
  timeout: fraction,
  drop: fraction,
  rateLimit: fraction,
  rateLimitErrno: anyInt,
  rotateEvery: nonNegativeInt,
  html: fraction,
  createEvery: nonNegativeInt,
  cancelEvery: nonNegativeInt,
};

/** Spec-string keys → FaultSpec fields (the short forms are what the command line uses). */
const FAULT_ALIASES: Record<string, keyof FaultSpec> = {
  latency: 'latencyMs',
  jitter: 'jitterMs',
  '5xx': 'http5xx',
  hang: 'timeout',
};

const RATE_KEYS = ['drop', 'timeout', 'http5xx', 'html', 'rateLimit'] as const;
const SHAPES: readonly ResponseShape[] = ['seed', 'baidu'];

/** Splits `a=1, b=2` into pairs; records malformed or repeated parts as problems. */
function splitSpec(spec: string, problems: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const part of spec.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      problems.push(`"${trimmed}" is not key=value`);
      continue;
    }
    const key = trimmed.slice(0, eq).trim();
    const value = trimmed.slice(eq + 1).trim();
    if (seen.has(key)) problems.push(`"${key}" is given twice`);
    seen.add(key);
    pairs.push([key, value]);
  }
  return pairs;
}

function toNumber(raw: string): number {
  // Number('') is 0 and Number(' ') is 0: an empty value must be an error, not zero.
  return raw.trim() === '' ? Number.NaN : Number(raw);
}

/**
 * Parses a seed spec such as `files=1000,shares=300,maxAgeDays=120,seed=42,public=0.7`.
 * Missing keys take DEFAULT_SEED_SPEC's values. Throws EmulatorSpecError listing every problem.
 */
export function parseSeedSpec(spec: string): SeedSpec {
  const problems: string[] = [];
  const partial: Partial<Record<keyof SeedSpec, number>> = {};
  for (const [key, raw] of splitSpec(spec, problems)) {
    if (!Object.hasOwn(SEED_FIELDS, key)) {
      problems.push(`unknown key "${key}" (known: ${Object.keys(SEED_FIELDS).join(', ')})`);
      continue;
    }
    partial[key as keyof SeedSpec] = toNumber(raw);
  }
  return finishSeed(spec, partial, problems);
}

function finishSeed(spec: string, partial: Partial<SeedSpec>, problems: string[]): SeedSpec {
  const out: SeedSpec = { ...DEFAULT_SEED_SPEC };
  for (const key of Object.keys(SEED_FIELDS) as Array<keyof SeedSpec>) {
    const value = partial[key];
    if (value === undefined) continue;
    const problem = typeof value === 'number' ? SEED_FIELDS[key](value) : 'must be a number';
    if (problem) problems.push(`${key} ${problem} (got ${JSON.stringify(value)})`);
    else out[key] = value;
  }
  if (out.shares > 0 && out.files === 0) problems.push('shares need files: files must be > 0 when shares > 0');
  if (problems.length > 0) throw new EmulatorSpecError('seed', spec, problems);
  return out;
}

/**
 * Parses a fault spec such as
 * `latency=20,jitter=5,http5xx=0.1,timeout=0.05,drop=0.01,rateLimit=0.02,rotateEvery=500,html=0.01,shape=baidu`.
 * Also `variant=string-ids` (a shape variant, see variants.ts).
 * Also `rateLimitErrno=110` and `paths=/share/cancel|/share/pset` (faults only on those paths).
 * Missing keys mean "no such fault". Throws EmulatorSpecError listing every problem.
 */
export function parseFaultSpec(spec: string): FaultSpec {
  const problems: string[] = [];
  const partial: Partial<FaultSpec> = {};
  const known = [...Object.keys(FAULT_ALIASES), ...Object.keys(FAULT_FIELDS), 'shape', 'variant', 'paths'];
  for (const [rawKey, raw] of splitSpec(spec, problems)) {
    const key = FAULT_ALIASES[rawKey] ?? rawKey;
    if (key === 'shape') {
      partial.shape = raw as ResponseShape; // validated in finishFaults
    } else if (key === 'variant') {
      partial.variant = raw as ShapeVariant; // validated in finishFaults
    } else if (key === 'paths') {
      partial.paths = raw.split('|').map((p) => p.trim()).filter((p) => p !== '');
    } else if (Object.hasOwn(FAULT_FIELDS, key)) {
      partial[key as NumericFaultKey] = toNumber(raw);
    } else {
      problems.push(`unknown key "${rawKey}" (known: ${known.join(', ')})`);
    }
  }
  return finishFaults(spec, { ...NO_FAULTS, paths: [] }, partial, problems);
}

function finishFaults(spec: string, base: FaultSpec, partial: Partial<FaultSpec>, problems: string[]): FaultSpec {
  const out: FaultSpec = { ...base, paths: [...base.paths] };
  for (const key of Object.keys(FAULT_FIELDS) as NumericFaultKey[]) {
    const value = partial[key];
    if (value === undefined) continue;
    const problem = typeof value === 'number' ? FAULT_FIELDS[key](value) : 'must be a number';
    if (problem) problems.push(`${key} ${problem} (got ${JSON.stringify(value)})`);
    else out[key] = value;
  }
  if ('shape' in partial) {
    if (partial.shape === undefined) delete out.shape;
    else if (SHAPES.includes(partial.shape)) out.shape = partial.shape;
    else problems.push(`shape must be one of ${SHAPES.join(', ')} (got ${JSON.stringify(partial.shape)})`);
  }
  if ('variant' in partial) {
    if (partial.variant === undefined) delete out.variant;
    else if (isShapeVariant(partial.variant)) out.variant = partial.variant;
    else problems.push(`variant must be one of ${SHAPE_VARIANTS.join(', ')} (got ${JSON.stringify(partial.variant)})`);
  }
  if (partial.paths !== undefined) {
    const bad = partial.paths.filter((p) => typeof p !== 'string' || !p.startsWith('/'));
    if (bad.length > 0) problems.push(`paths must be absolute API paths like /share/cancel (got ${JSON.stringify(bad)})`);
    else out.paths = [...partial.paths];
  }
  const sum = RATE_KEYS.reduce((acc, k) => acc + out[k], 0);
  // One draw per request picks at most one fault, so the rates share one unit interval.
  if (sum > 1 + 1e-9) problems.push(`${RATE_KEYS.join(' + ')} must add up to at most 1 (got ${sum})`);
  if (problems.length > 0) throw new EmulatorSpecError('fault', spec, problems);
  return out;
}

/** A SeedSpec from a spec string, a partial object (validated the same way) or nothing (defaults). */
export function resolveSeedSpec(input: Partial<SeedSpec> | string | undefined): SeedSpec {
  if (input === undefined) return { ...DEFAULT_SEED_SPEC };
  if (typeof input === 'string') return parseSeedSpec(input);
  return finishSeed(JSON.stringify(input), input, []);
}

/**
 * A FaultSpec from a spec string or a partial object; `base` is what the missing fields keep
 * (NO_FAULTS for a new emulator, the current faults for setFaults).
 */
export function resolveFaultSpec(input: Partial<FaultSpec> | string | undefined, base: FaultSpec = NO_FAULTS): FaultSpec {
  if (input === undefined) return { ...base, paths: [...base.paths] };
  if (typeof input === 'string') return parseFaultSpec(input);
  return finishFaults(JSON.stringify(input), base, input, []);
}
