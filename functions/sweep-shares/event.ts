/** The sweep's invocation event: the schedule's input, or `{ "dryRun": true }` by hand. */
import * as z from 'zod';

// Strict: a typo such as `{"dryrun": true}` must be refused, never read as an enforcing run.
const sweepEventSchema = z.strictObject({
  trigger: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/).optional(),
  dryRun: z.boolean({ error: 'must be true or false (a JSON boolean)' }).optional(),
  scheduledTime: z.string().max(64).optional(),
  executionId: z.string().max(256).optional(),
});

/** The event: the schedule's input, or `{ "dryRun": true }` by hand (an empty event is a manual run). */
export type SweepEvent = z.input<typeof sweepEventSchema>;

/** The invocation event is not one the sweep understands; nothing was done. */
export class SweepEventError extends Error {
  override readonly name = 'SweepEventError';
}

/** What the sweep reads from its event; throws `SweepEventError` for anything else. */
export function parseSweepEvent(event: unknown): { trigger: string; dryRun: boolean } {
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
  return { trigger: e.trigger ?? 'manual', dryRun: e.dryRun === true };
}
