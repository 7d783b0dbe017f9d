/**
 * The notifier's use case: grace notices in, one digest mail per run and requester out.
 *
 * Why a queue with a batch window (and not one event per run): the sweep publishes one
 * `ShareMarkedForCancel` per mark, all in one publish at the end of its evaluation, and other
 * subscribers rely on that per-share contract. The stack routes them to an SQS queue that the
 * notifier reads with a batching window, so the notices of one run arrive together and are
 * grouped here by (`runId`, requester). No event had to change shape beyond two added fields.
 *
 * For each group:
 * 1. the recipient: the requester's addresses from the directory, else the account's fallback
 *    (shares of requesters with no entry or no address, and shares the product did not create);
 *    with neither, the marks stay undelivered (metric `NoticesUnaddressed`);
 * 2. a claim on (run, recipient) in the ledger, a conditional write: a redelivered event finds the
 *    digest sent and sends nothing; a notice arriving after its group's digest went out (the run's
 *    events split over two batches) is left undelivered and the next run notices it again;
 * 3. the mail (SES), then the ledger marks it sent, then `notifiedAt` on the inventory: the grace
 *    clock starts only once SES accepted the mail. A failed send releases the claim, counts
 *    `NoticeSendFailures` (an alarm) and records nothing: the sweep's next run finds the marks
 *    without `notifiedAt` and notices them again.
 */
import { markKey, type MarkNotice } from '../../contracts/notice-event';
import { METRIC_NAMES } from '../../contracts/metric-names';
import { forEachLimit } from '../../shared/concurrency';
import type { DirectoryEntry, FallbackEntry } from '../store-ports';
import { buildDigest } from './digest';
import type { NotifyDeps } from './ports';

const DEFAULT_CLAIM_STALE_MS = 5 * 60_000;

/** One parsed SQS record. */
export interface NoticeRecord {
  /** The SQS message id (what a batch item failure names). */
  id: string;
  notice: MarkNotice;
}

export type DigestStatus = 'sent' | 'duplicate' | 'deferred' | 'failed' | 'unaddressed' | 'busy';

export interface DigestOutcome {
  runId: string;
  /** `requester#<name>` or `fallback#<name>` (`fallback#` for shares no request created). */
  recipient: string;
  requester?: string;
  status: DigestStatus;
  /** The marks (`shareId/policyId`) this outcome is about. */
  marks: string[];
  messageId?: string;
  /** How many addresses the mail went to (never the addresses: they stay out of logs). */
  addresses?: number;
  error?: string;
}

export interface NotifyOutcome {
  digests: DigestOutcome[];
  /** Records to hand back to SQS: their group was being sent by another invocation. */
  retry: string[];
}

interface Group {
  runId: string;
  requester?: string;
  notices: MarkNotice[];
  records: string[];
}

/** Groups notices by run and requester; the same mark twice in one batch counts once. */
export function groupNotices(records: readonly NoticeRecord[]): Group[] {
  const groups = new Map<string, Group>();
  for (const { id, notice } of records) {
    const key = JSON.stringify([notice.runId, notice.requester ?? null]);
    let group = groups.get(key);
    if (!group) {
      group = { runId: notice.runId, ...(notice.requester !== undefined ? { requester: notice.requester } : {}), notices: [], records: [] };
      groups.set(key, group);
    }
    group.records.push(id);
    if (!group.notices.some((n) => markKey(n) === markKey(notice))) group.notices.push(notice);
  }
  return [...groups.values()];
}

interface Recipient {
  key: string;
  to: string[];
  fallback: boolean;
  displayName?: string;
}

/** Sends the digests of one batch of notices. */
export async function notifyOwners(deps: NotifyDeps, records: readonly NoticeRecord[]): Promise<NotifyOutcome> {
  const outcome: NotifyOutcome = { digests: [], retry: [] };
  let fallback: Promise<FallbackEntry | undefined> | undefined;
  const fallbackOnce = (): Promise<FallbackEntry | undefined> => (fallback ??= deps.directory.getFallback());
  const groups = groupNotices(records);
  // A group's failure is its own: forEachLimit stops at a throw, so every group settles here.
  await forEachLimit(groups, deps.settings.concurrency ?? 4, async (group) => {
    try {
      const digest = await notifyGroup(deps, group, fallbackOnce);
      outcome.digests.push(...digest);
      if (digest.some((d) => d.status === 'busy')) outcome.retry.push(...group.records);
    } catch (error) {
      // A store failed (directory, ledger): nothing was recorded; SQS delivers the records again.
      deps.log?.error('notice group failed; its records are retried', { runId: group.runId, error: describe(error) });
      outcome.retry.push(...group.records);
    }
  });
  return outcome;
}

async function recipientOf(deps: NotifyDeps, group: Group, fallbackOnce: () => Promise<FallbackEntry | undefined>): Promise<Recipient | undefined> {
  let entry: DirectoryEntry | undefined;
  if (group.requester !== undefined) {
    try {
      entry = await deps.directory.get(group.requester);
    } catch (error) {
      // An entry edited into something invalid is not used: the fallback gets the digest.
      deps.log?.warn('the directory entry is invalid; using the fallback', { requester: group.requester, error: describe(error) });
    }
    if (entry && entry.emails.length > 0) {
      return { key: `requester#${group.requester}`, to: entry.emails, fallback: false, ...(entry.displayName !== undefined ? { displayName: entry.displayName } : {}) };
    }
  }
  const fb = await fallbackOnce();
  if (fb === undefined) return undefined;
  return { key: `fallback#${group.requester ?? ''}`, to: fb.emails, fallback: true };
}

async function notifyGroup(deps: NotifyDeps, group: Group, fallbackOnce: () => Promise<FallbackEntry | undefined>): Promise<DigestOutcome[]> {
  const marks = group.notices.map(markKey);
  const base = { runId: group.runId, ...(group.requester !== undefined ? { requester: group.requester } : {}) };
  const recipient = await recipientOf(deps, group, fallbackOnce);
  if (!recipient) {
    metric(deps, METRIC_NAMES.noticesUnaddressed, marks.length);
    deps.log?.warn('no address for these notices (no directory entry, no fallback); they stay undelivered', { ...base, marks: marks.length });
    return [{ ...base, recipient: `requester#${group.requester ?? ''}`, status: 'unaddressed', marks }];
  }
  const claim = await deps.ledger.claim({ runId: group.runId, recipient: recipient.key, marks, nowMs: deps.clock.now(), staleAfterMs: deps.settings.claimStaleMs ?? DEFAULT_CLAIM_STALE_MS });
  const at = { ...base, recipient: recipient.key };
  if (claim.kind === 'busy') return [{ ...at, status: 'busy', marks }];
  if (claim.kind === 'sent') {
    const sent = new Set(claim.marks);
    const late = marks.filter((m) => !sent.has(m));
    const out: DigestOutcome[] = [{ ...at, status: 'duplicate', marks: marks.filter((m) => sent.has(m)), ...(claim.messageId ? { messageId: claim.messageId } : {}) }];
    if (late.length > 0) {
      deps.log?.warn('notices arrived after their digest was sent; the next run notices them again', { ...at, marks: late.length });
      out.push({ ...at, status: 'deferred', marks: late });
    }
    return out.filter((o) => o.marks.length > 0);
  }
  return [await sendDigest(deps, group, recipient, claim.token, at)];
}

async function sendDigest(deps: NotifyDeps, group: Group, recipient: Recipient, token: string, at: Omit<DigestOutcome, 'status' | 'marks'>): Promise<DigestOutcome> {
  const marks = group.notices.map(markKey);
  const mail = buildDigest(
    {
      ...(group.requester !== undefined ? { requester: group.requester } : {}),
      ...(recipient.displayName !== undefined ? { displayName: recipient.displayName } : {}),
      fallback: recipient.fallback,
      notices: group.notices,
      nowMs: deps.clock.now(),
    },
    deps.settings,
  );
  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send({ to: recipient.to, ...mail }));
  } catch (error) {
    await deps.ledger.release({ runId: group.runId, recipient: recipient.key, token });
    metric(deps, METRIC_NAMES.noticeSendFailures, 1);
    deps.log?.error('the digest could not be sent; its notices stay undelivered and the next run sends them again', { ...at, marks: marks.length, error: describe(error) });
    return { ...at, status: 'failed', marks, error: describe(error) };
  }
  const deliveredAt = deps.clock.now();
  if (!(await deps.ledger.markSent({ runId: group.runId, recipient: recipient.key, token, messageId, to: recipient.to, nowMs: deliveredAt }))) {
    deps.log?.warn('the digest was sent but its claim had been taken over', { ...at, messageId });
  }
  await deps.inventory.setNotified(
    group.notices.map((n) => ({ shareId: n.shareId, policyId: n.policyId })),
    deliveredAt,
  );
  metric(deps, METRIC_NAMES.noticeDigestsSent, 1);
  metric(deps, METRIC_NAMES.noticesDelivered, marks.length);
  deps.log?.info('digest sent', { ...at, messageId, marks: marks.length, addresses: recipient.to.length });
  return { ...at, status: 'sent', marks, messageId, addresses: recipient.to.length };
}

function metric(deps: NotifyDeps, name: string, value: number): void {
  try {
    deps.metrics?.add(name, value);
  } catch {
    // A metric must never fail a notice.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error).slice(0, 500);
}
