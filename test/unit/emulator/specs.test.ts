import {
  DEFAULT_SEED_SPEC,
  EmulatorSpecError,
  NO_FAULTS,
  parseFaultSpec,
  parseSeedSpec,
  resolveFaultSpec,
  resolveSeedSpec,
} from '../../../lib/terabox/emulator';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof EmulatorSpecError) return e.problems;
    throw e;
  }
  throw new Error('expected an EmulatorSpecError');
}

describe('parseSeedSpec', () => {
  it('reads every key of a full spec', () => {
    expect(parseSeedSpec('files=1000,shares=300,maxAgeDays=120,seed=42,public=0.7')).toEqual({
      files: 1000,
      shares: 300,
      maxAgeDays: 120,
      seed: 42,
      public: 0.7,
    });
  });

  it.each([
    ['', DEFAULT_SEED_SPEC],
    ['shares=5', { ...DEFAULT_SEED_SPEC, shares: 5 }],
    [' files = 3 , shares=2 ,', { ...DEFAULT_SEED_SPEC, files: 3, shares: 2 }],
  ])('fills missing keys from the defaults (%j)', (spec, expected) => {
    expect(parseSeedSpec(spec)).toEqual(expected);
  });

  it.each([
    ['files=-1', 'files must be a whole number >= 0'],
    ['shares=1.5', 'shares must be a whole number >= 0'],
    ['public=1.2', 'public must be a number between 0 and 1'],
    ['seed=abc', 'seed must be a whole number'],
    ['files=', 'files must be a whole number >= 0'],
    ['colour=blue', 'unknown key "colour" (known: files, shares, maxAgeDays, seed, public)'],
    ['shares', '"shares" is not key=value'],
    ['shares=1,shares=2', '"shares" is given twice'],
    ['files=0,shares=3', 'shares need files'],
  ])('rejects %j with a clear problem', (spec, problem) => {
    expect(problemsOf(() => parseSeedSpec(spec)).join(' | ')).toContain(problem);
  });

  it('reports every problem of a spec at once, in a named error', () => {
    let error: unknown;
    try {
      parseSeedSpec('files=-1,public=2,nope=1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EmulatorSpecError);
    expect((error as EmulatorSpecError).name).toBe('EmulatorSpecError');
    expect((error as EmulatorSpecError).problems).toHaveLength(3);
    expect((error as Error).message).toMatch(/^invalid seed spec "files=-1,public=2,nope=1": /);
  });
});

describe('parseFaultSpec', () => {
  it('reads the short keys of the command line', () => {
    expect(
      parseFaultSpec('latency=20,jitter=5,http5xx=0.1,timeout=0.05,drop=0.01,rateLimit=0.02,rotateEvery=500,html=0.01,shape=baidu'),
    ).toEqual({
      ...NO_FAULTS,
      latencyMs: 20,
      jitterMs: 5,
      http5xx: 0.1,
      timeout: 0.05,
      drop: 0.01,
      rateLimit: 0.02,
      rotateEvery: 500,
      html: 0.01,
      shape: 'baidu',
    });
  });

  it.each([
    ['', NO_FAULTS],
    ['latencyMs=7', { ...NO_FAULTS, latencyMs: 7 }],
    ['rateLimit=1,rateLimitErrno=31034', { ...NO_FAULTS, rateLimit: 1, rateLimitErrno: 31034 }],
    ['drop=1,paths=/share/cancel|/share/pset', { ...NO_FAULTS, drop: 1, paths: ['/share/cancel', '/share/pset'] }],
  ])('parses %j', (spec, expected) => {
    expect(parseFaultSpec(spec)).toEqual(expected);
  });

  it.each([
    ['latency=-5', 'latencyMs must be a number >= 0'],
    ['http5xx=2', 'http5xx must be a number between 0 and 1'],
    ['rotateEvery=2.5', 'rotateEvery must be a whole number >= 0'],
    ['shape=xml', 'shape must be one of seed, baidu'],
    ['paths=share/cancel', 'paths must be absolute API paths'],
    ['drop=0.6,timeout=0.6', 'must add up to at most 1'],
    ['slow=1', 'unknown key "slow"'],
  ])('rejects %j with a clear problem', (spec, problem) => {
    expect(problemsOf(() => parseFaultSpec(spec)).join(' | ')).toContain(problem);
  });
});

describe('resolveSeedSpec / resolveFaultSpec', () => {
  it('validates objects like strings', () => {
    expect(problemsOf(() => resolveSeedSpec({ shares: -2 }))).toEqual(['shares must be a whole number >= 0 (got -2)']);
    expect(problemsOf(() => resolveFaultSpec({ html: 3 }))).toEqual(['html must be a number between 0 and 1 (got 3)']);
  });

  it('changes only the named fields of the base when given an object', () => {
    const base = parseFaultSpec('latency=20,drop=0.5');
    expect(resolveFaultSpec({ drop: 0, shape: 'baidu' }, base)).toEqual({ ...NO_FAULTS, latencyMs: 20, shape: 'baidu' });
    expect(resolveFaultSpec({ shape: undefined }, { ...base, shape: 'baidu' })).toEqual(base);
  });

  it('replaces all faults when given a string', () => {
    expect(resolveFaultSpec('html=1', parseFaultSpec('latency=20'))).toEqual({ ...NO_FAULTS, html: 1 });
  });

  it('uses the defaults when given nothing', () => {
    expect(resolveSeedSpec(undefined)).toEqual(DEFAULT_SEED_SPEC);
    expect(resolveFaultSpec(undefined)).toEqual(NO_FAULTS);
  });
});
