/**
 * The requester directory's entries: who a requester (the `requester` of share requests) is, and
 * where their notices go. The CLI writes entries (`requesters set`), the directory store reads
 * them back; both go through these validators, so an item edited by hand in the console is refused
 * with the same words as a bad command line.
 *
 * The account's fallback (Cloud Custodian's `owner_absent_contact`) receives the notices of shares
 * whose requester is unknown, has no entry, or has an entry without an address.
 */
import * as z from 'zod';
import { isEmailAddress } from './email-address';
import { formatIssues } from './issues';
import { requesterSchema } from './share-request';

/** Addresses one entry may hold (one digest goes to all of them at once). */
export const MAX_ADDRESSES = 10;

const addressSchema = z
  .string({ error: 'must be text' })
  .trim()
  .refine(isEmailAddress, { error: 'must be an email address such as ana@example.com (no display name)' });

const addressesSchema = z
  .array(addressSchema, { error: 'must be a list of email addresses' })
  .max(MAX_ADDRESSES, { error: `must hold at most ${MAX_ADDRESSES} addresses` })
  .transform((list) => [...new Set(list.map((a) => a.toLowerCase()))]);

export const requesterEntrySchema = z.strictObject({
  requester: requesterSchema,
  displayName: z.string({ error: 'must be text' }).trim().min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }).optional(),
  /** Empty: the requester is known but their notices go to the fallback. */
  emails: addressesSchema.default([]),
});

export const fallbackEntrySchema = z.strictObject({
  emails: addressesSchema.refine((list) => list.length > 0, { error: 'must hold at least one address' }),
});

export type RequesterEntryInput = z.input<typeof requesterEntrySchema>;
/** A valid entry: addresses trimmed, lower-cased and without duplicates. */
export type RequesterEntry = z.output<typeof requesterEntrySchema>;
export type FallbackEntry = z.output<typeof fallbackEntrySchema>;

export type EntryCheck<T> = { ok: true; entry: T } | { ok: false; errors: string[] };

/** Validates a directory entry; every problem is one line naming its field (`requester "ana": emails[1]: ...`). */
export function validateRequesterEntry(value: unknown): EntryCheck<RequesterEntry> {
  const parsed = requesterEntrySchema.safeParse(value);
  if (parsed.success) return { ok: true, entry: parsed.data };
  const id = typeof value === 'object' && value !== null ? (value as { requester?: unknown }).requester : undefined;
  const label = typeof id === 'string' && requesterSchema.safeParse(id).success ? `requester ${JSON.stringify(id)}` : 'requester';
  return { ok: false, errors: formatIssues(parsed.error.issues).map((line) => `${label}: ${line}`) };
}

/** Validates the account's fallback addresses. */
export function validateFallbackEntry(value: unknown): EntryCheck<FallbackEntry> {
  const parsed = fallbackEntrySchema.safeParse(value);
  if (parsed.success) return { ok: true, entry: parsed.data };
  return { ok: false, errors: formatIssues(parsed.error.issues).map((line) => `fallback: ${line}`) };
}
