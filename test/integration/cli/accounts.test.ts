/**
 * `share-lifecycle accounts ...` as a separate process against DynamoDB Local.
 */
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, cliTables, type CliTables } from './support/fixtures';

describe('share-lifecycle accounts', () => {
  let cli: BuiltCli;
  let tables: CliTables;
  let env: Record<string, string>;

  beforeAll(async () => {
    [cli, tables] = await Promise.all([buildCli(), cliTables('cli-acct')]);
    env = { ...cliEnv(tables.env), TERABOX_SECRET_ID: 'ShareLifecycle/terabox-session' };
  });

  afterAll(async () => {
    cli.cleanup();
    await tables.drop();
  });

  it('adds accounts, lists them as a table and as JSON, disables, enables and removes one', async () => {
    const brand = await runCli(cli, ['accounts', 'add', 'brand', '--name', 'Brand account', '--time-zone', 'Europe/Berlin'], { env });
    expect(brand).toMatchObject({ code: 0, stderr: '', stdout: 'added account brand (Brand account): its secret is ShareLifecycle/accounts/brand\n' });
    const support = await runCli(cli, ['accounts', 'add', 'support', '--name', 'Support', '--secret-name', 'ShareLifecycle/support-cookie', '--rate', '2', '--max-cancellations', '25', '--json'], { env });
    expect(support.code).toBe(0);
    expect(JSON.parse(support.stdout)).toMatchObject({ accountId: 'support', requestsPerSecond: 2, guardrails: { maxCancellations: 25 }, enabled: true, timeZone: 'UTC' });

    const table = await runCli(cli, ['accounts', 'list'], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ACCOUNT\s+NAME\s+ENABLED\s+TIME ZONE\s+SECRET\s+OWN SETTINGS/);
    expect(table.stdout).toMatch(/brand\s+Brand account\s+yes\s+Europe\/Berlin\s+ShareLifecycle\/accounts\/brand\s+-/);
    expect(table.stdout).toMatch(/support\s+Support\s+yes\s+UTC\s+ShareLifecycle\/support-cookie\s+2 requests\/s, at most 25 cancels/);
    expect(table.stdout).toMatch(/2 accounts\n$/);

    expect(await runCli(cli, ['accounts', 'disable', 'support'], { env })).toMatchObject({ code: 0, stdout: 'disabled account support\n' });
    const json = JSON.parse((await runCli(cli, ['accounts', 'list', '--json'], { env })).stdout) as { accounts: Array<{ accountId: string; enabled: boolean }>; invalid: unknown[] };
    expect(json.accounts.map((a) => [a.accountId, a.enabled])).toEqual([
      ['brand', true],
      ['support', false],
    ]);
    expect(json.invalid).toEqual([]);
    expect(await runCli(cli, ['accounts', 'enable', 'support'], { env })).toMatchObject({ code: 0, stdout: 'enabled account support\n' });

    const unconfirmed = await runCli(cli, ['accounts', 'remove', 'support'], { env });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("required option '--yes' not specified");
    expect(await runCli(cli, ['accounts', 'remove', 'support', '--yes'], { env })).toMatchObject({ code: 0 });
    expect((await tables.stores.accounts.list()).accounts.map((a) => a.accountId)).toEqual(['brand']);
  });

  it('writes nothing for an invalid entry or a taken id, and says why', async () => {
    const bad = await runCli(cli, ['accounts', 'add', 'bad#id', '--name', '', '--secret-name', 'elsewhere/secret', '--time-zone', 'Mars/Olympus'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('the account entry is invalid; nothing was written');
    expect(bad.stderr).toContain('accountId: must be 1-64 letters');
    expect(bad.stderr).toContain('secretName: must start with "ShareLifecycle/"');
    expect(bad.stderr).toContain('timeZone: must be an IANA time zone');
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    const rate = await runCli(cli, ['accounts', 'add', 'x', '--name', 'X', '--rate', 'fast'], { env });
    expect(rate).toMatchObject({ code: 2, stderr: expect.stringContaining('--rate must be a number (got "fast")') });

    const noPrefix = await runCli(cli, ['accounts', 'add', 'local', '--name', 'Local'], { env: cliEnv(tables.env) });
    expect(noPrefix).toMatchObject({ code: 2, stderr: expect.stringContaining("name the account's secret with --secret-name") });

    await runCli(cli, ['accounts', 'add', 'twice', '--name', 'First'], { env });
    const again = await runCli(cli, ['accounts', 'add', 'twice', '--name', 'Second'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('account "twice" is registered already; nothing was written');
    expect(await tables.stores.accounts.get('twice')).toMatchObject({ displayName: 'First' });
    expect(await runCli(cli, ['accounts', 'disable', 'nobody'], { env })).toMatchObject({ code: 1, stderr: 'share-lifecycle: no account "nobody" in the registry\n' });
  });
});
