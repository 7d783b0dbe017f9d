import { defaultSecretName, secretPrefixOf, secretPrefixProblems, validateAccountEntry } from '../../../lib/contracts/account-entry';

const good = { accountId: 'brand', displayName: 'Brand account', secretName: defaultSecretName('ShareLifecycle/', 'brand') };

describe('account registry entries', () => {
  it('fills in the defaults of a minimal entry', () => {
    expect(validateAccountEntry(good)).toEqual({
      ok: true,
      entry: { ...good, baseUrl: 'https://www.terabox.com', enabled: true, timeZone: 'UTC' },
    });
    expect(good.secretName).toBe('ShareLifecycle/accounts/brand');
  });

  it('keeps the optional settings of an account', () => {
    const full = { ...good, baseUrl: 'https://www.1024tera.com', enabled: false, timeZone: 'Asia/Tokyo', requestsPerSecond: 2.5, guardrails: { maxCancellations: 10, maxCancellationPercent: 5 } };
    expect(validateAccountEntry(full)).toEqual({ ok: true, entry: full });
    expect(validateAccountEntry({ ...good, baseUrl: 'http://127.0.0.1:4010' })).toMatchObject({ ok: true });
  });

  it.each([
    ['an id with a key separator', { accountId: 'brand#1' }, 'account: accountId: must be 1-64 letters'],
    ['an id with spaces', { accountId: 'my brand' }, 'account: accountId: must be 1-64 letters'],
    ['an empty name', { displayName: '   ' }, 'account "brand": displayName: must not be empty'],
    ['a secret name with spaces', { secretName: 'my secret' }, 'account "brand": secretName: must be a Secrets Manager name'],
    ['a plain-http origin elsewhere', { baseUrl: 'http://www.terabox.com' }, 'baseUrl: must be an https origin'],
    ['an origin with a path', { baseUrl: 'https://www.terabox.com/main' }, 'baseUrl: must be an https origin'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone: must be an IANA time zone'],
    ['a zero rate', { requestsPerSecond: 0 }, 'requestsPerSecond: must be above 0'],
    ['a percentage over 100', { guardrails: { maxCancellationPercent: 120 } }, 'guardrails.maxCancellationPercent: must be 0 to 100'],
    ['an unknown field', { owner: 'me' }, 'account "brand": owner: unknown field'],
    ['enabled as text', { enabled: 'yes' }, 'enabled: must be true or false'],
  ])('refuses %s, naming the field', (_label, change, message) => {
    const checked = validateAccountEntry({ ...good, ...change });
    expect(checked.ok).toBe(false);
    expect(checked.ok ? [] : checked.errors.join('\n')).toContain(message);
  });

  it('reports every problem of an entry at once', () => {
    const checked = validateAccountEntry({ accountId: 'x', displayName: '', secretName: 'no pe', timeZone: 'Nowhere' });
    expect(checked.ok ? 0 : checked.errors.length).toBe(3);
  });

  it("keeps an account's secret under the deployment's prefix (the stack's secret up to its first slash)", () => {
    expect(secretPrefixOf('ShareLifecycle/terabox-session')).toBe('ShareLifecycle/');
    expect(secretPrefixOf('terabox-session')).toBeUndefined();
    expect(secretPrefixProblems(good, 'ShareLifecycle/')).toEqual([]);
    // The deployment's own secret is an account's secret too (the migrated default account).
    expect(secretPrefixProblems({ accountId: 'default', secretName: 'ShareLifecycle/terabox-session' }, 'ShareLifecycle/')).toEqual([]);
    expect(secretPrefixProblems({ accountId: 'brand', secretName: 'prod/terabox' }, 'ShareLifecycle/')).toEqual([
      'account "brand": secretName: must start with "ShareLifecycle/" (the deployment\'s secrets: the functions may read only those)',
    ]);
    expect(secretPrefixProblems({ accountId: 'brand', secretName: 'ShareLifecycle/' }, 'ShareLifecycle/')).toHaveLength(1);
  });
});
