/** Doctor against the emulator over real HTTP: one run, its report, its exchanges. */
import { runDoctor, type DoctorRun, type WriteTestOptions } from '../../../lib/doctor';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../lib/terabox/emulator';
import { globalFetch, type ShareListEndpoint } from '../../../lib/terabox';

/** A fixed clock for the emulator: same seed and same now, same account. */
export const EMULATOR_NOW = Date.UTC(2026, 10, 1, 12, 0, 0);

export const FAST_RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 };

export async function withEmulator<T>(options: EmulatorOptions, fn: (emulator: RunningEmulator) => Promise<T>): Promise<T> {
  const emulator = await startEmulator({ seed: 'files=40,shares=25,seed=7', now: () => EMULATOR_NOW, ...options });
  try {
    return await fn(emulator);
  } finally {
    await emulator.close();
  }
}

export function doctorOn(
  emulator: RunningEmulator,
  extra: { pageSize?: number; writeTest?: WriteTestOptions; listEndpoint?: ShareListEndpoint } = {},
): Promise<DoctorRun> {
  return runDoctor({
    credentials: { ndus: emulator.state.ndus ?? 'emulator-ndus', baseUrl: emulator.url },
    fetch: globalFetch,
    now: () => EMULATOR_NOW,
    pageSize: extra.pageSize ?? 10,
    client: { retry: FAST_RETRY, ...(extra.listEndpoint ? { listEndpoint: extra.listEndpoint } : {}) },
    ...(extra.writeTest ? { writeTest: extra.writeTest } : {}),
  });
}

/** The status of each check, by id. */
export function statuses(run: DoctorRun): Record<string, string> {
  return Object.fromEntries(run.report.checks.map((c) => [c.id, c.status]));
}
