import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runEmulatorCli, type RunningEmulator } from '../../lib/terabox/emulator';

interface CliRun {
  code: Promise<number>;
  out: () => string;
  err: () => string;
  started: Promise<RunningEmulator>;
  stop: () => void;
}

function run(argv: string[]): CliRun {
  let out = '';
  let err = '';
  const controller = new AbortController();
  let onStarted: (e: RunningEmulator) => void = () => undefined;
  const started = new Promise<RunningEmulator>((resolve) => (onStarted = resolve));
  const code = runEmulatorCli(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    onStarted,
    signal: controller.signal,
    handleSignals: false,
  });
  return { code, out: () => out, err: () => err, started, stop: () => controller.abort() };
}

describe('runEmulatorCli', () => {
  it('starts the emulator with the given seed, faults and shape, prints URL and ndus, and stops cleanly', async () => {
    const cli = run(['--port', '0', '--seed', 'files=20,shares=7', '--faults', 'latency=1', '--shape', 'baidu', '--ndus', 'my-ndus']);
    const emu = await cli.started;
    expect(cli.out()).toContain(`TeraBox emulator listening on ${emu.url}`);
    expect(cli.out()).toContain('ndus: my-ndus');
    expect(emu.state.shares.size).toBe(7);
    expect(emu.faults.latencyMs).toBe(1);
    const res = await fetch(`${emu.url}/share/teratransfer/sharelist?page=1&jsToken=${emu.state.jsToken}`, {
      headers: { Cookie: 'ndus=my-ndus' },
    });
    expect(((await res.json()) as { list: unknown[] }).list).toHaveLength(7);
    cli.stop();
    expect(await cli.code).toBe(0);
    expect(cli.out()).toContain('emulator stopped');
  });

  it('passes the session and cancel options of issue 17 through to the emulator', async () => {
    const cli = run([
      '--port', '0', '--seed', 'files=20,shares=3', '--ndus', 'my-ndus',
      '--cancel-missing', 'refuse-batch', '--cancel-missing-errno', '-21', '--cancel-max-ids', '2', '--cancel-too-many-errno', '3',
      '--main-page-form', 'eval', '--main-ndus-cookie', 'deleted', '--require-main-cookies', '--strict-cookie-order',
      '--cancel-body', 'empty', '--pset-body', 'code',
    ]);
    const emu = await cli.started;
    const main = await fetch(`${emu.url}/main`, { headers: { Cookie: 'ndus=my-ndus; lang=en' } });
    expect(await main.text()).toMatch(/eval\(decodeURIComponent\(`/);
    expect(main.headers.getSetCookie().some((c) => c.startsWith('ndus=deleted'))).toBe(true);
    const cancel = (ids: string[], cookie: string) =>
      fetch(`${emu.url}/share/cancel?bdstoken=${emu.state.bdstoken}`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `shareid_list=[${ids.join(',')}]`,
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const good = `ndus=my-ndus; csrfToken=${emu.state.csrfToken}; PANWEB=1`;
    const [a, b, c] = [...emu.state.shares.keys()];
    expect((await cancel([a!], `lang=en; ${good}`)).errno).toBe(-6); // strict cookie order
    expect((await cancel([a!], 'ndus=my-ndus')).errno).toBe(4000020); // main cookies required
    expect((await cancel([a!, b!, c!], good)).errno).toBe(3); // above --cancel-max-ids
    expect((await cancel([a!, '1'], good)).errno).toBe(-21); // refuse-batch with the given errno
    expect(await cancel([a!], good)).toEqual({}); // --cancel-body empty
    cli.stop();
    expect(await cli.code).toBe(0);
  });

  it('passes the list options on: scope, order and whether the order asked is followed', async () => {
    const cli = run(['--port', '0', '--seed', 'files=20,shares=5', '--sharelist-scope', 'transfer-only', '--list-order', 'oldest-first', '--order-param', 'ignore']);
    const emu = await cli.started;
    emu.state.addShare({ shareId: '77', paths: ['/t/a.txt'], ctime: 1_000, source: 'transfer' });
    emu.state.addShare({ shareId: '78', paths: ['/t/b.txt'], ctime: 2_000, source: 'transfer' });
    const get = async (path: string) => {
      const res = await fetch(`${emu.url}${path}?page=1&order=ctime&desc=1&jsToken=${emu.state.jsToken}`, { headers: { Cookie: 'ndus=emulator-ndus' } });
      return (await res.json()) as { data?: { share_list: Array<{ share_id: number }> }; list: Array<{ shareId: number; ctime: number }> };
    };
    expect((await get('/share/teratransfer/sharelist')).data?.share_list.map((i) => i.share_id)).toEqual([77, 78]);
    const record = (await get('/share/record')).list;
    expect(record).toHaveLength(7);
    expect(record.map((i) => i.ctime)).toEqual([...record.map((i) => i.ctime)].sort((a, b) => a - b));
    cli.stop();
    expect(await cli.code).toBe(0);
  });

  it.each([
    [['--seed', 'shares=-1'], "option '--seed <spec>' argument 'shares=-1' is invalid. shares must be a whole number >= 0"],
    [['--faults', 'drop=2'], 'drop must be a number between 0 and 1'],
    [['--port', 'abc'], '--port must be a whole number >= 0'],
    [['--shape', 'xml'], "Allowed choices are seed, baidu"],
    [['--main-page-form', 'json'], 'Allowed choices are template, eval, window, none'],
    [['--cancel-missing-errno', 'x'], '--cancel-missing-errno must be a whole number'],
    [['--list-order', 'random'], 'Allowed choices are newest-first, oldest-first, unordered'],
    [['--bogus'], "unknown option '--bogus'"],
  ])('refuses %j with a clear message and exit code 2', async (argv, message) => {
    const cli = run(argv);
    expect(await cli.code).toBe(2);
    expect(cli.err()).toContain(message);
  });

  it('prints help and exits 0', async () => {
    const cli = run(['--help']);
    expect(await cli.code).toBe(0);
    expect(cli.out()).toContain('--faults <spec>');
  });
});

describe('lib/terabox/emulator/main.ts as a program', () => {
  it('serves until SIGINT, then closes and exits 0', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(__dirname, '../../lib/terabox/emulator/main.ts'), '--port', '0', '--seed', 'shares=3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const res = await fetch(`${url}/api/check/login`, { headers: { Cookie: 'ndus=emulator-ndus' } });
    expect(await res.json()).toMatchObject({ errno: 0 });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('emulator stopped');
  }, 30_000);
});
