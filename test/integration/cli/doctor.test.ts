/**
 * `share-lifecycle doctor` in-process against the emulator: text and --json output, the exit
 * code (0 safe, 1 not), --record, and the write test (refused without consent, run with --yes).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lib/cli/main';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../lib/terabox/emulator';
import { memoryIo } from '../../unit/cli/support';

async function doctor(
  emulator: RunningEmulator,
  args: string[],
  terminal?: { typed: string },
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo({ env: { TERABOX_NDUS: 'emulator-ndus', TERABOX_BASE_URL: emulator.url, ...env }, ...(terminal ? { stdin: terminal.typed } : {}) });
  if (terminal) Object.assign(io.io.stdin, { isTTY: true });
  const code = await main(['node', 'share-lifecycle', 'doctor', ...args], io.io);
  return { code, out: io.out(), err: io.err() };
}

describe('share-lifecycle doctor', () => {
  let emulator: RunningEmulator;
  const start = async (options: EmulatorOptions = {}): Promise<void> => {
    emulator = await startEmulator({ seed: 'files=30,shares=12,seed=4', ...options });
  };
  afterEach(async () => emulator.close());

  it('lists with the endpoint TERABOX_LIST_ENDPOINT names, as sweeps do', async () => {
    await start();
    const result = await doctor(emulator, [], undefined, { TERABOX_LIST_ENDPOINT: 'record' });
    expect(result.code).toBe(0);
    expect(emulator.state.counts['/share/record']).toBeGreaterThan(0);
    expect(emulator.state.counts['/share/teratransfer/sharelist'] ?? 0).toBe(0);
    expect(result.out).toMatch(/share listing: the client listed 12 shares in 1 page$/m); // record says nextpage 0
  });

  it('prints a verdict per check and "safe to enforce", exit code 0', async () => {
    await start();
    const result = await doctor(emulator, []);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^ {2}ok {4}cookie: \/api\/check\/login accepted the ndus cookie/m);
    expect(result.out).toMatch(/^ {2}ok {4}share listing: the client listed 12 shares in 1 page$/m);
    expect(result.out.trimEnd().split('\n').pop()).toBe('verdict: safe to enforce');
  });

  it('prints JSON that parses, with exit code 1 and the named problem when not safe', async () => {
    await start({ variant: 'implausible-value' });
    const result = await doctor(emulator, ['--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out) as { safe: boolean; verdict: string; checks: Array<{ id: string; status: string; reason: string }> };
    expect(report.safe).toBe(false);
    expect(report.verdict).toMatch(/^not safe to enforce: share listing: .*ctime is not a plausible unix time/);
    expect(report.checks.find((c) => c.id === 'share-values')?.status).toBe('fail');
  });

  it('writes a bundle with --record and says where', async () => {
    await start();
    const dir = join(mkdtempSync(join(tmpdir(), 'doctor-cli-')), 'bundle');
    try {
      const result = await doctor(emulator, ['--record', dir]);
      expect(result.code).toBe(0);
      expect(result.out).toContain(`bundle: ${dir}\n`);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tool: { name: string; version: string }; keepPaths: boolean };
      expect(manifest.tool).toEqual({ name: 'share-lifecycle', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(manifest.keepPaths).toBe(false);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });

  it.each([
    [['--write-test'], '--write-test needs --path with the absolute path of a file to share for the test'],
    [['--path', '/a.txt'], '--path is for --write-test'],
    [['--keep-paths'], '--keep-paths is for --record'],
  ])('refuses %j as a usage error', async (args, message) => {
    await start();
    const result = await doctor(emulator, args);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`share-lifecycle: ${message}\n`);
  });

  it('refuses the write test without consent, says what it would do, and changes nothing', async () => {
    await start();
    emulator.state.addFiles([{ path: '/Public/doctor/probe.txt' }]);
    const before = [...emulator.state.shares.keys()];
    const result = await doctor(emulator, ['--write-test', '--path', '/Public/doctor/probe.txt']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/it would create a 1-day public share of \/Public\/doctor\/probe\.txt, look for it in the share listing, cancel it and check that it is gone\. Pass --yes/);
    expect(emulator.state.counts['/share/pset']).toBe(0);
    expect([...emulator.state.shares.keys()]).toEqual(before);
  });

  it('runs the write test with --yes: created, found on sharelist, cancelled, gone', async () => {
    await start();
    emulator.state.addFiles([{ path: '/Public/doctor/probe.txt' }]);
    const before = [...emulator.state.shares.keys()].sort();
    const result = await doctor(emulator, ['--write-test', '--path', '/Public/doctor/probe.txt', '--yes', '--json']);
    const report = JSON.parse(result.out) as { safe: boolean; checks: Array<{ id: string; status: string; reason: string; details: string[] }> };
    const writeTest = report.checks.find((c) => c.id === 'write-test');
    expect(writeTest).toMatchObject({ status: 'ok', reason: 'created, found on sharelist and record, cancelled and gone' });
    const created = new RegExp(`^created ${emulator.url.replace(/[.]/g, '\\.')}/s/1\\w+ \\(no share id in the answer\\)$`); // the seed shape's pset gives no id
    expect(writeTest?.details).toEqual([
      expect.stringMatching(created),
      'sharelist: shows the new share',
      'record: shows the new share',
      'cancel: cancelled',
      'sharelist: the share is gone',
    ]);
    expect(result.code).toBe(0);
    expect(emulator.state.counts['/share/pset']).toBe(1);
    expect(emulator.state.counts['/share/cancel']).toBe(1);
    expect([...emulator.state.shares.keys()].sort()).toEqual(before);
  });

  it.each([
    ['y', 0, 1],
    ['n', 2, 0],
  ])('asks at a terminal before the write test; typing %s gives exit %d and %d creates', async (typed, code, creates) => {
    await start();
    emulator.state.addFiles([{ path: '/Public/doctor/probe.txt' }]);
    const result = await doctor(emulator, ['--write-test', '--path', '/Public/doctor/probe.txt'], { typed: `${typed}\n` });
    expect(result.err).toMatch(/^doctor --write-test will create a 1-day public share of \/Public\/doctor\/probe\.txt, .* Go ahead\? \[y\/N\] /);
    expect(result.code).toBe(code);
    expect(emulator.state.counts['/share/pset']).toBe(creates);
  });

  it('fails the write test, naming the create failure, for a path that does not exist', async () => {
    await start();
    const result = await doctor(emulator, ['--write-test', '--path', '/nope.txt', '--yes', '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out) as { checks: Array<{ id: string; status: string; reason: string }> };
    expect(report.checks.find((c) => c.id === 'write-test')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/^create failed: .*errno -9/) });
  });

  it('is listed in the help with its options', async () => {
    await start();
    const result = await doctor(emulator, ['--help']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('--record <dir>');
    expect(result.out).toContain('Exit code 0 when safe to enforce, 1 when not');
    expect(existsSync(join(__dirname, '..', '..', '..', 'lib', 'cli', 'doctor.ts'))).toBe(true);
  });
});
