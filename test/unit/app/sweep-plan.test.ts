/**
 * The sweep's plan-building on plain data: no ports, no fakes. The engine is the real one (it is
 * pure), so the decisions are what a run would get.
 */
import { evaluate } from '../../../lib/domain/evaluate';
import type { Policy } from '../../../lib/domain/policy-types';
import type { Share, ShareFacts } from '../../../lib/domain/share';
import { buildCancelBatches } from '../../../lib/contracts/cancel-batch';
import { unsentCancels } from '../../../lib/app/messaging-ports';
import type { InventoryItem, ShareRecord } from '../../../lib/app/store-ports';
import type { EvaluationResult } from '../../../lib/domain/decision';
import type { RunAuditEntry, ShareSubject } from '../../../lib/app/audit-entry';
import {
  auditEntryOfDecision,
  auditTreatment,
  cancelInputsOf,
  type CancelFacts,
  guardrailEventTrips,
  joinShare,
  RecordIndex,
  sightingOf,
  subjectOf,
  unlistedOf,
  unsentAuditEntries,
} from '../../../lib/app/sweep/plan';
import { NO_RECORD_AGE_MS } from '../../../lib/app/sweep/types';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);

function share(id: string, fields: Partial<Share> = {}): Share {
  return { shareId: id, paths: [`/files/${id}.txt`], fsIds: [], createdAtMs: NOW - DAY, raw: {}, ...fields } as Share;
}

function record(requestId: string, fields: Partial<ShareRecord>): ShareRecord {
  return { accountId: 'acc', requestId, status: 'created', ...fields } as ShareRecord;
}

function facts(s: Share, fields: Partial<ShareFacts> = {}): ShareFacts {
  return { share: s, firstSeenAtMs: NOW - 100 * DAY, ...fields } as ShareFacts;
}

const maxAge = (days: number, extra: Partial<Policy> = {}): Policy =>
  ({ policyId: `age-${days}`, enabled: true, mode: 'enforce', graceHours: 0, rule: { type: 'max-age', maxAgeDays: days }, ...extra }) as Policy;

// The run applies these pieces share by share as the staged pages stream by (streamed-listing.ts,
// write.ts); here they are applied to a whole listing at once.

interface Joined {
  facts: ShareFacts[];
  attach: { requestId: string; shareId: string }[];
  requestIds: Map<string, string>;
}

function joinListing(listed: readonly Share[], previous: ReadonlyMap<string, InventoryItem>, records: readonly ShareRecord[], now: number): Joined {
  const index = new RecordIndex(records);
  const joined: Joined = { facts: [], attach: [], requestIds: new Map() };
  for (const s of listed) {
    const match = index.match(s);
    if (match?.attach) joined.attach.push({ requestId: match.record.requestId, shareId: s.shareId });
    if (match) joined.requestIds.set(s.shareId, match.record.requestId);
    joined.facts.push(joinShare(s, previous.get(s.shareId), match?.record, now));
  }
  return joined;
}

function planInventory(listed: readonly Share[], previous: ReadonlyMap<string, InventoryItem>, now: number, retentionMs: number) {
  const plan = { items: [] as InventoryItem[], expired: [] as string[], fresh: 0, gone: 0 };
  const seen = new Set<string>();
  for (const s of listed) {
    if (seen.has(s.shareId)) continue;
    seen.add(s.shareId);
    if (!previous.has(s.shareId)) plan.fresh += 1;
    plan.items.push(sightingOf(s.shareId, previous.get(s.shareId), undefined, now));
  }
  for (const [shareId, prev] of previous) {
    if (seen.has(shareId)) continue;
    const next = unlistedOf(prev, now, retentionMs);
    if (next && 'gone' in next) {
      plan.items.push(next.gone);
      plan.gone += 1;
    } else if (next) plan.expired.push(next.expired);
  }
  return plan;
}

function subjectsOf(evaluation: EvaluationResult, all: readonly ShareFacts[]): Map<string, ShareSubject> {
  return new Map(all.filter((f) => evaluation.decisions.some((d) => d.shareId === f.share.shareId)).map((f) => [f.share.shareId, subjectOf(f)] as const));
}

function auditEntriesOf(evaluation: EvaluationResult, subjects: ReadonlyMap<string, ShareSubject>, now: number): RunAuditEntry[] {
  const treatment = auditTreatment(evaluation);
  return evaluation.decisions.flatMap((d) => auditEntryOfDecision(d, subjects.get(d.shareId), treatment, now) ?? []);
}

describe('joinListing', () => {
  it('joins records by share id, the older of two claiming one share', () => {
    const listed = [share('1'), share('2')];
    const records = [
      record('r-new', { shareId: '1', createdAtMs: NOW - 1000, requester: 'new' }),
      record('r-old', { shareId: '1', createdAtMs: NOW - 5000, requester: 'old' }),
    ];
    const joined = joinListing(listed, new Map(), records, NOW);
    expect(joined.requestIds.get('1')).toBe('r-old');
    expect(joined.facts[0]!.requester).toBe('old');
    expect(joined.facts[1]!.requester).toBeUndefined();
    expect(joined.attach).toEqual([]);
  });

  it('matches a record without a share id by canonical short url, once, and attaches the id', () => {
    const listed = [share('1', { shortUrl: '1abcDEF' }), share('2', { shortUrl: '1abcDEF' })];
    const records = [record('r', { shortUrl: 'https://www.terabox.com/s/1abcDEF', requester: 'ann' })];
    const joined = joinListing(listed, new Map(), records, NOW);
    expect(joined.attach).toEqual([{ requestId: 'r', shareId: '1' }]);
    expect(joined.requestIds).toEqual(new Map([['1', 'r']]));
  });

  it('matches nothing by a short url that two records claim', () => {
    const listed = [share('1', { shortUrl: '1abcDEF' })];
    const records = [record('a', { shortUrl: '1abcDEF' }), record('b', { shortUrl: 'abcDEF' })];
    const joined = joinListing(listed, new Map(), records, NOW);
    expect(joined.attach).toEqual([]);
    expect(joined.requestIds.size).toBe(0);
  });

  it('carries first sighting and marks from the inventory; a new share is first seen now', () => {
    const previous = new Map<string, InventoryItem>([['1', { shareId: '1', firstSeenAtMs: 5, lastSeenAtMs: 6, violatingSince: { p: 7 }, notifiedAt: { p: 8 } }]]);
    const joined = joinListing([share('1'), share('2')], previous, [], NOW);
    expect(joined.facts.map((f) => [f.firstSeenAtMs, f.violatingSince, f.notifiedAt])).toEqual([
      [5, { p: 7 }, { p: 8 }],
      [NOW, undefined, undefined],
    ]);
  });
});

describe('planInventory', () => {
  const retention = 7 * DAY;

  it('writes a sighting per distinct listed share, carrying marks and cancel bookkeeping', () => {
    const previous = new Map<string, InventoryItem>([
      ['1', { shareId: '1', firstSeenAtMs: 5, lastSeenAtMs: 6, violatingSince: { p: 7 }, cancelRunId: 'run-0', cancelMisses: 1 }],
    ]);
    const plan = planInventory([share('1'), share('2'), share('2')], previous, NOW, retention);
    expect(plan.items).toEqual([
      { shareId: '1', firstSeenAtMs: 5, lastSeenAtMs: NOW, violatingSince: { p: 7 }, cancelRunId: 'run-0', cancelMisses: 1 },
      { shareId: '2', firstSeenAtMs: NOW, lastSeenAtMs: NOW },
    ]);
    expect(plan.fresh).toBe(1);
    expect(plan.gone).toBe(0);
  });

  it('marks a share missing for the first time as gone and expires one gone past the retention', () => {
    const previous = new Map<string, InventoryItem>([
      ['3', { shareId: '3', firstSeenAtMs: 1, lastSeenAtMs: 2 }],
      ['4', { shareId: '4', firstSeenAtMs: 1, lastSeenAtMs: 2, goneAtMs: NOW - retention }],
      ['5', { shareId: '5', firstSeenAtMs: 1, lastSeenAtMs: 2, goneAtMs: NOW - retention + 1 }],
    ]);
    const plan = planInventory([], previous, NOW, retention);
    expect(plan.items).toEqual([{ shareId: '3', firstSeenAtMs: 1, lastSeenAtMs: 2, goneAtMs: NOW }]);
    expect(plan.gone).toBe(1);
    expect(plan.expired).toEqual(['4']);
  });
});

describe('audit entries', () => {
  const old = share('10', { createdAtMs: NOW - 40 * DAY, shortUrl: '1old', paths: Array.from({ length: 30 }, (_, i) => `/p/${i}`) });
  const young = share('11', { createdAtMs: NOW - DAY });

  it('leaves out plain keeps; a cancel says enqueued when enforcing, with its subject and at most 20 paths', () => {
    const all = [facts(old, { requester: 'ann' }), facts(young)];
    const evaluation = evaluate({ shares: all, policies: [maxAge(30)], exemptions: [], now: NOW, guardrails: { maxCancellations: 100, maxCancellationPercent: 100 } });
    const subjects = subjectsOf(evaluation, all);
    const entries = auditEntriesOf(evaluation, subjects, NOW);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ shareId: '10', decision: 'cancel', outcome: 'enqueued', policyIds: ['age-30'], shortUrl: '1old', requester: 'ann', recordedAtMs: NOW });
    expect(entries[0]!.paths).toHaveLength(20);
  });

  it('says skipped with the guardrail as the error when the guardrail held the cancels', () => {
    const all = [facts(old), facts(young)];
    const evaluation = evaluate({ shares: all, policies: [maxAge(30)], exemptions: [], now: NOW, guardrails: { maxCancellations: 0, maxCancellationPercent: 100 } });
    expect(evaluation.guardrail.tripped).toBe(true);
    const [entry] = auditEntriesOf(evaluation, subjectsOf(evaluation, all), NOW);
    expect(entry).toMatchObject({ decision: 'cancel', outcome: 'skipped' });
    expect(entry!.error).toMatch(/^held by the guardrail: /);
    expect(guardrailEventTrips(evaluation)).toEqual([{ guardrail: 'maxCancellations', limit: 0, actual: 1 }]);
  });

  it('rewrites the entries of unsent cancels as skipped, keeping what they said', () => {
    const all = [facts(old), facts(share('12', { createdAtMs: NOW - 50 * DAY }))];
    const evaluation = evaluate({ shares: all, policies: [maxAge(30)], exemptions: [], now: NOW, guardrails: { maxCancellations: 100, maxCancellationPercent: 100 } });
    const entries = auditEntriesOf(evaluation, subjectsOf(evaluation, all), NOW);
    const rewritten = unsentAuditEntries(entries, new Set(['12']), 'queue down');
    expect(rewritten).toEqual([{ ...entries.find((e) => e.shareId === '12'), outcome: 'skipped', error: 'queue down' }]);
    expect(entries.find((e) => e.shareId === '12')!.outcome).toBe('enqueued');
  });
});

/** What cancelInputsOf reads, from an evaluation over a joined listing. */
function cancelFactsOf(evaluation: ReturnType<typeof evaluate>, joined: ReturnType<typeof joinListing>): CancelFacts {
  const decisionById = new Map(evaluation.decisions.map((d) => [d.shareId, d] as const));
  const createdAtById = new Map(joined.facts.map((f) => [f.share.shareId, f.share.createdAtMs] as const));
  return { decisionOf: (id) => decisionById.get(id), requestIdOf: (id) => joined.requestIds.get(id), createdAtOf: (id) => createdAtById.get(id) };
}

describe('cancelInputsOf', () => {
  it('names the record when known, none for an old share without one, and leaves a young one to be looked up', () => {
    const startedAt = NOW;
    const listed = [
      share('20', { createdAtMs: startedAt - NO_RECORD_AGE_MS - 1 }),
      share('21', { createdAtMs: startedAt - NO_RECORD_AGE_MS + 1 }),
      share('22', { createdAtMs: startedAt - 400 * DAY }),
    ];
    const joined = joinListing(listed, new Map(), [record('r22', { shareId: '22' })], NOW - 400 * DAY);
    const evaluation = evaluate({ shares: joined.facts, policies: [maxAge(1)], exemptions: [], now: NOW, guardrails: { maxCancellations: 100, maxCancellationPercent: 100 } });
    const inputs = cancelInputsOf(evaluation.toCancel, cancelFactsOf(evaluation, joined), startedAt);
    expect(inputs.map((i) => [i.shareId, i.requestId])).toEqual([
      ['20', null],
      ['21', undefined],
      ['22', 'r22'],
    ]);
    expect(inputs[0]!.policyIds).toEqual(['age-1']);
    expect(inputs[0]!.reason).toMatch(/age/);
  });
});

describe('unsentCancels', () => {
  const batches = buildCancelBatches({ runId: 'run', accountId: 'acc' }, ['1', '2', '3'].map((shareId) => ({ shareId })), 2);

  it('takes the batches the error names', () => {
    const error = Object.assign(new Error('partly sent'), { failures: [{ shareIds: ['3'] }] });
    expect(unsentCancels(error, batches)).toEqual({ batches: 1, shareIds: new Set(['3']) });
  });

  it('counts every batch as unsent when the error names none', () => {
    expect(unsentCancels(new Error('down'), batches)).toEqual({ batches: 2, shareIds: new Set(['1', '2', '3']) });
  });
});
