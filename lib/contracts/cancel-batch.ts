/**
 * The cancel queue message: one batch of shares the sweep decided to cancel.
 *
 * The sweep writes these only in enforce mode; `dryRun` is the literal `false` so that a
 * message can never be mistaken for (or forged from) a plan: cancel-shares refuses anything else.
 *
 * `requestIds` (added in session 2, optional) carries what the sweep learnt from the share records
 * it joined, so that cancel-shares need not look each share's record up through the `byShareId`
 * index (one Query per share): a request id marks that record cancelled directly; `null` says the
 * sweep found no record and none can have appeared since (see NO_RECORD_AGE_MS in lib/app/sweep/types.ts). A share without an
 * entry (and every share of a message written before the field existed) is looked up as before.
 *
 * `policyVersions` (added with the policy history, optional) names the version of each policy
 * the batch's shares break, as the run evaluated it: one run evaluates one version of each policy,
 * so the map is per batch, not per share. A message without it (older, or policies from a file)
 * is as valid as before; its ShareCancelled events then carry no versions.
 */
import * as z from 'zod';
import { isJsonObject, JsonNumber, parseJsonBody } from './json-body';
import { capLines, formatIssues } from './issues';

export const MAX_SHARES_PER_CANCEL_BATCH = 100;
const MAX_REASON_LENGTH = 1024;
const MAX_POLICIES_PER_SHARE = 50;
const MAX_ID_LENGTH = 128;
const DECIMAL = /^[1-9][0-9]*$/;
const PRINTABLE_ID = /^[\x21-\x7e]+$/;

export interface CancelBatchMessage {
  runId: string;
  accountId: string;
  /** Decimal strings, unique, 1 to 100. */
  shareIds: string[];
  /** Why each share is cancelled (keyed by share id). */
  reasons?: Record<string, string>;
  /** Which policies each share breaks (keyed by share id). */
  policyIds?: Record<string, string[]>;
  /**
   * The request id of each share's record (keyed by share id), or `null` when the share has no
   * record. A share missing here is looked up by share id.
   */
  requestIds?: Record<string, string | null>;
  /** The version of each policy named in `policyIds` that decided (keyed by policy id). */
  policyVersions?: Record<string, number>;
  dryRun: false;
}

export type ParseCancelBatchResult =
  | { ok: true; batch: CancelBatchMessage }
  | { ok: false; runId?: string; errors: string[] };

const idSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .min(1, { error: 'must not be empty' })
  .max(MAX_ID_LENGTH, { error: `must be at most ${MAX_ID_LENGTH} characters` })
  .regex(PRINTABLE_ID, { error: 'must use printable ASCII characters only (no spaces)' });

const shareIdSchema = z
  .string({ error: 'must be a share id as a string of decimal digits' })
  .max(20, { error: 'must be at most 20 digits' })
  .regex(DECIMAL, { error: 'must be a share id as a string of decimal digits' });

const reasonSchema = z
  .string({ error: 'must be a string' })
  .max(MAX_REASON_LENGTH, { error: `must be at most ${MAX_REASON_LENGTH} characters` });

/** A policy version: a whole number from 1 (parseJsonBody keeps numbers as JsonNumber: read as a number here). */
const versionSchema = z.preprocess(
  (value) => (value instanceof JsonNumber ? Number(value.text) : value),
  z
    .number({ error: 'must be a policy version (a whole number from 1)' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(Number.MAX_SAFE_INTEGER, { error: 'is too large' }),
);

/** The cancel batch schema (strict). */
export const cancelBatchSchema = z
  .strictObject({
    runId: idSchema,
    accountId: idSchema,
    shareIds: z
      .array(shareIdSchema, { error: 'must be an array of share ids' })
      .min(1, { error: 'must have at least 1 share id' })
      .max(MAX_SHARES_PER_CANCEL_BATCH, { error: `must have at most ${MAX_SHARES_PER_CANCEL_BATCH} share ids` }),
    reasons: z.record(shareIdSchema, reasonSchema, { error: 'must be an object of share id to reason' }).optional(),
    policyIds: z
      .record(
        shareIdSchema,
        z.array(idSchema, { error: 'must be an array of policy ids' }).max(MAX_POLICIES_PER_SHARE, {
          error: `must have at most ${MAX_POLICIES_PER_SHARE} policy ids`,
        }),
        { error: 'must be an object of share id to policy ids' },
      )
      .optional(),
    requestIds: z
      .record(shareIdSchema, idSchema.nullable(), { error: 'must be an object of share id to request id (or null)' })
      .optional(),
    policyVersions: z
      .record(idSchema, versionSchema, { error: 'must be an object of policy id to version' })
      .optional(),
    dryRun: z.literal(false, { error: 'must be false (a cancel batch is never a dry run)' }),
  })
  .superRefine((batch, ctx) => {
    const ids = new Set<string>();
    batch.shareIds.forEach((id, index) => {
      if (ids.has(id)) ctx.addIssue({ code: 'custom', message: 'duplicates an earlier share id', path: ['shareIds', index], input: id });
      ids.add(id);
    });
    for (const field of ['reasons', 'policyIds', 'requestIds'] as const) {
      for (const key of Object.keys(batch[field] ?? {})) {
        if (!ids.has(key)) {
          ctx.addIssue({ code: 'custom', message: 'names a share that is not in shareIds', path: [field, key], input: key });
        }
      }
    }
  });

/** Parses a cancel queue message body. Never throws. */
export function parseCancelBatch(body: string): ParseCancelBatchResult {
  const json = parseJsonBody(body);
  if (!json.ok) return { ok: false, errors: [`body is not valid JSON: ${json.error}`] };
  const value = json.value;
  if (!isJsonObject(value)) return { ok: false, errors: ['body must be a JSON object'] };
  const runId = idSchema.safeParse(value.runId);
  const known = runId.success ? { runId: runId.data } : {};
  const errors = json.duplicateKeys.map((key) => `${key}: appears twice with different values`);
  const parsed = cancelBatchSchema.safeParse(value);
  if (!parsed.success) errors.push(...formatIssues(parsed.error.issues));
  if (!parsed.success || errors.length > 0) return { ok: false, ...known, errors: capLines(errors, 20) };
  const batch: CancelBatchMessage = parsed.data;
  return { ok: true, batch };
}

export interface CancelDecisionInput {
  shareId: string;
  reason?: string;
  policyIds?: string[];
  /** The request id of the share's record; `null`: it has none for sure; absent: unknown (looked up). */
  requestId?: string | null;
}

/**
 * Splits a run's cancel decisions into messages of at most `batchSize` shares (1 to 100),
 * keeping each share's reason, policy ids and request id with it. Duplicate share ids are merged
 * (two different request ids for one share leave it unknown, so that cancel-shares looks it up).
 */
export function buildCancelBatches(
  run: { runId: string; accountId: string; policyVersions?: Readonly<Record<string, number>> },
  decisions: readonly CancelDecisionInput[],
  batchSize: number = MAX_SHARES_PER_CANCEL_BATCH,
): CancelBatchMessage[] {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SHARES_PER_CANCEL_BATCH) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_SHARES_PER_CANCEL_BATCH}`);
  }
  const merged = new Map<string, CancelDecisionInput>();
  for (const decision of decisions) {
    const earlier = merged.get(decision.shareId);
    if (earlier === undefined) merged.set(decision.shareId, decision);
    else {
      merged.set(decision.shareId, {
        shareId: decision.shareId,
        reason: [earlier.reason, decision.reason].filter((r) => r !== undefined).join('; ') || undefined,
        policyIds: [...new Set([...(earlier.policyIds ?? []), ...(decision.policyIds ?? [])])],
        ...mergeRequestId(earlier.requestId, decision.requestId),
      });
    }
  }
  const unique = [...merged.values()];
  const batches: CancelBatchMessage[] = [];
  for (let start = 0; start < unique.length; start += batchSize) {
    const chunk = unique.slice(start, start + batchSize);
    const batch: CancelBatchMessage = { runId: run.runId, accountId: run.accountId, shareIds: chunk.map((d) => d.shareId), dryRun: false };
    const reasons = Object.fromEntries(chunk.filter((d) => d.reason !== undefined).map((d) => [d.shareId, d.reason as string]));
    const policyIds = Object.fromEntries(
      chunk.filter((d) => d.policyIds !== undefined && d.policyIds.length > 0).map((d) => [d.shareId, d.policyIds as string[]]),
    );
    const requestIds = Object.fromEntries(chunk.filter((d) => d.requestId !== undefined).map((d) => [d.shareId, d.requestId as string | null]));
    if (Object.keys(reasons).length > 0) batch.reasons = reasons;
    if (Object.keys(policyIds).length > 0) batch.policyIds = policyIds;
    if (Object.keys(requestIds).length > 0) batch.requestIds = requestIds;
    const versions = versionsNamed(Object.values(policyIds).flat(), run.policyVersions);
    if (versions !== undefined) batch.policyVersions = versions;
    batches.push(batch);
  }
  return batches;
}

/** The versions of the named policies that `versions` knows; undefined when none. */
function versionsNamed(policyIds: readonly string[], versions: Readonly<Record<string, number>> | undefined): Record<string, number> | undefined {
  if (versions === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const id of policyIds) if (versions[id] !== undefined) out[id] = versions[id];
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * One share decided twice: a request id wins (cancel-shares checks it against the record); two
 * different ones, or "none" beside "unknown", leave it unknown, so that cancel-shares looks it up.
 */
function mergeRequestId(a: string | null | undefined, b: string | null | undefined): { requestId?: string | null } {
  if (typeof a === 'string' && typeof b === 'string') return a === b ? { requestId: a } : {};
  if (typeof a === 'string') return { requestId: a };
  if (typeof b === 'string') return { requestId: b };
  return a === null && b === null ? { requestId: null } : {};
}
