/**
 * Grace notices and the run's other events. Events are notifications: a failed publish is a run
 * error, never a failed run nor a reason to undo a write.
 */
import type { GraceNotice } from '../../domain/decision';
import type { ProductEvent } from '../../contracts/events';
import { unacceptedEvents } from '../messaging-ports';
import type { SweepContext } from './context';
import { graceNoticeEvent } from './plan';
import { HOUR_MS, SWEEP_METRICS } from './types';

export async function publishEvents(ctx: SweepContext, events: ProductEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await ctx.deps.events.publish(events);
  } catch (error) {
    ctx.addError(`could not publish ${events.length} event(s): ${ctx.describe(error)}`);
    ctx.metric(SWEEP_METRICS.eventPublishFailures, events.length);
  }
}

/**
 * One `ShareMarkedForCancel` per due notice, in one publish, then `notifiedAt` for exactly the
 * ones the bus accepted (EventBridge can accept part of a call). With `noticeDelivery: 'email'`
 * the sweep records nothing: the notifier sets `notifiedAt` when the mail is accepted, and a
 * mark still without it is due again in the next run (the engine's `noticesDue`). The grace of a mark counts from
 * its accepted notice: a notice that was not accepted, or whose time could not be recorded,
 * leaves its mark waiting and the next run sends it again. A delay, never a silent cancellation.
 */
export async function sendNotices(ctx: SweepContext, due: readonly GraceNotice[], requestIdOf: (shareId: string) => string | undefined): Promise<void> {
  if (due.length === 0) return;
  // The notice's own time: its graceEndsAt is this plus the grace, so never later than the
  // grace the engine counts from the (later) acceptance time recorded below.
  const sentAt = ctx.deps.clock.now();
  const built = buildNotices(ctx, due, requestIdOf, sentAt);
  if (built.length === 0) return;
  const accepted = await publishNotices(ctx, built);
  ctx.metric(SWEEP_METRICS.noticesSent, accepted.length);
  if (accepted.length === 0) return;
  if (ctx.deps.settings.noticeDelivery === 'email') {
    // The notifier (lib/app/notify-owners) records `notifiedAt` once SES accepted the digest: a
    // notice the bus took is not yet a notice a person got, so its grace has not started.
    ctx.result.awaitingDelivery.push(...accepted.map((n) => ({ shareId: n.shareId, policyId: n.policyId })));
    return;
  }
  await recordNotified(ctx, accepted);
}

interface BuiltNotice {
  notice: GraceNotice;
  event: ProductEvent;
}

function buildNotices(ctx: SweepContext, due: readonly GraceNotice[], requestIdOf: (shareId: string) => string | undefined, sentAt: number): BuiltNotice[] {
  const { result } = ctx;
  const built: BuiltNotice[] = [];
  for (const notice of due) {
    try {
      built.push({ notice, event: graceNoticeEvent(notice, result.subjects.get(notice.shareId), requestIdOf(notice.shareId), sentAt, result.runId) });
    } catch (error) {
      result.unnotified.push({ shareId: notice.shareId, policyId: notice.policyId });
      ctx.addError(`could not build the grace notice of share ${notice.shareId} (${notice.policyId}): ${ctx.describe(error)}; its mark waits for one`);
    }
  }
  return built;
}

/** Publishes the notices; returns the ones the bus accepted (the others are `unnotified`). */
async function publishNotices(ctx: SweepContext, built: readonly BuiltNotice[]): Promise<GraceNotice[]> {
  let refused = new Set<number>();
  try {
    await ctx.deps.events.publish(built.map((b) => b.event));
  } catch (error) {
    refused = unacceptedEvents(error, built.length);
    ctx.addError(
      `could not publish ${refused.size} of ${built.length} grace notice(s): ${ctx.describe(error)}; ` +
        'their marks wait without a grace period and the next run sends them again',
    );
    ctx.metric(SWEEP_METRICS.eventPublishFailures, refused.size);
  }
  const accepted: GraceNotice[] = [];
  built.forEach(({ notice }, i) => {
    if (refused.has(i)) ctx.result.unnotified.push({ shareId: notice.shareId, policyId: notice.policyId });
    else accepted.push(notice);
  });
  return accepted;
}

/** `notifiedAt` at the clock's time after the publish: the grace counts from here. */
async function recordNotified(ctx: SweepContext, accepted: readonly GraceNotice[]): Promise<void> {
  const { result } = ctx;
  const acceptedAt = ctx.deps.clock.now();
  try {
    await ctx.deps.inventory.setNotified(
      accepted.map((n) => ({ shareId: n.shareId, policyId: n.policyId })),
      acceptedAt,
    );
    result.notified = accepted.map((n) => ({
      shareId: n.shareId,
      policyId: n.policyId,
      notifiedAtMs: acceptedAt,
      graceEndsAtMs: acceptedAt + n.graceHours * HOUR_MS,
    }));
  } catch (error) {
    // Sent but not recorded: the marks still look unannounced, so the next run notifies them
    // again and their grace counts from that notice (later, never sooner).
    for (const n of accepted) result.unnotified.push({ shareId: n.shareId, policyId: n.policyId });
    ctx.addError(
      `${accepted.length} grace notice(s) were sent but their time could not be recorded: ${ctx.describe(error)}; ` +
        'the next run sends them again and their grace counts from then',
    );
  }
}
