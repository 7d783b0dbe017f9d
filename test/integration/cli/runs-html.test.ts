/**
 * `share-lifecycle runs show RUN_ID --html FILE` as a separate process: an enforcing sweep against
 * tables on DynamoDB Local and the emulator, whose account holds a share with a hostile file name;
 * the report it writes is parsed with parse5.
 */
import { readFileSync } from 'node:fs';
import { startEmulator, type RunningEmulator } from '../../../lib/terabox/emulator';
import { aPolicy } from '../../factories/store-items';
import { HOSTILE_NAME } from '../../factories/html-report';
import { attr, descendants, parsePage, textOf } from '../../support/html';
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, cliTables, emulatorEnv, policyFile, scratchDir, type CliTables } from './support/fixtures';

const DAY_S = 86_400;
const LIMITS = { MAX_CANCELLATION_PERCENT: '100' };

const ACCOUNT = [
  { shareId: '42000000001', paths: [`/Public/${HOSTILE_NAME}`], ageDays: 45 },
  { shareId: '42000000002', paths: ['/Public/old-flyer.pdf'], ageDays: 80 },
  { shareId: '42000000003', paths: ['/Public/evergreen/logo.png'], ageDays: 200 },
  { shareId: '42000000004', paths: ['/Public/new-flyer.pdf'], ageDays: 3 },
  { shareId: '42000000005', paths: ['/Team/prod.env'], ageDays: 1 },
];

const policies = [
  aPolicy({ policyId: 'public-30d', scope: { pathPrefixes: ['/Public/'], visibility: 'public' }, exempt: { pathPrefixes: ['/Public/evergreen/'] } }),
  aPolicy({ policyId: 'no-env', scope: undefined, exempt: undefined, maxCancellationsPerRun: undefined, rule: { type: 'name', deny: ['**/*.env'] } }),
];

describe('share-lifecycle runs show --html', () => {
  let cli: BuiltCli;
  let emulator: RunningEmulator;
  let tables: CliTables;
  const files = scratchDir();

  beforeAll(async () => {
    [cli, emulator, tables] = await Promise.all([buildCli(), startEmulator({ seed: 'files=20,shares=0' }), cliTables('cli-html')]);
    const now = Math.floor(Date.now() / 1000);
    for (const s of ACCOUNT) emulator.state.addShare({ shareId: s.shareId, paths: [...s.paths], ctime: now - s.ageDays * DAY_S, public: true });
  });

  afterAll(async () => {
    cli.cleanup();
    files.remove();
    await Promise.all([emulator.close(), tables.drop()]);
  });

  it('writes a report of the enforcing run with every decision, the hostile name as text, and the run\'s share ages', async () => {
    const env = cliEnv(emulatorEnv(emulator), tables.env, LIMITS);
    expect((await runCli(cli, ['policies', 'apply', files.write('policies.json', policyFile(policies))], { env })).code).toBe(0);
    const swept = await runCli(cli, ['sweep', '--json'], { env });
    expect(swept.code).toBe(0);
    const { runId } = JSON.parse(swept.stdout) as { runId: string };

    const file = files.path('report.html');
    const shown = await runCli(cli, ['runs', 'show', runId, '--html', file, '--json', '--decision', 'cancel'], { env });
    expect(shown.code).toBe(0);
    expect(shown.stderr).toBe(`wrote the HTML report of run ${runId} to ${file}\n`);
    // --json and --decision still shape stdout; the report holds every entry.
    const { entries } = JSON.parse(shown.stdout) as { entries: Array<{ shareId: string }> };
    expect(entries.map((e) => e.shareId).sort()).toEqual(['42000000001', '42000000002', '42000000005']);

    const page = parsePage(readFileSync(file, 'utf8'));
    const rows = descendants(page.byId('decisions') as never, 'tbody').flatMap((b) => descendants(b, 'tr'));
    const byId = Object.fromEntries(rows.map((r) => [textOf(descendants(r, 'td')[0] as never), attr(r, 'data-decision')]));
    expect(byId).toEqual({ '42000000001': 'cancel', '42000000002': 'cancel', '42000000003': 'exempt', '42000000005': 'cancel' });
    expect(rows.map((r) => textOf(descendants(r, 'td')[4] as never))).toContain(`/Public/${HOSTILE_NAME}`);
    expect(page.byTag('img')).toEqual([]);
    expect(textOf(page.byId('guardrail') as never)).toContain('OK: 3 planned cancellations');
    // The age histogram: the five shares' ages from TeraBox's creation time, and the 30-day limit.
    const ages = textOf(page.byId('ages') as never);
    expect(ages).toContain("5 from TeraBox's creation time");
    expect(ages).toContain('public-30d: 30 days (enforce)');
    expect(textOf(page.byId('diff') as never)).toContain('This is the first run: every flagged share is new.');
  });

  it('names the file it cannot write, with exit code 2 and nothing on stdout', async () => {
    const env = cliEnv(emulatorEnv(emulator), tables.env, LIMITS);
    const swept = JSON.parse((await runCli(cli, ['sweep', '--dry-run', '--json'], { env })).stdout) as { runId: string };
    const file = files.path('no-such-dir/report.html');
    const shown = await runCli(cli, ['runs', 'show', swept.runId, '--html', file], { env });
    expect(shown).toMatchObject({ code: 2, stdout: '' });
    expect(shown.stderr).toBe(`share-lifecycle: cannot write the HTML report to ${file}: ENOENT\n`);
  });
});
