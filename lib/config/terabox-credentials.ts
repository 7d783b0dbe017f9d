/**
 * TeraBox credentials: the `ndus` cookie and the host to use, from a Secrets Manager secret
 * (the Lambdas) or from the environment (the CLI and the local run), behind one interface.
 *
 * The secret holds `{ "ndus": "...", "baseUrl": "https://www.terabox.com" }` and optionally
 * `jsToken` / `bdstoken` (normally scraped from `/main` by the client). It is read once, cached
 * for a lifetime (SECRET_CACHE_SECONDS, 300 s by default, as middy's secrets-manager middleware
 * and Powertools Parameters do), and re-read after `invalidate()` (the client calls it on an
 * auth error, so a rotated cookie is picked up without a cold start). Concurrent callers share
 * one read.
 *
 * No error from this module contains a secret value: messages are built from field names only
 * (zod's and JSON.parse's own messages can quote the input, so neither is passed on).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { inspect } from 'node:util';
import * as z from 'zod';
import { systemClock, type Clock } from '../app/ports';
import type { Env } from './env';

export interface TeraboxCredentials {
  /** The `ndus` session cookie. Secret. */
  ndus: string;
  /** Origin of the TeraBox web API, e.g. `https://www.terabox.com` (an emulator in tests). */
  baseUrl: string;
  /** Optional pre-seeded tokens. Secret. */
  jsToken?: string;
  bdstoken?: string;
}

export interface TeraboxCredentialsProvider {
  get(): Promise<TeraboxCredentials>;
  /** Forget the cached value: the next `get()` reads the source again (after an auth error). */
  invalidate(): void;
}

/** Credentials could not be read or are malformed. Never carries a secret value. */
export class TeraboxCredentialsError extends Error {
  override readonly name = 'TeraboxCredentialsError';
}

export const DEFAULT_SECRET_CACHE_SECONDS = 300;

// A cookie value: visible ASCII without `;`, `,`, quotes, backslash or whitespace (RFC 6265
// cookie-octet). Anything else would break the Cookie header or smuggle another cookie in.
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/;

const cookieSafe = (max: number) => z.string().min(1).max(max).regex(COOKIE_VALUE);

const credentialsSchema = z.object({
  ndus: cookieSafe(4096),
  baseUrl: z.string().refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }),
  jsToken: cookieSafe(4096).optional(),
  bdstoken: cookieSafe(256).optional(),
});

type CredentialField = keyof TeraboxCredentials;

// What each field must be; used instead of zod's messages, which may quote the input.
const FIELD_RULES: Record<CredentialField, string> = {
  ndus: 'must be a non-empty cookie value (visible ASCII, no ; , " \\ or spaces), at most 4096 characters',
  baseUrl: 'must be an http(s) URL without user info',
  jsToken: 'must be a non-empty token (visible ASCII, no ; , " \\ or spaces), at most 4096 characters',
  bdstoken: 'must be a non-empty token (visible ASCII, no ; , " \\ or spaces), at most 256 characters',
};

/**
 * Validates raw credentials. Problems are described by field name only; `source` names where
 * they came from (a secret id, the environment) and `names` how to call the fields there.
 */
export function parseTeraboxCredentials(
  raw: unknown,
  source: string,
  names: Partial<Record<CredentialField, string>> = {},
): TeraboxCredentials {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TeraboxCredentialsError(`TeraBox credentials from ${source} must be a JSON object with ndus and baseUrl`);
  }
  const result = credentialsSchema.safeParse(raw);
  if (!result.success) {
    const problems = new Set<string>();
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? '') as CredentialField;
      const name = names[field] ?? field;
      const given = (raw as Record<string, unknown>)[field];
      problems.add(given === undefined ? `${name} is missing` : `${name} ${FIELD_RULES[field] ?? 'is invalid'}`);
    }
    throw new TeraboxCredentialsError(`TeraBox credentials from ${source} are invalid: ${[...problems].join('; ')}`);
  }
  const value: TeraboxCredentials = { ndus: result.data.ndus, baseUrl: result.data.baseUrl.replace(/\/+$/, '') };
  if (result.data.jsToken !== undefined) value.jsToken = result.data.jsToken;
  if (result.data.bdstoken !== undefined) value.bdstoken = result.data.bdstoken;
  return redactable(value);
}

/**
 * Makes accidental logging safe: `JSON.stringify` and `util.inspect` (console.log, most
 * loggers) show `[REDACTED]` for the secret fields. Property access is unchanged.
 */
function redactable(credentials: TeraboxCredentials): TeraboxCredentials {
  const redacted = () => ({
    ndus: '[REDACTED]',
    baseUrl: credentials.baseUrl,
    ...(credentials.jsToken === undefined ? {} : { jsToken: '[REDACTED]' }),
    ...(credentials.bdstoken === undefined ? {} : { bdstoken: '[REDACTED]' }),
  });
  Object.defineProperty(credentials, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(credentials, inspect.custom, { value: () => redacted(), enumerable: false });
  return credentials;
}

export interface SecretsManagerCredentialsProviderOptions {
  /** Built with the SDK defaults (region, credentials, AWS_ENDPOINT_URL_SECRETS_MANAGER) when absent. */
  client?: SecretsManagerClient;
  secretId: string;
  /** Cache lifetime; 0 reads on every call (concurrent calls still share one read). Default 300. */
  cacheSeconds?: number;
  clock?: Clock;
  /** The origin used when the secret names none (a registered account's `baseUrl`); without it the secret must have one. */
  defaultBaseUrl?: string;
}

/** Credentials from a Secrets Manager secret, cached with a lifetime. */
export class SecretsManagerCredentialsProvider implements TeraboxCredentialsProvider {
  private readonly client: SecretsManagerClient;
  private readonly secretId: string;
  private readonly cacheMs: number;
  private readonly clock: Clock;
  private readonly defaultBaseUrl: string | undefined;
  private cached: { value: TeraboxCredentials; expiresAt: number } | undefined;
  private inFlight: Promise<TeraboxCredentials> | undefined;
  // Bumped by invalidate(): a read that started before it does not refill the cache.
  private generation = 0;

  constructor(options: SecretsManagerCredentialsProviderOptions) {
    const seconds = options.cacheSeconds ?? DEFAULT_SECRET_CACHE_SECONDS;
    if (!(seconds >= 0)) throw new RangeError('cacheSeconds must be >= 0');
    this.client = options.client ?? new SecretsManagerClient({});
    this.secretId = options.secretId;
    this.cacheMs = seconds * 1000;
    this.clock = options.clock ?? systemClock;
    this.defaultBaseUrl = options.defaultBaseUrl;
  }

  get(): Promise<TeraboxCredentials> {
    if (this.cached !== undefined && this.clock.now() < this.cached.expiresAt) return Promise.resolve(this.cached.value);
    if (this.inFlight !== undefined) return this.inFlight;
    const generation = this.generation;
    const read = this.read().then(
      (value) => {
        if (generation === this.generation && this.cacheMs > 0) this.cached = { value, expiresAt: this.clock.now() + this.cacheMs };
        return value;
      },
    );
    this.inFlight = read;
    // Failures are not cached: the next get() tries again.
    const clear = () => {
      if (this.inFlight === read) this.inFlight = undefined;
    };
    read.then(clear, clear);
    return read;
  }

  invalidate(): void {
    this.generation += 1;
    this.cached = undefined;
    this.inFlight = undefined;
  }

  private async read(): Promise<TeraboxCredentials> {
    let secretString: string | undefined;
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      secretString = response.SecretString;
    } catch (error) {
      // SDK errors name the secret id and the failure (AccessDenied, ResourceNotFound), never its value.
      const name = error instanceof Error ? error.name : 'Error';
      throw new TeraboxCredentialsError(`Could not read the TeraBox secret ${this.secretId}: ${name}`, { cause: error });
    }
    if (secretString === undefined || secretString === '') {
      throw new TeraboxCredentialsError(`The TeraBox secret ${this.secretId} has no string value (a JSON object with ndus and baseUrl is expected)`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(secretString);
    } catch {
      // Deliberately no cause: V8's SyntaxError message quotes part of the text, i.e. the secret.
      throw new TeraboxCredentialsError(`The TeraBox secret ${this.secretId} is not valid JSON (a JSON object with ndus and baseUrl is expected)`);
    }
    if (this.defaultBaseUrl !== undefined && typeof raw === 'object' && raw !== null && !Array.isArray(raw) && (raw as { baseUrl?: unknown }).baseUrl === undefined) {
      raw = { ...raw, baseUrl: this.defaultBaseUrl };
    }
    return parseTeraboxCredentials(raw, `secret ${this.secretId}`);
  }
}

/** Credentials from `TERABOX_NDUS` and `TERABOX_BASE_URL` (the CLI and the local run). */
export class EnvCredentialsProvider implements TeraboxCredentialsProvider {
  constructor(private readonly env: Env = process.env) {}

  /** Reads the environment on every call (cheap), so an updated variable is seen at once. */
  async get(): Promise<TeraboxCredentials> {
    const missing = ['TERABOX_NDUS', 'TERABOX_BASE_URL'].filter((name) => (this.env[name] ?? '').trim() === '');
    if (missing.length > 0) throw new TeraboxCredentialsError(`${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set`);
    return parseTeraboxCredentials(
      { ndus: this.env.TERABOX_NDUS?.trim(), baseUrl: this.env.TERABOX_BASE_URL?.trim() },
      'the environment',
      { ndus: 'TERABOX_NDUS', baseUrl: 'TERABOX_BASE_URL' },
    );
  }

  invalidate(): void {
    // Nothing cached.
  }
}

/**
 * The provider the CLI and the local run use: the environment's cookie when `TERABOX_NDUS`
 * is set, else the secret named by `TERABOX_SECRET_ID`.
 */
export function credentialsProviderFromEnv(
  env: Env = process.env,
  options: { client?: SecretsManagerClient; clock?: Clock } = {},
): TeraboxCredentialsProvider {
  if ((env.TERABOX_NDUS ?? '').trim() !== '') return new EnvCredentialsProvider(env);
  const secretId = (env.TERABOX_SECRET_ID ?? '').trim();
  if (secretId !== '') {
    const raw = (env.SECRET_CACHE_SECONDS ?? '').trim();
    const cacheSeconds = /^\d+$/.test(raw) ? Number(raw) : DEFAULT_SECRET_CACHE_SECONDS;
    return new SecretsManagerCredentialsProvider({ ...options, secretId, cacheSeconds });
  }
  throw new TeraboxCredentialsError('No TeraBox credentials configured: set TERABOX_NDUS and TERABOX_BASE_URL, or TERABOX_SECRET_ID');
}
