/**
 * The report's two charts as inline SVG (no script, no external resource): a stacked bar per
 * policy, and the inventory's age histogram with each max-age limit drawn as a line. Every label
 * that comes from data is escaped.
 */
import type { AgeHistogram } from '../../domain/age-histogram';
import { escapeHtml } from './escape';
import { DECISION_COLOURS, REPORT_DECISIONS, ageBins, type PolicyBar, type ReportPolicy } from './model';

const WIDTH = 760;
const LABEL_W = 210;
const BAR_H = 20;
const ROW_H = 28;

/** A legend as HTML (swatches and names), so it wraps and reads as text. */
function legend(items: ReadonlyArray<{ colour: string; label: string; dashed?: boolean }>): string {
  const swatch = (colour: string, dashed: boolean | undefined): string =>
    dashed === undefined
      ? `<span class="swatch" style="background:${colour}"></span>`
      : `<svg class="line-swatch" width="22" height="10" aria-hidden="true"><line x1="0" y1="5" x2="22" y2="5" stroke="${colour}" stroke-width="2"${dashed ? ' stroke-dasharray="4 3"' : ''}/></svg>`;
  return `<ul class="legend">${items.map((i) => `<li>${swatch(i.colour, i.dashed)}${escapeHtml(i.label)}</li>`).join('')}</ul>`;
}

/** One stacked horizontal bar per policy: its shares by decision. */
export function policyBarChart(bars: readonly PolicyBar[]): string {
  if (bars.length === 0) return '<p class="empty">No policies and no decisions in this run.</p>';
  const max = Math.max(1, ...bars.map((b) => b.total));
  const plotW = WIDTH - LABEL_W - 60;
  const height = bars.length * ROW_H + 10;
  const rows = bars.map((b, i) => {
    const y = 5 + i * ROW_H;
    let x = LABEL_W;
    const segments: string[] = [];
    for (const d of REPORT_DECISIONS) {
      const n = b.counts[d];
      if (n === 0) continue;
      const w = (n / max) * plotW;
      segments.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${DECISION_COLOURS[d]}"><title>${escapeHtml(`${b.policyId}: ${n} ${d}`)}</title></rect>`);
      x += w;
    }
    return (
      `<text x="${LABEL_W - 8}" y="${y + 15}" text-anchor="end" class="label">${escapeHtml(b.policyId)}</text>` +
      segments.join('') +
      `<text x="${(x + 6).toFixed(1)}" y="${y + 15}" class="value">${b.total}</text>`
    );
  });
  const used = REPORT_DECISIONS.filter((d) => bars.some((b) => b.counts[d] > 0));
  return (
    `<svg class="chart" role="img" aria-label="shares per policy by decision" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">` +
    `<line x1="${LABEL_W}" y1="0" x2="${LABEL_W}" y2="${height}" class="axis"/>${rows.join('')}</svg>` +
    legend((used.length > 0 ? used : REPORT_DECISIONS).map((d) => ({ colour: DECISION_COLOURS[d], label: d })))
  );
}

const LIMIT_COLOURS = ['#b03a2e', '#7d3c98', '#117a65', '#b9770e', '#2e4053'];
const HIST_H = 240;
const M = { left: 50, right: 20, top: 16, bottom: 34 };

/** The histogram's axes and grid: y ticks at 0, half and the top count; x ticks every few bins. */
function histogramAxes(maxCount: number, bins: number, width: number, x: (day: number) => number, y: (n: number) => number): string {
  const parts: string[] = [];
  for (const n of [0, Math.round(maxCount / 2), maxCount]) {
    parts.push(`<line x1="${M.left}" y1="${y(n).toFixed(1)}" x2="${WIDTH - M.right}" y2="${y(n).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y(n) + 4).toFixed(1)}" text-anchor="end" class="tick">${n}</text>`);
  }
  const every = Math.max(1, Math.ceil(bins / 10));
  for (let i = 0; i <= bins; i += every) {
    parts.push(`<text x="${x(i * width).toFixed(1)}" y="${HIST_H - M.bottom + 16}" text-anchor="middle" class="tick">${i * width}</text>`);
  }
  parts.push(`<text x="${(WIDTH / 2).toFixed(0)}" y="${HIST_H - 4}" text-anchor="middle" class="tick">age in days</text>`);
  parts.push(`<line x1="${M.left}" y1="${y(0).toFixed(1)}" x2="${WIDTH - M.right}" y2="${y(0).toFixed(1)}" class="axis"/>`);
  return parts.join('');
}

/** The share ages in bins, with a vertical line at each max-age policy's limit. */
export function ageHistogramChart(ages: AgeHistogram | undefined, policies: readonly ReportPolicy[]): string {
  if (ages === undefined) return '<p class="empty">This run recorded no share ages (it stopped before evaluating, or it ran before ages were recorded).</p>';
  const limits = policies.filter((p): p is ReportPolicy & { maxAgeDays: number } => p.maxAgeDays !== undefined);
  const { width, counts } = ageBins(ages.dayCounts, Math.max(0, ...limits.map((p) => p.maxAgeDays)));
  const maxCount = Math.max(1, ...counts);
  const plotW = WIDTH - M.left - M.right;
  const plotH = HIST_H - M.top - M.bottom;
  const span = counts.length * width;
  const x = (day: number): number => M.left + (day / span) * plotW;
  const y = (n: number): number => M.top + plotH - (n / maxCount) * plotH;
  const bars = counts.map((n, i) => {
    if (n === 0) return '';
    const from = i * width;
    const label = width === 1 ? `day ${from}` : `days ${from} to ${from + width - 1}`;
    return `<rect x="${(x(from) + 1).toFixed(1)}" y="${y(n).toFixed(1)}" width="${Math.max(1, x(width) - M.left - 2).toFixed(1)}" height="${(y(0) - y(n)).toFixed(1)}" class="bin"><title>${escapeHtml(`${label}: ${n} shares`)}</title></rect>`;
  });
  const lines = limits.map((p, i) => {
    const colour = LIMIT_COLOURS[i % LIMIT_COLOURS.length] as string;
    const lx = x(p.maxAgeDays).toFixed(1);
    const dash = p.mode === 'dry-run' ? ' stroke-dasharray="6 4"' : '';
    return (
      `<line x1="${lx}" y1="${M.top}" x2="${lx}" y2="${y(0).toFixed(1)}" stroke="${colour}" stroke-width="2"${dash}><title>${escapeHtml(`${p.policyId}: ${p.maxAgeDays} days`)}</title></line>` +
      `<text x="${(Number(lx) + 4).toFixed(1)}" y="${M.top + 12 + i * 14}" class="limit" fill="${colour}">${escapeHtml(`${p.maxAgeDays} d`)}</text>`
    );
  });
  const items = [
    { colour: '#5d8aa8', label: `shares by age (${width === 1 ? '1 day' : `${width} days`} a bar)` },
    ...limits.map((p, i) => ({ colour: LIMIT_COLOURS[i % LIMIT_COLOURS.length] as string, dashed: p.mode === 'dry-run', label: `${p.policyId}: ${p.maxAgeDays} days (${p.mode})` })),
  ];
  return (
    `<svg class="chart" role="img" aria-label="share ages with the max-age limits" viewBox="0 0 ${WIDTH} ${HIST_H}" width="${WIDTH}" height="${HIST_H}">` +
    histogramAxes(maxCount, counts.length, width, x, y) +
    bars.join('') +
    lines.join('') +
    `</svg>${legend(items)}`
  );
}
