/**
 * Typed factories for the sweep function's invocation events: the input EventBridge Scheduler
 * sends (infra/share-lifecycle-stack.ts: `ScheduleTargetInput.fromObject({ trigger, scheduledTime,
 * executionId })`, with the context attributes filled in by Scheduler) and a manual invocation.
 */
import { randomUUID } from 'node:crypto';
import type { SweepEvent } from '../../functions/sweep-shares/handler';

/** What Scheduler delivers: `<aws.scheduler.scheduled-time>` is ISO 8601 UTC without milliseconds. */
export function aScheduledSweepEvent(scheduledAtMs: number, overrides: Partial<SweepEvent> = {}): SweepEvent {
  return {
    trigger: 'schedule',
    scheduledTime: new Date(scheduledAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    executionId: randomUUID(),
    ...overrides,
  };
}

/** `aws lambda invoke --payload '{"dryRun": true}'`. */
export function aManualDryRunEvent(): SweepEvent {
  return { dryRun: true };
}
