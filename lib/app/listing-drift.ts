/**
 * Drift of TeraBox's list response between sweeps: each complete listing's shape (field names and
 * kinds of the raw items, lib/app/response-shape.ts) is compared with the shape the last
 * completed run recorded (the account's baseline item in the runs table). A change that counts
 * (see `compareShapesForDrift`: fields added or removed beyond what the account's shares changing
 * could explain, fields whose kinds changed family) is a warning of the run, the `ApiShapeChanged`
 * metric (1, else 0) and its alarm: the early sign that TeraBox changed its answers, before
 * anything breaks.
 *
 * - The first run ever records the baseline without a warning.
 * - An empty account has no shape: no comparison, and the baseline is kept as it was.
 * - The baseline is replaced only by a completed run (`finish`), so a run that failed after a
 *   change warns again next time.
 * - Reading or writing the baseline failing is a run error, never a failed run: drift is a
 *   warning, it decides nothing.
 */
import {
  boundShape,
  compareShapesForDrift,
  describeShapeChange,
  isShapeUnchanged,
  shapeFingerprint,
  type ResponseShape,
} from './response-shape';
import type { RunApiShape, StoredApiShape } from './store-ports';

/** What a run learnt from comparing its shape with the baseline. */
export interface DriftVerdict {
  /** For the run summary. */
  summary: RunApiShape;
  /** The run's warning when the shape changed. */
  warning?: string;
  /** What to store as the next baseline when the run completes. */
  next: StoredApiShape;
}

/**
 * Compares this run's shape with the baseline; undefined for an empty listing (no shape). Pure:
 * the caller reads and writes the baseline.
 */
export function judgeDrift(input: { shape: ResponseShape; baseline: StoredApiShape | undefined; runId: string; now: number }): DriftVerdict | undefined {
  if (input.shape.items === 0) return undefined;
  const { shape: bounded, truncated } = boundShape(input.shape);
  const fingerprint = shapeFingerprint(bounded);
  const summary: RunApiShape = { fingerprint, items: bounded.items, fields: Object.keys(bounded.fields).length };
  const next: StoredApiShape = { runId: input.runId, fingerprint, recordedAtMs: input.now, shape: bounded, ...(truncated ? { truncated: true } : {}) };
  const baseline = input.baseline;
  if (baseline === undefined || baseline.shape.items === 0) return { summary, next };
  summary.baselineRunId = baseline.runId;
  summary.baselineFingerprint = baseline.fingerprint;
  if (baseline.fingerprint === fingerprint) return { summary, next };
  const change = compareShapesForDrift(baseline.shape, bounded);
  if (baseline.truncated === true || truncated) {
    // Past the cap neither side knows its fields: only names both kept are judged as added or removed.
    const last = (s: ResponseShape): string => Object.keys(s.fields).sort().pop() ?? '';
    const limit = [last(baseline.shape), last(bounded)].sort()[0]!;
    change.added = change.added.filter((f) => f <= limit);
    change.removed = change.removed.filter((f) => f <= limit);
  }
  if (isShapeUnchanged(change)) return { summary, next };
  summary.change = change;
  const warning =
    `TeraBox's share list answered in another shape than on run ${baseline.runId} ` +
    `(fingerprint ${baseline.fingerprint} -> ${fingerprint}): ${describeShapeChange(change)}. ` +
    'Check that the shares are still read right (share-lifecycle doctor, lib/terabox/README.md)';
  return { summary, warning, next };
}
