import type { Context } from 'aws-lambda';

/** Kept back from the Lambda deadline to stop the listing and record the run. */
const DEADLINE_MARGIN_MS = 60_000;

/** Stops the listing before the Lambda is killed, so that the run is still recorded and its lease released. */
export function deadlineSignal(context: Context | undefined): { signal?: AbortSignal; clear: () => void } {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (typeof remaining !== 'number' || !Number.isFinite(remaining) || remaining <= 0) return { clear: () => undefined };
  const controller = new AbortController();
  const margin = Math.min(DEADLINE_MARGIN_MS, remaining / 4);
  const timer = setTimeout(() => controller.abort(new Error('the Lambda time limit is near')), remaining - margin);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
