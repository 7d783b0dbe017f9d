/**
 * The HTML run report in a real browser: headless Chromium (Debian's `chromium` package) driven by
 * playwright-core. The page loads nothing but itself, the hostile names stay text (no dialog, no
 * element), the table sorts and filters with the script and is complete without it, and a
 * screenshot is taken. Without /usr/bin/chromium the suite is skipped, and says so in its name
 * and on the console.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderHtmlReport } from '../../lib/format/html-report';
import { HOSTILE_NAME, HOSTILE_PATHS, aReportInput } from '../factories/html-report';

// CHROMIUM_PATH points elsewhere (or at nothing, to see the skip).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const installed = existsSync(CHROMIUM);
if (!installed) console.warn(`html-report-browser: skipped: chromium not installed (${CHROMIUM}; apt-get install -y chromium)`);
const suite = installed ? describe : describe.skip;
const VIEWPORT = { width: 1280, height: 2000 };

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

suite(installed ? 'the HTML report in headless Chromium' : 'the HTML report in headless Chromium (skipped: chromium not installed)', () => {
  const input = aReportInput();
  const reported = input.entries.filter((e) => e.decision !== 'keep');
  let browser: Browser;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'html-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtmlReport(input));
    url = pathToFileURL(file).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the report, recording every request, dialog and page error. */
  async function open(javaScriptEnabled: boolean): Promise<{ page: Page; requests: string[]; dialogs: string[]; errors: string[] }> {
    const context = await browser.newContext({ viewport: VIEWPORT, javaScriptEnabled });
    const page = await context.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    await page.goto(url, { waitUntil: 'load' });
    return { page, requests, dialogs, errors };
  }

  it('loads nothing but the file, runs no injected script, and shows the hostile names as text', async () => {
    const { page, requests, dialogs, errors } = await open(true);
    expect(requests).toEqual([url]);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.locator('img, iframe').count()).toBe(0);
    const paths = await page.locator('#decisions td.path').allTextContents();
    for (const p of HOSTILE_PATHS) expect(paths).toContain(p);
    expect(await page.getByText(HOSTILE_NAME).count()).toBeGreaterThan(0);
    await page.context().close();
  });

  it('filters by text and by decision, and sorts by a clicked heading', async () => {
    const { page } = await open(true);
    const visible = page.locator('#decisions tbody tr:visible');
    expect(await visible.count()).toBe(reported.length);
    await page.locator('#filter-text').fill('archive-60');
    expect(await visible.count()).toBe(reported.filter((e) => e.policyIds.includes('archive-60')).length);
    expect(await page.locator('#filter-count').innerText()).toBe(`${await visible.count()} of ${reported.length} shown`);
    await page.locator('#filter-text').fill('');
    await page.locator('#filter-decision').selectOption('cancel');
    const decisions = await visible.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-decision')));
    expect(new Set(decisions)).toEqual(new Set(['cancel']));
    expect(decisions).toHaveLength(reported.filter((e) => e.decision === 'cancel').length);
    await page.locator('#filter-decision').selectOption('');
    const heading = page.locator('#decisions th', { hasText: 'Share ID' });
    await heading.click();
    await heading.click();
    const ids = await page.locator('#decisions tbody tr td:first-child').allInnerTexts();
    const descending = [...ids].sort((a, b) => b.length - a.length || (a < b ? 1 : -1));
    expect(ids).toEqual(descending);
    expect(await heading.getAttribute('aria-sort')).toBe('descending');
    await page.context().close();
  });

  it('shows every row with scripts off (the filter controls stay hidden)', async () => {
    const { page, requests } = await open(false);
    expect(requests).toEqual([url]);
    expect(await page.locator('#decisions tbody tr:visible').count()).toBe(reported.length);
    expect(await page.locator('#table-controls').isVisible()).toBe(false);
    expect(await page.locator('#ages svg.chart').isVisible()).toBe(true);
    await page.context().close();
  });

  it('takes a screenshot of the page', async () => {
    const { page } = await open(true);
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot });
    expect(pngSize(shot)).toEqual(VIEWPORT);
    // The charts are drawn: both SVGs have a size on the page.
    for (const id of ['#policies svg.chart', '#ages svg.chart']) expect((await page.locator(id).boundingBox())?.width).toBeGreaterThan(600);
    await page.context().close();
  });
});
