/** The sweep use case: see run.ts for the run, phase by phase. */
export { runSweep, sweepSettingsFromConfig } from './run';
export { abandonSweepStep, evaluateSweepStep, listSweepStep, startSweepStep, type StepRequest } from './steps';
export { MemoryListingStaging } from './memory-staging';
export { DEFAULT_MAX_CHUNKS } from './listing';
export * from './types';
