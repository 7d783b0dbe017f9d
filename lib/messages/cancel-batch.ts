/**
 * The cancel queue message: one batch of shares the sweep decided to cancel.
 *
 * The sweep writes these only in enforce mode; `dryRun` is the literal `false` so that a
 * message can never be mistaken for (or forged from) a plan: cancel-shares refuses anything else.
 */
import * as z from 'zod';
import { isJsonObject, parseJsonBody } from './json-body';
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
    dryRun: z.literal(false, { error: 'must be false (a cancel batch is never a dry run)' }),
  })
  .superRefine((batch, ctx) => {
    const ids = new Set<string>();
    batch.shareIds.forEach((id, index) => {
      if (ids.has(id)) ctx.addIssue({ code: 'custom', message: 'duplicates an earlier share id', path: ['shareIds', index], input: id });
      ids.add(id);
    });
    for (const field of ['reasons', 'policyIds'] as const) {
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
}

/**
 * Splits a run's cancel decisions into messages of at most `batchSize` shares (1 to 100),
 * keeping each share's reason and policy ids with it. Duplicate share ids are merged.
 */
export function buildCancelBatches(
  run: { runId: string; accountId: string },
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
    if (Object.keys(reasons).length > 0) batch.reasons = reasons;
    if (Object.keys(policyIds).length > 0) batch.policyIds = policyIds;
    batches.push(batch);
  }
  return batches;
}
