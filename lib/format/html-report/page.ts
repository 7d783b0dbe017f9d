/**
 * The HTML run report: one self-contained page (inline CSS and SVG, one small static script for
 * the table; no network, no external font, image or style), readable with scripts off.
 */
import { formatTime } from '../plain-text';
import { ageHistogramChart, policyBarChart } from './charts';
import { escapeHtml, jsonForScript } from './escape';
import { DECISION_COLOURS, REPORT_DECISIONS, policyBars, reportedEntries, type HtmlReportInput } from './model';
import { ageNotes, diffSection, guardrailSection, policiesTable, summarySection } from './sections';
import { TABLE_SCRIPT, decisionTable } from './table';

const STYLE = `
:root { color-scheme: light; --fg: #1c2833; --muted: #5f6a6a; --line: #d5d8dc; --bg-alt: #f4f6f7; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
header { padding: 18px 32px; background: #1f3a56; color: #fff; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; opacity: .85; }
main { padding: 8px 32px 32px; max-width: 1280px; }
section { margin-top: 26px; }
h2 { font-size: 17px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin: 0 0 10px; }
.mono, .path { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted, .empty { color: var(--muted); }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 12px; }
dl.fields dt { font-weight: 600; }
dl.fields dd { margin: 0; }
.status-completed { color: #1e8449; font-weight: 600; }
.status-failed { color: #c0392b; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 4px 0 14px; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: 6px 14px; min-width: 96px; text-align: right; }
.figure .n { display: block; font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.figure span:last-child { color: var(--muted); font-size: 12px; }
details.all-counts table { columns: 1; }
details.all-counts summary { cursor: pointer; font-weight: 600; }
.tables { display: flex; gap: 32px; flex-wrap: wrap; align-items: flex-start; }
table { border-collapse: collapse; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
table.numbers th, table.numbers td { padding: 2px 10px 2px 0; border-bottom: 1px solid var(--line); text-align: left; font-weight: normal; }
table.numbers td.num { text-align: right; min-width: 70px; }
table.list th, table.list td, table.decisions th, table.decisions td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.list th.num, table.list td.num, table.decisions th.num, table.decisions td.num { text-align: right; }
table.decisions { width: 100%; }
table.decisions thead th { position: sticky; top: 0; background: var(--bg-alt); white-space: nowrap; }
table.decisions tbody tr:nth-child(even) { background: #fafbfc; }
th.sortable { cursor: pointer; user-select: none; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
.path { overflow-wrap: anywhere; min-width: 220px; max-width: 380px; }
td.policies { white-space: nowrap; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; color: #fff; font-size: 12px; white-space: nowrap; }
${REPORT_DECISIONS.map((d) => `.d-${d} { background: ${DECISION_COLOURS[d]}; }`).join('\n')}
.verdict { padding: 10px 14px; border-radius: 6px; font-weight: 600; margin: 0 0 6px; }
.verdict.ok { background: #e9f7ef; color: #1e8449; }
.verdict.tripped { background: #fdedec; color: #922b21; }
.verdict.none { background: var(--bg-alt); color: var(--muted); }
.errors { background: #fdedec; padding: 8px 12px; border-radius: 6px; margin-top: 10px; }
.warnings { background: #fef5e7; padding: 8px 12px; border-radius: 6px; margin-top: 10px; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg .label, svg .value, svg .tick { font-size: 12px; fill: var(--fg); }
svg .limit { font-size: 12px; font-weight: 600; }
svg .tick { fill: var(--muted); }
svg .axis { stroke: #85929e; }
svg .grid { stroke: #eaeded; }
svg .bin { fill: #5d8aa8; }
ul.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
ul.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.controls { margin: 0 0 10px; display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
.controls[hidden] { display: none; }
.controls input { width: 280px; padding: 4px 6px; }
.ids { max-width: 420px; word-break: break-all; }
footer { padding: 16px 32px; color: var(--muted); border-top: 1px solid var(--line); }
`;

/** What the embedded JSON carries (for tools that read the page): the summary and the rows, as data. */
function reportData(input: HtmlReportInput): unknown {
  return {
    run: input.summary,
    decisions: reportedEntries(input.entries).map((e) => ({
      shareId: e.shareId,
      decision: e.decision,
      outcome: e.outcome,
      policyIds: e.policyIds,
      reasons: e.reasons,
      paths: e.paths,
      requester: e.requester,
    })),
    diff: input.diff ?? null,
  };
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
}

/** Renders the whole report page. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const s = input.summary;
  const title = `Run ${s.runId}: ${s.mode}, ${s.status}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network at all: nothing may be loaded from anywhere, inline style and script only.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<header><h1>${escapeHtml(title)}</h1><p>TeraBox share lifecycle: run report, written ${escapeHtml(formatTime(input.generatedAtMs))}</p></header><main>`,
    section('summary', 'Run summary', summarySection(s)),
    section('guardrail', 'Guardrail verdict', guardrailSection(s)),
    section('policies', 'Policies: shares per policy by decision', policiesTable(input.policies, input.policiesSource) + policyBarChart(policyBars(input.entries, input.policies))),
    section('ages', 'Share ages, with the max-age limits', ageHistogramChart(s.ages, input.policies) + ageNotes(s.ages)),
    section('diff', 'Changes since the previous run', diffSection(input.diff)),
    section('decision-table', 'Every decision other than keep, with its reasons', decisionTable(input.entries)),
    '</main><footer>One self-contained file: it loads nothing from the network. Share paths and names are shown as text.</footer>',
    `<script type="application/json" id="report-data">${jsonForScript(reportData(input))}</script>`,
    `<script>${TABLE_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
