/**
 * Invariants of the engine, checked on generated inventories and policies (fast-check, fixed
 * seeds so that every run checks the same cases).
 */
import fc from 'fast-check';
import { decisionFor, type EvaluationResult } from '../../../lib/domain/decision';
import { evaluate } from '../../../lib/domain/evaluate';
import type { Exemption, Policy, PolicyRule, PolicyScope } from '../../../lib/domain/policy-types';
import type { ShareFacts } from '../../../lib/domain/share';
import { DAY_MS, HOUR_MS, NOW, shareFacts } from '../../factories/shares';

const LOOSE = { maxCancellations: 1_000_000, maxCancellationPercent: 100 };
const PATHS = ['/Public/a.pdf', '/Public/x/.env', '/Private/b.txt', '/Tmp/c.bak', '/Legal/d.pdf', '/Public/Legal/e.pdf'];
const PREFIXES = ['/Public/', '/Private', '/Tmp/', '/Legal/'];
const POLICY_IDS = ['p-a', 'p-b', 'p-c', 'p-d', 'p-e'];
const RUNS = { numRuns: 300, seed: 424242 };

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Share facts whose ids are unique; clocks on a coarse grid so that ties happen. */
const sharesArb: fc.Arbitrary<ShareFacts[]> = fc
  .uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 0, maxLength: 25 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc.record({
          paths: fc.oneof(fc.constant([] as string[]), fc.uniqueArray(fc.constantFrom(...PATHS), { minLength: 1, maxLength: 3 })),
          created: maybe(fc.integer({ min: -1, max: 60 })),
          recorded: maybe(fc.integer({ min: 0, max: 60 })),
          firstSeen: maybe(fc.integer({ min: 0, max: 60 })),
          visibility: fc.constantFrom('public' as const, 'private' as const, undefined),
          requester: fc.constantFrom('sales', 'marketing', undefined),
          marked: maybe(fc.constantFrom(...POLICY_IDS)),
        }).map((r) =>
          shareFacts({
            id: String(id),
            paths: r.paths,
            createdAtMs: r.created === undefined ? undefined : NOW - r.created * DAY_MS,
            visibility: r.visibility,
            ...(r.requester ? { requester: r.requester } : {}),
            ...(r.recorded !== undefined ? { recordedCreatedAtMs: NOW - r.recorded * DAY_MS } : {}),
            ...(r.firstSeen !== undefined ? { firstSeenAtMs: NOW - r.firstSeen * DAY_MS } : {}),
            ...(r.marked ? { violatingSince: { [r.marked]: NOW - 2 * DAY_MS } } : {}),
          }),
        ),
      ),
    ),
  );

const scopeArb: fc.Arbitrary<PolicyScope | undefined> = maybe(
  fc.record(
    {
      pathPrefixes: fc.uniqueArray(fc.constantFrom(...PREFIXES), { minLength: 1, maxLength: 2 }),
      visibility: fc.constantFrom('public' as const, 'private' as const, 'any' as const),
      requesters: fc.uniqueArray(fc.constantFrom('sales', 'marketing'), { minLength: 1, maxLength: 1 }),
    },
    { requiredKeys: [] },
  ),
);

const ruleArb: fc.Arbitrary<PolicyRule> = fc.oneof(
  fc.record({ type: fc.constant('max-age' as const), maxAgeDays: fc.constantFrom(0.5, 5, 10, 30, 45.5) }),
  fc.constantFrom<PolicyRule>(
    { type: 'name', deny: ['**/*.env', '*.bak'] },
    { type: 'name', allow: ['/Public/**'] },
    { type: 'name', denyRegex: ['(?i)legal'], allow: ['/Public/**', '/Legal/**'] },
  ),
  fc.record({
    type: fc.constant('quota' as const),
    maxShares: fc.integer({ min: 0, max: 6 }),
    per: fc.constantFrom('account' as const, 'requester' as const),
    keep: fc.constantFrom('newest' as const, 'oldest' as const),
  }),
);

const policiesArb: fc.Arbitrary<Policy[]> = fc
  .uniqueArray(fc.constantFrom(...POLICY_IDS), { minLength: 1, maxLength: 4 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((policyId) =>
        fc.record({
          enabled: fc.boolean(),
          mode: fc.constantFrom('enforce' as const, 'dry-run' as const),
          scope: scopeArb,
          rule: ruleArb,
          exemptIds: maybe(fc.uniqueArray(fc.integer({ min: 1, max: 400 }).map(String), { minLength: 1, maxLength: 40 })),
          exemptLegal: fc.boolean(),
          graceHours: fc.constantFrom(0, 0, 24, 72),
        }).map((r): Policy => {
          const policy: Policy = { policyId, enabled: r.enabled, mode: r.mode, rule: r.rule, graceHours: r.graceHours };
          if (r.scope) policy.scope = r.scope;
          if (r.exemptIds || r.exemptLegal) {
            policy.exempt = {
              ...(r.exemptIds ? { shareIds: r.exemptIds } : {}),
              ...(r.exemptLegal ? { pathPrefixes: ['/Legal/'] } : {}),
            };
          }
          return policy;
        }),
      ),
    ),
  );

const exemptionsArb: fc.Arbitrary<Exemption[]> = fc
  .uniqueArray(fc.constantFrom('x-1', 'x-2', 'x-3'), { maxLength: 3 })
  .chain((ids) =>
    fc.tuple(
      ...ids.map((exemptionId) =>
        fc.record({
          shareIds: fc.uniqueArray(fc.integer({ min: 1, max: 400 }).map(String), { minLength: 1, maxLength: 60 }),
          expired: fc.boolean(),
        }).map((r): Exemption => ({
          exemptionId,
          shareIds: r.shareIds,
          reason: 'test',
          expiresAt: new Date(NOW + (r.expired ? -1 : 1) * DAY_MS).toISOString(),
        })),
      ),
    ),
  );

function permute<T>(xs: readonly T[], keys: readonly number[]): T[] {
  return xs.map((x, k) => [keys[k % Math.max(keys.length, 1)] ?? 0, k, x] as const).sort((a, b) => a[0] - b[0] || b[1] - a[1]).map((t) => t[2]);
}

function cancelFindings(result: EvaluationResult): Array<{ shareId: string; policyId: string }> {
  return result.decisions.flatMap((d) => d.findings.filter((f) => f.outcome === 'cancel').map((f) => ({ shareId: d.shareId, policyId: f.policyId })));
}

/** The spec's "definitely outside the scope", written independently of the engine. */
function definitelyOut(scope: PolicyScope | undefined, facts: ShareFacts): boolean {
  if (!scope) return false;
  if (scope.requesters && (facts.requester === undefined || !scope.requesters.includes(facts.requester))) return true;
  const v = facts.share.visibility;
  if ((scope.visibility === 'public' || scope.visibility === 'private') && v !== undefined && v !== scope.visibility) return true;
  if (scope.pathPrefixes && facts.share.paths.length > 0) {
    const under = (p: string) => scope.pathPrefixes!.some((pre) => { const f = pre.replace(/\/+$/, ''); return p === f || p.startsWith(`${f}/`); });
    if (!facts.share.paths.every(under)) return true;
  }
  return false;
}

describe('engine invariants', () => {
  it('does not depend on the order of shares, policies or exemptions', () => {
    fc.assert(
      fc.property(sharesArb, policiesArb, exemptionsArb, fc.array(fc.integer(), { minLength: 1, maxLength: 30 }), fc.boolean(), (shares, policies, exemptions, keys, dry) => {
        const a = evaluate({ shares, policies, exemptions, now: NOW, guardrails: LOOSE, globalDryRun: dry });
        const b = evaluate({ shares: permute(shares, keys), policies: permute(policies, keys), exemptions: permute(exemptions, keys), now: NOW, guardrails: LOOSE, globalDryRun: dry });
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });

  it('gives every share exactly one decision, sorted by share id', () => {
    fc.assert(
      fc.property(sharesArb, policiesArb, (shares, policies) => {
        const result = evaluate({ shares, policies, now: NOW, guardrails: LOOSE });
        const ids = shares.map((s) => s.share.shareId).sort((x, y) => Number(x) - Number(y));
        expect(result.shareIds).toEqual(ids);
        // decisions: every share but the plain keeps, in the same order; the counts add up.
        const listed = result.decisions.map((d) => d.shareId);
        expect(listed).toEqual(ids.filter((id) => listed.includes(id)));
        expect(result.decisions.every((d) => d.decision !== 'keep' || d.findings.length > 0)).toBe(true);
        const plainKeeps = ids.length - listed.length;
        expect(result.counts.keep - result.counts.marked).toBe(plainKeeps);
        for (const id of ids) expect(decisionFor(result, id)?.shareId).toBe(id);
        expect(new Set(result.toCancel).size).toBe(result.toCancel.length);
      }),
      RUNS,
    );
  });

  it('never flags a share outside a policy scope', () => {
    fc.assert(
      fc.property(sharesArb, policiesArb, (shares, policies) => {
        const result = evaluate({ shares, policies, now: NOW, guardrails: LOOSE });
        const byId = new Map(shares.map((s) => [s.share.shareId, s]));
        for (const d of result.decisions) {
          for (const f of d.findings) {
            const policy = policies.find((p) => p.policyId === f.policyId)!;
            expect([f.policyId, d.shareId, definitelyOut(policy.scope, byId.get(d.shareId)!)]).toEqual([f.policyId, d.shareId, false]);
          }
        }
      }),
      RUNS,
    );
  });

  it('never cancels an exempt share', () => {
    fc.assert(
      fc.property(sharesArb, policiesArb, exemptionsArb, (shares, policies, exemptions) => {
        const result = evaluate({ shares, policies, exemptions, now: NOW, guardrails: LOOSE });
        const globallyExempt = new Set(exemptions.filter((e) => Date.parse(e.expiresAt!) > NOW).flatMap((e) => e.shareIds ?? []));
        for (const id of result.toCancel) expect(globallyExempt.has(id)).toBe(false);
        for (const { shareId, policyId } of cancelFindings(result)) {
          const policy = policies.find((p) => p.policyId === policyId)!;
          expect(policy.exempt?.shareIds?.includes(shareId) ?? false).toBe(false);
          const paths = shares.find((s) => s.share.shareId === shareId)!.share.paths;
          if (policy.exempt?.pathPrefixes) expect(paths.length > 0 && !paths.some((p) => p.startsWith('/Legal/'))).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('never cancels on the strength of facts a rule could not judge', () => {
    fc.assert(
      fc.property(sharesArb, policiesArb, (shares, policies) => {
        const result = evaluate({ shares, policies, now: NOW, guardrails: LOOSE });
        const byId = new Map(shares.map((s) => [s.share.shareId, s]));
        for (const { shareId, policyId } of cancelFindings(result)) {
          const facts = byId.get(shareId)!;
          const policy = policies.find((p) => p.policyId === policyId)!;
          const noClock = facts.share.createdAtMs === undefined && facts.recordedCreatedAtMs === undefined && facts.firstSeenAtMs === undefined;
          if (policy.rule.type === 'name') expect(facts.share.paths.length).toBeGreaterThan(0);
          if (policy.rule.type !== 'name') expect(noClock).toBe(false);
          if (policy.scope?.pathPrefixes || policy.exempt?.pathPrefixes) expect(facts.share.paths.length).toBeGreaterThan(0);
          if (policy.scope?.visibility === 'public' || policy.scope?.visibility === 'private') expect(facts.share.visibility).toBe(policy.scope.visibility);
        }
        for (const d of result.decisions) if (d.decision === 'unevaluable') expect(result.toCancel).not.toContain(d.shareId);
      }),
      RUNS,
    );
  });

  it('never cancels a marked share before its notice plus the grace, and makes every unnoticed mark due', () => {
    // The shares above, most of them marked by one policy 0 to 100 hours ago, the mark's notice sent
    // 0 to 100 hours ago or never: some notices are older than their mark (left from an earlier
    // one) and must start nothing.
    const marking = fc.record({ policyId: fc.constantFrom(...POLICY_IDS), markedHoursAgo: fc.integer({ min: 0, max: 100 }), noticedHoursAgo: maybe(fc.integer({ min: 0, max: 100 })) });
    const noticed = fc.tuple(sharesArb, fc.array(maybe(marking), { maxLength: 25 })).map(([shares, marks]) =>
      shares.map((s, k) => {
        const m = marks[k];
        if (!m) return s;
        const violatingSince = { [m.policyId]: NOW - m.markedHoursAgo * HOUR_MS };
        const notifiedAt = m.noticedHoursAgo === undefined ? undefined : { [m.policyId]: NOW - m.noticedHoursAgo * HOUR_MS };
        return { ...s, violatingSince, notifiedAt };
      }),
    );
    fc.assert(
      fc.property(noticed, policiesArb, (shares, policies) => {
        const result = evaluate({ shares, policies, now: NOW, guardrails: LOOSE });
        const byId = new Map(shares.map((s) => [s.share.shareId, s]));
        const noticeOf = (shareId: string, policyId: string): number | undefined => {
          const f = byId.get(shareId)!;
          const since = f.violatingSince?.[policyId];
          const at = f.notifiedAt?.[policyId];
          return since !== undefined && at !== undefined && at >= since ? at : undefined;
        };
        const due = new Set(result.noticesDue.map((n) => `${n.shareId}/${n.policyId}`));
        for (const d of result.decisions) {
          for (const f of d.findings) {
            const policy = policies.find((p) => p.policyId === f.policyId)!;
            if (policy.mode !== 'enforce' || policy.graceHours === 0) continue;
            const at = noticeOf(d.shareId, f.policyId);
            const graceMs = policy.graceHours * HOUR_MS;
            if (f.outcome === 'cancel') {
              expect([d.shareId, f.policyId, at !== undefined && NOW >= at + graceMs]).toEqual([d.shareId, f.policyId, true]);
            }
            if (f.outcome === 'marked') {
              expect([d.shareId, f.policyId, f.graceEndsAt]).toEqual([d.shareId, f.policyId, at === undefined ? undefined : new Date(at + graceMs).toISOString()]);
              expect([d.shareId, f.policyId, due.has(`${d.shareId}/${f.policyId}`)]).toEqual([d.shareId, f.policyId, at === undefined]);
            }
          }
        }
        expect(due.size).toBe(result.noticesDue.length);
      }),
      RUNS,
    );
  });

  it('a quota leaves exactly min(count, maxShares) shares in scope and cancels no more', () => {
    const quotaScope = fc.constantFrom<PolicyScope | undefined>(undefined, { visibility: 'public' }, { requesters: ['sales'] });
    fc.assert(
      fc.property(sharesArb, fc.integer({ min: 0, max: 8 }), fc.constantFrom('newest' as const, 'oldest' as const), quotaScope, fc.option(fc.constantFrom(5, 20)), (raw, maxShares, keep, scope, maxAgeDays) => {
        // Every share with a known clock and visibility: the quota can rank and place all of them.
        const shares = raw.map((s) => ({ ...s, share: { ...s.share, createdAtMs: s.share.createdAtMs ?? NOW - DAY_MS, visibility: s.share.visibility ?? 'public' } }));
        const policies: Policy[] = [{ policyId: 'q', enabled: true, mode: 'enforce', graceHours: 0, rule: { type: 'quota', maxShares, per: 'account', keep }, ...(scope ? { scope } : {}) }];
        if (maxAgeDays !== null) policies.push({ policyId: 'age', enabled: true, mode: 'enforce', graceHours: 0, rule: { type: 'max-age', maxAgeDays } });
        const result = evaluate({ shares, policies, now: NOW, guardrails: LOOSE });
        const inScope = shares.filter((s) => !definitelyOut(scope, s)).map((s) => s.share.shareId);
        const cancelledByAge = new Set(cancelFindings(result).filter((f) => f.policyId === 'age').map((f) => f.shareId));
        const counted = inScope.filter((id) => !cancelledByAge.has(id));
        const remaining = counted.filter((id) => !result.toCancel.includes(id));
        const byQuota = cancelFindings(result).filter((f) => f.policyId === 'q');
        expect(remaining.length).toBe(Math.min(counted.length, maxShares));
        expect(byQuota.length).toBe(Math.max(0, counted.length - maxShares));
      }),
      RUNS,
    );
  });
});
