/**
 * The table of every non-keep decision, with its reasons. It is complete as plain HTML; the page's
 * small script only adds sorting (click a column heading) and filtering on top of it.
 */
import type { AuditEntry } from '../../app/store-ports';
import { compareShareIds } from '../../domain/inventory';
import { escapeHtml } from './escape';
import { reportedEntries } from './model';

export const DECISION_TABLE_ID = 'decisions';

const COLUMNS: ReadonlyArray<{ label: string; sort: 'number' | 'text' }> = [
  { label: 'Share ID', sort: 'number' },
  { label: 'Decision', sort: 'text' },
  { label: 'Outcome', sort: 'text' },
  { label: 'Policies', sort: 'text' },
  { label: 'Paths', sort: 'text' },
  { label: 'Requester', sort: 'text' },
  { label: 'Reasons', sort: 'text' },
];

const list = (items: readonly string[]): string =>
  items.length === 0 ? '<span class="none">-</span>' : items.map((i) => `<div>${escapeHtml(i)}</div>`).join('');

function row(e: AuditEntry): string {
  const reasons = [...e.reasons, ...(e.error !== undefined ? [`error: ${e.error}`] : [])];
  return (
    `<tr data-decision="${escapeHtml(e.decision)}">` +
    `<td class="num mono">${escapeHtml(e.shareId)}</td>` +
    `<td><span class="badge d-${escapeHtml(e.decision)}">${escapeHtml(e.decision)}</span></td>` +
    `<td>${escapeHtml(e.outcome ?? '-')}</td>` +
    `<td class="policies mono">${list(e.policyIds)}</td>` +
    `<td class="path">${list(e.paths ?? [])}</td>` +
    `<td>${escapeHtml(e.requester ?? '-')}</td>` +
    `<td>${list(reasons)}</td>` +
    '</tr>'
  );
}

/** The decision table (in share id order) with its filter controls, hidden until the script shows them. */
export function decisionTable(entries: readonly AuditEntry[]): string {
  const shown = reportedEntries(entries).sort((a, b) => compareShareIds(a.shareId, b.shareId));
  if (shown.length === 0) return '<p class="empty">No decision other than keep in this run.</p>';
  const decisions = [...new Set(shown.map((e) => e.decision))].sort();
  const options = decisions.map((d) => `<option value="${escapeHtml(d)}">${escapeHtml(d)}</option>`).join('');
  const head = COLUMNS.map((c, i) => `<th scope="col" data-col="${i}" data-sort="${c.sort}"${c.sort === 'number' ? ' class="num"' : ''}>${c.label}</th>`).join('');
  return (
    `<div id="table-controls" class="controls" hidden>` +
    `<label>Filter <input type="search" id="filter-text" placeholder="share id, path, policy, reason..."></label> ` +
    `<label>Decision <select id="filter-decision"><option value="">all</option>${options}</select></label> ` +
    `<span id="filter-count" class="muted"></span> <span class="muted">Click a column heading to sort.</span></div>` +
    `<table id="${DECISION_TABLE_ID}" class="decisions"><thead><tr>${head}</tr></thead>` +
    `<tbody>${shown.map(row).join('\n')}</tbody></table>` +
    `<p class="muted">${shown.length} ${shown.length === 1 ? 'decision' : 'decisions'} other than keep.</p>`
  );
}

/**
 * The page's only script: static code, no data interpolated. It shows the filter controls, filters
 * rows by text and decision, and sorts by a clicked heading (again: the other way).
 */
export const TABLE_SCRIPT = `(function () {
  var table = document.getElementById('${DECISION_TABLE_ID}');
  var controls = document.getElementById('table-controls');
  if (!table || !controls) return;
  controls.hidden = false;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById('filter-text');
  var decision = document.getElementById('filter-decision');
  var count = document.getElementById('filter-count');
  function apply() {
    var q = text.value.trim().toLowerCase();
    var d = decision.value;
    var shown = 0;
    rows.forEach(function (r) {
      var ok = (d === '' || r.getAttribute('data-decision') === d) && (q === '' || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = shown + ' of ' + rows.length + ' shown';
  }
  text.addEventListener('input', apply);
  decision.addEventListener('change', apply);
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th) {
    th.tabIndex = 0;
    th.classList.add('sortable');
    function sort() {
      var col = Number(th.getAttribute('data-col'));
      var numeric = th.getAttribute('data-sort') === 'number';
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      var key = function (r) { return r.cells[col].textContent.trim(); };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var c = numeric ? (x.length - y.length) || (x < y ? -1 : x > y ? 1 : 0) : x.localeCompare(y);
        return c * dir;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
  });
  apply();
})();`;
