/** The report's text sections: summary, guardrail verdict, policies and the diff against the previous run. */
import type { RunDiff } from '../../app/run-diff';
import type { RunSummary } from '../../app/store-ports';
import type { AgeHistogram } from '../../domain/age-histogram';
import { formatDuration, formatTime } from '../plain-text';
import { escapeHtml } from './escape';
import type { ReportPolicy } from './model';

const num = (n: number, unit = ''): string => `<td class="num">${escapeHtml(n.toLocaleString('en-US'))}${unit === '' ? '' : ` ${escapeHtml(unit)}`}</td>`;

/** A two-column table of numbers (label, count), numbers right-aligned. */
function numberTable(caption: string, rows: ReadonlyArray<readonly [string, number]>, unit = ''): string {
  if (rows.length === 0) return '';
  return (
    `<table class="numbers"><caption>${escapeHtml(caption)}</caption><tbody>` +
    rows.map(([k, n]) => `<tr><th scope="row">${escapeHtml(k)}</th>${num(n, unit)}</tr>`).join('') +
    '</tbody></table>'
  );
}

function messages(title: string, items: readonly string[] | undefined, cls: string): string {
  if (items === undefined || items.length === 0) return '';
  return `<div class="${cls}"><strong>${escapeHtml(title)}</strong><ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul></div>`;
}

/** The counts shown as headline figures, in this order (the others are in "all counts"). */
const KEY_COUNTS: ReadonlyArray<readonly [string, string]> = [
  ['inventory', 'shares listed'],
  ['evaluated', 'evaluated'],
  ['cancel', 'cancel'],
  ['would-cancel', 'would cancel'],
  ['marked', 'in grace'],
  ['exempt', 'exempt'],
  ['unevaluable', 'unevaluable'],
  ['enqueued', 'sent to cancel'],
];

/** Status, mode, times, counts, timings, errors and warnings. */
export function summarySection(s: RunSummary): string {
  const took = s.finishedAtMs === undefined ? undefined : formatDuration(s.finishedAtMs - s.startedAtMs);
  const fields: Array<[string, string | undefined]> = [
    ['Run', s.runId],
    ['Status', s.status],
    ['Mode', s.mode],
    ['Trigger', s.trigger],
    ['Account', s.accountId],
    ['Started', formatTime(s.startedAtMs)],
    ['Finished', s.finishedAtMs === undefined ? undefined : `${formatTime(s.finishedAtMs)} (${took ?? ''})`],
    ['Reason', s.reason],
  ];
  const dl = fields
    .filter((f): f is [string, string] => f[1] !== undefined)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd${k === 'Status' ? ` class="status-${escapeHtml(v)}"` : ''}>${escapeHtml(v)}</dd>`)
    .join('');
  const counts = s.counts ?? {};
  const figures = KEY_COUNTS.filter(([k]) => counts[k] !== undefined)
    .map(([k, label]) => `<div class="figure"><span class="n">${escapeHtml((counts[k] ?? 0).toLocaleString('en-US'))}</span><span>${escapeHtml(label)}</span></div>`)
    .join('');
  const all = Object.entries(counts);
  return (
    `<dl class="fields">${dl}</dl><div class="figures">${figures}</div><div class="tables">` +
    numberTable('Timings', Object.entries(s.timings ?? {}), 'ms') +
    (all.length === 0 ? '' : `<details class="all-counts"><summary>All ${all.length} counts of the run summary</summary>${numberTable('Counts', all)}</details>`) +
    '</div>' +
    messages('Errors', s.errors, 'errors') +
    messages('Warnings', s.warnings, 'warnings')
  );
}

/** ok, TRIPPED (nothing was cancelled) with each limit, or "not evaluated". */
export function guardrailSection(s: RunSummary): string {
  const g = s.guardrail;
  if (g === undefined) return '<p class="verdict none">No verdict: the run stopped before evaluating, so nothing was cancelled.</p>';
  const limits = `limits: ${g.maxCancellations} cancellations, ${g.maxCancellationPercent}% of the inventory`;
  if (!g.tripped) return `<p class="verdict ok">OK: ${g.planned} planned cancellations, within the ${escapeHtml(limits)}.</p>`;
  return (
    `<p class="verdict tripped">TRIPPED: nothing was cancelled. ${g.planned} cancellations were planned; ${escapeHtml(limits)}.</p>` +
    `<ul>${g.trips.map((t) => `<li>${escapeHtml(t.message)}</li>`).join('')}</ul>`
  );
}

/** The policies table. */
export function policiesTable(policies: readonly ReportPolicy[], source: string | undefined): string {
  if (policies.length === 0) return '<p class="empty">No policies.</p>';
  const rows = policies.map(
    (p) => `<tr><td class="mono">${escapeHtml(p.policyId)}</td><td>${escapeHtml(p.enabled ? p.mode : 'disabled')}</td><td>${escapeHtml(p.rule)}</td></tr>`,
  );
  return (
    `<table class="list"><thead><tr><th scope="col">Policy</th><th scope="col">Mode</th><th scope="col">Rule</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    (source === undefined ? '' : `<p class="muted">Policies ${escapeHtml(source)}.</p>`)
  );
}

const CLOCK_WORDS: Record<string, string> = {
  'terabox-created': "TeraBox's creation time",
  'product-created': 'the time this product created it',
  'first-seen': 'the first sweep that saw it',
};

/** Which clocks the ages come from, and what the histogram leaves out. */
export function ageNotes(ages: AgeHistogram | undefined): string {
  if (ages === undefined) return '';
  const clocks = Object.entries(ages.clocks).map(([c, n]) => `${n} from ${CLOCK_WORDS[c] ?? c}`);
  const notes = [
    `Each share's age at the run's start, from the best clock known (as the max-age rule counts it): ${clocks.join(', ') || 'none'}.`,
    ...(ages.unknown > 0 ? [`${ages.unknown} shares have no known age and are not drawn.`] : []),
    ...(ages.capped === true ? ['Shares older than ten years are counted in the last day.'] : []),
  ];
  return `<p class="muted">${notes.map(escapeHtml).join(' ')}</p>`;
}

function idList(ids: readonly string[]): string {
  if (ids.length === 0) return '';
  return `<details><summary>${ids.length} share ids</summary><p class="mono ids">${ids.map(escapeHtml).join(' ')}</p></details>`;
}

/** New / still / resolved flagged shares per policy, or "no previous run". */
export function diffSection(diff: RunDiff | undefined): string {
  if (diff === undefined) return '<p class="empty">No diff: the flagged set of this run or of the run before it is not stored.</p>';
  const against =
    diff.fromRunId === undefined ? 'This is the first run: every flagged share is new.' : `Compared with run <span class="mono">${escapeHtml(diff.fromRunId)}</span>.`;
  const t = diff.totals;
  const rows = diff.policies.map(
    (p) =>
      `<tr><td class="mono">${escapeHtml(p.policyId)}</td>${num(p.new.length)}${num(p.still.length)}${num(p.resolved.length)}` +
      `<td>${idList(p.new)}</td><td>${idList(p.resolved)}</td></tr>`,
  );
  return (
    `<p>${against}</p>` +
    '<table class="list"><thead><tr><th scope="col">Policy</th><th scope="col" class="num">New</th><th scope="col" class="num">Still</th>' +
    '<th scope="col" class="num">Resolved</th><th scope="col">New shares</th><th scope="col">Resolved shares</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody><tfoot><tr><th scope="row">all policies (distinct shares)</th>${num(t.new)}${num(t.still)}${num(t.resolved)}<td></td><td></td></tr></tfoot></table>`
  );
}
