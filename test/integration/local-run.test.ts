/**
 * The `npm start` run as a function (runLocalLifecycle) and its watch mode: the whole lifecycle on
 * the embedded stack (emulator + dynalite + the three handlers over in-memory queues).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLifecycleOn, runLocalLifecycle, type LocalRunReport } from '../../local/lifecycle';
import { startLocalStack } from '../../local/local-stack';
import { renderLocalReport } from '../../local/report';
import { SUPPORT_ACCOUNT } from '../../local/sample-account';
import { watchLocalStack } from '../../local/watch';
import { parseShareRequestLines } from '../../lib/contracts/share-request';
import { PassThrough } from 'node:stream';
import { aShareRequest } from '../factories/messages';
import { aPolicy } from '../factories/store-items';
import { descendants, parsePage, textOf } from '../support/html';
import { waitUntil } from '../support/waiting';

const SAMPLE_REQUESTS = (() => {
  const parsed = parseShareRequestLines(readFileSync(join(__dirname, '..', '..', 'samples', 'requests.jsonl'), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.requests;
})();

describe('the local run (npm start)', () => {
  let report: LocalRunReport;
  const steps: string[] = [];
  const htmlDir = mkdtempSync(join(tmpdir(), 'local-html-'));
  const htmlFile = join(htmlDir, 'report.html');

  beforeAll(async () => {
    report = await runLocalLifecycle({ onStep: (line) => steps.push(line), htmlFile });
  });

  afterAll(() => rmSync(htmlDir, { recursive: true, force: true }));

  it('creates the sample requests through create-shares and records the bad ones', () => {
    const byId = Object.fromEntries(report.requests.outcomes.map((o) => [o.requestId, o.status]));
    const expected: Record<string, string> = Object.fromEntries(SAMPLE_REQUESTS.map((r) => [r.requestId, 'created']));
    expected['sample-0008'] = 'failed'; // the sample asks for a file that does not exist
    expected['sample-bad-0001'] = 'rejected';
    expected['(unreadable message)'] = 'dead-lettered';
    expect(byId).toEqual(expected);
    expect(report.requests).toMatchObject({ created: SAMPLE_REQUESTS.length - 1, rejected: 1, failed: 1, deadLettered: 1 });
    for (const o of report.requests.outcomes.filter((x) => x.status === 'created')) expect(o.shareId).toMatch(/^\d+$/);
    const createdOn = (account: string): number => SAMPLE_REQUESTS.filter((r) => r.account === account && r.requestId !== 'sample-0008').length;
    expect(report.account.beforeSweeps).toBe(report.account.seeded + createdOn('default'));
  });

  it('serves two accounts: each request reaches its own account, each account is planned, enforced and checked on its own', () => {
    expect(report.accounts.map((a) => a.accountId)).toEqual(['default', 'support']);
    const [deployment, support] = report.accounts;
    if (deployment === undefined || support === undefined) throw new Error('two accounts expected');
    expect(support.emulatorUrl).not.toBe(deployment.emulatorUrl);
    const named = (account: string): number => SAMPLE_REQUESTS.filter((r) => r.account === account).length;
    expect(support.created).toBe(named('support'));
    expect(deployment.created).toBe(named('default') - 1); // sample-0008 fails
    expect(support.beforeSweeps).toBe(support.seeded + support.created);
    for (const account of report.accounts) {
      expect(account.problems).toEqual([]);
      expect(account.plan.status).toBe('completed');
      expect(account.enforce.status).toBe('completed');
      expect(account.enforce.cancelled).toBe(account.plan.planned);
      expect(account.cancelledOnTerabox).toHaveLength(account.plan.planned);
      expect(account.after).toBe(account.beforeSweeps - account.plan.planned);
    }
    expect(support.plan.planned).toBeGreaterThan(0);
    // Each account's runs are its own: different run ids, and the support account's enforcing run is not the deployment's.
    expect(new Set(report.accounts.flatMap((a) => [a.plan.runId, a.enforce.runId])).size).toBe(4);
    expect(report.check).toMatchObject({ matches: true, problems: [] });
  });

  it('plans first, cancels nothing in the plan, then the enforcing run cancels exactly what the plan said', () => {
    expect(report.plan).toMatchObject({ status: 'completed', mode: 'dry-run', cancelled: [] });
    expect(report.enforce).toMatchObject({ status: 'completed', mode: 'enforce', errors: [] });
    expect(report.check).toMatchObject({ matches: true, problems: [] });
    const planned = report.plan.guardrail?.planned ?? 0;
    expect(planned).toBeGreaterThan(0);
    const decided = report.enforce.decisions.filter((d) => d.action === 'cancel').map((d) => d.shareId).sort();
    expect(decided).toHaveLength(planned);
    expect([...report.enforce.cancelled].sort()).toEqual(decided);
    expect(report.check.cancelledOnTerabox).toEqual([...decided].sort((a, b) => a.length - b.length || (a < b ? -1 : 1)));
    expect(report.cancellation.cancelled.map((c) => c.shareId).sort()).toEqual(decided);
    expect(report.account.after).toBe(report.account.beforeSweeps - planned);
  });

  it('exercises every sample policy: each rule kind cancels, and the dry-run policy only reports', () => {
    const lines = Object.fromEntries(report.policies.lines.map((l) => [l.policyId, l]));
    for (const id of ['public-links-90-days', 'no-secret-files', 'marketing-quota']) expect(lines[id]?.enforce.cancel ?? 0).toBeGreaterThan(0);
    expect(lines['archive-links-60-days']).toMatchObject({ mode: 'dry-run' });
    expect(lines['archive-links-60-days']?.enforce['would-cancel'] ?? 0).toBeGreaterThan(0);
    // The quota keeps marketing's two newest requests; the .env request is cancelled for its name.
    const cancelledRequests = report.cancellation.cancelled.filter((c) => c.requestId !== undefined).map((c) => c.requestId).sort();
    expect(cancelledRequests).toEqual(['sample-0001', 'sample-0002', 'sample-0007']);
    expect(report.enforce.guardrail).toMatchObject({ tripped: false });
  });

  it('says why each share was cancelled, and renders a report a person can read', () => {
    for (const c of report.cancellation.cancelled) expect(c.reason).toMatch(/\((public-links-90-days|no-secret-files|marketing-quota)\)/);
    const text = renderLocalReport(report);
    for (const heading of ['1. Policies', '2. Share requests through create-shares', '3. Plan: a dry run', '4. Enforce', '5. Check', 'timings:']) {
      expect(text).toContain(heading);
    }
    expect(text).toContain(`✓ the enforcing run cancelled exactly the ${report.check.planned} shares the plan planned`);
    expect(steps).toHaveLength(8); // one more for the support account's sweeps
    expect(text).not.toContain(SUPPORT_ACCOUNT.ndus);
    expect(text).not.toContain('emulator-ndus'); // the emulator's cookie stays out of the report
  });

  it("writes the enforcing run's HTML report: a row for every decision, cancelled ones with their outcome", () => {
    expect(report.htmlReport).toEqual({ file: htmlFile });
    expect(renderLocalReport(report)).toContain(`HTML report of the enforcing run: ${htmlFile}`);
    const html = readFileSync(htmlFile, 'utf8');
    expect(html).not.toContain('emulator-ndus');
    const page = parsePage(html);
    const rows = descendants(page.byId('decisions') as never, 'tbody').flatMap((b) => descendants(b, 'tr'));
    const cells = new Map(rows.map((r) => [textOf(descendants(r, 'td')[0] as never), descendants(r, 'td').map(textOf)]));
    expect([...cells.keys()].sort()).toEqual(report.enforce.decisions.filter((d) => d.action !== 'keep').map((d) => d.shareId).sort());
    for (const c of report.cancellation.cancelled) expect(cells.get(c.shareId)?.slice(1, 3)).toEqual(['cancel', 'cancelled']);
    expect(textOf(page.byId('ages') as never)).toContain(`${report.enforce.inventory.shares} from TeraBox's creation time`);
  });

  it('mails one digest per requester of the grace notices through the local SES server, the fallback for a requester without an address', () => {
    // samples/policies.json: agency-links-review marks the shares of sales and design (72 h grace);
    // samples/requesters.json gives sales two addresses and design none (the fallback gets it).
    expect(report.notices.delivered).toBe(2);
    expect(report.notices.mails.map((m) => m.to.join(',')).sort()).toEqual(['links-admin@example.com', 'sales@example.com,sales-lead@example.com']);
    expect(report.notices.retried).toBe(0);
    expect(report.metrics['notify-owners']).toMatchObject({ NoticeDigestsSent: 2, NoticesDelivered: 2 });
    expect(renderLocalReport(report)).toContain(`Read them in a browser at ${report.notices.sesUrl}`);
  });

  it('records events and metrics as the deployed functions would publish them', () => {
    // Both accounts: a plan and an enforcing run each, and every account's cancels.
    const planned = report.accounts.reduce((sum, a) => sum + a.plan.planned, 0);
    expect(planned).toBeGreaterThan(report.check.planned);
    expect(report.events).toMatchObject({ ShareCreated: report.requests.created, ShareCancelled: planned, SweepCompleted: 2 * report.accounts.length });
    expect(report.metrics['cancel-shares']).toMatchObject({ SharesCancelled: planned });
  });
});

describe('the local run with an HTML report it cannot write', () => {
  it('says so in its report and keeps everything else', async () => {
    const htmlFile = join(tmpdir(), 'no-such-dir-for-the-report', 'report.html');
    const report = await runLocalLifecycle({ htmlFile });
    expect(report.check.matches).toBe(true);
    expect(report.htmlReport).toEqual({ file: htmlFile, error: `cannot write the HTML report to ${htmlFile}: ENOENT` });
    expect(renderLocalReport(report)).toContain(`✗ cannot write the HTML report to ${htmlFile}: ENOENT`);
  });
});

describe('the local run in watch mode', () => {
  it('takes requests from stdin and the inbox, sweeps on its interval, and stops cleanly', async () => {
    const inbox = mkdtempSync(join(tmpdir(), 'local-inbox-'));
    const stack = await startLocalStack({ seed: 'files=50,shares=20,seed=3' });
    const output: string[] = [];
    const stdin = new PassThrough();
    const controller = new AbortController();
    try {
      await runLifecycleOn(stack, { badMessages: false });
      const seen = (pattern: RegExp): Promise<void> => waitUntil(() => pattern.test(output.join('')), `the output to show ${pattern}`, 30_000);
      const watching = watchLocalStack(stack, {
        intervalMs: 300,
        pollMs: 50,
        inbox,
        stdin,
        out: (t) => output.push(t),
        signal: controller.signal,
        handleSignals: false,
      });
      stdin.write(`${JSON.stringify(aShareRequest({ requestId: 'watch-1', account: 'default', paths: ['/Team/sales/terms.pdf'], fsIds: undefined, password: undefined }))}\n`);
      writeFileSync(join(inbox, 'more.jsonl'), `${JSON.stringify(aShareRequest({ requestId: 'watch-2', account: 'support', paths: ['/Team/sales/terms.pdf'], fsIds: undefined, password: undefined }))}\n`);
      writeFileSync(join(inbox, 'bad.json'), '{"requestId":"watch-3"}');
      await seen(/request watch-1 \(account default\): created/);
      await seen(/request watch-2 \(account support\): created/);
      await seen(/sweep \S+ \(account default\): completed/);
      await seen(/sweep \S+ \(account support\): completed/);
      controller.abort();
      await watching;
      expect([...stack.accounts[1]!.emulator.state.shares.values()].some((s) => s.paths.includes('/Team/sales/terms.pdf'))).toBe(true);
      expect(output.join('')).toContain('not sent:');
      expect(readdirSync(inbox).sort()).toEqual(['bad.json.rejected', 'more.jsonl.done']);
      expect(output.join('')).toContain(`export TERABOX_BASE_URL=${stack.emulator.url}`);
      expect(output[output.length - 1]).toBe('stopped\n');
    } finally {
      controller.abort();
      stdin.end();
      await stack.close();
      rmSync(inbox, { recursive: true, force: true });
    }
  });

  it('stops during the cancels of a sweep after the batch in flight and lists exactly what it cancelled', async () => {
    // One share per cancel message, each cancel answered after 100 ms: the stop lands among them.
    const stack = await startLocalStack({ seed: 'files=200,shares=400,seed=9', faults: 'latency=100,paths=/share/cancel', cancelBatchSize: 1, guardrails: { maxCancellations: 10_000, maxCancellationPercent: 100 } });
    const inbox = mkdtempSync(join(tmpdir(), 'local-inbox-'));
    const output: string[] = [];
    const controller = new AbortController();
    try {
      const now = Date.now();
      await stack.dynamo.stores.policies.putPolicies([aPolicy({ policyId: 'everything', scope: undefined, exempt: undefined, maxCancellationsPerRun: undefined, rule: { type: 'name', deny: ['**'] } })], now);
      const before = new Set(stack.emulator.state.shares.keys());
      const watching = watchLocalStack(stack, { intervalMs: 50, pollMs: 10_000, inbox, stdin: new PassThrough(), out: (t) => output.push(t), signal: controller.signal, handleSignals: false });
      await waitUntil(() => (stack.emulator.state.counts['/share/cancel'] ?? 0) >= 3, 'three cancels reaching TeraBox', 60_000);
      controller.abort();
      const outcome = await watching;
      const gone = [...before].filter((id) => !stack.emulator.state.shares.has(id)).sort();
      expect(gone.length).toBeGreaterThanOrEqual(2);
      expect(gone.length).toBeLessThan(before.size);
      expect(outcome.interruptedSweep?.cancelled).toEqual(gone);
      const text = output.join('');
      expect(text).toContain(`stopped during its cancels: ${gone.length} shares cancelled before the stop`);
      expect(text.split('\n').filter((l) => l.startsWith('  cancelled ')).map((l) => l.slice('  cancelled '.length)).sort()).toEqual(gone);
      expect(output[output.length - 1]).toBe('stopped\n');
    } finally {
      await stack.close();
      rmSync(inbox, { recursive: true, force: true });
    }
  });
});
