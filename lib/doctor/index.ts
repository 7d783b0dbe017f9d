/** `share-lifecycle doctor`: checks, verdicts, the write test and bundles (record, read, replay). */
export { runDoctor, type DoctorOptions, type DoctorRun } from './doctor';
export { overallVerdict, SAFE_VERDICT, type CheckStatus, type DoctorCheck, type DoctorReport, type ListingOutcome } from './types';
export { recordingFetch, type RecordedExchange, type RecordingFetch } from './recording-fetch';
export { sessionFacts, type SessionFacts } from './session-facts';
export { runWriteTest, type WriteTestOptions } from './write-test';
export { BundleRedactor, type BundleRedactorOptions } from './bundle-redaction';
export {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BundleFormatError,
  bundleFetch,
  listBundles,
  readBundle,
  writeBundle,
  type BundleExchange,
  type BundleManifest,
  type LoadedBundle,
} from './bundle';
