import { shareRequestRejectedEvent } from '../../../lib/contracts/events';
import { fullJitterDelayMs } from '../../../lib/shared/backoff';
import { forEachLimit } from '../../../lib/shared/concurrency';
import { CREDENTIAL_KEYS, REDACTED, redactPatterns } from '../../../lib/shared/credentials';
import { truncate } from '../../../lib/shared/text';
import { Redactor } from '../../../lib/terabox/redact';
import { TeraboxError } from '../../../lib/terabox/errors';

const SECRET = 'S3cr3tV4lue';
const spellings = (key: string): string[] => [key, key.toUpperCase(), key === 'jstoken' ? 'jsToken' : key];

describe('the one credential key list', () => {
  it('holds the union of both former lists', () => {
    for (const key of ['ndus', 'jstoken', 'js_token', 'bdstoken', 'bds_token', 'csrf', 'csrftoken', 'stoken', 'bduss']) {
      expect(CREDENTIAL_KEYS).toContain(key);
    }
  });

  describe.each(CREDENTIAL_KEYS.flatMap((k) => spellings(k)).map((k) => [k]))('%s', (key) => {
    const texts = [
      `failed: ${key}=${SECRET}`,
      `GET https://www.terabox.com/share/list?app_id=1&${key}=${SECRET}&page=2`,
      `header ${key}: ${SECRET}`,
      JSON.stringify({ outer: { inner: [{ [key]: SECRET }] } }),
      encodeURIComponent(JSON.stringify({ [key]: SECRET })),
    ];
    it.each(texts.map((t) => [t]))('is scrubbed from %s', (text) => {
      for (const scrub of [redactPatterns, (t: string) => new Redactor().redact(t), (t: string) => new TeraboxError(t).message]) {
        const out = scrub(text);
        expect(out).not.toContain(SECRET);
        expect(out).toContain(REDACTED);
      }
    });

    it('is scrubbed from event reasons', () => {
      const event = shareRequestRejectedEvent({ reasons: [`nested ${JSON.stringify({ a: { [key]: SECRET } })}`, `${key}=${SECRET}`] });
      expect(JSON.stringify(event)).not.toContain(SECRET);
    });
  });
});

describe('truncate', () => {
  it('keeps short text and cuts long text by code points with an ellipsis', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
  });
});

describe('fullJitterDelayMs', () => {
  it.each([
    [1, 0.5, 100],
    [2, 0.5, 200],
    [5, 0.999, 1_998],
    [10, 1 - 1e-9, 1_999],
  ])('attempt %d with random %d waits %d ms', (attempt, random, expected) => {
    expect(fullJitterDelayMs(attempt, { baseDelayMs: 200, maxDelayMs: 2_000 }, () => random)).toBe(expected);
  });
});

describe('forEachLimit', () => {
  it('keeps at most `limit` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    await forEachLimit([...Array(20).keys()], 3, async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await Promise.resolve();
      await Promise.resolve();
      inFlight--;
    });
    expect(peak).toBe(3);
  });

  it('starts no new call after the first failure and throws the first error', async () => {
    const started: number[] = [];
    const run = forEachLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await Promise.resolve();
      if (n === 1) throw new Error('first');
      if (n === 2) throw new Error('second');
    });
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([1, 2]);
  });
});
