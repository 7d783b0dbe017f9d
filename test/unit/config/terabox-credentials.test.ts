import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient, type GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  EnvCredentialsProvider,
  SecretsManagerCredentialsProvider,
  TeraboxCredentialsError,
  credentialsProviderFromEnv,
} from '../../../lib/config/terabox-credentials';
import { aManualClock } from '../../factories/messages';
import { waitUntil } from '../../support/waiting';

const SECRET_NDUS = 'Y-SENTINEL-ndus-value-0123456789';
const secretId = 'terabox/credentials';

function setup(cacheSeconds?: number) {
  const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  const clock = aManualClock();
  const provider = new SecretsManagerCredentialsProvider({ client, secretId, clock, ...(cacheSeconds === undefined ? {} : { cacheSeconds }) });
  const reads = () => mock.commandCalls(GetSecretValueCommand).length;
  return { client, mock, clock, provider, reads };
}

const secret = (value: Record<string, unknown> = {}) => ({
  SecretString: JSON.stringify({ ndus: SECRET_NDUS, baseUrl: 'https://www.terabox.com/', ...value }),
});

/** Secret reads that answer only when the test releases them; `started(n)` waits for the nth read to begin. */
function heldReads(mock: ReturnType<typeof setup>['mock']) {
  const releases: Array<(value: GetSecretValueCommandOutput) => void> = [];
  mock.on(GetSecretValueCommand).callsFake(() => new Promise((resolve) => releases.push(resolve)));
  const started = (n: number): Promise<void> => waitUntil(() => releases.length >= n, `secret read ${n} to start`);
  return { releases, started };
}

/** Every way an error might be shown: message, String(), JSON, and inspect with its cause chain. */
function everyRendering(error: unknown): string {
  return [String(error), (error as Error).message, JSON.stringify(error), inspect(error, { depth: 5 })].join('\n');
}

describe('SecretsManagerCredentialsProvider', () => {
  it('reads and validates the secret, dropping a trailing slash from the base URL', async () => {
    const { mock, provider } = setup();
    mock.on(GetSecretValueCommand, { SecretId: secretId }).resolves(secret({ jsToken: 'tok', bdstoken: '0123456789abcdef0123456789abcdef' }));
    const credentials = await provider.get();
    expect({ ...credentials }).toEqual({
      ndus: SECRET_NDUS,
      baseUrl: 'https://www.terabox.com',
      jsToken: 'tok',
      bdstoken: '0123456789abcdef0123456789abcdef',
    });
  });

  it('ignores extra fields in the secret (notes for operators)', async () => {
    const { mock, provider } = setup();
    mock.on(GetSecretValueCommand).resolves(secret({ note: 'rotated by alice' }));
    expect({ ...(await provider.get()) }).toEqual({ ndus: SECRET_NDUS, baseUrl: 'https://www.terabox.com' });
  });

  it('serves the cached value for its lifetime, then reads again', async () => {
    const { mock, clock, provider, reads } = setup(300);
    mock.on(GetSecretValueCommand).resolves(secret());
    await provider.get();
    clock.advance(299_999);
    await provider.get();
    expect(reads()).toBe(1);
    clock.advance(1);
    await provider.get();
    expect(reads()).toBe(2);
  });

  it('defaults to a 300 s lifetime', async () => {
    const { mock, clock, provider, reads } = setup();
    mock.on(GetSecretValueCommand).resolves(secret());
    await provider.get();
    clock.advance(299_000);
    await provider.get();
    clock.advance(1_000);
    await provider.get();
    expect(reads()).toBe(2);
  });

  it('reads on every call with a lifetime of 0', async () => {
    const { mock, provider, reads } = setup(0);
    mock.on(GetSecretValueCommand).resolves(secret());
    await provider.get();
    await provider.get();
    expect(reads()).toBe(2);
  });

  it('re-reads after invalidate(), picking up a rotated cookie', async () => {
    const { mock, provider, reads } = setup();
    mock.on(GetSecretValueCommand).resolvesOnce(secret()).resolvesOnce(secret({ ndus: 'rotated-cookie' }));
    expect((await provider.get()).ndus).toBe(SECRET_NDUS);
    provider.invalidate();
    expect((await provider.get()).ndus).toBe('rotated-cookie');
    expect(reads()).toBe(2);
  });

  it('shares one in-flight read between concurrent callers', async () => {
    const { mock, provider, reads } = setup();
    const held = heldReads(mock);
    const pending = Promise.all([provider.get(), provider.get(), provider.get()]);
    await held.started(1);
    for (const release of held.releases) release({ ...secret(), $metadata: {} });
    const results = await pending;
    expect(reads()).toBe(1);
    expect(new Set(results).size).toBe(1);
  });

  it('does not let a read started before invalidate() refill the cache', async () => {
    const { mock, provider, reads } = setup();
    const { releases, started } = heldReads(mock);
    const old = provider.get();
    await started(1);
    provider.invalidate();
    const fresh = provider.get();
    await started(2);
    // The old read answers last: were it allowed to, it would overwrite the fresh value.
    releases[1]!({ ...secret({ ndus: 'new-cookie' }), $metadata: {} });
    expect((await fresh).ndus).toBe('new-cookie');
    releases[0]!({ ...secret({ ndus: 'old-cookie' }), $metadata: {} });
    expect((await old).ndus).toBe('old-cookie');
    expect((await provider.get()).ndus).toBe('new-cookie');
    expect(reads()).toBe(2);
  });

  it('does not cache a failure', async () => {
    const { mock, provider } = setup();
    mock.on(GetSecretValueCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })).resolves(secret());
    await expect(provider.get()).rejects.toThrow(TeraboxCredentialsError);
    expect((await provider.get()).ndus).toBe(SECRET_NDUS);
  });

  it('wraps an SDK error with it as the cause, naming the secret', async () => {
    const { mock, provider } = setup();
    const failure = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    mock.on(GetSecretValueCommand).rejects(failure);
    const error = (await provider.get().catch((e: unknown) => e)) as TeraboxCredentialsError;
    expect(error.name).toBe('TeraboxCredentialsError');
    expect(error.message).toBe('Could not read the TeraBox secret terabox/credentials: AccessDeniedException');
    expect(error.cause).toBe(failure);
  });

  it.each<[string, Partial<GetSecretValueCommandOutput>, string]>([
    ['not JSON', { SecretString: `ndus=${SECRET_NDUS}` }, 'is not valid JSON'],
    ['JSON with the cookie in a broken place', { SecretString: `{"ndus": "${SECRET_NDUS}", baseUrl}` }, 'is not valid JSON'],
    ['a JSON array', { SecretString: JSON.stringify([SECRET_NDUS]) }, 'must be a JSON object with ndus and baseUrl'],
    ['a JSON string', { SecretString: JSON.stringify(SECRET_NDUS) }, 'must be a JSON object with ndus and baseUrl'],
    ['no ndus', { SecretString: JSON.stringify({ baseUrl: 'https://www.terabox.com' }) }, 'ndus is missing'],
    ['no baseUrl', { SecretString: JSON.stringify({ ndus: SECRET_NDUS }) }, 'baseUrl is missing'],
    ['an ndus with a semicolon', secret({ ndus: `${SECRET_NDUS}; other=1` }), 'ndus must be a non-empty cookie value'],
    ['an ndus with a space', secret({ ndus: `${SECRET_NDUS} x` }), 'ndus must be a non-empty cookie value'],
    ['an empty ndus', secret({ ndus: '' }), 'ndus must be a non-empty cookie value'],
    ['a numeric ndus', { SecretString: JSON.stringify({ ndus: 12345, baseUrl: 'https://www.terabox.com' }) }, 'ndus must be a non-empty cookie value'],
    ['a baseUrl that is not a URL', secret({ baseUrl: `www.terabox.com/${SECRET_NDUS}` }), 'baseUrl must be an http(s) URL without user info'],
    ['a baseUrl with user info', secret({ baseUrl: `https://user:${SECRET_NDUS}@www.terabox.com` }), 'baseUrl must be an http(s) URL without user info'],
    ['a jsToken with a quote', secret({ jsToken: `"${SECRET_NDUS}` }), 'jsToken must be a non-empty token'],
    ['no string value', { SecretBinary: new Uint8Array([1, 2, 3]) }, 'has no string value'],
  ])('refuses a secret with %s, without echoing any value', async (_name, output, message) => {
    const { mock, provider } = setup();
    mock.on(GetSecretValueCommand).resolves(output);
    const error = await provider.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxCredentialsError);
    expect((error as Error).message).toContain(message);
    expect(everyRendering(error)).not.toContain('SENTINEL');
  });

  it('shows [REDACTED] when credentials are logged or serialized by mistake', async () => {
    const { mock, provider } = setup();
    mock.on(GetSecretValueCommand).resolves(secret({ jsToken: 'tok-SENTINEL', bdstoken: 'bds-SENTINEL' }));
    const credentials = await provider.get();
    expect(JSON.stringify(credentials)).toBe('{"ndus":"[REDACTED]","baseUrl":"https://www.terabox.com","jsToken":"[REDACTED]","bdstoken":"[REDACTED]"}');
    expect(inspect(credentials)).not.toContain('SENTINEL');
    expect(JSON.stringify({ nested: { credentials } })).not.toContain('SENTINEL');
    expect(credentials.ndus).toBe(SECRET_NDUS);
  });
});

describe('EnvCredentialsProvider', () => {
  it('reads TERABOX_NDUS and TERABOX_BASE_URL', async () => {
    const provider = new EnvCredentialsProvider({ TERABOX_NDUS: SECRET_NDUS, TERABOX_BASE_URL: 'http://127.0.0.1:8080/' });
    expect({ ...(await provider.get()) }).toEqual({ ndus: SECRET_NDUS, baseUrl: 'http://127.0.0.1:8080' });
    provider.invalidate();
  });

  it.each<[string, Record<string, string>, string]>([
    ['nothing set', {}, 'TERABOX_NDUS and TERABOX_BASE_URL are not set'],
    ['no base URL', { TERABOX_NDUS: SECRET_NDUS }, 'TERABOX_BASE_URL is not set'],
    ['an ndus with a semicolon', { TERABOX_NDUS: `${SECRET_NDUS};x=1`, TERABOX_BASE_URL: 'https://www.terabox.com' }, 'TERABOX_NDUS must be a non-empty cookie value'],
    ['a base URL that is not one', { TERABOX_NDUS: SECRET_NDUS, TERABOX_BASE_URL: 'terabox' }, 'TERABOX_BASE_URL must be an http(s) URL without user info'],
  ])('explains %s by variable name, without echoing values', async (_name, env, message) => {
    const error = await new EnvCredentialsProvider(env).get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TeraboxCredentialsError);
    expect((error as Error).message).toContain(message);
    expect(everyRendering(error)).not.toContain('SENTINEL');
  });
});

describe('credentialsProviderFromEnv', () => {
  it.each<[string, Record<string, string>, unknown]>([
    ['the environment cookie first', { TERABOX_NDUS: 'x', TERABOX_BASE_URL: 'https://a', TERABOX_SECRET_ID: 's' }, EnvCredentialsProvider],
    ['the secret without a cookie', { TERABOX_SECRET_ID: 's' }, SecretsManagerCredentialsProvider],
  ])('chooses %s', (_name, env, type) => {
    const client = new SecretsManagerClient({ region: 'us-east-1' });
    expect(credentialsProviderFromEnv(env, { client })).toBeInstanceOf(type as new (...args: never[]) => unknown);
  });

  it('says what to set when nothing is configured', () => {
    expect(() => credentialsProviderFromEnv({})).toThrow('No TeraBox credentials configured: set TERABOX_NDUS and TERABOX_BASE_URL, or TERABOX_SECRET_ID');
  });
});

describe('SecretsManagerCredentialsProvider with a default base URL (a registered account)', () => {
  it("uses the account's base URL when the secret names none, and the secret's own when it does", async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    const provider = new SecretsManagerCredentialsProvider({ client, secretId, defaultBaseUrl: 'https://www.terabox.app' });
    mock.on(GetSecretValueCommand).resolvesOnce({ SecretString: JSON.stringify({ ndus: SECRET_NDUS }) }).resolvesOnce(secret());
    expect((await provider.get()).baseUrl).toBe('https://www.terabox.app');
    provider.invalidate();
    expect((await provider.get()).baseUrl).toBe('https://www.terabox.com');
  });
});
