/**
 * The notifier's input: a `ShareMarkedForCancel` event as EventBridge delivers it to an SQS queue
 * (the message body is the whole event envelope, `detail-type` and `detail` included). Parsed at
 * the edge; a body that is not such an event is refused with its reasons, never guessed at.
 */
import * as z from 'zod';
import { EVENT_SOURCE, type ShareMarkedForCancelDetail } from './events';
import { formatIssues } from './issues';

/** One grace notice, as the notifier uses it: the event's detail, with the run and the grace it needs. */
export type MarkNotice = Omit<ShareMarkedForCancelDetail, 'graceEndsAt' | 'runId' | 'graceHours'> & { runId: string; graceHours: number };

const text = (max: number) => z.string({ error: 'must be text' }).min(1, { error: 'must not be empty' }).max(max, { error: `must be at most ${max} characters` });

const detailSchema = z.object({
  runId: text(256),
  shareId: z.string({ error: 'must be text' }).regex(/^\d{1,30}$/, { error: 'must be a share id (decimal digits)' }),
  policyId: text(256),
  graceHours: z.number({ error: 'must be a number' }).positive({ error: 'must be above 0' }).max(100_000, { error: 'must be at most 100000' }),
  reason: text(2048),
  shortUrl: text(1024).optional(),
  paths: z.array(z.string({ error: 'must be text' }).max(2048), { error: 'must be a list of paths' }).max(100),
  pathCount: z.number({ error: 'must be a number' }).int().min(0),
  requester: text(1024).optional(),
  requestId: text(1024).optional(),
});

const envelopeSchema = z.object({
  source: z.literal(EVENT_SOURCE, { error: `must be ${EVENT_SOURCE}` }),
  'detail-type': z.literal('ShareMarkedForCancel', { error: 'must be ShareMarkedForCancel' }),
  detail: detailSchema,
});

export type ParseNoticeResult = { ok: true; notice: MarkNotice } | { ok: false; errors: string[] };

/** Parses one SQS message body (an EventBridge event) into a notice, or says what is wrong with it. */
export function parseNoticeMessage(body: string): ParseNoticeResult {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, errors: ['the message is not JSON'] };
  }
  const parsed = envelopeSchema.safeParse(value);
  if (!parsed.success) return { ok: false, errors: formatIssues(parsed.error.issues, 10) };
  const d = parsed.data.detail;
  const notice: MarkNotice = { runId: d.runId, shareId: d.shareId, policyId: d.policyId, graceHours: d.graceHours, reason: d.reason, paths: d.paths, pathCount: d.pathCount };
  if (d.shortUrl !== undefined) notice.shortUrl = d.shortUrl;
  if (d.requester !== undefined) notice.requester = d.requester;
  if (d.requestId !== undefined) notice.requestId = d.requestId;
  return { ok: true, notice };
}

/** The key of a mark in the ledger and in logs: `<shareId>/<policyId>`. */
export function markKey(notice: Pick<MarkNotice, 'shareId' | 'policyId'>): string {
  return `${notice.shareId}/${notice.policyId}`;
}
