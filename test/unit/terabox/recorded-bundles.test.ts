/**
 * Every bundle in test/fixtures/terabox/recorded/ is a regression test: its answers are replayed
 * through the real client (doctor over a replay fetch), and the result must be what the run that
 * recorded it found: the same shares, the same verdict, the same failed checks. Dropping a user's
 * `doctor --record` bundle into the folder adds it here; a sibling expected.json overrides what is
 * expected (see the folder's README).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFetch, readBundle, runDoctor, type ListingOutcome } from '../../../lib/doctor';
import { EmulatorState, resolveSeedSpec } from '../../../lib/terabox/emulator';
import { RECORDED_NOW, RECORDED_NDUS, RECORDED_SEED, RECORDINGS } from '../../fixtures/terabox/recorded/regenerate';

const ROOT = join(__dirname, '..', '..', 'fixtures', 'terabox', 'recorded');
const bundles = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(ROOT, e.name, 'manifest.json')))
  .map((e) => e.name)
  .sort();

interface Expected {
  safe: boolean;
  /** Share ids in listing order (or only their count). */
  shareIds?: string[];
  shareCount?: number;
  /** Ids of the checks that fail. */
  failedChecks?: string[];
}

function expectedOf(dir: string, recorded: { safe: boolean; listing: ListingOutcome; checks: Array<{ id: string; status: string }> }): Expected {
  const file = join(dir, 'expected.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Expected;
  return {
    safe: recorded.safe,
    ...(recorded.listing.ok ? { shareIds: recorded.listing.shareIds } : {}),
    // A bundle recorded with --write-test replays without it (the replay never writes).
    failedChecks: recorded.checks.filter((c) => c.status === 'fail' && c.id !== 'write-test').map((c) => c.id),
  };
}

describe('recorded bundles replayed through the client', () => {
  it('finds the bundles recorded from the emulator', () => {
    expect(bundles).toEqual(expect.arrayContaining(['seed', 'baidu', 'string-ids', 'implausible-value', 'total-disagrees', 'renamed-field']));
  });

  it.each(bundles)('%s: the replay gives the recorded shares and verdict', async (name) => {
    const dir = join(ROOT, name);
    const bundle = await readBundle(dir);
    const expected = expectedOf(dir, bundle.manifest.report);
    const { report } = await runDoctor({
      credentials: { ndus: 'replay-ndus', baseUrl: `http://${bundle.manifest.baseUrlHost}` },
      fetch: bundleFetch(bundle),
      now: () => Date.parse(bundle.manifest.recordedAt),
      pageSize: bundle.manifest.pageSize,
      client: { retry: { maxAttempts: 1 } },
    });
    expect(report.safe).toBe(expected.safe);
    if (expected.shareIds !== undefined) expect(report.listing).toMatchObject({ ok: true, shareIds: expected.shareIds });
    if (expected.shareCount !== undefined) expect(report.listing.count).toBe(expected.shareCount);
    if (expected.failedChecks !== undefined) expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(expected.failedChecks);
  });
});

describe('the bundles recorded from the emulator', () => {
  // The emulator's account, rebuilt from the same seed and clock: its secrets and every path.
  const state = new EmulatorState({ seed: resolveSeedSpec(RECORDED_SEED), ndus: RECORDED_NDUS, now: () => RECORDED_NOW });
  // Share codes too: a public link in a bundle would hand out the files.
  const secrets = [RECORDED_NDUS, state.jsToken, state.bdstoken, state.uk, ...[...state.shares.values()].map((s) => s.shorturl)];
  const paths = [...state.files.values()].map((f) => f.path);

  const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

  it.each(RECORDINGS.map(([name]) => name))('%s holds neither the credentials, nor a share link, nor any path of the account', (name) => {
    for (const file of filesUnder(join(ROOT, name))) {
      const text = readFileSync(file, 'utf8');
      expect({ file, secrets: secrets.filter((s) => text.includes(s)) }).toEqual({ file, secrets: [] });
      expect({ file, paths: paths.filter((p) => text.includes(JSON.stringify(p))) }).toEqual({ file, paths: [] });
    }
  });
});
