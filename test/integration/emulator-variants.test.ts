/** Emulator shape variants over HTTP: from the CLI (--variant), the options, and setFaults at runtime. */
import { runEmulatorCli, startEmulator, type RunningEmulator } from '../../lib/terabox/emulator';
import { deferred } from '../support/waiting';

async function sharelist(emu: RunningEmulator): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${emu.url}/share/teratransfer/sharelist?page=1&jsToken=${emu.state.jsToken}`, { headers: { Cookie: `ndus=${emu.state.ndus}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('emulator shape variants', () => {
  it('are chosen with --variant on the command line, and named in its banner', async () => {
    const controller = new AbortController();
    const started = deferred<RunningEmulator>();
    let out = '';
    const code = runEmulatorCli(['--port', '0', '--seed', 'files=5,shares=2', '--variant', 'string-ids'], {
      out: (t) => void (out += t),
      err: () => undefined,
      onStarted: (e) => started.resolve(e),
      signal: controller.signal,
      handleSignals: false,
    });
    const emu = await started.promise;
    expect(out).toContain('shape: seed, variant: string-ids');
    const { text } = await sharelist(emu);
    expect(text).toMatch(/"share_id":"\d+"/);
    controller.abort();
    expect(await code).toBe(0);
  });

  it('refuses an unknown --variant as a usage error', async () => {
    let err = '';
    expect(await runEmulatorCli(['--variant', 'bogus'], { out: () => undefined, err: (t) => void (err += t), handleSignals: false })).toBe(2);
    expect(err).toMatch(/--variant <variant>.*Allowed choices are renamed-field, string-ids/);
  });

  it('switches at runtime with setFaults and back', async () => {
    const emu = await startEmulator({ seed: 'files=5,shares=2' });
    try {
      expect((await sharelist(emu)).text).toMatch(/"share_id":\d+/);
      emu.setFaults({ variant: 'html-page' });
      expect(await sharelist(emu)).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', text: expect.stringMatching(/^<!DOCTYPE html>/) });
      emu.setFaults('variant=unknown-errno');
      expect((await sharelist(emu)).text).toMatch(/^\{"errno":31999,/);
      emu.setFaults('');
      expect((await sharelist(emu)).text).toMatch(/"share_id":\d+/);
    } finally {
      await emu.close();
    }
  });
});
