import { decisionFor, type Decision, type EvaluationResult } from '../../../lib/domain/decision';
import { evaluate, type EvaluateInput } from '../../../lib/domain/evaluate';
import type { Policy } from '../../../lib/domain/policy-types';
import type { ShareFacts } from '../../../lib/domain/share';
import { aPolicy, anExemption, maxAge, nameRule, quota } from '../../factories/policies';
import { daysAgo, HOUR_MS, NOW, shareFacts } from '../../factories/shares';

const LOOSE = { maxCancellations: 1_000_000, maxCancellationPercent: 100 };

function run(shares: ShareFacts[], policies: Policy[], extra: Partial<EvaluateInput> = {}): EvaluationResult {
  return evaluate({ shares, policies, now: NOW, guardrails: LOOSE, ...extra });
}

function decisionOf(result: EvaluationResult, shareId: string): Decision {
  const d = decisionFor(result, shareId);
  if (!d) throw new Error(`no decision for ${shareId}`);
  return d;
}

/** decision kind per share id (plain keeps included). */
function kinds(result: EvaluationResult): Record<string, string> {
  return Object.fromEntries(result.shareIds.map((id) => [id, decisionOf(result, id).decision]));
}

describe('max-age', () => {
  const policy = aPolicy({ policyId: 'public-links-30-days', rule: maxAge(30) });

  it.each([
    ['TeraBox creation time', { createdAtMs: daysAgo(41.2) }, 'created 41.2 days ago, limit 30 days (public-links-30-days)', 'terabox-created'],
    ['the product creation time', { createdAtMs: undefined, recordedCreatedAtMs: daysAgo(31) }, 'created by this product 31.0 days ago (TeraBox gave no creation time), limit 30 days (public-links-30-days)', 'product-created'],
    ['the first sweep that saw it', { createdAtMs: undefined, firstSeenAtMs: daysAgo(45) }, 'first seen 45.0 days ago (no creation time known), limit 30 days (public-links-30-days)', 'first-seen'],
    ['the best clock when several are known', { createdAtMs: daysAgo(40), recordedCreatedAtMs: daysAgo(1), firstSeenAtMs: daysAgo(1) }, 'created 40.0 days ago, limit 30 days (public-links-30-days)', 'terabox-created'],
    ['more decimals when one would hide the excess', { createdAtMs: daysAgo(30.01) }, 'created 30.010 days ago, limit 30 days (public-links-30-days)', 'terabox-created'],
  ])('cancels a share older than the limit by %s, and names the clock', (_what, facts, reason, clock) => {
    const result = run([shareFacts({ id: '7', ...facts })], [policy]);
    expect(decisionOf(result, '7')).toEqual({
      shareId: '7',
      decision: 'cancel',
      policyIds: ['public-links-30-days'],
      reasons: [reason],
      findings: [{ policyId: 'public-links-30-days', outcome: 'cancel', reason }],
      clock,
    });
    expect(result.toCancel).toEqual(['7']);
  });

  it.each([
    ['younger than the limit', { ageDays: 29.9 }],
    ['exactly at the limit', { ageDays: 30 }],
    ['created in the future (clock skew)', { createdAtMs: NOW + HOUR_MS }],
  ])('keeps a share %s', (_what, facts) => {
    expect(kinds(run([shareFacts({ id: '7', ...facts })], [policy]))).toEqual({ '7': 'keep' });
  });

  it('accepts fractional limits', () => {
    const result = run([shareFacts({ id: '1', ageDays: 0.6 }), shareFacts({ id: '2', ageDays: 0.4 })], [aPolicy({ rule: maxAge(0.5) })]);
    expect(kinds(result)).toEqual({ '1': 'cancel', '2': 'keep' });
  });

  it('cannot judge a share with no clock at all, and never cancels it', () => {
    const result = run([shareFacts({ id: '7', createdAtMs: undefined })], [policy]);
    expect(decisionOf(result, '7')).toMatchObject({
      decision: 'unevaluable',
      reasons: ['no creation or first-seen time known, so its age cannot be judged (public-links-30-days)'],
    });
    expect(result.toCancel).toEqual([]);
  });
});

describe('name', () => {
  it.each([
    ['a deny glob', nameRule({ deny: ['**/*.env'] }), ['/Public/app/prod.env'], 'cancel', 'path "/Public/app/prod.env" matches deny pattern "**/*.env" (names)'],
    ['a deny regex', nameRule({ denyRegex: ['(?i)password'] }), ['/Public/Passwords.xlsx'], 'cancel', 'path "/Public/Passwords.xlsx" matches deny regex "(?i)password" (names)'],
    ['no allow pattern', nameRule({ allow: ['/Public/**'] }), ['/Public/ok.pdf', '/Private/x.pdf'], 'cancel', 'path "/Private/x.pdf" matches no allow pattern (names)'],
    ['no allow regex', nameRule({ allowRegex: ['^/Public/'] }), ['/Private/x.pdf'], 'cancel', 'path "/Private/x.pdf" matches no allow pattern (names)'],
    ['an allowed path', nameRule({ allow: ['/Public/**'], allowRegex: ['^/Shared/'] }), ['/Public/a.pdf', '/Shared/b.pdf'], 'keep', undefined],
    ['a name outside the deny list', nameRule({ deny: ['**/*.env'], denyRegex: ['secret'] }), ['/Public/app.pdf'], 'keep', undefined],
  ])('judges %s', (_what, rule, paths, expected, reason) => {
    const result = run([shareFacts({ id: '5', paths })], [aPolicy({ policyId: 'names', rule })]);
    expect(decisionOf(result, '5').decision).toBe(expected);
    expect(decisionOf(result, '5').reasons).toEqual(reason ? [reason] : []);
  });

  it('cannot judge a share whose paths are unknown, and never cancels it', () => {
    const result = run([shareFacts({ id: '5', paths: [] })], [aPolicy({ policyId: 'names', rule: nameRule({ allow: ['/Public/**'] }) })]);
    expect(decisionOf(result, '5')).toMatchObject({
      decision: 'unevaluable',
      reasons: ['the shared paths are unknown, so names cannot be checked (names)'],
    });
    expect(result.toCancel).toEqual([]);
  });
});

describe('quota', () => {
  const ids = (result: EvaluationResult, kind: string) => result.decisions.filter((d) => d.decision === kind).map((d) => d.shareId);
  // Share n is n days old: 1 is the newest.
  const five = [1, 2, 3, 4, 5].map((n) => shareFacts({ id: String(n), ageDays: n }));

  it.each([
    ['the oldest when keeping the newest', quota(3), ['4', '5']],
    ['the newest when keeping the oldest', quota(3, { keep: 'oldest' }), ['1', '2']],
    ['every share in scope for a quota of 0', quota(0), ['1', '2', '3', '4', '5']],
    ['nothing when under the quota', quota(5), []],
  ])('cancels %s', (_what, rule, cancelled) => {
    expect(ids(run(five, [aPolicy({ policyId: 'q', rule })]), 'cancel')).toEqual(cancelled);
  });

  it('says where the share ranks', () => {
    const result = run(five, [aPolicy({ policyId: 'q', rule: quota(3) })]);
    expect(decisionOf(result, '5').reasons).toEqual(['5th newest of 5 shares in scope, quota 3 for the account, keeps the newest (q)']);
    expect(decisionOf(result, '5').clock).toBe('terabox-created');
  });

  it('counts per requester; shares without a recorded requester are out of such a quota', () => {
    const shares = [
      shareFacts({ id: '1', ageDays: 1, requester: 'sales' }),
      shareFacts({ id: '2', ageDays: 2, requester: 'sales' }),
      shareFacts({ id: '3', ageDays: 3, requester: 'marketing' }),
      shareFacts({ id: '4', ageDays: 4 }),
    ];
    const result = run(shares, [aPolicy({ policyId: 'q', rule: quota(1, { per: 'requester' }) })]);
    expect(kinds(result)).toEqual({ '1': 'keep', '2': 'cancel', '3': 'keep', '4': 'keep' });
    expect(decisionOf(result, '2').reasons).toEqual(['2nd newest of 2 shares in scope, quota 1 for requester "sales", keeps the newest (q)']);
  });

  it('breaks ties of creation time by share id, comparing ids beyond 2^53 exactly', () => {
    const same = daysAgo(3);
    const big = ['9007199254740993', '9007199254740992', '10000000000000000000'];
    const shares = big.map((id) => shareFacts({ id, createdAtMs: same }));
    // keep newest = higher id first: 10000000000000000000 stays, the two others go
    const result = run(shares, [aPolicy({ policyId: 'q', rule: quota(1) })]);
    expect(kinds(result)).toEqual({ '9007199254740992': 'cancel', '9007199254740993': 'cancel', '10000000000000000000': 'keep' });
    expect(result.shareIds).toEqual(['9007199254740992', '9007199254740993', '10000000000000000000']);
    expect(result.decisions.map((d) => d.shareId)).toEqual(['9007199254740992', '9007199254740993']);
  });

  it('keeps exempt shares, counts them, and cancels the next ones in line instead', () => {
    const result = run(five, [aPolicy({ policyId: 'q', rule: quota(3), exempt: { shareIds: ['5'] } })]);
    expect(kinds(result)).toEqual({ '1': 'keep', '2': 'keep', '3': 'cancel', '4': 'cancel', '5': 'exempt' });
  });

  it('leaves shares it cannot rank out of the count, and reports them when the quota is exceeded', () => {
    const shares = [...five, shareFacts({ id: '9', createdAtMs: undefined })];
    const result = run(shares, [aPolicy({ policyId: 'q', rule: quota(3) })]);
    expect(kinds(result)).toEqual({ '1': 'keep', '2': 'keep', '3': 'keep', '4': 'cancel', '5': 'cancel', '9': 'unevaluable' });
    expect(decisionOf(result, '9').reasons).toEqual([
      'no creation or first-seen time known, so it cannot be ranked (quota 3 for the account, keeps the newest) (q)',
    ]);
  });

  it('does not count shares another policy already cancels in the run', () => {
    const result = run(five, [
      aPolicy({ policyId: 'a-max-age', rule: maxAge(3.5) }),
      aPolicy({ policyId: 'q', rule: quota(2) }),
    ]);
    // 4 and 5 go for their age; of 1..3 the quota then removes only 3
    expect(kinds(result)).toEqual({ '1': 'keep', '2': 'keep', '3': 'cancel', '4': 'cancel', '5': 'cancel' });
    expect(decisionOf(result, '3').policyIds).toEqual(['q']);
  });

  it('takes a slot but cancels nothing for a share whose exemption cannot be decided', () => {
    const shares = [...five.slice(0, 4), shareFacts({ id: '5', ageDays: 5, paths: [] })];
    const result = run(shares, [aPolicy({ policyId: 'q', rule: quota(3), exempt: { pathPrefixes: ['/Legal/'] } })]);
    expect(kinds(result)).toEqual({ '1': 'keep', '2': 'keep', '3': 'keep', '4': 'cancel', '5': 'unevaluable' });
  });
});

describe('quota over a large group (only the end of the order is sorted)', () => {
  // 3,000 shares in runs of equal creation times (ties broken by id), some exempt near the end of
  // the keep order so that the sorted tail has to grow; checked against a plain full sort.
  const shares = Array.from({ length: 3000 }, (_, k) =>
    shareFacts({ id: String(50_000 + ((k * 7919) % 3000)), createdAtMs: daysAgo(1 + Math.floor(k / 10)) }),
  );
  const exempt = shares.filter((_, k) => k % 3 === 0 && (k < 400 || k > 2600)).map((f) => f.share.shareId);

  function reference(keep: 'newest' | 'oldest', maxShares: number): { cancel: string[]; reasons: Map<string, string> } {
    const order = [...shares].sort((a, b) => b.share.createdAtMs! - a.share.createdAtMs! || Number(b.share.shareId) - Number(a.share.shareId));
    if (keep === 'oldest') order.reverse();
    const cancel: string[] = [];
    const reasons = new Map<string, string>();
    let removed = 0;
    for (let pos = order.length - 1; pos >= 0 && removed < order.length - maxShares; pos -= 1) {
      const id = order[pos]!.share.shareId;
      reasons.set(id, `${pos + 1}`);
      if (exempt.includes(id)) continue;
      cancel.push(id);
      removed += 1;
    }
    return { cancel: cancel.sort(), reasons };
  }

  it.each([
    ['newest', 2900],
    ['oldest', 2900],
    ['newest', 2990],
    ['oldest', 2700],
    ['newest', 100],
  ] as const)('keeps the %s %d exactly as a full sort would, with the same ranks', (keep, maxShares) => {
    const result = run(shares, [aPolicy({ policyId: 'q', rule: quota(maxShares, { keep }), exempt: { shareIds: exempt } })]);
    const expected = reference(keep, maxShares);
    const cancelled = result.decisions.filter((d) => d.decision === 'cancel').map((d) => d.shareId).sort();
    expect(cancelled).toEqual(expected.cancel);
    for (const id of [...expected.cancel.slice(0, 5), ...expected.cancel.slice(-5)]) {
      expect(decisionOf(result, id).reasons[0]).toMatch(new RegExp(`^${expected.reasons.get(id)}(st|nd|rd|th) ${keep} of 3000 shares in scope`));
    }
  });
});

describe('scope', () => {
  const rule = maxAge(30);
  const old = { ageDays: 40 };

  it.each([
    ['every path under a prefix', { pathPrefixes: ['/Public/'] }, { paths: ['/Public/a.pdf', '/Public/b/c.pdf'] }, 'cancel'],
    ['the shared folder itself', { pathPrefixes: ['/Public/'] }, { paths: ['/Public'] }, 'cancel'],
    ['one path outside the prefixes', { pathPrefixes: ['/Public/'] }, { paths: ['/Public/a.pdf', '/Private/b.pdf'] }, 'keep'],
    ['a look-alike folder', { pathPrefixes: ['/Public'] }, { paths: ['/Publicity/a.pdf'] }, 'keep'],
    ['unknown paths', { pathPrefixes: ['/Public/'] }, { paths: [] }, 'unevaluable'],
    // A status text where a path was expected (TeraBox: "the shared file was deleted") is no path.
    ['a status text in place of a path', { pathPrefixes: ['/Public/'] }, { paths: ['/Public/a.pdf', '分享的文件已被删除'] }, 'unevaluable'],
    ['public visibility', { visibility: 'public' as const }, { visibility: 'public' as const }, 'cancel'],
    ['the other visibility', { visibility: 'public' as const }, { visibility: 'private' as const }, 'keep'],
    ['unknown visibility', { visibility: 'public' as const }, { visibility: undefined }, 'unevaluable'],
    ['any visibility, even unknown', { visibility: 'any' as const }, { visibility: undefined }, 'cancel'],
    ['a listed requester', { requesters: ['marketing'] }, { requester: 'marketing' }, 'cancel'],
    ['another requester', { requesters: ['marketing'] }, { requester: 'sales' }, 'keep'],
    ['no recorded requester', { requesters: ['marketing'] }, {}, 'keep'],
    ['a definite "out" beats an undecided condition', { requesters: ['marketing'], visibility: 'public' as const }, { visibility: undefined }, 'keep'],
  ])('%s', (_what, scope, facts, expected) => {
    const result = run([shareFacts({ id: '3', ...old, ...facts })], [aPolicy({ policyId: 'p', scope, rule })]);
    expect(decisionOf(result, '3').decision).toBe(expected);
  });

  it('explains an undecided scope', () => {
    const result = run([shareFacts({ id: '3', ageDays: 40, visibility: undefined })], [aPolicy({ policyId: 'p', scope: { visibility: 'public' }, rule })]);
    expect(decisionOf(result, '3').reasons).toEqual([
      'created 40.0 days ago, limit 30 days, but cannot tell whether the policy applies: its visibility is unknown and the policy applies to public shares only (p)',
    ]);
  });

  it('does not report an undecided scope when the rule passes anyway', () => {
    const result = run([shareFacts({ id: '3', ageDays: 1, visibility: undefined })], [aPolicy({ policyId: 'p', scope: { visibility: 'public' }, rule })]);
    expect(decisionOf(result, '3').decision).toBe('keep');
  });
});

describe('exemptions', () => {
  const old = (id: string, paths = ['/Public/a.pdf']) => shareFacts({ id, ageDays: 40, paths });

  it.each([
    ['a policy share id', { shareIds: ['1'] }, old('1'), 'exempt', 'created 40.0 days ago, limit 30 days, but exempt by the policy (share id) (p)'],
    ['a policy path prefix', { pathPrefixes: ['/Public/'] }, old('1'), 'exempt', 'created 40.0 days ago, limit 30 days, but exempt by the policy (path "/Public/a.pdf") (p)'],
    ['any exempt path', { pathPrefixes: ['/Legal/'] }, old('1', ['/Public/a.pdf', '/Legal/b.pdf']), 'exempt', 'created 40.0 days ago, limit 30 days, but exempt by the policy (path "/Legal/b.pdf") (p)'],
    ['unknown paths and a path exemption', { pathPrefixes: ['/Legal/'] }, old('1', []), 'unevaluable', 'created 40.0 days ago, limit 30 days, but cannot tell whether the policy applies: its paths are unknown, so whether a path exemption applies cannot be decided (p)'],
  ])('protects a share by %s', (_what, exempt, facts, expected, reason) => {
    const result = run([facts], [aPolicy({ policyId: 'p', exempt })]);
    expect(decisionOf(result, '1')).toMatchObject({ decision: expected, reasons: [reason] });
    expect(result.toCancel).toEqual([]);
  });

  it('applies a global exemption to every policy until it expires', () => {
    const shares = [old('1'), old('2')];
    const policies = [aPolicy({ policyId: 'a' }), aPolicy({ policyId: 'b', rule: nameRule({ deny: ['*.pdf'] }) })];
    const active = anExemption({ exemptionId: 'hold', shareIds: ['1'], reason: 'legal hold', expiresAt: '2026-06-02T00:00:00Z' });
    const result = run(shares, policies, { exemptions: [active] });
    expect(kinds(result)).toEqual({ '1': 'exempt', '2': 'cancel' });
    expect(decisionOf(result, '1').reasons).toEqual([
      'created 40.0 days ago, limit 30 days, but exempt by exemption "hold" (legal hold) (a)',
      'path "/Public/a.pdf" matches deny pattern "*.pdf", but exempt by exemption "hold" (legal hold) (b)',
    ]);
  });

  it.each([
    ['expired before now', '2026-05-31T23:59:59Z'],
    ['expiring exactly now', '2026-06-01T00:00:00Z'],
  ])('ignores a global exemption %s', (_what, expiresAt) => {
    const result = run([old('1')], [aPolicy({ policyId: 'a' })], { exemptions: [anExemption({ shareIds: ['1'], expiresAt })] });
    expect(kinds(result)).toEqual({ '1': 'cancel' });
  });

  it('a per-policy exemption shields from that policy only', () => {
    const result = run([old('1')], [aPolicy({ policyId: 'a', exempt: { shareIds: ['1'] } }), aPolicy({ policyId: 'b' })]);
    expect(decisionOf(result, '1')).toMatchObject({ decision: 'cancel', policyIds: ['a', 'b'] });
    expect(decisionOf(result, '1').findings.map((f) => f.outcome)).toEqual(['exempt', 'cancel']);
  });
});

describe('modes, precedence and grace periods', () => {
  const old = shareFacts({ id: '1', ageDays: 40 });

  it('a dry-run policy only reports', () => {
    const result = run([old], [aPolicy({ policyId: 'p', mode: 'dry-run' })]);
    expect(decisionOf(result, '1')).toMatchObject({ decision: 'would-cancel', reasons: ['created 40.0 days ago, limit 30 days (p, dry-run)'] });
    expect(result.toCancel).toEqual([]);
    expect(result.perPolicy.p).toMatchObject({ flagged: 1, wouldCancel: 1, cancel: 0 });
  });

  it('ignores a disabled policy and reports it', () => {
    const result = run([old], [aPolicy({ policyId: 'p', enabled: false })]);
    expect(kinds(result)).toEqual({ '1': 'keep' });
    expect(result.perPolicy.p).toMatchObject({ enabled: false, inScope: 0, flagged: 0 });
  });

  it('a global dry run plans the same and cancels and marks nothing', () => {
    const shares = [old, shareFacts({ id: '2', ageDays: 40, violatingSince: { g: daysAgo(9) } })];
    const policies = [aPolicy({ policyId: 'p' }), aPolicy({ policyId: 'g', graceHours: 24, scope: { requesters: ['x'] } })];
    const result = run(shares, policies, { globalDryRun: true });
    expect(kinds(result)).toEqual({ '1': 'would-cancel', '2': 'would-cancel' });
    expect([result.toCancel, result.plannedCancels, result.newMarks, result.clearedMarks]).toEqual([[], ['1', '2'], [], []]);
  });

  it('cancels a share one policy flags with certainty even if another cannot judge it', () => {
    const result = run([shareFacts({ id: '1', ageDays: 40, paths: [] })], [aPolicy({ policyId: 'age' }), aPolicy({ policyId: 'names', rule: nameRule({ deny: ['*.env'] }) })]);
    expect(decisionOf(result, '1')).toMatchObject({ decision: 'cancel', policyIds: ['age', 'names'] });
    expect(result.toCancel).toEqual(['1']);
  });

  it('cancels a share flagged by several policies once', () => {
    const result = run([old], [aPolicy({ policyId: 'a' }), aPolicy({ policyId: 'b', rule: maxAge(10) })]);
    expect([result.toCancel, decisionOf(result, '1').policyIds]).toEqual([['1'], ['a', 'b']]);
  });

  it.each([
    ['would-cancel over unevaluable', [aPolicy({ policyId: 'd', mode: 'dry-run' }), aPolicy({ policyId: 'u', scope: { visibility: 'public' } })], { visibility: undefined }, 'would-cancel'],
    ['unevaluable over exempt', [aPolicy({ policyId: 'e', exempt: { shareIds: ['1'] } }), aPolicy({ policyId: 'u', scope: { visibility: 'public' } })], { visibility: undefined }, 'unevaluable'],
    ['a grace mark over would-cancel', [aPolicy({ policyId: 'd', mode: 'dry-run' }), aPolicy({ policyId: 'g', graceHours: 24 })], {}, 'keep'],
  ])('ranks %s', (_what, policies, facts, expected) => {
    expect(kinds(run([shareFacts({ id: '1', ageDays: 40, ...facts })], policies))).toEqual({ '1': expected });
  });

  // The grace counts from the mark's notice: a new mark has no grace end yet (its notice is due).
  it('marks a share first when the policy has a grace period', () => {
    const result = run([old], [aPolicy({ policyId: 'g', graceHours: 48 })]);
    expect(decisionOf(result, '1')).toEqual({
      shareId: '1',
      decision: 'keep',
      policyIds: ['g'],
      reasons: ['created 40.0 days ago, limit 30 days; marked for cancellation, the grace of 48 h starts when its notice is sent (g)'],
      findings: [{ policyId: 'g', outcome: 'marked', reason: 'created 40.0 days ago, limit 30 days; marked for cancellation, the grace of 48 h starts when its notice is sent (g)' }],
      clock: 'terabox-created',
    });
    expect([result.toCancel, result.newMarks, result.counts.marked]).toEqual([[], [{ shareId: '1', policyId: 'g' }], 1]);
    expect(result.noticesDue).toEqual([{ shareId: '1', policyId: 'g', graceHours: 48, reason: 'created 40.0 days ago, limit 30 days (g)' }]);
  });

  it('keeps waiting while the grace runs, without marking again', () => {
    const marked = shareFacts({ id: '1', ageDays: 40, violatingSince: { g: NOW - 47 * HOUR_MS }, notifiedAt: { g: NOW - 47 * HOUR_MS } });
    const result = run([marked], [aPolicy({ policyId: 'g', graceHours: 48 })]);
    expect(decisionOf(result, '1').reasons).toEqual([
      'created 40.0 days ago, limit 30 days; marked for cancellation since 2026-05-30T01:00:00.000Z, notice sent 2026-05-30T01:00:00.000Z, grace ends 2026-06-01T01:00:00.000Z (g)',
    ]);
    expect([result.toCancel, result.newMarks, result.clearedMarks, result.noticesDue]).toEqual([[], [], [], []]);
  });

  it('cancels once the grace is over', () => {
    const marked = shareFacts({ id: '1', ageDays: 40, violatingSince: { g: NOW - 48 * HOUR_MS }, notifiedAt: { g: NOW - 48 * HOUR_MS } });
    const result = run([marked], [aPolicy({ policyId: 'g', graceHours: 48 })]);
    expect(decisionOf(result, '1')).toMatchObject({
      decision: 'cancel',
      reasons: ['created 40.0 days ago, limit 30 days; grace of 48 h ended 2026-06-01T00:00:00.000Z (g)'],
    });
    expect(result.toCancel).toEqual(['1']);
  });

  // [what, marks, notices, decision, graceEndsAt, a new mark, a notice due]; grace 48 h, the share 40 days old.
  it.each([
    ['has no mark yet', undefined, undefined, 'keep', undefined, true, true],
    ['was marked 30 days ago but its notice never went out', { g: daysAgo(30) }, undefined, 'keep', undefined, false, true],
    ['was marked an hour ago and its notice is pending', { g: NOW - HOUR_MS }, undefined, 'keep', undefined, false, true],
    ['had its notice sent 47 h ago', { g: daysAgo(10) }, { g: NOW - 47 * HOUR_MS }, 'keep', '2026-06-01T01:00:00.000Z', false, false],
    ['had its notice sent exactly 48 h ago', { g: daysAgo(10) }, { g: NOW - 48 * HOUR_MS }, 'cancel', undefined, false, false],
    ['was marked 10 days ago, its notice sent an hour ago', { g: daysAgo(10) }, { g: NOW - HOUR_MS }, 'keep', '2026-06-02T23:00:00.000Z', false, false],
    ['has a notice older than its mark (sent for an earlier mark)', { g: daysAgo(1) }, { g: daysAgo(5) }, 'keep', undefined, false, true],
    ['has a notice of another policy only', { g: daysAgo(10) }, { other: daysAgo(10) }, 'keep', undefined, false, true],
    ['has an unreadable notice time', { g: daysAgo(10) }, { g: Number.NaN }, 'keep', undefined, false, true],
  ])('counts the grace from the notice: a share that %s', (_what, violatingSince, notifiedAt, decision, graceEndsAt, newMark, noticeDue) => {
    const facts = shareFacts({ id: '1', ageDays: 40, ...(violatingSince ? { violatingSince } : {}), ...(notifiedAt ? { notifiedAt } : {}) });
    const result = run([facts], [aPolicy({ policyId: 'g', graceHours: 48 })]);
    const d = decisionOf(result, '1');
    expect([d.decision, d.findings[0]!.graceEndsAt, result.toCancel.length > 0]).toEqual([decision, graceEndsAt, decision === 'cancel']);
    expect([result.newMarks.length, result.noticesDue.length]).toEqual([newMark ? 1 : 0, noticeDue ? 1 : 0]);
    if (noticeDue) expect(result.noticesDue[0]).toEqual({ shareId: '1', policyId: 'g', graceHours: 48, reason: 'created 40.0 days ago, limit 30 days (g)' });
    if (decision === 'keep' && graceEndsAt === undefined) expect(d.reasons[0]).toMatch(/the grace of 48 h starts when (its notice is sent|it is) \(g\)$/);
  });

  it.each([
    ['a global dry run', { globalDryRun: true }, []],
    ['a tripped guardrail', { guardrails: { maxCancellations: 0, maxCancellationPercent: 100 } }, [aPolicy({ policyId: 'now' })]],
  ])('sends no notices and writes no marks in %s', (_what, extra, more) => {
    const shares = [shareFacts({ id: '1', ageDays: 40 }), shareFacts({ id: '2', ageDays: 40, violatingSince: { g: daysAgo(3) } })];
    const result = run(shares, [aPolicy({ policyId: 'g', graceHours: 48 }), ...more], extra);
    expect([result.newMarks, result.noticesDue, result.toCancel]).toEqual([[], [], []]);
    expect(decisionOf(result, '2').findings.find((f) => f.policyId === 'g')).toMatchObject({ outcome: 'marked', reason: expect.stringContaining('notice not sent yet') });
  });

  it('makes one notice due per mark, in share and policy order, for per-share and quota rules alike', () => {
    const shares = [shareFacts({ id: '2', ageDays: 40 }), shareFacts({ id: '1', ageDays: 50, violatingSince: { q: daysAgo(1) } })];
    const policies = [aPolicy({ policyId: 'g', graceHours: 48 }), aPolicy({ policyId: 'q', graceHours: 6, rule: quota(0) })];
    const result = run(shares, policies);
    expect(result.noticesDue.map((n) => [n.shareId, n.policyId, n.graceHours])).toEqual([
      ['1', 'g', 48],
      ['1', 'q', 6],
      ['2', 'g', 48],
      ['2', 'q', 6],
    ]);
    expect(result.newMarks).toEqual([
      { shareId: '1', policyId: 'g' },
      { shareId: '2', policyId: 'g' },
      { shareId: '2', policyId: 'q' },
    ]);
  });

  it('makes no notice due for a mark it clears', () => {
    const result = run([shareFacts({ id: '1', ageDays: 1, violatingSince: { g: daysAgo(1) } })], [aPolicy({ policyId: 'g', graceHours: 48 })]);
    expect([result.noticesDue, result.clearedMarks]).toEqual([[], [{ shareId: '1', policyId: 'g' }]]);
  });

  it.each([
    ['no longer breaks the policy', shareFacts({ id: '1', ageDays: 1, violatingSince: { g: daysAgo(1) } }), [aPolicy({ policyId: 'g', graceHours: 48 })], [{ shareId: '1', policyId: 'g' }]],
    ['is exempt now', shareFacts({ id: '1', ageDays: 40, violatingSince: { g: daysAgo(1) } }), [aPolicy({ policyId: 'g', graceHours: 48, exempt: { shareIds: ['1'] } })], [{ shareId: '1', policyId: 'g' }]],
    ['carries a mark of a policy that is gone, disabled or a dry run', shareFacts({ id: '1', ageDays: 40, violatingSince: { gone: 1, off: 2, dry: 3 } }), [aPolicy({ policyId: 'off', enabled: false }), aPolicy({ policyId: 'dry', mode: 'dry-run' })], [{ shareId: '1', policyId: 'dry' }, { shareId: '1', policyId: 'gone' }, { shareId: '1', policyId: 'off' }]],
    ['cannot be judged (the mark stays)', shareFacts({ id: '1', createdAtMs: undefined, violatingSince: { g: daysAgo(1) } }), [aPolicy({ policyId: 'g', graceHours: 48 })], []],
  ])('clears the mark of a share that %s', (_what, facts, policies, cleared) => {
    expect(run([facts], policies).clearedMarks).toEqual(cleared);
  });
});

describe('guardrails', () => {
  const shares = Array.from({ length: 10 }, (_, k) => shareFacts({ id: String(k + 1), ageDays: 40 }));

  it.each([
    ['a policy limit', [aPolicy({ policyId: 'p', maxCancellationsPerRun: 7 })], LOOSE, { limit: 'policy', policyId: 'p', limitValue: 7, allowed: 7, planned: 10, excess: 3, message: 'policy "p" planned 10 cancellations, its maxCancellationsPerRun is 7 (3 over)' }],
    ['the global count', [aPolicy({ policyId: 'p' })], { maxCancellations: 4, maxCancellationPercent: 100 }, { limit: 'global-count', limitValue: 4, allowed: 4, planned: 10, excess: 6, message: 'the run planned 10 cancellations, the limit is 4 (6 over)' }],
    ['the global percentage', [aPolicy({ policyId: 'p' })], { maxCancellations: 500, maxCancellationPercent: 25 }, { limit: 'global-percent', limitValue: 25, allowed: 2, planned: 10, excess: 8, message: 'the run planned 10 cancellations of 10 shares, the limit is 25% (2; 8 over)' }],
  ])('cancels nothing when %s trips, and says by how much', (_what, policies, guardrails, trip) => {
    const result = run(shares, policies, { guardrails });
    expect(result.guardrail).toMatchObject({ tripped: true, trips: [trip], planned: 10 });
    expect([result.toCancel, result.plannedCancels.length, result.counts.cancel]).toEqual([[], 10, 10]);
    expect(result.decisions.every((d) => d.decision === 'cancel' && d.heldByGuardrail === true)).toBe(true);
  });

  it('applies the defaults (500 and 20%) when none are given', () => {
    const result = evaluate({ shares, policies: [aPolicy()], now: NOW });
    expect(result.guardrail).toMatchObject({ tripped: true, maxCancellations: 500, maxCancellationPercent: 20, trips: [{ limit: 'global-percent', allowed: 2, excess: 8 }] });
  });

  it('allows exactly reaching every limit', () => {
    const result = run(shares.slice(0, 5), [aPolicy({ policyId: 'p', maxCancellationsPerRun: 5 })], { guardrails: { maxCancellations: 5, maxCancellationPercent: 100 } });
    expect([result.guardrail.tripped, result.toCancel.length]).toEqual([false, 5]);
  });

  it('writes no new grace marks when a guardrail tripped', () => {
    const result = run(shares, [aPolicy({ policyId: 'p', maxCancellationsPerRun: 1 }), aPolicy({ policyId: 'g', graceHours: 1, rule: maxAge(35) })]);
    expect([result.guardrail.tripped, result.newMarks]).toEqual([true, []]);
  });
});

describe('engine input', () => {
  it.each([
    ['a non-finite now', { now: Number.NaN }, 'now must be a finite epoch ms (got NaN)'],
    ['a negative count limit', { guardrails: { maxCancellations: -1, maxCancellationPercent: 20 } }, 'guardrail maxCancellations must be a whole number >= 0 (got -1)'],
    ['a percentage above 100', { guardrails: { maxCancellations: 1, maxCancellationPercent: 120 } }, 'guardrail maxCancellationPercent must be between 0 and 100 (got 120)'],
    ['two policies with one id', { policies: [aPolicy({ policyId: 'x' }), aPolicy({ policyId: 'x' })] }, 'policy "x": policyId: appears more than once'],
    ['a pattern that skipped validation', { policies: [aPolicy({ policyId: 'x', rule: nameRule({ deny: ['/a/[z-a]'] }) })] }, 'policy "x": rule: invalid range "z-a" in a character class'],
  ])('refuses %s', (_what, override, message) => {
    expect(() => evaluate({ shares: [shareFacts()], policies: [], now: NOW, ...override })).toThrow(message);
  });

  it('reports a share listed twice as unevaluable and evaluates it under no policy', () => {
    const result = run([shareFacts({ id: '1', ageDays: 40 }), shareFacts({ id: '1', ageDays: 40 }), shareFacts({ id: '2', ageDays: 40 })], [aPolicy()]);
    expect(result.decisions).toEqual([
      { shareId: '1', decision: 'unevaluable', policyIds: [], reasons: ['share id appears 2 times in the inventory, so the listing is ambiguous; not evaluated'], findings: [] },
      expect.objectContaining({ shareId: '2', decision: 'cancel' }),
    ]);
    expect([result.counts.shares, result.toCancel]).toEqual([2, ['2']]);
  });

  it.each([
    ['ascending', ['2', '10', '9007199254740993']],
    ['descending, as TeraBox lists', ['9007199254740993', '10', '2']],
    ['mixed', ['10', '9007199254740993', '2']],
  ])('orders decisions by numeric share id whatever the input order (%s)', (_what, ids) => {
    const kept = run(ids.map((id) => shareFacts({ id })), []);
    expect(kept.shareIds).toEqual(['2', '10', '9007199254740993']);
    expect(kept.decisions).toEqual([]); // plain keeps carry no decision object
    const flagged = run(ids.map((id) => shareFacts({ id, ageDays: 40 })), [aPolicy({ policyId: 'p', rule: maxAge(30) })]);
    expect(flagged.decisions.map((d) => d.shareId)).toEqual(['2', '10', '9007199254740993']);
  });

  it('answers for plain keeps through decisionFor, and for nothing it did not evaluate', () => {
    const result = run([shareFacts({ id: '1', ageDays: 40 }), shareFacts({ id: '2', ageDays: 1 }), shareFacts({ id: '2', ageDays: 1 }), shareFacts({ id: '3', ageDays: 1 })], [aPolicy({ policyId: 'p', rule: maxAge(30) })]);
    expect(result.shareIds).toEqual(['1', '2', '3']);
    expect(result.decisions.map((d) => [d.shareId, d.decision])).toEqual([['1', 'cancel'], ['2', 'unevaluable']]);
    expect(decisionFor(result, '3')).toEqual({ shareId: '3', decision: 'keep', policyIds: [], reasons: [], findings: [] });
    expect(decisionFor(result, '2')!.decision).toBe('unevaluable');
    expect(decisionFor(result, '4')).toBeUndefined();
    expect(result.counts).toMatchObject({ shares: 3, keep: 1, cancel: 1, unevaluable: 1 });
  });

  it('sums decisions and per-policy figures', () => {
    const shares = [shareFacts({ id: '1', ageDays: 40 }), shareFacts({ id: '2', ageDays: 1 }), shareFacts({ id: '3', ageDays: 40, visibility: undefined })];
    const result = run(shares, [aPolicy({ policyId: 'p', scope: { visibility: 'public' } })]);
    expect(result.counts).toEqual({ shares: 3, keep: 1, cancel: 1, wouldCancel: 0, exempt: 0, unevaluable: 1, marked: 0 });
    expect(result.perPolicy.p).toEqual({ enabled: true, mode: 'enforce', inScope: 2, flagged: 1, cancel: 1, wouldCancel: 0, marked: 0, unevaluable: 1, exempt: 0, guardrailTripped: false });
  });
});
