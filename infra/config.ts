import { z } from 'zod';
import { isEmailAddress } from '../lib/contracts/email-address';
import { ACCOUNT_ID_PATTERN } from '../lib/domain/schema-parts';
import { isTimeZone } from '../lib/shared/time-zone';

/**
 * The stack's settings, read from CDK context (`cdk.json` or `cdk synth -c key=value`) and
 * validated once, before any construct is built. Every problem is reported at once.
 */
export interface StackConfig {
  /** CloudFormation stack name; the CLI reads the outputs with `--stack NAME`. */
  stackName: string;
  /** EventBridge Scheduler expression for the sweep: `rate(...)` or `cron(...)`. */
  scheduleExpression: string;
  /** IANA time zone the schedule expression is read in. */
  scheduleTimeZone: string;
  /** When true, every sweep is a dry run whatever the policies say (`GLOBAL_DRY_RUN`). */
  globalDryRun: boolean;
  /** Blast-radius cap: a sweep that would cancel more than this cancels nothing. */
  maxCancellationsPerRun: number;
  /** Blast-radius cap as a percentage of the listed shares (0 < p <= 100). */
  maxCancellationPercent: number;
  /** Share period used when a request names none: TeraBox accepts 0 (permanent), 1, 7 or 30 days. */
  defaultPeriod: 0 | 1 | 7 | 30;
  /** Optional e-mail address subscribed to the alarm topic. */
  alarmEmail?: string;
  /** TeraBox account id used in every table key (`ACCOUNT_ID`). */
  accountId: string;
  /**
   * The TeraBox accounts that get alarms of their own (an expired cookie or a verification request
   * of that account), beside the alarms over all accounts, which name no account. Default: none.
   */
  accounts: string[];
  /** Powertools log level (`LOG_LEVEL`). */
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Retention of the functions' log groups, in days. */
  logRetentionDays: number;
  /** How long a function keeps the secret before reading it again (`SECRET_CACHE_SECONDS`). */
  secretCacheSeconds: number;
  /** `TERABOX_REQUESTS_PER_SECOND`: TeraBox requests each function instance may start per second. */
  teraboxRequestsPerSecond: number;
  /** Optional `TERABOX_LIST_CONCURRENCY`; unset lets the function use its own default. */
  teraboxListConcurrency?: number;
  /** Optional `TERABOX_CANCEL_BATCH_SIZE`; unset lets the function use its own default. */
  teraboxCancelBatchSize?: number;
  /**
   * Optional `TERABOX_LIST_ENDPOINT`: the list the sweep and the create recovery read,
   * `sharelist` (/share/teratransfer/sharelist) or `record` (Baidu's /share/record); unset lets
   * the functions use their default, sharelist.
   */
  teraboxListEndpoint?: 'sharelist' | 'record';
  /**
   * Notices by email: the verified SES address digests are sent from. Unset: no notifier is
   * deployed and grace notices stay events on the bus (the grace starts when the bus accepts them).
   */
  noticeSender?: string;
  /**
   * The SES identity the sender belongs to (the address itself, or its verified domain); the
   * notifier may send only as this identity. Default: the sender address.
   */
  noticeIdentity?: string;
  /** Optional SES configuration set the digests are sent with. */
  noticeConfigurationSet?: string;
  /** Optional reply-to address (where people ask for exemptions); default the sender. */
  noticeReplyTo?: string;
  /** With a sender configured, turns the notifier off (false) without removing the sender. */
  noticesEnabled: boolean;
  /** SES sends per second the notifier may start in all (SES's account limit; the sandbox's is 1). */
  noticeSendsPerSecond: number;
}

/** Every context key the app reads, all under the `shareLifecycle:` prefix. */
export const CONTEXT_KEYS = {
  stackName: 'shareLifecycle:stackName',
  scheduleExpression: 'shareLifecycle:scheduleExpression',
  scheduleTimeZone: 'shareLifecycle:scheduleTimeZone',
  globalDryRun: 'shareLifecycle:globalDryRun',
  maxCancellationsPerRun: 'shareLifecycle:maxCancellationsPerRun',
  maxCancellationPercent: 'shareLifecycle:maxCancellationPercent',
  defaultPeriod: 'shareLifecycle:defaultPeriod',
  alarmEmail: 'shareLifecycle:alarmEmail',
  accountId: 'shareLifecycle:accountId',
  accounts: 'shareLifecycle:accounts',
  logLevel: 'shareLifecycle:logLevel',
  logRetentionDays: 'shareLifecycle:logRetentionDays',
  secretCacheSeconds: 'shareLifecycle:secretCacheSeconds',
  teraboxRequestsPerSecond: 'shareLifecycle:teraboxRequestsPerSecond',
  teraboxListConcurrency: 'shareLifecycle:teraboxListConcurrency',
  teraboxCancelBatchSize: 'shareLifecycle:teraboxCancelBatchSize',
  teraboxListEndpoint: 'shareLifecycle:teraboxListEndpoint',
  noticeSender: 'shareLifecycle:noticeSender',
  noticeIdentity: 'shareLifecycle:noticeIdentity',
  noticeConfigurationSet: 'shareLifecycle:noticeConfigurationSet',
  noticeReplyTo: 'shareLifecycle:noticeReplyTo',
  noticesEnabled: 'shareLifecycle:noticesEnabled',
  noticeSendsPerSecond: 'shareLifecycle:noticeSendsPerSecond',
} as const satisfies Record<keyof StackConfig, string>;

/**
 * Defaults when a key is absent. They match cdk.json on purpose (a test checks it), so that an
 * app built without cdk.json (the tests) behaves like `cdk synth`. The global dry run is on by
 * default: a fresh deployment only reports until someone deliberately turns enforcement on.
 */
export const CONFIG_DEFAULTS = {
  stackName: 'TeraboxShareLifecycle',
  scheduleExpression: 'rate(1 hour)',
  scheduleTimeZone: 'UTC',
  globalDryRun: true,
  maxCancellationsPerRun: 500,
  maxCancellationPercent: 20,
  defaultPeriod: 7,
  accountId: 'default',
  logLevel: 'INFO',
  logRetentionDays: 90,
  secretCacheSeconds: 300,
  // Conservative: TeraBox's limits are not published, and an account that goes too fast gets refused or flagged.
  teraboxRequestsPerSecond: 5,
  noticesEnabled: true,
  // The SES sandbox's rate; raise it to the account's limit once out of the sandbox.
  noticeSendsPerSecond: 1,
} as const;

/** Log retention values CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Thrown when the context is invalid; `issues` lists every problem, one per context key. */
export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
  readonly issues: readonly string[];

  constructor(issues: readonly string[], options?: { cause?: unknown }) {
    super(`Invalid CDK context for the share lifecycle stack:\n${issues.map((i) => `  - ${i}`).join('\n')}`, options);
    this.issues = issues;
  }
}

// Context from cdk.json keeps its JSON type; `-c key=value` always gives a string. Both are accepted.
const fromString = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return value;
};

const booleanSetting = z.preprocess(fromString, z.boolean({ error: 'must be true or false' }));

const intSetting = (min: number, max: number) =>
  z.preprocess(
    fromString,
    z
      .number({ error: `must be a whole number from ${min} to ${max}` })
      .int({ error: `must be a whole number from ${min} to ${max}` })
      .min(min, { error: `must be a whole number from ${min} to ${max}` })
      .max(max, { error: `must be a whole number from ${min} to ${max}` }),
  );

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;

/**
 * Checks an EventBridge Scheduler expression well enough to catch typos at synth time instead of
 * at deploy time. Scheduler's rules: `rate(value unit)` with a singular unit exactly when the
 * value is 1; `cron(min hour day-of-month month day-of-week year)` with `?` in one of the two
 * day fields. One-time `at(...)` schedules are refused: the sweep must recur.
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (value < 1) return 'rate value must be at least 1';
    if (value === 1 && unit.endsWith('s')) return `use the singular unit for a value of 1, e.g. rate(1 ${unit.slice(0, -1)})`;
    if (value > 1 && !unit.endsWith('s')) return `use a plural unit for values above 1, e.g. rate(${value} ${unit}s)`;
    return undefined;
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) return `cron(...) needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
    if (fields[2] !== '?' && fields[4] !== '?') return 'cron(...) needs ? in day-of-month or day-of-week';
    return undefined;
  }
  if (expression.startsWith('at(')) return 'one-time at(...) schedules are not allowed: the sweep must recur';
  return 'must be rate(value unit) or cron(minutes hours day-of-month month day-of-week year)';
}

const schema = z.object({
  stackName: z
    .string({ error: 'must be a string' })
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'must start with a letter and hold only letters, digits and hyphens (max 128)' }),
  scheduleExpression: z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
    const problem = scheduleExpressionProblem(value.trim());
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (got "${value}")` });
  }),
  scheduleTimeZone: z
    .string({ error: 'must be a string' })
    .refine(isTimeZone, { error: (issue) => `must be an IANA time zone such as UTC or Europe/Berlin (got "${String(issue.input)}")` }),
  globalDryRun: booleanSetting,
  maxCancellationsPerRun: intSetting(1, 100_000),
  maxCancellationPercent: z.preprocess(
    fromString,
    z
      .number({ error: 'must be a number above 0 and at most 100' })
      .gt(0, { error: 'must be a number above 0 and at most 100' })
      .max(100, { error: 'must be a number above 0 and at most 100' }),
  ),
  defaultPeriod: z.preprocess(
    fromString,
    z.union([z.literal(0), z.literal(1), z.literal(7), z.literal(30)], { error: 'must be 0, 1, 7 or 30 (days; 0 = permanent)' }),
  ),
  alarmEmail: z
    .string({ error: 'must be a string' })
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { error: 'must be an e-mail address' })
    .optional(),
  accountId: z
    .string({ error: 'must be a string' })
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, dots, dashes or underscores' }),
  // A JSON list in cdk.json; `-c shareLifecycle:accounts=a,b` on the command line. Ids as `accounts add` takes them.
  accounts: z
    .preprocess(
      (value) => (typeof value === 'string' ? value.split(',').map((id) => id.trim()).filter((id) => id !== '') : value),
      z.array(z.string({ error: 'must be a list of account ids' }).regex(ACCOUNT_ID_PATTERN, { error: 'each must be an account id: 1-64 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit' }), {
        error: 'must be a list of account ids (JSON) or ids separated by commas',
      }),
    )
    .refine((ids) => ids.length > 0, { error: 'must name at least one account' })
    .refine((ids) => new Set(ids).size === ids.length, { error: 'must not name an account twice' })
    .optional(),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR'], { error: 'must be DEBUG, INFO, WARN or ERROR' }),
  logRetentionDays: z.preprocess(
    fromString,
    z
      .number({ error: 'must be a CloudWatch Logs retention in days' })
      .refine((days) => LOG_RETENTION_DAYS.includes(days), { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` }),
  ),
  secretCacheSeconds: intSetting(0, 3600),
  teraboxRequestsPerSecond: z.preprocess(
    fromString,
    z
      .number({ error: 'must be a number above 0 and at most 1000' })
      .gt(0, { error: 'must be a number above 0 and at most 1000' })
      .max(1000, { error: 'must be a number above 0 and at most 1000' }),
  ),
  // TeraBox (like Baidu) caps one cancel call at 999 ids (errno -33): see terabox-api-notes.md.
  teraboxListConcurrency: intSetting(1, 16).optional(),
  teraboxCancelBatchSize: intSetting(1, 999).optional(),
  // infra imports no runtime code: the names are those of lib/terabox SHARE_LIST_ENDPOINT_NAMES (a test keeps them equal).
  teraboxListEndpoint: z.enum(['sharelist', 'record'], { error: 'must be sharelist or record' }).optional(),
  noticeSender: z.string({ error: 'must be a string' }).refine(isEmailAddress, { error: 'must be an email address (an SES verified identity, no display name)' }).optional(),
  noticeIdentity: z
    .string({ error: 'must be a string' })
    .refine((v) => isEmailAddress(v) || /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/.test(v), { error: 'must be an email address or a domain' })
    .optional(),
  noticeConfigurationSet: z.string({ error: 'must be a string' }).regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be an SES configuration set name (1-64 of A-Z a-z 0-9 _ -)' }).optional(),
  noticeReplyTo: z.string({ error: 'must be a string' }).refine(isEmailAddress, { error: 'must be an email address' }).optional(),
  noticesEnabled: booleanSetting,
  noticeSendsPerSecond: z.preprocess(
    fromString,
    z.number({ error: 'must be a number above 0 and at most 1000' }).gt(0, { error: 'must be a number above 0 and at most 1000' }).max(1000, { error: 'must be a number above 0 and at most 1000' }),
  ),
});

/** Anything that can answer context lookups: an `App`'s or a construct's `node`. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
  /** When available, used to report misspelt `shareLifecycle:` keys. */
  getAllContext?(): Record<string, unknown>;
}

/**
 * Reads and validates the stack's context. Absent keys take `CONFIG_DEFAULTS`; an empty string
 * counts as absent for the optional keys (so `-c shareLifecycle:alarmEmail=` turns e-mail off).
 * Throws `InfraConfigError` listing every invalid key.
 */
export function readStackConfig(source: ContextSource): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(CONTEXT_KEYS)) {
    const value = source.tryGetContext(key);
    if (value === undefined || value === null) continue;
    if (value === '' && !(field in CONFIG_DEFAULTS)) continue;
    raw[field] = value;
  }
  // A misspelt key would otherwise be ignored silently and its default used instead.
  const known = new Set<string>(Object.values(CONTEXT_KEYS));
  const unknownKeys = Object.keys(source.getAllContext?.() ?? {})
    .filter((key) => key.startsWith('shareLifecycle:') && !known.has(key))
    .map((key) => `${key}: unknown setting (known: ${[...known].join(', ')})`);

  const result = schema.safeParse({ ...CONFIG_DEFAULTS, ...raw });
  const issues = result.success
    ? []
    : result.error.issues.map((issue) => {
        const field = String(issue.path[0] ?? '');
        const key = (CONTEXT_KEYS as Record<string, string>)[field] ?? field;
        return `${key}: ${issue.message}`;
      });
  if (!result.success || unknownKeys.length > 0) {
    throw new InfraConfigError([...issues, ...unknownKeys], { cause: result.error });
  }
  const config = result.data;
  const problems = noticeProblems(config);
  if (problems.length > 0) throw new InfraConfigError(problems);
  return { ...config, accounts: config.accounts ?? [], scheduleExpression: config.scheduleExpression.trim() };
}

/** Notice settings that make sense only together (a domain identity must be the sender's). */
function noticeProblems(config: Pick<StackConfig, 'noticeSender' | 'noticeIdentity'>): string[] {
  const { noticeSender: sender, noticeIdentity: identity } = config;
  if (identity === undefined) return [];
  if (sender === undefined) return [`${CONTEXT_KEYS.noticeIdentity}: needs ${CONTEXT_KEYS.noticeSender}`];
  const domain = sender.slice(sender.lastIndexOf('@') + 1).toLowerCase();
  const lower = identity.toLowerCase();
  if (lower === sender.toLowerCase() || lower === domain) return [];
  return [`${CONTEXT_KEYS.noticeIdentity}: must be the sender address or its domain (${domain}): the notifier may send only as it`];
}

/** Whether the stack deploys the notifier: a sender is configured and notices are not switched off. */
export function noticesOn(config: Pick<StackConfig, 'noticeSender' | 'noticesEnabled'>): boolean {
  return config.noticeSender !== undefined && config.noticesEnabled;
}
