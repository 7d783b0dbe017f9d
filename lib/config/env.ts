/**
 * The Lambda environment, read once per cold start and validated. Each function loads only
 * the settings it uses; every missing or invalid one is reported in a single `ConfigError`,
 * so a deployment with three mistakes fails once, not three times.
 *
 * Endpoints are not configured here: the AWS SDK clients already honour `AWS_ENDPOINT_URL` and
 * the per-service `AWS_ENDPOINT_URL_<SERVICE>` variables (checked in test/unit/config/env.test.ts).
 */
import * as z from 'zod';
import type { SharePeriod } from '../app/ports';
import { DEFAULT_ACCOUNT_ID } from '../domain/share';
import type { GuardrailLimits } from '../domain/policy-types';
import { isEmailAddress } from '../contracts/email-address';

/** An environment object (`process.env` fits). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Settings are missing or invalid; `problems` has one line per setting (values are never echoed). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems.join('; ')}`, options);
  }
}

// ------------------------------------------------------------------ setting rules

// An unset variable and an empty one are the same mistake (a CloudFormation reference that
// resolved to ""), so both count as missing.
const blankToUndefined = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const required = (what: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is missing or empty' : `must be ${what}`) });

function setting<T extends z.ZodType>(schema: T) {
  return z.preprocess(blankToUndefined, schema);
}

function withDefault<T extends z.ZodType>(schema: T, fallback: string) {
  return z.preprocess((value) => blankToUndefined(value) ?? fallback, schema);
}

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const tableName = () =>
  setting(required('a DynamoDB table name').regex(TABLE_NAME, { error: 'must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)' }));

const secretId = () =>
  setting(
    required('a secret name or ARN')
      .max(2048, { error: 'must be at most 2048 characters' })
      .regex(/^\S+$/, { error: 'must be a secret name or ARN (no whitespace)' }),
  );

const queueUrl = () =>
  setting(
    required('an SQS queue URL').refine(
      (value) => {
        try {
          const url = new URL(value);
          return url.protocol === 'https:' || url.protocol === 'http:';
        } catch {
          return false;
        }
      },
      { error: 'must be an http(s) SQS queue URL' },
    ),
  );

const busName = () =>
  setting(
    required('an event bus name or ARN').regex(/^[A-Za-z0-9._\-/:]{1,1600}$/, { error: 'must be an event bus name or ARN' }),
  );

const accountId = () =>
  withDefault(required('an account id').regex(/^[\x21-\x7e]{1,128}$/, { error: 'must be 1-128 printable ASCII characters' }), DEFAULT_ACCOUNT_ID);

const boolean = () =>
  setting(
    required('"true" or "false"').transform((value, ctx) => {
      const normalized = value.trim().toLowerCase();
      if (normalized === 'true') return true;
      if (normalized === 'false') return false;
      ctx.addIssue({ code: 'custom', message: 'must be "true" or "false"', input: value });
      return z.NEVER;
    }),
  );

function integer(fallback: number, min: number, max: number) {
  const rule = `must be a whole number from ${min} to ${max}`;
  return withDefault(
    required(rule).transform((value, ctx) => {
      const trimmed = value.trim();
      const number = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (!Number.isSafeInteger(number) || number < min || number > max) {
        ctx.addIssue({ code: 'custom', message: rule, input: value });
        return z.NEVER;
      }
      return number;
    }),
    String(fallback),
  );
}

function percent(fallback: number) {
  const rule = 'must be a number from 0 to 100';
  return withDefault(
    required(rule).transform((value, ctx) => {
      const trimmed = value.trim();
      const number = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (!(number >= 0 && number <= 100)) {
        ctx.addIssue({ code: 'custom', message: rule, input: value });
        return z.NEVER;
      }
      return number;
    }),
    String(fallback),
  );
}

/** The TeraBox list endpoints (lib/terabox/paginate.ts SHARE_LIST_ENDPOINT_NAMES; a unit test keeps them equal). */
export const LIST_ENDPOINT_VALUES = ['sharelist', 'record'] as const;
export type ListEndpointSetting = (typeof LIST_ENDPOINT_VALUES)[number];

/** An optional rate, requests per second (above 0, at most 1000); unset = no pace. */
const optionalRate = () =>
  setting(
    z
      .string()
      .optional()
      .transform((value, ctx): number | undefined => {
        if (value === undefined) return undefined;
        const number = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
        if (!(number > 0 && number <= 1000)) {
          ctx.addIssue({ code: 'custom', message: 'must be a number above 0 and at most 1000 (requests per second)', input: value });
          return z.NEVER;
        }
        return number;
      }),
  );

const listEndpoint = () =>
  withDefault(
    required('sharelist or record').transform((value, ctx): ListEndpointSetting => {
      const trimmed = value.trim().toLowerCase();
      if (trimmed === 'sharelist' || trimmed === 'record') return trimmed;
      ctx.addIssue({ code: 'custom', message: 'must be sharelist or record', input: value });
      return z.NEVER;
    }),
    'sharelist',
  );

const noticeDelivery = () =>
  withDefault(
    required('bus or email').transform((value, ctx): 'bus' | 'email' => {
      const trimmed = value.trim().toLowerCase();
      if (trimmed === 'bus' || trimmed === 'email') return trimmed;
      ctx.addIssue({ code: 'custom', message: 'must be bus or email', input: value });
      return z.NEVER;
    }),
    'bus',
  );

const emailAddress = () => setting(required('an email address').refine((value) => isEmailAddress(value.trim()), { error: 'must be an email address' }).transform((v) => v.trim()));
const optionalEmailAddress = () =>
  setting(z.string().optional().refine((value) => value === undefined || isEmailAddress(value.trim()), { error: 'must be an email address' }).transform((v) => v?.trim()));
const optionalName = () =>
  setting(z.string().optional().refine((value) => value === undefined || /^[A-Za-z0-9_-]{1,64}$/.test(value.trim()), { error: 'must be an SES configuration set name (1-64 of A-Z a-z 0-9 _ -)' }).transform((v) => v?.trim()));
const httpsOrigin = (fallback: string) =>
  withDefault(
    required('an https origin').refine(
      (value) => {
        try {
          const url = new URL(value.trim());
          return (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname === '/' && url.search === '';
        } catch {
          return false;
        }
      },
      { error: 'must be an origin such as https://www.terabox.com' },
    ),
    fallback,
  );

const period = () =>
  withDefault(
    required('0, 1, 7 or 30').transform((value, ctx): SharePeriod => {
      const trimmed = value.trim();
      if (trimmed === '0' || trimmed === '1' || trimmed === '7' || trimmed === '30') return Number(trimmed) as SharePeriod;
      ctx.addIssue({ code: 'custom', message: 'must be 0, 1, 7 or 30 (days; 0 = permanent)', input: value });
      return z.NEVER;
    }),
    '7',
  );

/** Every setting the functions read, with its rule and default (names are the infra contract). */
export const SETTINGS = {
  POLICIES_TABLE: tableName(),
  SHARES_TABLE: tableName(),
  INVENTORY_TABLE: tableName(),
  RUNS_TABLE: tableName(),
  TERABOX_SECRET_ID: secretId(),
  CANCEL_QUEUE_URL: queueUrl(),
  EVENT_BUS_NAME: busName(),
  ACCOUNT_ID: accountId(),
  GLOBAL_DRY_RUN: boolean(),
  MAX_CANCELLATIONS_PER_RUN: integer(500, 0, 1_000_000_000),
  MAX_CANCELLATION_PERCENT: percent(20),
  DEFAULT_PERIOD: period(),
  SECRET_CACHE_SECONDS: integer(300, 0, 86_400),
  TERABOX_LIST_CONCURRENCY: integer(4, 1, 16),
  // Which list the sweep and the create recovery read: /share/teratransfer/sharelist or Baidu's /share/record.
  TERABOX_LIST_ENDPOINT: listEndpoint(),
  // The cancel queue message carries at most 100 share ids; TeraBox (as Baidu) caps one operation at 999.
  TERABOX_CANCEL_BATCH_SIZE: integer(100, 1, 100),
  // TeraBox requests one function instance may start per second (the stack sets 5); unset: no pace.
  TERABOX_REQUESTS_PER_SECOND: optionalRate(),
  // List pages one invocation of the sweep state machine reads (it also stops well before its deadline).
  SWEEP_PAGES_PER_CHUNK: integer(2000, 1, 100_000),
  // Who starts the grace clock: the sweep on bus acceptance (bus), or the notifier on SES acceptance (email).
  NOTICE_DELIVERY: noticeDelivery(),
  // The notifier's SES identity, optional reply-to and configuration set, and its pace.
  NOTICE_SENDER: emailAddress(),
  NOTICE_REPLY_TO: optionalEmailAddress(),
  NOTICE_CONFIGURATION_SET: optionalName(),
  NOTICE_SENDS_PER_SECOND: optionalRate(),
  // Where share links live, for the links in the digest.
  NOTICE_LINK_BASE: httpsOrigin('https://www.terabox.com'),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type Settings<K extends SettingName> = { [P in K]: z.output<(typeof SETTINGS)[P]> };

/**
 * Reads and validates the named settings from `env`. Throws one `ConfigError` listing every
 * problem. Only the named variables are read.
 */
export function readSettings<K extends SettingName>(env: Env, names: readonly K[]): Settings<K> {
  const shape: Partial<Record<SettingName, z.ZodType>> = {};
  const input: Record<string, string | undefined> = {};
  for (const name of names) {
    shape[name] = SETTINGS[name];
    input[name] = env[name];
  }
  const result = z.object(shape as Record<K, z.ZodType>).safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${String(issue.path[0] ?? '(environment)')} ${issue.message}`);
    throw new ConfigError([...new Set(problems)].sort());
  }
  return result.data as Settings<K>;
}

// ------------------------------------------------------------------ per function

export interface CreateSharesConfig {
  accountId: string;
  sharesTable: string;
  /** POLICIES_TABLE (optional): the account registry's table; without it only ACCOUNT_ID is served. */
  policiesTable?: string;
  teraboxSecretId: string;
  eventBusName: string;
  defaultPeriod: SharePeriod;
  secretCacheSeconds: number;
  /** TERABOX_LIST_ENDPOINT: the list the create recovery and the share id lookup read (loaders always set it; absent = the client default, sharelist). */
  listEndpoint?: ListEndpointSetting;
  /** TERABOX_REQUESTS_PER_SECOND: the pace of this instance's TeraBox requests (absent = none). */
  requestsPerSecond?: number;
}

export interface SweepConfig {
  accountId: string;
  policiesTable: string;
  sharesTable: string;
  inventoryTable: string;
  runsTable: string;
  teraboxSecretId: string;
  cancelQueueUrl: string;
  eventBusName: string;
  globalDryRun: boolean;
  guardrails: GuardrailLimits;
  secretCacheSeconds: number;
  listConcurrency: number;
  cancelBatchSize: number;
  /** TERABOX_LIST_ENDPOINT: the list the sweep reads (absent = the client default, sharelist). */
  listEndpoint?: ListEndpointSetting;
  /** TERABOX_REQUESTS_PER_SECOND: the pace of this instance's TeraBox requests (absent = none). */
  requestsPerSecond?: number;
  /** SWEEP_PAGES_PER_CHUNK: list pages one step of the sweep state machine reads. */
  pagesPerChunk: number;
  /** NOTICE_DELIVERY: `email` when the notifier starts the grace clock (a sender is configured); absent = bus. */
  noticeDelivery?: 'bus' | 'email';
}

export interface CancelConfig {
  accountId: string;
  sharesTable: string;
  /** POLICIES_TABLE (optional): the account registry's table; without it only ACCOUNT_ID is served. */
  policiesTable?: string;
  runsTable: string;
  teraboxSecretId: string;
  eventBusName: string;
  /** A second lock: with the global dry run on, cancel-shares refuses to cancel anything. */
  globalDryRun: boolean;
  secretCacheSeconds: number;
  cancelBatchSize: number;
  /** TERABOX_REQUESTS_PER_SECOND: the pace of this instance's TeraBox requests (absent = none). */
  requestsPerSecond?: number;
}

/**
 * POLICIES_TABLE where it is optional (create-shares, cancel-shares): the account registry lives
 * there; a deployment made before the registry has none, and serves only ACCOUNT_ID.
 */
function optionalRegistryTable(env: Env): { policiesTable?: string } {
  if ((env.POLICIES_TABLE ?? '').trim() === '') return {};
  return { policiesTable: readSettings(env, ['POLICIES_TABLE']).POLICIES_TABLE };
}

/** create-shares: share records, the secret, the event bus, the default period, the list endpoint. */
export function loadCreateSharesConfig(env: Env): CreateSharesConfig {
  const s = readSettings(env, ['ACCOUNT_ID', 'SHARES_TABLE', 'TERABOX_SECRET_ID', 'EVENT_BUS_NAME', 'DEFAULT_PERIOD', 'SECRET_CACHE_SECONDS', 'TERABOX_LIST_ENDPOINT', 'TERABOX_REQUESTS_PER_SECOND']);
  const registry = optionalRegistryTable(env);
  return {
    accountId: s.ACCOUNT_ID,
    sharesTable: s.SHARES_TABLE,
    ...registry,
    teraboxSecretId: s.TERABOX_SECRET_ID,
    eventBusName: s.EVENT_BUS_NAME,
    defaultPeriod: s.DEFAULT_PERIOD,
    secretCacheSeconds: s.SECRET_CACHE_SECONDS,
    listEndpoint: s.TERABOX_LIST_ENDPOINT,
    ...(s.TERABOX_REQUESTS_PER_SECOND !== undefined ? { requestsPerSecond: s.TERABOX_REQUESTS_PER_SECOND } : {}),
  };
}

/** sweep-shares: all four tables, the cancel queue, the guardrails and the listing settings. */
export function loadSweepConfig(env: Env): SweepConfig {
  const s = readSettings(env, [
    'ACCOUNT_ID',
    'POLICIES_TABLE',
    'SHARES_TABLE',
    'INVENTORY_TABLE',
    'RUNS_TABLE',
    'TERABOX_SECRET_ID',
    'CANCEL_QUEUE_URL',
    'EVENT_BUS_NAME',
    'GLOBAL_DRY_RUN',
    'MAX_CANCELLATIONS_PER_RUN',
    'MAX_CANCELLATION_PERCENT',
    'SECRET_CACHE_SECONDS',
    'TERABOX_LIST_CONCURRENCY',
    'TERABOX_CANCEL_BATCH_SIZE',
    'TERABOX_LIST_ENDPOINT',
    'TERABOX_REQUESTS_PER_SECOND',
    'SWEEP_PAGES_PER_CHUNK',
    'NOTICE_DELIVERY',
  ]);
  return {
    accountId: s.ACCOUNT_ID,
    policiesTable: s.POLICIES_TABLE,
    sharesTable: s.SHARES_TABLE,
    inventoryTable: s.INVENTORY_TABLE,
    runsTable: s.RUNS_TABLE,
    teraboxSecretId: s.TERABOX_SECRET_ID,
    cancelQueueUrl: s.CANCEL_QUEUE_URL,
    eventBusName: s.EVENT_BUS_NAME,
    globalDryRun: s.GLOBAL_DRY_RUN,
    guardrails: { maxCancellations: s.MAX_CANCELLATIONS_PER_RUN, maxCancellationPercent: s.MAX_CANCELLATION_PERCENT },
    secretCacheSeconds: s.SECRET_CACHE_SECONDS,
    listConcurrency: s.TERABOX_LIST_CONCURRENCY,
    cancelBatchSize: s.TERABOX_CANCEL_BATCH_SIZE,
    listEndpoint: s.TERABOX_LIST_ENDPOINT,
    ...(s.TERABOX_REQUESTS_PER_SECOND !== undefined ? { requestsPerSecond: s.TERABOX_REQUESTS_PER_SECOND } : {}),
    pagesPerChunk: s.SWEEP_PAGES_PER_CHUNK,
    noticeDelivery: s.NOTICE_DELIVERY,
  };
}

/** cancel-shares: share records, runs (audit), the secret, the event bus, the batch size. */
export function loadCancelConfig(env: Env): CancelConfig {
  const s = readSettings(env, [
    'ACCOUNT_ID',
    'SHARES_TABLE',
    'RUNS_TABLE',
    'TERABOX_SECRET_ID',
    'EVENT_BUS_NAME',
    'GLOBAL_DRY_RUN',
    'SECRET_CACHE_SECONDS',
    'TERABOX_CANCEL_BATCH_SIZE',
    'TERABOX_REQUESTS_PER_SECOND',
  ]);
  const registry = optionalRegistryTable(env);
  return {
    accountId: s.ACCOUNT_ID,
    sharesTable: s.SHARES_TABLE,
    ...registry,
    runsTable: s.RUNS_TABLE,
    teraboxSecretId: s.TERABOX_SECRET_ID,
    eventBusName: s.EVENT_BUS_NAME,
    globalDryRun: s.GLOBAL_DRY_RUN,
    secretCacheSeconds: s.SECRET_CACHE_SECONDS,
    cancelBatchSize: s.TERABOX_CANCEL_BATCH_SIZE,
    ...(s.TERABOX_REQUESTS_PER_SECOND !== undefined ? { requestsPerSecond: s.TERABOX_REQUESTS_PER_SECOND } : {}),
  };
}

export interface NotifyConfig {
  accountId: string;
  policiesTable: string;
  inventoryTable: string;
  runsTable: string;
  sender: string;
  replyTo?: string;
  configurationSet?: string;
  /** NOTICE_SENDS_PER_SECOND: this instance's share of SES's send rate (default 1). */
  sendsPerSecond: number;
  linkBase: string;
}

/** notify-owners: the directory (policies), the inventory, the ledger (runs), the SES sender and pace. */
export function loadNotifyConfig(env: Env): NotifyConfig {
  const s = readSettings(env, [
    'ACCOUNT_ID',
    'POLICIES_TABLE',
    'INVENTORY_TABLE',
    'RUNS_TABLE',
    'NOTICE_SENDER',
    'NOTICE_REPLY_TO',
    'NOTICE_CONFIGURATION_SET',
    'NOTICE_SENDS_PER_SECOND',
    'NOTICE_LINK_BASE',
  ]);
  return {
    accountId: s.ACCOUNT_ID,
    policiesTable: s.POLICIES_TABLE,
    inventoryTable: s.INVENTORY_TABLE,
    runsTable: s.RUNS_TABLE,
    sender: s.NOTICE_SENDER,
    ...(s.NOTICE_REPLY_TO !== undefined ? { replyTo: s.NOTICE_REPLY_TO } : {}),
    ...(s.NOTICE_CONFIGURATION_SET !== undefined ? { configurationSet: s.NOTICE_CONFIGURATION_SET } : {}),
    sendsPerSecond: s.NOTICE_SENDS_PER_SECOND ?? 1,
    linkBase: s.NOTICE_LINK_BASE.trim(),
  };
}
