/**
 * The TeraBox emulator: a real HTTP server (node:http) that fakes the web endpoints the client uses
 * (`/api/check/login`, `/main`, `/share/pset`, `/share/teratransfer/sharelist`, `/share/cancel`,
 * `/api/list`), with deterministic seed data and faults on demand. Used by the client integration
 * tests, the local run, the CLI (`share-lifecycle emulator`) and the benchmarks.
 *
 * Behaviour follows /work/shared/terabox-api-notes.md; choices the notes leave open are documented
 * where they are made (server.ts, faults.ts) and summed up in README.md beside this file.
 */
export { startEmulator } from './server';
export type { RunningEmulator } from './server';
export { EmulatorState } from './state';
export type { ListPage, ListSharesQuery } from './state';
export { parseSeedSpec, parseFaultSpec, resolveSeedSpec, resolveFaultSpec, DEFAULT_SEED_SPEC, NO_FAULTS } from './specs';
export { EmulatorSpecError } from './specs';
export { generateSeedData } from './seed-generator';
export type { SeedData } from './seed-generator';
export { runEmulatorCli } from './main';
export type { EmulatorCliIo } from './main';
export * from './types';
export { SHAPE_VARIANTS, TOTAL_SURPLUS, UNKNOWN_VARIANT_ERRNO, isShapeVariant, type ShapeVariant } from './variants';
