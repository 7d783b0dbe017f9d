/**
 * Bundles recorded from the emulator: nothing secret or personal in any file (unless
 * --keep-paths, no path either), and a bundle replayed through the client gives what the live
 * listing gave.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFetch, readBundle, runDoctor, writeBundle, type DoctorRun } from '../../../lib/doctor';
import type { RunningEmulator } from '../../../lib/terabox/emulator';
import { doctorOn, EMULATOR_NOW, withEmulator } from './support';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

async function record(emulator: RunningEmulator, run: DoctorRun, dir: string, keepPaths: boolean): Promise<void> {
  await writeBundle({ dir, exchanges: run.exchanges, report: run.report, secrets: ['emulator-ndus'], keepPaths, pageSize: 10, tool: { name: 'share-lifecycle', version: 'test' } });
  void emulator;
}

describe('doctor bundles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'doctor-bundle-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([['seed', {}], ['baidu', { shape: 'baidu' as const }]])(
    'a %s bundle holds none of the ndus, jsToken, bdstoken, uk, user name or any path of the account',
    async (_name, options) => {
      await withEmulator({ ...options, ndus: 'ndus-secret-value-0123456789' }, async (emulator) => {
        emulator.state.addFiles([{ path: '/Private/Sam Smith/tax 2025.pdf' }]);
        emulator.state.addShare({ paths: ['/Private/Sam Smith/tax 2025.pdf'] });
        const run = await doctorOn(emulator);
        expect(run.report.safe).toBe(true);
        await writeBundle({ dir, exchanges: run.exchanges, report: run.report, secrets: ['ndus-secret-value-0123456789'], keepPaths: false, pageSize: 10, tool: { name: 'share-lifecycle', version: 'test' } });
        const secrets = ['ndus-secret-value-0123456789', emulator.state.jsToken, emulator.state.bdstoken, emulator.state.uk, 'emulator'];
        const paths = [...emulator.state.files.values()].map((f) => f.path);
        const files = filesUnder(dir);
        expect(files.length).toBeGreaterThan(5);
        for (const file of files) {
          const text = readFileSync(file, 'utf8');
          for (const secret of secrets) expect({ file, leaked: text.includes(secret) ? secret : undefined }).toEqual({ file, leaked: undefined });
          const leakedPaths = paths.filter((p) => text.includes(`"${p}"`) || text.includes(JSON.stringify(p)));
          expect({ file, leakedPaths }).toEqual({ file, leakedPaths: [] });
          // A public link (or a private one with its password) would hand out the files.
          const leakedLinks = [...emulator.state.shares.values()].filter((sh) => text.includes(sh.shorturl) || (sh.pwd !== '' && text.includes(`"passwd":"${sh.pwd}"`)));
          expect({ file, leakedLinks: leakedLinks.map((sh) => sh.shareId) }).toEqual({ file, leakedLinks: [] });
        }
      });
    },
  );

  it('keeps placeholders consistent: same depth, same extension, shared folders still shared', async () => {
    await withEmulator({}, async (emulator) => {
      emulator.state.addFiles([{ path: '/Team/plans/a.pdf' }, { path: '/Team/plans/b.docx' }]);
      emulator.state.addShare({ paths: ['/Team/plans/a.pdf'] });
      emulator.state.addShare({ paths: ['/Team/plans/b.docx'] });
      const run = await doctorOn(emulator);
      await record(emulator, run, dir, false);
      const page1 = readFileSync(join(dir, 'exchanges', '003-share-teratransfer-sharelist.json'), 'utf8');
      const typical = [...page1.matchAll(/"typicalPath":"([^"]*)"/g)].map((m) => m[1]);
      const [a, b] = typical.slice(0, 2); // newest first: b.docx, then a.pdf
      expect(b).toMatch(/^\/n\d+\/n\d+\/n\d+\.pdf$/);
      expect(a).toMatch(/^\/n\d+\/n\d+\/n\d+\.docx$/);
      expect(a.split('/').slice(0, 3)).toEqual(b.split('/').slice(0, 3));
    });
  });

  it('keeps the paths with keepPaths', async () => {
    await withEmulator({}, async (emulator) => {
      emulator.state.addFiles([{ path: '/Team/plans/a.pdf' }]);
      emulator.state.addShare({ paths: ['/Team/plans/a.pdf'] });
      const run = await doctorOn(emulator);
      await record(emulator, run, dir, true);
      expect(readFileSync(join(dir, 'exchanges', '003-share-teratransfer-sharelist.json'), 'utf8')).toContain('"typicalPath":"/Team/plans/a.pdf"');
    });
  });

  it('writes a manifest with the exchanges and the verdicts, and never a request header', async () => {
    await withEmulator({}, async (emulator) => {
      const run = await doctorOn(emulator);
      await record(emulator, run, dir, false);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown> & { exchanges: Array<Record<string, unknown>> };
      expect(manifest).toMatchObject({ format: 'share-lifecycle-doctor-bundle', formatVersion: 1, keepPaths: false, pageSize: 10, report: { safe: true } });
      expect(manifest.endpoints).toEqual(['/api/check/login', '/main', '/share/teratransfer/sharelist', '/api/list']);
      expect(manifest.exchanges[2]).toMatchObject({ seq: 3, method: 'GET', endpoint: '/share/teratransfer/sharelist', status: 200, file: 'exchanges/003-share-teratransfer-sharelist.json' });
      expect(manifest.exchanges[2].query).toMatchObject({ page: '1', page_size: '10', jsToken: '[REDACTED]' });
      expect(JSON.stringify(manifest)).not.toMatch(/"cookie":|ndus=|user-agent/i);
      for (const e of manifest.exchanges) expect(Object.keys(e).sort()).toEqual(['contentType', 'durationMs', 'endpoint', 'file', 'headers', 'method', 'query', 'seq', 'status']);
    });
  });

  it.each([['seed', {}], ['baidu', { shape: 'baidu' as const }], ['string-ids', { variant: 'string-ids' as const }], ['total-disagrees', { variant: 'total-disagrees' as const }]])(
    'a %s bundle replayed through the client gives the same shares and verdicts as the live run',
    async (_name, options) => {
      await withEmulator(options, async (emulator) => {
        const live = await doctorOn(emulator);
        await record(emulator, live, dir, false);
        const bundle = await readBundle(dir);
        const replay = await runDoctor({ credentials: { ndus: 'replay', baseUrl: `http://${bundle.manifest.baseUrlHost}` }, fetch: bundleFetch(bundle), now: () => EMULATOR_NOW, pageSize: bundle.manifest.pageSize });
        expect(replay.report.listing).toEqual(live.report.listing);
        expect(replay.report.checks.map((c) => [c.id, c.status])).toEqual(live.report.checks.map((c) => [c.id, c.status]));
        expect(replay.report.safe).toBe(live.report.safe);
      });
    },
  );
});
