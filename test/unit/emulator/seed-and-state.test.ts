import { EmulatorState, generateSeedData, parseSeedSpec, type SeedSpec } from '../../../lib/terabox/emulator';
import { mainPage, toJson, rawNumber } from '../../../lib/terabox/emulator/responses';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const DAY = 86_400;

function newState(seed = 'files=50,shares=20,seed=7', now = NOW): EmulatorState {
  return new EmulatorState({ seed: parseSeedSpec(seed), ndus: 'n', now: () => now });
}

describe('generateSeedData', () => {
  const spec: SeedSpec = parseSeedSpec('files=2000,shares=1500,maxAgeDays=90,seed=42,public=0.7');
  const data = generateSeedData(spec, NOW);

  it('gives the same data for the same seed and clock', () => {
    expect(generateSeedData(spec, NOW)).toEqual(data);
  });

  it('gives different data for another seed', () => {
    const other = generateSeedData({ ...spec, seed: 43 }, NOW);
    expect(other.shares.map((s) => s.shorturl)).not.toEqual(data.shares.map((s) => s.shorturl));
  });

  it('makes the asked number of files and shares', () => {
    expect(data.files.filter((f) => !f.isdir)).toHaveLength(2000);
    expect(data.shares).toHaveLength(1500);
  });

  it('spreads share ages between now and maxAgeDays ago, ids growing with age order', () => {
    const nowSec = NOW / 1000;
    for (const s of data.shares) {
      expect(s.ctime).toBeLessThanOrEqual(nowSec);
      expect(s.ctime).toBeGreaterThanOrEqual(nowSec - 90 * DAY);
    }
    const ctimes = data.shares.map((s) => s.ctime);
    expect(Math.max(...ctimes) - Math.min(...ctimes)).toBeGreaterThan(80 * DAY);
    const ids = data.shares.map((s) => BigInt(s.shareId));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  });

  it('mixes visibility, passwords and periods as specified', () => {
    const publicShare = data.shares.filter((s) => s.public);
    expect(publicShare.length / data.shares.length).toBeGreaterThan(0.65);
    expect(publicShare.length / data.shares.length).toBeLessThan(0.75);
    expect(publicShare.every((s) => s.pwd === '')).toBe(true);
    expect(data.shares.filter((s) => !s.public).every((s) => /^[0-9a-z]{4}$/.test(s.pwd))).toBe(true);
    expect(new Set(data.shares.map((s) => s.period))).toEqual(new Set([0, 1, 7, 30]));
    expect(new Set(data.shares.map((s) => s.shorturl)).size).toBe(data.shares.length);
  });

  it('names files the way policies care about: folders, unicode, secrets', () => {
    const paths = data.files.map((f) => f.path);
    for (const folder of ['/Public', '/Public/evergreen', '/Team', '/Private']) expect(paths).toContain(folder);
    expect(paths.some((p) => /\/[^/]*\.env$/.test(p))).toBe(true);
    expect(paths.some((p) => p.endsWith('.pem'))).toBe(true);
    expect(paths.some((p) => p.endsWith('.key'))).toBe(true);
    expect(paths.some((p) => [...p].some((c) => c.charCodeAt(0) > 127))).toBe(true);
    expect(new Set(paths).size).toBe(paths.length);
    expect(data.shares.some((s) => s.paths.some((p) => p.startsWith('/Public/evergreen')))).toBe(true);
  });
});

describe('EmulatorState', () => {
  it('keeps an explicit share id beyond 2^53 exact and finds it again', () => {
    const state = newState();
    const share = state.addShare({ shareId: '9007199254740993', paths: ['/Public'] });
    expect(state.getShare('9007199254740993')).toBe(share);
    expect(state.getShare('9007199254740992')).toBeUndefined();
    expect(share.fsIds).toEqual([state.fileAtPath('/Public')!.fsId]);
  });

  it('lists back-dated shares in their ctime place', () => {
    const state = newState('files=10,shares=0');
    const nowSec = NOW / 1000;
    const a = state.addShare({ paths: ['/Team'], ctime: nowSec - 10 });
    const b = state.addShare({ paths: ['/Team'], ctime: nowSec - 100 });
    const c = state.addShare({ paths: ['/Team'] });
    expect(state.listShares(0, 10)).toEqual({ items: [c, a, b], total: 3 });
    expect(state.removeShare(a.shareId)).toBe(true);
    expect(state.listShares(0, 10).items).toEqual([c, b]);
  });

  it.each([
    [{ shareId: '12a', paths: ['/Team'] }, 'is not a decimal id'],
    [{ paths: [] }, 'needs fsIds or paths'],
    [{ paths: ['/Team'], period: 3 as 7 }, 'period 3'],
    [{ paths: ['relative'] }, 'is not absolute'],
    [{ paths: ['/Team'], shorturl: 'bad url' }, 'short url'],
  ])('refuses a malformed share %#', (input, message) => {
    expect(() => newState().addShare(input)).toThrow(message);
  });

  it('creates missing parent folders and refuses control characters in paths', () => {
    const state = newState('files=0');
    const [file] = state.addFiles([{ path: '/New/Deep/a.txt', size: 5 }]);
    expect(state.fileAtPath('/New/Deep')?.isdir).toBe(true);
    expect(state.listDir('/New/Deep', 0, 10)).toEqual([file]);
    expect(() => state.addFiles([{ path: '/bad\u0001name' }])).toThrow('control characters');
    expect(() => state.addFiles([{ path: '/New/Deep/a.txt' }])).toThrow('already exists');
  });

  it('rotates the jsToken and expires and renews the session', () => {
    const state = newState();
    const before = state.jsToken;
    expect(state.rotateJsToken()).not.toBe(before);
    expect(state.isValidNdus('n')).toBe(true);
    state.expireSession();
    expect(state.isValidNdus('n')).toBe(false);
    expect(state.isValidNdus(undefined)).toBe(false);
    const fresh = state.renewSession('m');
    expect(fresh).toBe('m');
    expect(state.isValidNdus('m')).toBe(true);
  });

  it('derives the same tokens from the same seed', () => {
    expect(newState().jsToken).toBe(newState().jsToken);
    expect(newState().bdstoken).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('responses', () => {
  it('writes raw ids as bare JSON numbers, digit for digit', () => {
    const text = toJson({ a: rawNumber('9007199254740993'), b: [rawNumber('1'), 'x'], c: '9007199254740993' });
    expect(text).toBe('{"a":9007199254740993,"b":[1,"x"],"c":"9007199254740993"}');
  });

  it('puts the jsToken inside fn%28%22...%22%29 in templateData', () => {
    const state = newState();
    const html = mainPage(state);
    const json = /var templateData = (\{.*?\});<\/script>/.exec(html)![1]!;
    const data = JSON.parse(json) as { jsToken: string; bdstoken: string };
    const inner = data.jsToken.slice(data.jsToken.indexOf('%28%22') + 6, data.jsToken.indexOf('%22%29'));
    expect(inner).toBe(state.jsToken);
    expect(decodeURIComponent(data.jsToken)).toContain(`fn("${state.jsToken}")`);
    expect(data.bdstoken).toBe(state.bdstoken);
  });
});
