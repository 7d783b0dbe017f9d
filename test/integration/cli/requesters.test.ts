/**
 * `share-lifecycle requesters ...` as a separate process against DynamoDB Local.
 */
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, cliTables, type CliTables } from './support/fixtures';

describe('share-lifecycle requesters', () => {
  let cli: BuiltCli;
  let tables: CliTables;
  let env: Record<string, string>;

  beforeAll(async () => {
    [cli, tables] = await Promise.all([buildCli(), cliTables('cli-req')]);
    env = cliEnv(tables.env);
  });

  afterAll(async () => {
    cli.cleanup();
    await tables.drop();
  });

  it('sets requesters and the fallback, lists them as a table and as JSON, and removes them', async () => {
    const mkt = await runCli(cli, ['requesters', 'set', 'marketing', '--email', 'Mkt@Example.com', '--email', 'lead@example.com', '--name', 'Marketing team'], { env });
    expect(mkt).toMatchObject({ code: 0, stderr: '', stdout: 'set requester marketing: mkt@example.com, lead@example.com\n' });
    expect(await runCli(cli, ['requesters', 'set', 'sales'], { env })).toMatchObject({ code: 0, stdout: 'set requester sales: no address (the fallback gets their notices)\n' });
    expect(await runCli(cli, ['requesters', 'set', '--fallback', '--email', 'links-admin@example.com'], { env })).toMatchObject({ code: 0, stdout: 'set the fallback: links-admin@example.com\n' });

    const table = await runCli(cli, ['requesters', 'list'], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^REQUESTER\s+NAME\s+EMAILS/);
    expect(table.stdout).toMatch(/marketing\s+Marketing team\s+mkt@example.com, lead@example.com/);
    expect(table.stdout).toMatch(/sales\s+-\s+- \(fallback\)/);
    expect(table.stdout).toMatch(/fallback: links-admin@example.com\n2 requesters\n$/);

    const listed = await runCli(cli, ['requesters', 'list', '--json'], { env });
    const json = JSON.parse(listed.stdout) as { requesters: { requester: string; emails: string[] }[]; fallback: { emails: string[] }; invalid: unknown[] };
    expect(json.requesters.map((r) => [r.requester, r.emails])).toEqual([
      ['marketing', ['mkt@example.com', 'lead@example.com']],
      ['sales', []],
    ]);
    expect([json.fallback, json.invalid]).toEqual([{ emails: ['links-admin@example.com'] }, []]);

    expect(await runCli(cli, ['requesters', 'remove', 'sales', '--yes'], { env })).toMatchObject({ code: 0 });
    expect(await runCli(cli, ['requesters', 'remove', '--fallback', '--yes'], { env })).toMatchObject({ code: 0, stdout: 'removed the fallback\n' });
    expect(await runCli(cli, ['requesters', 'remove', 'sales', '--yes'], { env })).toMatchObject({ code: 1 });
    const after = await tables.stores.requesters.list();
    expect([after.entries.map((e) => e.requester), after.fallback]).toEqual([['marketing'], undefined]);
  });

  it('writes nothing for invalid addresses, and says which', async () => {
    const bad = await runCli(cli, ['requesters', 'set', 'ops', '--email', 'ops@example.com', '--email', 'Ana <ana@example.com>', '--email', 'no-at-sign'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('the requester entry is invalid; nothing was written');
    expect(bad.stderr).toContain('requester "ops": emails[1]: must be an email address');
    expect(bad.stderr).toContain('requester "ops": emails[2]: must be an email address');
    expect(await tables.stores.requesters.get('ops')).toBeUndefined();
    const empty = await runCli(cli, ['requesters', 'set', '--fallback'], { env });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('fallback: emails: must hold at least one address');
    const both = await runCli(cli, ['requesters', 'set', 'ops', '--fallback', '--email', 'ops@example.com'], { env });
    expect(both.code).toBe(2);
  });
});
