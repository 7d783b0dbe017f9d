/** Plain-text output helpers: aligned tables, times, counts. */

import { truncate } from '../shared/text';

/** Longest cell shown in a table (paths and reasons are cut with an ellipsis). */
export const MAX_CELL = 60;

function cell(value: unknown, max: number): string {
  const text = value === undefined || value === null ? '-' : String(value).replace(/[\r\n\t]+/g, ' ');
  return truncate(text, max);
}

/** An aligned text table with a header row; the last column is never padded. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>, maxCell = MAX_CELL): string {
  return tableLines(headers, rows, maxCell).join('');
}

/** `renderTable`'s lines, each with its newline (for `writeOut`: a long table is never one string). */
export function tableLines(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>, maxCell = MAX_CELL): string[] {
  const cells = rows.map((row) => headers.map((_, i) => cell(row[i], maxCell)));
  const widths = headers.map((h, i) => cells.reduce((w, r) => Math.max(w, [...(r[i] ?? '')].length), [...h].length));
  const line = (values: readonly string[]): string =>
    `${values
      .map((v, i) => (i === values.length - 1 ? v : v + ' '.repeat((widths[i] ?? 0) - [...v].length)))
      .join('  ')
      .trimEnd()}\n`;
  return [line(headers), ...cells.map(line)];
}

/** `key: value` lines, keys aligned; undefined values are left out. */
export function renderFields(fields: ReadonlyArray<readonly [string, unknown]>): string {
  const shown = fields.filter(([, v]) => v !== undefined && v !== null && v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('\n') + '\n';
}

/** ISO 8601 to the second (`2026-05-01T10:00:00Z`), or `-`. */
export function formatTime(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '-';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A duration for people: `850 ms`, `4.2 s`, `3 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** An age in days with one decimal (`41.2 d`). */
export function formatAgeDays(createdAtMs: number | undefined, now: number): string {
  if (createdAtMs === undefined) return '-';
  return `${((now - createdAtMs) / 86_400_000).toFixed(1)} d`;
}

/** `1 share` / `3 shares`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
