/**
 * `share-lifecycle policies ...` as a separate process against DynamoDB Local.
 */
import { aPolicy, anExemption } from '../../factories/store-items';
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, cliTables, policyFile, scratchDir, type CliTables } from './support/fixtures';

describe('share-lifecycle policies', () => {
  let cli: BuiltCli;
  let tables: CliTables;
  const files = scratchDir();
  let env: Record<string, string>;

  const validFile = () =>
    files.write(
      'valid.json',
      policyFile([
        aPolicy({ policyId: 'public-30d' }),
        aPolicy({ policyId: 'no-env', scope: undefined, exempt: undefined, rule: { type: 'name', deny: ['**/*.env'] } }),
        { kind: 'exemption', ...anExemption({ exemptionId: 'legal-hold' }) },
      ]),
    );
  const oneInvalidFile = () =>
    files.write(
      'one-invalid.json',
      policyFile([aPolicy({ policyId: 'fine' }), { ...aPolicy({ policyId: 'broken' }), rule: { type: 'max-age', maxAgeDays: -3 } }]),
    );

  beforeAll(async () => {
    [cli, tables] = await Promise.all([buildCli(), cliTables('cli-pol')]);
    env = cliEnv(tables.env);
  });

  afterAll(async () => {
    cli.cleanup();
    files.remove();
    await tables.drop();
  });

  it('validates a good file without any setting and lists what it holds', async () => {
    const result = await runCli(cli, ['policies', 'validate', validFile()], { env: cliEnv() });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('ok       policy public-30d (enforce): max age 30 days');
    expect(result.stdout).toContain('ok       exemption legal-hold');
    expect(result.stdout).toMatch(/2 policies and 1 exemption, all valid/);
  });

  it('validates the shipped samples', async () => {
    const result = await runCli(cli, ['policies', 'validate', '--json', 'samples/policies.json'], { env: cliEnv() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: true,
      policies: ['agency-links-review', 'archive-links-60-days', 'marketing-quota', 'no-secret-files', 'public-links-90-days'],
      exemptions: ['legal-hold-projects'],
      invalid: [],
    });
  });

  it.each([
    ['an invalid policy', 1, 'policy "broken": rule.maxAgeDays', () => oneInvalidFile()],
    ['a file that is not JSON', 1, 'not valid JSON', () => files.write('not-json.json', '[{"policyId": ')],
    ['a file that is not an array', 1, 'must be a JSON array', () => files.write('object.json', '{"policyId":"x"}')],
    ['a missing file', 2, 'cannot read', () => files.path('nowhere.json')],
  ])('refuses %s with exit code %d and a message naming the problem (%s)', async (_what, code, message, file) => {
    const result = await runCli(cli, ['policies', 'validate', file()], { env: cliEnv() });
    expect(result.code).toBe(code);
    expect(result.stdout + result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  });

  it('applies nothing when one item of the file is invalid', async () => {
    const result = await runCli(cli, ['policies', 'apply', oneInvalidFile()], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('1 invalid item; nothing was applied');
    expect(result.stderr).toContain('policy "broken": rule.maxAgeDays');
    expect(await tables.stores.policies.listPolicies()).toEqual([]);
  });

  it('applies a valid file, lists it as a table and as JSON, then deletes a policy', async () => {
    const applied = await runCli(cli, ['policies', 'apply', '--json', validFile()], { env });
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toEqual({
      created: ['no-env', 'public-30d'],
      updated: [],
      exemptions: ['legal-hold'],
      actor: { id: expect.any(String), source: 'os-user', note: expect.stringContaining('AWS_ENDPOINT_URL_DYNAMODB points at a local DynamoDB') },
    });

    const again = await runCli(cli, ['policies', 'apply', validFile()], { env });
    expect(again.stdout).toContain('updated  policy public-30d');

    const table = await runCli(cli, ['policies', 'list'], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^POLICY\s+MODE\s+ENABLED\s+RULE\s+UPDATED/);
    expect(table.stdout).toMatch(/public-30d\s+enforce\s+yes\s+max age 30 days/);
    expect(table.stdout).toContain('exemption legal-hold: Legal hold until the case closes');

    const json = await runCli(cli, ['policies', 'list', '--json'], { env });
    const listed = JSON.parse(json.stdout) as { policies: Array<{ policy: { policyId: string }; valid: boolean; version?: number }> };
    expect(listed.policies.map((p) => [p.policy.policyId, p.valid])).toEqual([
      ['no-env', true],
      ['public-30d', true],
    ]);

    const deleted = await runCli(cli, ['policies', 'delete', 'no-env'], { env });
    expect(deleted).toMatchObject({ code: 0, stdout: 'deleted policy no-env\n' });
    expect((await tables.stores.policies.listPolicies()).map((p) => p.policyId)).toEqual(['public-30d']);

    const gone = await runCli(cli, ['policies', 'delete', 'no-env'], { env });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('share-lifecycle: no policy "no-env" in the policies table\n');
  });

  it('shows a policy\'s history newest first, as text and as JSON, and refuses a policy it never saw', async () => {
    // After the test above: both policies applied twice, then no-env deleted.
    const text = await runCli(cli, ['policies', 'history', 'public-30d'], { env });
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}update {2}v1 -> v2 {2}by \S+ \(the OS user name: AWS_ENDPOINT_URL_DYNAMODB points/);
    expect(lines[1]).toBe('    (no field changed)');
    expect(lines[2]).toMatch(/ create {2}v1 {2}by /);
    expect(text.stdout).toMatch(/ {4}rule: \(none\) -> \{"type":"max-age","maxAgeDays":30\}/);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('2 changes of policy public-30d');

    const json = await runCli(cli, ['policies', 'history', 'no-env', '--json'], { env });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { policyId: string; entries: Array<{ change: string; versionBefore?: number; versionAfter?: number; before?: unknown }> };
    expect(parsed.policyId).toBe('no-env');
    expect(parsed.entries.map((e) => [e.change, e.versionBefore ?? null, e.versionAfter ?? null])).toEqual([
      ['delete', 2, null],
      ['update', 1, 2],
      ['create', null, 1],
    ]);
    expect(parsed.entries[0]?.before).toMatchObject({ policyId: 'no-env', rule: { type: 'name', deny: ['**/*.env'] } });

    const none = await runCli(cli, ['policies', 'history', 'never-was'], { env });
    expect(none).toMatchObject({ code: 1, stderr: 'share-lifecycle: no policy "never-was" and no recorded change of one in the policies table\n' });
  });

  it('names the missing setting in one line and exits 2', async () => {
    const result = await runCli(cli, ['policies', 'list'], { env: cliEnv() });
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'share-lifecycle: missing setting: POLICIES_TABLE (set it in the environment or pass --stack NAME)\n',
    });
  });

  it('prints help as a separate process too (every command is checked in-process in test/unit/cli)', async () => {
    const result = await runCli(cli, ['policies', 'apply', '--help'], { env: cliEnv() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: share-lifecycle policies apply \[options\] <file>/);
  });
});
