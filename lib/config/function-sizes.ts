/**
 * The memory of each function (MB), defined here so that the stack (infra/stack/functions.ts) and
 * the benchmarks that run a step as its Lambda would (bench/chunked.ts) read one number.
 */
export const FUNCTION_MEMORY_MB = {
  'create-shares': 512,
  // The evaluating step of a sweep holds the facts of every listed share (bench/NOTES.md,
  // "Checkpointed sweep"); the list steps stay under 200 MB.
  'sweep-shares': 2048,
  'cancel-shares': 512,
} as const;

/**
 * The V8 heap flags AWS Lambda's Node.js runtime starts a function of `memoryMb` with (its
 * bootstrap: a new space of a tenth, split in two semi-spaces, and the rest for the old space).
 */
export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}
