/**
 * The memory of each function, defined here so that the stack (infra/stack/functions.ts) and the
 * benchmarks that run a step as its Lambda would (bench/chunked.ts) read the same numbers.
 */
export interface FunctionSize {
  /** The function's memory (MB). */
  memoryMb: number;
  /**
   * V8's old space (MB), set through NODE_OPTIONS. Without it Lambda's Node runtime gives the old
   * space 90% of the memory, and a step that allocates a lot lets garbage grow until the process
   * passes the function's memory; a lower limit makes V8 collect first.
   */
  heapMb?: number;
}

export const FUNCTION_SIZES = {
  'create-shares': { memoryMb: 512 },
  // The evaluating step streams the staged listing and holds a few dozen bytes per share (bench/NOTES.md,
  // "Checkpointed sweep"); the old space is capped so that garbage never grows past 512 MB. 1,769 MB
  // is one full vCPU, for the evaluating step's CPU, not for its memory.
  'sweep-shares': { memoryMb: 1769, heapMb: 400 },
  'cancel-shares': { memoryMb: 512 },
} as const satisfies Record<string, FunctionSize>;

/** The NODE_OPTIONS of a function: source maps for stack traces, and its heap limit when it has one. */
export function nodeOptionsFor(size: FunctionSize): string {
  return ['--enable-source-maps', ...(size.heapMb !== undefined ? [`--max-old-space-size=${size.heapMb}`] : [])].join(' ');
}

/**
 * The V8 heap flags a function of `size` runs with in Lambda: its own old space when NODE_OPTIONS
 * sets one (the runtime's bootstrap then leaves the heap alone), else the bootstrap's split (a
 * tenth of the memory for the new space, in two semi-spaces, the rest for the old space).
 */
export function lambdaHeapFlags(size: FunctionSize): string[] {
  if (size.heapMb !== undefined) return [`--max-old-space-size=${size.heapMb}`];
  const newSpace = Math.floor(size.memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${size.memoryMb - newSpace}`];
}
