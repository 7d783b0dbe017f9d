/**
 * Policies scoped to accounts from the command line, as a separate process against DynamoDB Local:
 * `policies apply` and `validate` refuse an `accounts` entry that names no registered account (the
 * deployment's own ACCOUNT_ID counts), and `policies list` shows the scope.
 */
import { createStores } from '../../../lib/stores/create-stores';
import { aPolicy, anExemption } from '../../factories/store-items';
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, cliTables, policyFile, scratchDir, type CliTables } from './support/fixtures';

describe('share-lifecycle policies with accounts', () => {
  let cli: BuiltCli;
  let tables: CliTables;
  const files = scratchDir();
  let env: Record<string, string>;

  beforeAll(async () => {
    [cli, tables] = await Promise.all([buildCli(), cliTables('cli-pol-acct')]);
    env = cliEnv(tables.env, { ACCOUNT_ID: 'main' });
    await tables.stores.accounts.add({ accountId: 'brand', displayName: 'Brand', secretName: 'ShareLifecycle/accounts/brand', baseUrl: 'https://www.terabox.com', enabled: true, timeZone: 'UTC' }, Date.now());
  });

  afterAll(async () => {
    cli.cleanup();
    files.remove();
    await tables.drop();
  });

  const ghostFile = () =>
    files.write(
      'ghost.json',
      policyFile([
        aPolicy({ policyId: 'brand-30d', accounts: ['brand', 'ghost'] }),
        { kind: 'exemption', ...anExemption({ exemptionId: 'hold', accounts: ['phantom'] }) },
      ]),
    );

  it('applies nothing when an accounts entry names an account that is not registered, and names it', async () => {
    const result = await runCli(cli, ['policies', 'apply', ghostFile()], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      [
        `share-lifecycle: ${files.path('ghost.json')}: 2 unregistered accounts named; nothing was applied`,
        '  policy "brand-30d": accounts: "ghost" is not a registered account (see `share-lifecycle accounts list`)',
        '  exemption "hold": accounts: "phantom" is not a registered account (see `share-lifecycle accounts list`)',
        '',
      ].join('\n'),
    );
    expect(await tables.stores.policies.listPolicies()).toEqual([]);
  });

  it('validate refuses the same file against the registry', async () => {
    const result = await runCli(cli, ['policies', 'validate', ghostFile()], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('invalid  policy "brand-30d": accounts: "ghost" is not a registered account');
    expect(result.stdout).toContain('2 unregistered accounts named');
  });

  it('validate without the policies table checks the file and says the accounts were not checked', async () => {
    const result = await runCli(cli, ['policies', 'validate', ghostFile()], { env: cliEnv() });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('the accounts named were not checked against the registry (no POLICIES_TABLE');
  });

  it("applies accounts naming a registered account and the deployment's own (unregistered), and lists the scope", async () => {
    const file = files.write(
      'scoped.json',
      policyFile([aPolicy({ policyId: 'brand-30d', accounts: ['brand', 'main'] }), aPolicy({ policyId: 'everyone-30d' })]),
    );
    const applied = await runCli(cli, ['policies', 'apply', file], { env });
    expect(applied).toMatchObject({ code: 0 });
    // Stored once, in the deployment account's partition.
    const main = createStores({ client: tables.client, names: tables.names, accountId: 'main' });
    expect((await main.policies.listPolicies()).map((p) => p.policyId)).toEqual(['brand-30d', 'everyone-30d']);
    const list = await runCli(cli, ['policies', 'list'], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^POLICY\s+MODE\s+ENABLED\s+ACCOUNTS\s+RULE\s+UPDATED/);
    expect(list.stdout).toMatch(/brand-30d\s+enforce\s+yes\s+brand, main\s+max age 30 days/);
    expect(list.stdout).toMatch(/everyone-30d\s+enforce\s+yes\s+all\s+max age 30 days/);
  });
});
