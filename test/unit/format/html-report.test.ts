/**
 * The HTML run report, parsed with a real HTML parser (parse5 builds the tree a browser builds):
 * every decision other than keep has its row, user data stays text everywhere (no element or
 * attribute can be injected), and the page loads nothing from anywhere.
 */
import { renderHtmlReport } from '../../../lib/format/html-report';
import { ageBins, policyBars } from '../../../lib/format/html-report/model';
import { escapeHtml, jsonForScript } from '../../../lib/format/html-report/escape';
import { HOSTILE_NAME, HOSTILE_PATHS, HOSTILE_POLICY_ID, HOSTILE_REQUESTER, REPORT_POLICIES, aReportInput, aReportRun, reportEntries } from '../../factories/html-report';
import { attr, descendants, parsePage, textOf, type ParsedPage } from '../../support/html';

/** Every tag the report itself writes: anything else in the tree was injected. */
const OWN_TAGS = new Set([
  'html', 'head', 'body', 'meta', 'title', 'style', 'script', 'header', 'main', 'footer', 'section', 'h1', 'h2', 'p', 'dl', 'dt', 'dd',
  'div', 'span', 'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'ul', 'li', 'details', 'summary', 'label', 'input',
  'select', 'option', 'strong', 'svg', 'rect', 'line', 'text', 'g',
]);

describe('the HTML run report', () => {
  const input = aReportInput();
  const html = renderHtmlReport(input);
  const page: ParsedPage = parsePage(html);
  const table = page.byId('decisions');
  const rows = table === undefined ? [] : descendants(table, 'tbody').flatMap((b) => descendants(b, 'tr'));

  it('has one row per decision other than keep, in share id order, and none for the keeps', () => {
    const expected = input.entries.filter((e) => e.decision !== 'keep');
    expect(expected.length).toBeGreaterThan(30);
    const ids = rows.map((r) => textOf(descendants(r, 'td')[0] as never));
    expect([...ids].sort()).toEqual(expected.map((e) => e.shareId).sort());
    expect(ids).toEqual([...ids].sort((a, b) => a.length - b.length || (a < b ? -1 : 1)));
    for (const keep of input.entries.filter((e) => e.decision === 'keep')) expect(ids).not.toContain(keep.shareId);
    const byId = new Map(rows.map((r) => [textOf(descendants(r, 'td')[0] as never), r]));
    for (const e of expected) {
      const cells = descendants(byId.get(e.shareId) as never, 'td').map(textOf);
      expect(cells[1]).toBe(e.decision);
      expect(attr(byId.get(e.shareId) as never, 'data-decision')).toBe(e.decision);
      expect(cells[6]).toContain(e.reasons[0]);
    }
  });

  it('shows the hostile file name, paths, requester and policy id as text', () => {
    const pathCells = rows.map((r) => descendants(r, 'td')[4]).map((c) => textOf(c as never));
    for (const p of HOSTILE_PATHS) expect(pathCells).toContain(p);
    expect(pathCells.some((c) => c.includes(HOSTILE_NAME))).toBe(true);
    expect(rows.map((r) => textOf(descendants(r, 'td')[5] as never))).toContain(HOSTILE_REQUESTER);
    expect(textOf(page.byId('diff') as never)).toContain(HOSTILE_POLICY_ID);
    expect(textOf(page.byId('policies') as never)).toContain(HOSTILE_POLICY_ID);
  });

  it('lets no element or attribute in through the user data', () => {
    const foreign = page.elements.map((e) => e.tagName).filter((t) => !OWN_TAGS.has(t));
    expect(foreign).toEqual([]);
    expect(page.byTag('img')).toEqual([]);
    expect(page.byTag('iframe')).toEqual([]);
    expect(page.elements.flatMap((e) => e.attrs.map((a) => a.name)).filter((n) => n.startsWith('on'))).toEqual([]);
    // The JSON data and the table script: no third script.
    expect(page.byTag('script').map((s) => attr(s, 'type') ?? 'javascript')).toEqual(['application/json', 'javascript']);
  });

  it('loads nothing: no src or href, no url() or @import in the style, a CSP that allows no fetch', () => {
    const refs = page.elements.flatMap((e) => e.attrs.filter((a) => ['src', 'href', 'xlink:href', 'srcset', 'action', 'poster'].includes(a.name)));
    expect(refs).toEqual([]);
    expect(html).not.toMatch(/https?:\/\/(?!evil\.example)/); // the only URL is the hostile requester's text
    const style = page.byTag('style').map(textOf).join('');
    expect(style).not.toMatch(/url\(|@import/i);
    const csp = page.byTag('meta').find((m) => attr(m, 'http-equiv') === 'Content-Security-Policy');
    expect(attr(csp as never, 'content')).toContain("default-src 'none'");
  });

  it('embeds the data as JSON that parses back exactly and cannot end its script element', () => {
    const data = page.byId('report-data');
    const text = textOf(data as never);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    const parsed = JSON.parse(text) as { run: { runId: string }; decisions: Array<{ paths?: string[]; requester?: string }> };
    expect(parsed.run.runId).toBe(input.summary.runId);
    expect(parsed.decisions.flatMap((d) => d.paths ?? [])).toEqual(expect.arrayContaining(HOSTILE_PATHS));
    expect(parsed.decisions.map((d) => d.requester)).toContain(HOSTILE_REQUESTER);
  });

  it('shows everything with scripts off: the table is complete, only the filter controls wait for the script', () => {
    expect(attr(page.byId('table-controls') as never, 'hidden')).toBe('');
    for (const r of rows) expect(attr(r, 'hidden')).toBeUndefined();
  });

  it('draws a bar per policy and a line per max-age limit on the age histogram', () => {
    const policies = page.byId('policies') as never;
    const titles = descendants(policies, 'title').map(textOf);
    expect(titles).toEqual(expect.arrayContaining(['public-90: 6 cancel', 'archive-60: 6 would-cancel', `${HOSTILE_POLICY_ID}: 3 cancel`]));
    const ages = page.byId('ages') as never;
    const limitTitles = descendants(ages, 'line').flatMap((l) => descendants(l, 'title')).map(textOf);
    expect(limitTitles).toEqual(['archive-60: 60 days', 'public-90: 90 days']);
    expect(textOf(ages)).toContain('archive-60: 60 days (dry-run)');
    expect(textOf(ages)).toContain('2 shares have no known age');
    const binTotal = descendants(ages, 'rect').map((r) => Number(/: (\d+) shares$/.exec(textOf(r))?.[1] ?? NaN));
    expect(binTotal.reduce((a, b) => a + b, 0)).toBe(aReportRun().ages?.dayCounts.reduce((a, b) => a + b, 0));
  });

  it('says OK or TRIPPED for the guardrail', () => {
    expect(textOf(page.byId('guardrail') as never)).toContain('OK: 20 planned cancellations');
    const tripped = parsePage(
      renderHtmlReport(
        aReportInput({
          summary: aReportRun({
            guardrail: {
              tripped: true,
              planned: 600,
              maxCancellations: 500,
              maxCancellationPercent: 20,
              trips: [{ limit: 'global-count', limitValue: 500, allowed: 500, planned: 600, excess: 100, message: 'run would cancel 600 shares, above the limit of 500' }],
            },
          }),
        }),
      ),
    );
    const text = textOf(tripped.byId('guardrail') as never);
    expect(text).toContain('TRIPPED: nothing was cancelled');
    expect(text).toContain('run would cancel 600 shares, above the limit of 500');
  });

  it('shows the diff per policy, or says there is no previous run', () => {
    const diff = page.byId('diff') as never;
    const cells = descendants(diff, 'tr').map((r) => descendants(r, 'td').map(textOf).slice(0, 4));
    expect(cells).toContainEqual(['public-90', '2', '1', '1']);
    expect(textOf(diff)).toContain('Compared with run 20310430T100000000Z-00000000');
    const none = parsePage(renderHtmlReport(aReportInput({ diff: undefined })));
    expect(textOf(none.byId('diff') as never)).toBe('Changes since the previous runNo diff: the flagged set of this run or of the run before it is not stored.');
  });

  it('renders a run that stopped before evaluating: no verdict, no ages, no decisions', () => {
    const failed = aReportRun({ status: 'failed', reason: 'listing failed: <b>timeout</b>', guardrail: undefined, ages: undefined, counts: undefined });
    const p = parsePage(renderHtmlReport(aReportInput({ summary: failed, entries: [], diff: undefined })));
    expect(textOf(p.byId('guardrail') as never)).toContain('No verdict');
    expect(textOf(p.byId('ages') as never)).toContain('recorded no share ages');
    expect(textOf(p.byId('decision-table') as never)).toContain('No decision other than keep');
    expect(textOf(p.byId('summary') as never)).toContain('listing failed: <b>timeout</b>');
    expect(p.byTag('b')).toEqual([]);
  });
});

describe('the report model', () => {
  it('counts each entry once on every policy it names, keeps left out', () => {
    const bars = policyBars(reportEntries(6), REPORT_POLICIES);
    const byId = Object.fromEntries(bars.map((b) => [b.policyId, b]));
    expect(byId['public-90']?.counts).toMatchObject({ cancel: 1, exempt: 1, marked: 1, unevaluable: 1, 'cancel-ineffective': 1 });
    expect(byId['archive-60']?.counts['would-cancel']).toBe(1);
    expect(byId['no-secrets']?.total).toBe(3);
    expect(byId[HOSTILE_POLICY_ID]?.total).toBe(3);
  });

  it.each([
    { days: 121, limit: 90, width: 5, bins: 25 },
    { days: 10, limit: 90, width: 5, bins: 19 },
    { days: 10, limit: 0, width: 1, bins: 10 },
    { days: 3651, limit: 0, width: 180, bins: 21 },
  ])('bins $days days (limit $limit) into $bins bins of $width days', ({ days, limit, width, bins }) => {
    const dayCounts = new Array<number>(days).fill(1);
    const out = ageBins(dayCounts, limit);
    expect(out).toMatchObject({ width });
    expect(out.counts).toHaveLength(bins);
    expect(out.counts.reduce((a, b) => a + b, 0)).toBe(days);
  });
});

describe('escaping', () => {
  it.each([
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    [`"'&`, '&quot;&#39;&amp;'],
    ['plain /Public/café 文件.pdf', 'plain /Public/café 文件.pdf'],
  ])('escapes %j for text and attributes', (raw, escaped) => {
    expect(escapeHtml(raw)).toBe(escaped);
  });

  it('writes JSON for a script element without <, >, & or U+2028/9, and it parses back', () => {
    const value = { p: '</script><!-- & \u2028\u2029' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
