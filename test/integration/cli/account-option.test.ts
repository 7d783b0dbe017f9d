/**
 * `--account ID` of the CLI as a separate process: two emulators (the deployment's account and a
 * registered one, each with its own cookie), the registry on DynamoDB Local. A command talks to
 * the account it names and to no other; an account that is not registered, or is disabled, is
 * refused before anything reaches TeraBox.
 */
import { startEmulator, type RunningEmulator } from '../../../lib/terabox/emulator';
import { buildCli, runCli, type BuiltCli } from './support/cli-process';
import { cliEnv, cliTables, emulatorEnv, type CliTables } from './support/fixtures';

describe('share-lifecycle --account', () => {
  let cli: BuiltCli;
  let tables: CliTables;
  let own: RunningEmulator;
  let brand: RunningEmulator;
  const BRAND_NDUS = 'brand-account-cookie';

  beforeAll(async () => {
    [cli, tables, own, brand] = await Promise.all([
      buildCli(),
      cliTables('cli-acct-opt'),
      startEmulator({ seed: 'files=30,shares=40,seed=11' }),
      startEmulator({ seed: 'files=30,shares=25,seed=12', ndus: BRAND_NDUS }),
    ]);
    const add = await runCli(cli, ['accounts', 'add', 'brand', '--name', 'Brand', '--base-url', new URL(brand.url).origin], { env: registryEnv() });
    expect(add).toMatchObject({ code: 0, stderr: '' });
  });

  afterAll(async () => {
    cli.cleanup();
    await Promise.all([tables.drop(), own.close(), brand.close()]);
  });

  function registryEnv(extra: Record<string, string> = {}): Record<string, string> {
    return cliEnv(tables.env, { TERABOX_SECRET_ID: 'ShareLifecycle/terabox-session' }, extra);
  }

  const listedIds = (stdout: string): string[] => (JSON.parse(stdout) as Array<{ shareId: string }>).map((s) => s.shareId).sort();

  it("lists the named account's shares from its own origin, and the deployment's without --account", async () => {
    const ownBefore = own.state.counts['/share/teratransfer/sharelist'] ?? 0;
    const result = await runCli(cli, ['shares', 'list', '--json', '--account', 'brand'], { env: registryEnv({ ...emulatorEnv(own), TERABOX_NDUS: BRAND_NDUS }) });
    expect(result.code).toBe(0);
    expect(listedIds(result.stdout)).toEqual([...brand.state.shares.keys()].sort());
    // The cookie from the environment replaces the account's secret: said, never printed.
    expect(result.stderr).toBe('share-lifecycle: account brand: using TERABOX_NDUS as its cookie (unset it to use its secret ShareLifecycle/accounts/brand)\n');
    expect(result.stderr + result.stdout).not.toContain(BRAND_NDUS);
    expect(own.state.counts['/share/teratransfer/sharelist'] ?? 0).toBe(ownBefore);

    const deployment = await runCli(cli, ['shares', 'list', '--json'], { env: registryEnv(emulatorEnv(own)) });
    expect(deployment.code).toBe(0);
    expect(listedIds(deployment.stdout)).toEqual([...own.state.shares.keys()].sort());
  });

  it('refuses an account that is not registered, naming the deployment and the registry', async () => {
    const before = { own: own.state.counts['/share/teratransfer/sharelist'] ?? 0, brand: brand.state.counts['/share/teratransfer/sharelist'] ?? 0 };
    const result = await runCli(cli, ['shares', 'list', '--account', 'brnad'], { env: registryEnv(emulatorEnv(own)) });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe("share-lifecycle: --account brnad: no such account in the registry (the deployment's own is default; see `share-lifecycle accounts list`)\n");
    expect({ own: own.state.counts['/share/teratransfer/sharelist'] ?? 0, brand: brand.state.counts['/share/teratransfer/sharelist'] ?? 0 }).toEqual(before);
  });

  it('refuses a disabled account for a command that talks to TeraBox, and serves it again once enabled', async () => {
    const env = registryEnv({ ...emulatorEnv(own), TERABOX_NDUS: BRAND_NDUS });
    expect(await runCli(cli, ['accounts', 'disable', 'brand'], { env })).toMatchObject({ code: 0 });
    const before = brand.state.counts['/share/teratransfer/sharelist'] ?? 0;
    const refused = await runCli(cli, ['shares', 'list', '--account', 'brand'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--account brand: the account is disabled (`share-lifecycle accounts enable brand` turns it back on)');
    expect(brand.state.counts['/share/teratransfer/sharelist'] ?? 0).toBe(before);
    expect(await runCli(cli, ['accounts', 'enable', 'brand'], { env })).toMatchObject({ code: 0 });
    const listed = await runCli(cli, ['shares', 'list', '--json', '--account', 'brand'], { env });
    expect(listed.code).toBe(0);
    expect(listedIds(listed.stdout)).toHaveLength(brand.state.shares.size);
  });
});
