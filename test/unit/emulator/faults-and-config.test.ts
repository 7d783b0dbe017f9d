import { parseCookies } from '../../../lib/terabox/emulator/exchange';
import { drawFault } from '../../../lib/terabox/emulator/faults';
import { resolveServerConfig } from '../../../lib/terabox/emulator/server-config';
import { NO_FAULTS } from '../../../lib/terabox/emulator';

describe('drawFault', () => {
  const faults = { ...NO_FAULTS, drop: 0.1, timeout: 0.1, http5xx: 0.2, html: 0.1, rateLimit: 0.1, paths: [] };

  it('maps one draw to consecutive bands, in the order drop, timeout, http5xx, html, rateLimit', () => {
    expect([0.05, 0.15, 0.35, 0.45, 0.55, 0.65].map((d) => drawFault(faults, d, '/share/pset'))).toEqual(['drop', 'timeout', 'http5xx', 'html', 'rateLimit', undefined]);
  });

  it('strikes only the listed paths when paths are given', () => {
    const only = { ...faults, paths: ['/share/cancel'] };
    expect(drawFault(only, 0, '/share/pset')).toBeUndefined();
    expect(drawFault(only, 0, '/share/cancel')).toBe('drop');
  });
});

describe('resolveServerConfig', () => {
  it('fills the defaults', () => {
    const config = resolveServerConfig({});
    expect(config).toMatchObject({ shape: 'seed', pageSizeMax: 100, cancelMaxIds: 999, cancelMissing: 'ok', cancelMissingErrno: -7, linkHost: 'www.terabox.com', orderParam: 'honor' });
    expect(resolveServerConfig({ cancelMissing: 'refuse-batch' }).cancelMissingErrno).toBe(-24);
    expect(resolveServerConfig({ mainRedirect: 'http://other:1//' }).mainRedirect).toBe('http://other:1');
  });

  it('refuses options out of range', () => {
    expect(() => resolveServerConfig({ pageSizeMax: 0 })).toThrow('pageSizeMax must be a whole number >= 1 (got 0)');
    expect(() => resolveServerConfig({ cancelMaxIds: 1.5 })).toThrow(RangeError);
    expect(() => resolveServerConfig({ listOrder: 'random' as 'unordered' })).toThrow(/listOrder/);
  });
});

describe('parseCookies', () => {
  it('keeps the first value of a repeated name and skips nameless parts', () => {
    expect([...parseCookies('ndus=a; lang=en; ndus=b; =x; PANWEB=1')]).toEqual([
      ['ndus', 'a'],
      ['lang', 'en'],
      ['PANWEB', '1'],
    ]);
    expect(parseCookies(undefined).size).toBe(0);
  });
});
