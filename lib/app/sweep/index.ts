/** The sweep use case: see run.ts for the run, phase by phase. */
export { runSweep, sweepSettingsFromConfig } from './run';
export * from './types';
