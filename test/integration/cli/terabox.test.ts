/**
 * `share-lifecycle create`, `shares list` and `emulator` as separate processes against the emulator.
 */
import { startEmulator, type RunningEmulator } from '../../../lib/terabox/emulator';
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, emulatorEnv } from './support/fixtures';
import { spawn } from 'node:child_process';

describe('share-lifecycle create and shares list', () => {
  let cli: BuiltCli;
  let emulator: RunningEmulator;

  beforeAll(async () => {
    [cli, emulator] = await Promise.all([buildCli(), startEmulator({ seed: 'files=40,shares=130,seed=5' })]);
    emulator.state.addFiles([{ path: '/Public/cli/brochure.pdf', fsId: '900000000000101' }, { path: '/Public/cli/kit.zip' }]);
    emulator.state.addShare({ shareId: '9007199254740993', paths: ['/Public/cli/kit.zip'] });
  });

  afterAll(async () => {
    cli.cleanup();
    await emulator.close();
  });

  it.each([
    ['a public link by path', ['--path', '/Public/cli/kit.zip', '--period', '30'], { period: 30, visibility: 'public' }],
    ['a private link by fs id', ['--fs-id', '900000000000101', '--password', 'ab12', '--period', '0'], { period: 0, visibility: 'private' }],
  ])('creates %s straight on TeraBox', async (_what, args, expected) => {
    const before = emulator.state.shares.size;
    const result = await runCli(cli, ['create', ...args, '--json'], { env: cliEnv(emulatorEnv(emulator)) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const created = JSON.parse(result.stdout) as { link: string; shortUrl: string; period: number; visibility: string };
    expect(created).toMatchObject(expected);
    expect(emulator.state.shares.size).toBe(before + 1);
    const share = emulator.state.findShareByShortUrl(created.shortUrl.replace(/^.*\/s\//, ''));
    expect(share?.public).toBe(expected.visibility === 'public');
    expect(share?.period).toBe(expected.period);
  });

  it.each([
    [['create'], 'give at least one --fs-id or --path'],
    [['create', '--path', '/a', '--password', 'TOO-LONG'], '--password must be exactly 4 characters of 0-9 and a-z'],
    [['create', '--path', '/a', '--period', '5'], "option '--period <days>' argument '5' is invalid. must be 0 (permanent), 1, 7 or 30 (days)."],
  ])('refuses %j as a usage error', async (args, message) => {
    const result = await runCli(cli, args, { env: cliEnv(emulatorEnv(emulator)) });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`share-lifecycle: ${message}\n`);
  });

  it('says what TeraBox refused when a path does not exist', async () => {
    const result = await runCli(cli, ['create', '--path', '/Public/cli/missing.pdf'], { env: cliEnv(emulatorEnv(emulator)) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^share-lifecycle: TeraBox: .*-9/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('lists every share over several pages as JSON, ids as exact strings', async () => {
    const result = await runCli(cli, ['shares', 'list', '--json', '--page-size', '50'], { env: cliEnv(emulatorEnv(emulator)) });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(''); // no progress when piped
    const shares = JSON.parse(result.stdout) as Array<{ shareId: string; paths: string[]; createdAt?: string }>;
    expect(shares.map((s) => s.shareId).sort()).toEqual([...emulator.state.shares.keys()].sort());
    expect(shares.find((s) => s.shareId === '9007199254740993')?.paths).toEqual(['/Public/cli/kit.zip']);
  });

  it('lists from /share/record with TERABOX_LIST_ENDPOINT=record, and refuses an unknown endpoint', async () => {
    const before = emulator.state.counts['/share/record'] ?? 0;
    const result = await runCli(cli, ['shares', 'list', '--json', '--page-size', '100'], { env: cliEnv({ ...emulatorEnv(emulator), TERABOX_LIST_ENDPOINT: 'record' }) });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as unknown[]).length).toBe(emulator.state.shares.size);
    expect((emulator.state.counts['/share/record'] ?? 0) - before).toBe(2);
    const bad = await runCli(cli, ['shares', 'list'], { env: cliEnv({ ...emulatorEnv(emulator), TERABOX_LIST_ENDPOINT: 'records' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('share-lifecycle: invalid setting: TERABOX_LIST_ENDPOINT must be sharelist or record\n');
  });

  it('paces its TeraBox requests with TERABOX_REQUESTS_PER_SECOND, and refuses a bad rate', async () => {
    const result = await runCli(cli, ['shares', 'list', '--json', '--page-size', '100'], { env: cliEnv({ ...emulatorEnv(emulator), TERABOX_REQUESTS_PER_SECOND: '50' }) });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as unknown[]).length).toBe(emulator.state.shares.size);
    const bad = await runCli(cli, ['shares', 'list'], { env: cliEnv({ ...emulatorEnv(emulator), TERABOX_REQUESTS_PER_SECOND: 'fast' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('share-lifecycle: invalid setting: TERABOX_REQUESTS_PER_SECOND must be a number above 0 and at most 1000 (requests per second)\n');
  });

  it('lists shares as a table', async () => {
    const result = await runCli(cli, ['shares', 'list'], { env: cliEnv(emulatorEnv(emulator)) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SHARE ID\s+CREATED\s+AGE\s+EXPIRES\s+VISIBILITY\s+LINK\s+PATHS$/m);
    expect(result.stdout).toMatch(/^9007199254740993\s/m);
    expect(result.stdout).toContain(`${emulator.state.shares.size} shares\n`);
  });

  it('reports a rejected cookie in one line without printing it', async () => {
    const ndus = 'stale-cookie-abcdefghijklmnop';
    const result = await runCli(cli, ['shares', 'list'], { env: cliEnv(emulatorEnv(emulator, ndus)) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^share-lifecycle: TeraBox rejected the session .*ndus cookie.*TERABOX_NDUS/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout + result.stderr).not.toContain(ndus);
  });

  it('runs the emulator alone until it is stopped', async () => {
    const child = spawn(process.execPath, [cli.bin, 'emulator', '--port', '0', '--seed', 'files=10,shares=3'], { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.on('exit', () => reject(new Error(`emulator exited early: ${out}`)));
    });
    const listed = await runCli(cli, ['shares', 'list', '--json'], { env: cliEnv({ TERABOX_BASE_URL: url, TERABOX_NDUS: 'emulator-ndus' }) });
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(3);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('emulator stopped');
  });

  it('passes --help through to the emulator', async () => {
    const result = await runCli(cli, ['emulator', '--help'], { env: cliEnv() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--faults <spec>');
  });
});
