/**
 * `share-lifecycle sweep` and `runs` as a separate process against the emulator: with a policies
 * file (nothing but TeraBox needed) and against tables on DynamoDB Local, whose audit trail
 * `runs list` / `runs show` then read.
 */
import { startEmulator, type RunningEmulator } from '../../../lib/terabox/emulator';
import { aPolicy } from '../../factories/store-items';
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, cliTables, emulatorEnv, policyFile, scratchDir, type CliTables } from './support/fixtures';

const DAY_S = 86_400;

interface Report {
  runId: string;
  status: string;
  mode: string;
  inventory: { shares: number; complete: boolean };
  decisions: Array<{ shareId: string; action: string; policyIds: string[]; reasons: string[] }>;
  cancelled: string[];
  guardrail: { tripped: boolean; planned: number } | null;
  errors: string[];
}

/** The account: which shares the sample policies must cancel, exempt or keep. */
const ACCOUNT = {
  oldPublic: { shareId: '41000000001', paths: ['/Public/old-flyer.pdf'], ageDays: 45, public: true },
  olderPublic: { shareId: '41000000002', paths: ['/Public/older-flyer.pdf'], ageDays: 80, public: true },
  envFile: { shareId: '41000000003', paths: ['/Team/prod.env'], ageDays: 2, public: false },
  evergreen: { shareId: '41000000004', paths: ['/Public/evergreen/logo.png'], ageDays: 200, public: true },
  freshPublic: { shareId: '41000000005', paths: ['/Public/new-flyer.pdf'], ageDays: 3, public: true },
  oldPrivate: { shareId: '41000000006', paths: ['/Public/contract.pdf'], ageDays: 90, public: false },
  // An id beyond 2^53: must come back digit for digit.
  hugeId: { shareId: '9007199254740993', paths: ['/Public/huge-id.pdf'], ageDays: 60, public: true },
} as const;
// The account is tiny: 4 of 7 is far above the default 20 % cap (tested on its own below).
const LIMITS = { MAX_CANCELLATION_PERCENT: '100' };
const EXPECTED_CANCEL = ['41000000001', '41000000002', '41000000003', '9007199254740993'];

const policies = [
  aPolicy({ policyId: 'public-30d', scope: { pathPrefixes: ['/Public/'], visibility: 'public' }, exempt: { pathPrefixes: ['/Public/evergreen/'] } }),
  aPolicy({ policyId: 'no-env', scope: undefined, exempt: undefined, maxCancellationsPerRun: undefined, rule: { type: 'name', deny: ['**/*.env'] } }),
];

describe('share-lifecycle sweep', () => {
  let cli: BuiltCli;
  let emulator: RunningEmulator;
  let tables: CliTables;
  const files = scratchDir();
  let policiesPath: string;

  const liveIds = (): string[] => [...emulator.state.shares.keys()].sort();
  const seedAccount = (): void => {
    for (const id of liveIds()) emulator.state.removeShare(id);
    const now = Math.floor(Date.now() / 1000);
    for (const s of Object.values(ACCOUNT)) {
      emulator.state.addShare({ shareId: s.shareId, paths: [...s.paths], ctime: now - s.ageDays * DAY_S, public: s.public, ...(s.public ? {} : { pwd: 'ab12' }) });
    }
  };

  beforeAll(async () => {
    [cli, emulator, tables] = await Promise.all([buildCli(), startEmulator({ seed: 'files=20,shares=0' }), cliTables('cli-sweep')]);
    policiesPath = files.write('policies.json', policyFile(policies));
  });

  beforeEach(() => seedAccount());

  afterAll(async () => {
    cli.cleanup();
    files.remove();
    await Promise.all([emulator.close(), tables.drop()]);
  });

  it('plans with --dry-run --json from a policies file alone, and cancels nothing', async () => {
    const result = await runCli(cli, ['sweep', '--dry-run', '--policies-file', policiesPath, '--json'], { env: cliEnv(emulatorEnv(emulator), LIMITS) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(Object.keys(report).sort()).toEqual(['cancelled', 'decisions', 'errors', 'givenUp', 'guardrail', 'ineffectiveCancels', 'inventory', 'missingShares', 'mode', 'runId', 'status', 'warnings'].sort());
    expect(report).toMatchObject({ status: 'completed', mode: 'dry-run', inventory: { shares: 7, complete: true }, cancelled: [], errors: [] });
    expect(report.guardrail).toMatchObject({ tripped: false, planned: 4 });
    expect(report.decisions.filter((d) => d.action === 'would-cancel').map((d) => d.shareId).sort()).toEqual(EXPECTED_CANCEL);
    expect(report.decisions.find((d) => d.shareId === ACCOUNT.evergreen.shareId)).toMatchObject({ action: 'exempt', policyIds: ['public-30d'] });
    expect(report.decisions.find((d) => d.shareId === ACCOUNT.envFile.shareId)?.reasons).toEqual([
      'path "/Team/prod.env" matches deny pattern "**/*.env" (no-env)',
    ]);
    for (const d of report.decisions) expect(typeof d.shareId).toBe('string');
    expect(liveIds()).toHaveLength(7);
  });

  it('enforces: cancels exactly the planned shares on TeraBox and reports them', async () => {
    const env = cliEnv(emulatorEnv(emulator), LIMITS);
    const plan = JSON.parse((await runCli(cli, ['sweep', '--dry-run', '--policies-file', policiesPath, '--json'], { env })).stdout) as Report;
    const planned = plan.decisions.filter((d) => d.action === 'would-cancel').map((d) => d.shareId).sort();

    const result = await runCli(cli, ['sweep', '--policies-file', policiesPath, '--json'], { env });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.mode).toBe('enforce');
    expect([...report.cancelled].sort()).toEqual(planned);
    expect(report.decisions.filter((d) => d.action === 'cancel').map((d) => d.shareId).sort()).toEqual(planned);
    expect(liveIds()).toEqual(Object.values(ACCOUNT).map((s) => s.shareId).filter((id) => !planned.includes(id)).sort());
  });

  it('prints a report a person can read', async () => {
    const result = await runCli(cli, ['sweep', '--dry-run', '--policies-file', policiesPath], { env: cliEnv(emulatorEnv(emulator), LIMITS) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Sweep \S+ \(dry-run, completed; trigger cli; account default\)/);
    expect(result.stdout).toContain('Inventory: 7 shares listed in 1 page');
    expect(result.stdout).toMatch(/public-30d\s+enforce/);
    expect(result.stdout).toContain('Would be cancelled (dry run) (4):');
    expect(result.stdout).toContain('Guardrails: ok (4 planned');
  });

  it('cancels nothing when a guardrail trips', async () => {
    const tight = files.write('tight.json', policyFile([{ ...policies[0]!, maxCancellationsPerRun: 1 }]));
    const result = await runCli(cli, ['sweep', '--policies-file', tight, '--json'], { env: cliEnv(emulatorEnv(emulator), LIMITS) });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.guardrail).toMatchObject({ tripped: true, planned: 3 });
    expect(report.cancelled).toEqual([]);
    expect(liveIds()).toHaveLength(7);
  });

  it('holds every cancellation back under the default 20 % guardrail', async () => {
    const result = await runCli(cli, ['sweep', '--policies-file', policiesPath], { env: cliEnv(emulatorEnv(emulator)) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Guardrail TRIPPED: nothing was cancelled');
    expect(result.stdout).toContain('the run planned 4 cancellations of 7 shares, the limit is 20% (1; 3 over)');
    expect(liveIds()).toHaveLength(7);
  });

  it('refuses an invalid policies file before listing anything', async () => {
    const bad = files.write('bad.json', policyFile([{ ...policies[0]!, rule: { type: 'max-age', maxAgeDay: 30 } }]));
    emulator.state.resetCounts();
    const result = await runCli(cli, ['sweep', '--policies-file', bad], { env: cliEnv(emulatorEnv(emulator), LIMITS) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid policies; nothing was swept');
    expect(result.stderr).toContain('rule.maxAgeDay: unknown field');
    expect(emulator.state.counts['/share/teratransfer/sharelist'] ?? 0).toBe(0);
  });

  it('fails without leaking the cookie when TeraBox refuses it, and cancels nothing', async () => {
    const ndus = 'wrong-cookie-value-1234567890';
    const result = await runCli(cli, ['sweep', '--policies-file', policiesPath], { env: cliEnv(emulatorEnv(emulator, ndus), LIMITS) });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Failed:');
    expect(result.stdout + result.stderr).toMatch(/ndus/i);
    expect(result.stdout + result.stderr).not.toContain(ndus);
    expect(liveIds()).toHaveLength(7);
  });

  it('names every missing TeraBox setting and exits 2', async () => {
    const result = await runCli(cli, ['sweep', '--dry-run', '--policies-file', policiesPath], { env: cliEnv() });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'share-lifecycle: missing setting: TERABOX_NDUS and TERABOX_BASE_URL (or TERABOX_SECRET_ID) (set it in the environment or pass --stack NAME)\n',
    });
  });

  it('names every missing table when run against deployed tables', async () => {
    const result = await runCli(cli, ['sweep', '--dry-run'], { env: cliEnv(emulatorEnv(emulator), LIMITS) });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'share-lifecycle: missing settings: POLICIES_TABLE, SHARES_TABLE, INVENTORY_TABLE, RUNS_TABLE (set them in the environment or pass --stack NAME)\n',
    );
  });

  it('sweeps against the tables, and runs list / runs show read its audit trail', async () => {
    const env = cliEnv(emulatorEnv(emulator), tables.env, LIMITS);
    expect((await runCli(cli, ['policies', 'apply', policiesPath], { env })).code).toBe(0);
    const swept = await runCli(cli, ['sweep', '--dry-run', '--json'], { env });
    expect(swept.code).toBe(0);
    const report = JSON.parse(swept.stdout) as Report;

    const list = await runCli(cli, ['runs', 'list', '--json'], { env });
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.stdout) as Array<{ runId: string; mode: string; status: string; trigger: string }>;
    expect(runs[0]).toMatchObject({ runId: report.runId, mode: 'dry-run', status: 'completed', trigger: 'cli' });

    const shown = await runCli(cli, ['runs', 'show', report.runId, '--json', '--decision', 'would-cancel'], { env });
    expect(shown.code).toBe(0);
    const { run, entries } = JSON.parse(shown.stdout) as { run: { runId: string }; entries: Array<{ shareId: string; decision: string; policyIds: string[] }> };
    expect(run.runId).toBe(report.runId);
    expect(entries.map((e) => e.shareId).sort()).toEqual(EXPECTED_CANCEL);

    const text = await runCli(cli, ['runs', 'show', report.runId], { env });
    expect(text.stdout).toMatch(/^mode:\s+dry-run$/m);
    expect(text.stdout).toMatch(/^SHARE ID\s+DECISION\s+OUTCOME\s+POLICIES\s+REASONS/m);

    const table = await runCli(cli, ['runs', 'list'], { env });
    expect(table.stdout).toContain(report.runId);

    const missing = await runCli(cli, ['runs', 'show', 'no-such-run'], { env });
    expect(missing).toMatchObject({ code: 1, stderr: 'share-lifecycle: no run "no-such-run" in the runs table\n' });
  });
});
