/** The sweep's invocation event: the schedule's input, or `{ "dryRun": true }` by hand. */
import * as z from 'zod';

// Strict: a typo such as `{"dryrun": true}` must be refused, never read as an enforcing run.
const sweepEventSchema = z.strictObject({
  trigger: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/).optional(),
  dryRun: z.boolean({ error: 'must be true or false (a JSON boolean)' }).optional(),
  scheduledTime: z.string().max(64).optional(),
  executionId: z.string().max(256).optional(),
  // A direct invocation sweeps one account: this one (registered and enabled), else the deployment's.
  accountId: z.string().min(1).max(128).optional(),
});

/** The event: the schedule's input, or `{ "dryRun": true, "accountId": "brand" }` by hand (an empty event is a manual run of the deployment's account). */
export type SweepEvent = z.input<typeof sweepEventSchema>;

/** The invocation event is not one the sweep understands; nothing was done. */
export class SweepEventError extends Error {
  override readonly name = 'SweepEventError';
}

/** What the sweep reads from its event; throws `SweepEventError` for anything else. */
export function parseSweepEvent(event: unknown): { trigger: string; dryRun: boolean; accountId?: string } {
  const value = event === null || event === undefined ? {} : event;
  const parsed = sweepEventSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const field = i.path.length > 0 ? i.path.join('.') : 'event';
      return i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}` : `${field}: ${i.message}`;
    });
    throw new SweepEventError(
      `invalid sweep event (expected {"dryRun": true} or the schedule's input): ${problems.join('; ')}; nothing was done`,
    );
  }
  const e = parsed.data;
  return { trigger: e.trigger ?? 'manual', dryRun: e.dryRun === true, ...(e.accountId !== undefined ? { accountId: e.accountId } : {}) };
}

const stepStateSchema = z.object({
  runId: z.string().min(1).max(128),
  accountId: z.string().min(1).max(128),
  startedAtMs: z.number().int().nonnegative(),
  mode: z.enum(['enforce', 'dry-run']),
  trigger: z.string().min(1).max(64),
  status: z.enum(['running', 'skipped']),
  listing: z.object({
    done: z.boolean(),
    chunks: z.number().int().nonnegative(),
    pages: z.number().int().nonnegative(),
    shares: z.number().int().nonnegative(),
    listMs: z.number().nonnegative(),
  }),
});

// A step's `input` is the execution's input: the direct event (the schedule's, or one started by hand).
const stepEventSchema = z.discriminatedUnion('step', [
  z.strictObject({ step: z.literal('accounts'), input: sweepEventSchema.nullish() }),
  z.strictObject({
    step: z.literal('start'),
    input: sweepEventSchema.nullish(),
    // The context object's $$.Execution.Id and StartTime: the run id is derived from them.
    executionId: z.string().min(1).max(2048).optional(),
    executionStartTime: z.string().max(64).refine((t) => Number.isFinite(Date.parse(t)), { error: 'must be an ISO 8601 time' }).optional(),
  }),
  z.strictObject({ step: z.literal('list'), state: stepStateSchema }),
  z.strictObject({ step: z.literal('evaluate'), state: stepStateSchema }),
  z.strictObject({
    step: z.literal('abandon'),
    state: stepStateSchema,
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  }),
]);

export type ParsedStepEvent = z.output<typeof stepEventSchema>;

/** Whether the event is a step of the sweep state machine (it names a `step`). */
export function isStepEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'step' in event;
}

/** A step event of the state machine (lib/contracts/sweep-steps.ts); throws `SweepEventError` for anything else. */
export function parseStepEvent(event: unknown): ParsedStepEvent {
  const parsed = stepEventSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'event'}: ${i.message}`);
    throw new SweepEventError(`invalid sweep step event: ${problems.join('; ')}; nothing was done`);
  }
  return parsed.data;
}

/**
 * The reason a failed step left in the state machine's error (`Cause` is the Lambda's error
 * JSON, `{"errorType":…,"errorMessage":…}`, or a text).
 */
export function abandonReason(error: { Error?: string | undefined; Cause?: string | undefined } | undefined): string {
  if (error === undefined) return 'a step of the sweep failed';
  let message: string | undefined;
  try {
    const cause: unknown = JSON.parse(error.Cause ?? '');
    if (typeof cause === 'object' && cause !== null && typeof (cause as { errorMessage?: unknown }).errorMessage === 'string') {
      message = (cause as { errorMessage: string }).errorMessage;
    }
  } catch {
    message = error.Cause;
  }
  const name = error.Error ?? 'Error';
  return message ? `${name}: ${message}` : `a step of the sweep failed (${name})`;
}
