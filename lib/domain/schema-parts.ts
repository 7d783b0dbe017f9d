/**
 * Zod building blocks shared by the policy, rule and exemption schemas. Every message is short
 * and field-relative ("must be greater than 0"); `formatIssues` in policy-schema.ts prefixes the
 * item and the field path.
 */
import * as z from 'zod';
import { compileGlob, compileRegex, MAX_PATTERNS_PER_LIST } from './matchers';
import { PatternError } from './policy-errors';

/** Most entries accepted in a list of path prefixes or requesters. */
export const MAX_LIST_ENTRIES = 100;
/** Most share ids one exemption may list. */
export const MAX_EXEMPT_SHARE_IDS = 10_000;
/** Longest policy, exemption or requester id. */
export const MAX_ID_LENGTH = 128;

/** Policy and exemption ids: they end up in DynamoDB map keys, log lines and metric dimensions. */
export const itemIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, {
    error: 'must start with a letter or digit and use only letters, digits, ".", "_", ":" or "-"',
  })
  .max(MAX_ID_LENGTH, { error: `must be at most ${MAX_ID_LENGTH} characters` });

/**
 * A share id: a canonical decimal string. A JSON number is accepted only while it is a safe
 * integer: beyond 2^53 the JSON parser has already rounded it into another share's id.
 */
export const shareIdSchema = z
  .union([z.string(), z.number()], { error: 'must be a share id (a decimal string)' })
  .superRefine((v, ctx) => {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) {
        ctx.addIssue({ code: 'custom', message: 'share ids beyond 2^53 must be written as strings (the number was already rounded)' });
      }
    } else if (!/^(?:0|[1-9][0-9]{0,39})$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'must be a decimal share id without leading zeros' });
    }
  })
  .transform((v) => String(v));

/** An absolute path prefix of shared files. */
export const pathPrefixSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(1024, { error: 'must be at most 1024 characters' })
  .startsWith('/', { error: 'must start with "/" (shared paths are absolute)' });

/**
 * A TeraBox account id, as the account registry spells it: the one rule for the registry
 * (lib/contracts/account-entry.ts), policy `accounts` lists and the stack's `shareLifecycle:accounts`.
 * Ids go into table keys (`RUN#<id>`), alarm dimensions and execution names: no separators.
 */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/;

/** Most accounts one policy or exemption may name. */
export const MAX_ACCOUNTS = 100;

/** `accounts` of a policy or an exemption: the accounts it applies to, each once (absent: every account). */
export const accountListSchema = nonEmptyList(
  z.string({ error: 'must be a string' }).regex(ACCOUNT_ID_PATTERN, {
    error: 'must be an account id: 1-64 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit',
  }),
  MAX_ACCOUNTS,
).superRefine((ids, ctx) => {
  const seen = new Set<string>();
  for (const [index, id] of ids.entries()) {
    if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [index], message: `account "${id}" is listed twice` });
    seen.add(id);
  }
});

/** A count: a whole number, not negative. */
export const countSchema = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(0, { error: 'must not be negative' });

export function nonEmptyList<T extends z.ZodType>(item: T, max: number) {
  return z
    .array(item, { error: 'must be an array' })
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must have at most ${max} entries` });
}

function patternString(compile: (p: string) => unknown) {
  return z.string({ error: 'must be a string' }).superRefine((p, ctx) => {
    try {
      compile(p);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      ctx.addIssue({ code: 'custom', message: `pattern "${p.length > 60 ? `${p.slice(0, 60)}...` : p}": ${error.message}` });
    }
  });
}

/** A list of patterns; a single string is accepted and becomes a list of one. */
function patternList(compile: (p: string) => unknown, what: string) {
  const one = patternString(compile);
  return z
    .union([one, nonEmptyList(one, MAX_PATTERNS_PER_LIST)], { error: `must be a ${what} or a non-empty array of them` })
    .transform((v) => (typeof v === 'string' ? [v] : v));
}

export const globListSchema = patternList(compileGlob, 'glob pattern');
export const regexListSchema = patternList(compileRegex, 'regular expression');
