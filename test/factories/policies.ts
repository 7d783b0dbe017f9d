/**
 * Typed factories for policies, rules and exemptions: validated shapes for the engine, and raw
 * items (what an admin types into the policies table) for the validation tests.
 */
import type { Exemption, MaxAgeRule, NameRule, Policy, PolicyRule, QuotaRule } from '../../lib/domain/policy-types';

export function maxAge(maxAgeDays: number): MaxAgeRule {
  return { type: 'max-age', maxAgeDays };
}

export function nameRule(lists: Omit<NameRule, 'type'>): NameRule {
  return { type: 'name', ...lists };
}

export function quota(maxShares: number, options: Partial<Omit<QuotaRule, 'type' | 'maxShares'>> = {}): QuotaRule {
  return { type: 'quota', maxShares, per: options.per ?? 'account', keep: options.keep ?? 'newest' };
}

/**
 * A validated policy, enforcing by default (unlike the language's default of dry-run: most
 * engine tests are about what gets cancelled).
 */
export function aPolicy(overrides: Partial<Policy> & { rule?: PolicyRule } = {}): Policy {
  return {
    policyId: 'public-links-30-days',
    enabled: true,
    mode: 'enforce',
    rule: maxAge(30),
    graceHours: 0,
    ...overrides,
  };
}

/** A validated global exemption. */
export function anExemption(overrides: Partial<Exemption> = {}): Exemption {
  return { exemptionId: 'legal-hold', shareIds: ['1001'], reason: 'legal hold', ...overrides };
}

/** The README's example policy as a raw item (JSON as stored), with fields replaced or added. */
export function rawPolicy(set: Record<string, unknown> = {}, omit: string[] = []): Record<string, unknown> {
  const item: Record<string, unknown> = {
    policyId: 'public-links-30-days',
    description: 'Public links live at most 30 days',
    enabled: true,
    mode: 'enforce',
    scope: { pathPrefixes: ['/Public/'], visibility: 'public', requesters: ['marketing'] },
    rule: { type: 'max-age', maxAgeDays: 30 },
    exempt: { shareIds: ['12345'], pathPrefixes: ['/Public/evergreen/'] },
    maxCancellationsPerRun: 100,
    graceHours: 0,
    ...set,
  };
  for (const key of omit) delete item[key];
  return item;
}

/** A raw global exemption item. */
export function rawExemption(set: Record<string, unknown> = {}, omit: string[] = []): Record<string, unknown> {
  const item: Record<string, unknown> = {
    kind: 'exemption',
    exemptionId: 'legal-hold',
    shareIds: ['12345'],
    reason: 'legal hold until the case closes',
    expiresAt: '2026-12-31T00:00:00Z',
    ...set,
  };
  for (const key of omit) delete item[key];
  return item;
}
