/**
 * An entry of the account registry: one TeraBox account a deployment serves, where its session
 * secret is, and the settings it may have of its own. The CLI writes entries (`accounts add`),
 * the registry store reads them back; both go through `validateAccountEntry`, so an entry edited
 * by hand in the console is refused with the same words as a bad command line.
 */
import * as z from 'zod';
import { ACCOUNT_ID_PATTERN } from '../domain/schema-parts';
import { isTimeZone } from '../shared/time-zone';
import { formatIssues } from './issues';

/**
 * The prefix of a deployment's secrets: its own secret's name up to the first `/` (the stack's
 * `<stack>/terabox-session` gives `<stack>/`). Every account's secret is named under it, so that
 * the functions' grant covers those secrets and no others. Undefined for a name without a `/`.
 */
export function secretPrefixOf(deploymentSecretName: string): string | undefined {
  const slash = deploymentSecretName.indexOf('/');
  return slash > 0 ? deploymentSecretName.slice(0, slash + 1) : undefined;
}

/** The secret name an account gets when none is named: `<prefix>accounts/<id>`. */
export function defaultSecretName(prefix: string, accountId: string): string {
  return `${prefix}accounts/${accountId}`;
}

/** The problems of an entry whose secret is not under the deployment's prefix (none when it is). */
export function secretPrefixProblems(entry: Pick<AccountEntry, 'accountId' | 'secretName'>, prefix: string): string[] {
  if (entry.secretName.startsWith(prefix) && entry.secretName.length > prefix.length) return [];
  return [`account "${entry.accountId}": secretName: must start with "${prefix}" (the deployment's secrets: the functions may read only those)`];
}

// The characters Secrets Manager allows in a name.
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** https, or http to this machine (an emulator). */
function isBaseUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

const guardrailsSchema = z.strictObject({
  maxCancellations: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(0, { error: 'must not be negative' }).optional(),
  maxCancellationPercent: z.number({ error: 'must be a number' }).min(0, { error: 'must be 0 to 100' }).max(100, { error: 'must be 0 to 100' }).optional(),
});

export const accountEntrySchema = z.strictObject({
  accountId: z.string({ error: 'must be text' }).regex(ACCOUNT_ID_PATTERN, { error: 'must be 1-64 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit' }),
  displayName: z.string({ error: 'must be text' }).trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }),
  secretName: z.string({ error: 'must be text' }).regex(SECRET_NAME, { error: 'must be a Secrets Manager name (letters, digits and /_+=.@-)' }),
  baseUrl: z.string({ error: 'must be text' }).refine(isBaseUrl, { error: 'must be an https origin such as https://www.terabox.com (http only to localhost)' }).default('https://www.terabox.com'),
  enabled: z.boolean({ error: 'must be true or false' }).default(true),
  timeZone: z.string({ error: 'must be text' }).refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Berlin' }).default('UTC'),
  requestsPerSecond: z.number({ error: 'must be a number' }).gt(0, { error: 'must be above 0' }).max(1000, { error: 'must be at most 1000' }).optional(),
  guardrails: guardrailsSchema.optional(),
});

/** An entry as the CLI gives it (defaults left out). */
export type AccountEntryInput = z.input<typeof accountEntrySchema>;
/** A valid entry, defaults filled in. */
export type AccountEntry = z.output<typeof accountEntrySchema>;

export type AccountEntryCheck = { ok: true; entry: AccountEntry } | { ok: false; errors: string[] };

/** Validates an entry; every problem is one line naming its field (`account "x": timeZone: ...`). */
export function validateAccountEntry(value: unknown): AccountEntryCheck {
  const parsed = accountEntrySchema.safeParse(value);
  if (parsed.success) return { ok: true, entry: parsed.data };
  const id = typeof value === 'object' && value !== null && typeof (value as { accountId?: unknown }).accountId === 'string' ? (value as { accountId: string }).accountId : undefined;
  const label = id !== undefined && ACCOUNT_ID_PATTERN.test(id) ? `account "${id}"` : 'account';
  return { ok: false, errors: formatIssues(parsed.error.issues).map((line) => `${label}: ${line}`) };
}
