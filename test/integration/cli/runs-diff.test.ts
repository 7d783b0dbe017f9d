/**
 * `share-lifecycle runs diff` as a separate process against DynamoDB Local: runs and their flagged
 * sets written through the stores, as the sweep writes them.
 */
import { T0 } from '../../factories/store-items';
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, cliTables, type CliTables } from './support/fixtures';

describe('share-lifecycle runs diff', () => {
  let cli: BuiltCli;
  let tables: CliTables;
  let env: Record<string, string>;
  const runIds: string[] = [];

  /** A completed run started at `at` with this flagged set. */
  async function aRun(at: number, flagged: Record<string, string[]>, status: 'completed' | 'failed' = 'completed'): Promise<string> {
    const runId = tables.stores.runs.newRunId(at);
    await tables.stores.runs.startRun({ runId, status: 'running', mode: 'dry-run', trigger: 'cli', startedAtMs: at });
    await tables.stores.runs.finishRun(runId, { status, finishedAtMs: at + 1000 });
    if (status === 'completed') await tables.stores.flaggedSets.putFlaggedSet(runId, flagged, at);
    return runId;
  }

  beforeAll(async () => {
    [cli, tables] = await Promise.all([buildCli(), cliTables('cli-diff')]);
    env = cliEnv(tables.env);
  });

  afterAll(async () => {
    cli.cleanup();
    await tables.drop();
  });

  it('refuses to compare when there is no completed run yet', async () => {
    const result = await runCli(cli, ['runs', 'diff'], { env });
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'share-lifecycle: no completed run in the runs table yet: nothing to compare\n' });
  });

  it('compares the last two completed runs by default, as text and as JSON that parses', async () => {
    const many = Array.from({ length: 12 }, (_, i) => String(500 + i));
    runIds.push(await aRun(T0, { age: ['1', '2', '3'], name: ['9'] }));
    runIds.push(await aRun(T0 + 3_600_000, { age: ['2', '3', '4', ...many] }));
    await aRun(T0 + 7_200_000, {}, 'failed'); // not a completed run: left out of the default

    const text = await runCli(cli, ['runs', 'diff'], { env });
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(`run ${runIds[1]} (2031-05-01T11:00:00Z, dry-run) against run ${runIds[0]} (2031-05-01T10:00:00Z, dry-run)`);
    expect(text.stdout).toMatch(/POLICY\s+NEW\s+STILL\s+RESOLVED\n/);
    expect(text.stdout).toMatch(/\nage\s+13\s+2\s+1\s*\n/);
    expect(text.stdout).toMatch(/\nname\s+0\s+0\s+1\s*\n/);
    expect(text.stdout).toMatch(/\nall shares\s+13\s+2\s+2\s*\n/);
    expect(text.stdout).toContain('age new: 4, 500, 501, 502, 503, 504, 505, 506, 507, 508 (and 3 more)\n');
    expect(text.stdout).toContain('age resolved: 1\n');
    expect(text.stdout).toContain('name resolved: 9\n');

    const json = await runCli(cli, ['runs', 'diff', '--json'], { env });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      fromRunId: runIds[0],
      toRunId: runIds[1],
      policies: [
        { policyId: 'age', new: ['4', ...many], still: ['2', '3'], resolved: ['1'] },
        { policyId: 'name', new: [], still: [], resolved: ['9'] },
      ],
      totals: { new: 13, still: 2, resolved: 2 },
    });
  });

  it('takes two run ids in either order of age, one run id against the completed run before it, and says when a first run has everything new', async () => {
    const both = await runCli(cli, ['runs', 'diff', runIds[1]!, runIds[0]!, '--json'], { env });
    expect(JSON.parse(both.stdout)).toMatchObject({ fromRunId: runIds[1], toRunId: runIds[0], totals: { new: 2, still: 2, resolved: 13 } });

    const one = await runCli(cli, ['runs', 'diff', runIds[1]!, '--json'], { env });
    expect(JSON.parse(one.stdout)).toMatchObject({ fromRunId: runIds[0], toRunId: runIds[1] });

    const first = await runCli(cli, ['runs', 'diff', runIds[0]!], { env });
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')[0]).toBe(`run ${runIds[0]} (2031-05-01T10:00:00Z, dry-run): no completed run before it, so everything flagged is new`);
    expect(first.stdout).toMatch(/\nall shares\s+4\s+0\s+0\s*\n/);
  });

  it.each([
    ['a run that does not exist', () => ['20310501T100000000Z-00000000'], 'share-lifecycle: no run "20310501T100000000Z-00000000" in the runs table\n'],
    ['a run without a stored flagged set', () => [runIds[0]!, 'FAILED'], 'has no stored flagged set'],
  ])('refuses %s with a clear message and exit code 1', async (_what, args, message) => {
    const failed = (await tables.stores.runs.listRuns({ limit: 10 })).find((r) => r.status === 'failed')!.runId;
    const result = await runCli(cli, ['runs', 'diff', ...args().map((a) => (a === 'FAILED' ? failed : a))], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });
});
