/**
 * The policy language as zod v4 schemas. Strict everywhere: an unknown field is an error, never
 * ignored (a misspelt `maxAgeDay` must not silently turn a policy into "cancel everything" or
 * "cancel nothing"). Defaults: `mode` "dry-run" (a new policy only reports until someone turns it
 * on), `enabled` true, `graceHours` 0; quota `per` "account", `keep` "newest".
 *
 * The schemas' outputs are exactly the types of policy-types.ts (checked at compile time below).
 */
import * as z from 'zod';
import type { Exemption, Policy, PolicyExempt, PolicyRule, PolicyScope } from './policy-types';
import { RULE_SCHEMAS, RULE_TYPES } from './rules/registry';
import {
  accountListSchema,
  countSchema,
  itemIdSchema,
  MAX_EXEMPT_SHARE_IDS,
  MAX_ID_LENGTH,
  MAX_LIST_ENTRIES,
  nonEmptyList,
  pathPrefixSchema,
  shareIdSchema,
} from './schema-parts';

/** Longest `description` or exemption `reason`. */
export const MAX_TEXT_LENGTH = 1024;
/** Longest grace period, in hours (ten years: anything longer is a typo). */
export const MAX_GRACE_HOURS = 87_600;

const text = () =>
  z.string({ error: 'must be a string' }).max(MAX_TEXT_LENGTH, { error: `must be at most ${MAX_TEXT_LENGTH} characters` });

export const policyScopeSchema = z.strictObject(
  {
    pathPrefixes: nonEmptyList(pathPrefixSchema, MAX_LIST_ENTRIES).optional(),
    visibility: z.enum(['public', 'private', 'any'], { error: 'must be "public", "private" or "any"' }).optional(),
    requesters: nonEmptyList(
      z
        .string({ error: 'must be a string' })
        .min(1, { error: 'must not be empty' })
        .max(MAX_ID_LENGTH, { error: `must be at most ${MAX_ID_LENGTH} characters` }),
      MAX_LIST_ENTRIES,
    ).optional(),
  },
  { error: 'must be an object' },
);

const quotedTypes = RULE_TYPES.map((t) => `"${t}"`);

/** The `rule` object, by `type` (one schema per rule kind, see rules/registry.ts). */
export const policyRuleSchema = z.discriminatedUnion('type', RULE_SCHEMAS, {
  error: `must be an object with a "type" of ${quotedTypes.slice(0, -1).join(', ')} or ${quotedTypes[quotedTypes.length - 1]!}`,
});

export const policyExemptSchema = z.strictObject(
  {
    shareIds: nonEmptyList(shareIdSchema, MAX_EXEMPT_SHARE_IDS).optional(),
    pathPrefixes: nonEmptyList(pathPrefixSchema, MAX_LIST_ENTRIES).optional(),
  },
  { error: 'must be an object' },
);

/** One policy, as stored in the policies table (without its storage keys) or in a policy file. */
export const policySchema = z.strictObject(
  {
    policyId: itemIdSchema,
    description: text().optional(),
    accounts: accountListSchema.optional(),
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
    mode: z.enum(['enforce', 'dry-run'], { error: 'must be "enforce" or "dry-run"' }).default('dry-run'),
    scope: policyScopeSchema.optional(),
    rule: policyRuleSchema,
    exempt: policyExemptSchema.optional(),
    maxCancellationsPerRun: countSchema.optional(),
    graceHours: z
      .number({ error: 'must be a number' })
      .min(0, { error: 'must not be negative' })
      .max(MAX_GRACE_HOURS, { error: `must be at most ${MAX_GRACE_HOURS}` })
      .default(0),
  },
  { error: 'must be an object' },
);

/** A global exemption (`"kind": "exemption"` items), without its storage keys and `kind`. */
export const exemptionSchema = z
  .strictObject(
    {
      exemptionId: itemIdSchema,
      accounts: accountListSchema.optional(),
      shareIds: nonEmptyList(shareIdSchema, MAX_EXEMPT_SHARE_IDS).optional(),
      pathPrefixes: nonEmptyList(pathPrefixSchema, MAX_LIST_ENTRIES).optional(),
      reason: text().min(1, { error: 'must not be empty' }),
      expiresAt: z
        .union([z.iso.datetime({ offset: true }), z.iso.date()], {
          error: 'must be an ISO 8601 date or date-time with a time zone (e.g. 2026-12-31T00:00:00Z)',
        })
        .optional(),
    },
    { error: 'must be an object' },
  )
  .superRefine((e, ctx) => {
    if (e.shareIds === undefined && e.pathPrefixes === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs shareIds or pathPrefixes (an exemption must exempt something)' });
    }
  });

// Compile-time proof that the schemas produce exactly the contract types.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesContract: [
  Exactly<z.output<typeof policySchema>, Policy>,
  Exactly<z.output<typeof policyRuleSchema>, PolicyRule>,
  Exactly<z.output<typeof policyScopeSchema>, PolicyScope>,
  Exactly<z.output<typeof policyExemptSchema>, PolicyExempt>,
  Exactly<z.output<typeof exemptionSchema>, Exemption>,
] = [true, true, true, true, true];
void schemaMatchesContract;

// ----------------------------------------------------------------------------- messages

type Issue = z.core.$ZodIssue;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function isRootTypeMismatch(issues: readonly Issue[]): boolean {
  return issues.every((i) => i.code === 'invalid_type' && i.path.length === 0);
}

function issueLines(issue: Issue, prefix: readonly PropertyKey[]): { path: string; message: string }[] {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: 'unknown field' }));
    case 'invalid_type':
      if ('input' in issue && issue.input === undefined) return [{ path: formatPath(path), message: 'required' }];
      break;
    case 'invalid_union': {
      if ('input' in issue && issue.input === undefined) return [{ path: formatPath(path), message: 'required' }];
      if ('note' in issue && issue.note === 'No matching discriminator' && 'options' in issue) {
        const options = (issue.options as unknown[]).map((o) => JSON.stringify(o)).join(', ');
        return [{ path: formatPath(path), message: `must be one of ${options}` }];
      }
      // Report the branch that matched the input's shape (the deeper problem), if exactly one did.
      const candidates = issue.errors.filter((branch) => !isRootTypeMismatch(branch));
      if (candidates.length === 1) return candidates[0]!.flatMap((inner) => issueLines(inner, path));
      break;
    }
    default:
      break;
  }
  return [{ path: formatPath(path), message: issue.message.replace(/^Invalid input: /, '') }];
}

/**
 * Turns zod issues into lines that name the item and the field:
 * `policy "public-30d": rule.maxAgeDays: must be greater than 0`.
 */
export function formatIssues(label: string, issues: readonly Issue[]): string[] {
  const lines = issues.flatMap((issue) => issueLines(issue, []));
  return lines.map((l) => (l.path === '' ? `${label}: ${l.message}` : `${label}: ${l.path}: ${l.message}`));
}
