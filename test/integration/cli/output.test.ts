/**
 * What the CLI writes is complete or an error: large outputs read by a slow pipe, and an enforcing
 * sweep interrupted during its cancels, as separate processes against the emulator.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startEmulator, type RunningEmulator } from '../../../lib/terabox/emulator';
import { aPolicy } from '../../factories/store-items';
import { waitUntil } from '../../support/waiting';
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, emulatorEnv, policyFile, scratchDir } from './support/fixtures';

const SHARES = 20_000;
const LIST = '/share/teratransfer/sharelist';
const CANCEL = '/share/cancel';

interface Report {
  status: string;
  mode: string;
  inventory: { shares: number; complete: boolean };
  decisions: Array<{ shareId: string; action: string }>;
  cancelled: string[];
  errors: string[];
}

/**
 * The hold of a slow reader: until the child has exited (a CLI that exits with output queued
 * has then lost it) or, for a CLI that rightly waits for its reader, a while after the listing
 * ended. The assertions hold whatever the length of the hold; it only gives a wrong CLI the chance
 * to exit early.
 */
function holdUntilExitOrListed(emulator: RunningEmulator, pages: number): { onSpawn: (child: ChildProcess) => void; hold: Promise<void> } {
  let exited!: Promise<void>;
  let spawned!: () => void;
  const started = new Promise<void>((resolve) => (spawned = resolve));
  const hold = started.then(() =>
    Promise.race([exited, waitUntil(() => (emulator.state.counts[LIST] ?? 0) >= pages, 'the listing to end', 120_000).then(() => new Promise<void>((r) => setTimeout(r, 1000)))]),
  );
  return {
    onSpawn: (child) => {
      exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      spawned();
    },
    hold,
  };
}

describe('share-lifecycle output through a slow pipe', () => {
  let cli: BuiltCli;
  let emulator: RunningEmulator;
  const files = scratchDir();
  let everythingPath: string;

  beforeAll(async () => {
    [cli, emulator] = await Promise.all([buildCli(), startEmulator({ seed: `files=500,shares=${SHARES},seed=11` })]);
    // Flags every share: the dry run's report then holds one decision per share.
    everythingPath = files.write('everything.json', policyFile([aPolicy({ policyId: 'everything', scope: undefined, exempt: undefined, rule: { type: 'name', deny: ['**'] } })]));
  });

  afterAll(async () => {
    cli.cleanup();
    files.remove();
    await emulator.close();
  });

  beforeEach(() => emulator.state.resetCounts());

  it(`writes every one of ${SHARES} shares as JSON that parses`, async () => {
    const { onSpawn, hold } = holdUntilExitOrListed(emulator, SHARES / 100);
    const result = await runCli(cli, ['shares', 'list', '--json'], { env: cliEnv(emulatorEnv(emulator)), holdStdoutUntil: hold, onSpawn, timeoutMs: 120_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(1024 * 1024);
    const shares = JSON.parse(result.stdout) as Array<{ shareId: string }>;
    expect(shares.map((s) => s.shareId).sort()).toEqual([...emulator.state.shares.keys()].sort());
  });

  it(`writes every one of ${SHARES} shares as a table`, async () => {
    const { onSpawn, hold } = holdUntilExitOrListed(emulator, SHARES / 100);
    const result = await runCli(cli, ['shares', 'list'], { env: cliEnv(emulatorEnv(emulator)), holdStdoutUntil: hold, onSpawn, timeoutMs: 120_000 });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^SHARE ID\s+CREATED/);
    expect(lines.at(-2)).toBe(`${SHARES} shares`);
    expect(lines.at(-1)).toBe('');
    const ids = lines.slice(1, -2).map((line) => line.split(/\s+/)[0]);
    expect(ids.sort()).toEqual([...emulator.state.shares.keys()].sort());
  });

  it(`writes the whole dry-run plan of ${SHARES} shares as JSON that parses`, async () => {
    const { onSpawn, hold } = holdUntilExitOrListed(emulator, SHARES / 100);
    const result = await runCli(cli, ['sweep', '--dry-run', '--policies-file', everythingPath, '--json'], {
      env: cliEnv(emulatorEnv(emulator)),
      holdStdoutUntil: hold,
      onSpawn,
      timeoutMs: 240_000,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ status: 'completed', mode: 'dry-run', inventory: { shares: SHARES, complete: true }, cancelled: [] });
    expect(report.decisions.map((d) => d.shareId).sort()).toEqual([...emulator.state.shares.keys()].sort());
    expect(new Set(report.decisions.map((d) => d.action))).toEqual(new Set(['would-cancel']));
  }, 300_000);
});

describe('share-lifecycle sweep interrupted during its cancels', () => {
  let cli: BuiltCli;
  let emulator: RunningEmulator;
  const files = scratchDir();
  let policiesPath: string;
  const LIMITS = { MAX_CANCELLATIONS_PER_RUN: '100000', MAX_CANCELLATION_PERCENT: '100' };

  beforeAll(async () => {
    // Cancels are slow (300 ms each), so that the interrupt lands among them.
    [cli, emulator] = await Promise.all([buildCli(), startEmulator({ seed: 'files=200,shares=1500,seed=3', faults: `latency=300,paths=${CANCEL}` })]);
    policiesPath = files.write(
      'everything.json',
      policyFile([aPolicy({ policyId: 'everything', scope: undefined, exempt: undefined, maxCancellationsPerRun: undefined, rule: { type: 'name', deny: ['**'] } })]),
    );
  });

  afterAll(async () => {
    cli.cleanup();
    files.remove();
    await emulator.close();
  });

  it.each([['JSON', ['--json']], ['text', []]])('stops after the batch in flight, lists exactly what is gone, and exits 130 (%s)', async (_label, format: string[]) => {
    emulator.state.resetCounts();
    const before = new Set(emulator.state.shares.keys());
    const reportFile = files.path(`report${format.join('')}.json`);
    let child: ChildProcess | undefined;
    const running = runCli(cli, ['sweep', '--policies-file', policiesPath, '--report-file', reportFile, ...format], {
      env: cliEnv(emulatorEnv(emulator), LIMITS),
      onSpawn: (c) => (child = c),
      timeoutMs: 120_000,
    });
    await waitUntil(() => (emulator.state.counts[CANCEL] ?? 0) >= 3, 'three cancel batches reaching TeraBox', 120_000);
    child?.kill('SIGINT');
    const result = await running;

    expect(result.code).toBe(130);
    const stderr = result.stderr.trim().split('\n');
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^share-lifecycle: interrupted by SIGINT: \d+ shares cancelled before the stop, \d+ planned not cancelled/);

    const gone = [...before].filter((id) => !emulator.state.shares.has(id)).sort();
    expect(gone.length).toBeGreaterThanOrEqual(300);
    expect(gone.length).toBeLessThan(before.size);
    const recorded = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    expect([...recorded.cancelled].sort()).toEqual(gone);
    expect(recorded.status).toBe('failed');
    if (format.includes('--json')) {
      expect(JSON.parse(result.stdout)).toEqual(recorded);
    } else {
      // The text lists every share cancelled (an in-memory run has no other record), and no more.
      const section = /^Cancelled \((\d+)\):\n((?: {2}.*\n)*)/m.exec(result.stdout);
      expect(section?.[1]).toBe(String(gone.length));
      const listed = (section?.[2] ?? '').split('\n').filter((l) => /^ {2}\d/.test(l)).map((l) => l.trim().split(' ')[0]);
      expect(listed.sort()).toEqual(gone);
      expect(result.stdout).toContain(`Planned for cancellation, not cancelled (${before.size - gone.length}):`);
      expect(result.stdout).not.toContain('runs show');
    }
    // Put the account back for the next case.
    for (const id of gone) emulator.state.addShare({ shareId: id, paths: [`/Restored/${id}.txt`] });
  });
});
