/** Typed factories for the stores' inputs (policies, requests, inventory, audit). */
import type { Exemption, Policy } from '../../lib/domain/policy-types';
import type { CreatedShare } from '../../lib/app/ports';
import type { AuditEntry, ClaimInput, InventoryItem, RunSummary } from '../../lib/app/store-ports';
import type { GuardrailReport } from '../../lib/domain/decision';
import { rawPolicy } from './policies';

// In the future on purpose: DynamoDB Local deletes expired TTL items, and audit entries expire
// 90 days after their clock; a past T0 made audit rows vanish in the middle of a test.
export const T0 = Date.parse('2031-05-01T10:00:00.000Z');
export const HOUR = 3_600_000;

/** The README's example policy, typed (it validates unchanged: see test/unit/domain/validate.test.ts). */
export function aPolicy(overrides: Partial<Policy> = {}): Policy {
  return { ...(rawPolicy() as unknown as Policy), ...overrides };
}

export function anExemption(overrides: Partial<Exemption> = {}): Exemption {
  return {
    exemptionId: 'legal-hold',
    shareIds: ['9007199254740993'],
    pathPrefixes: ['/Legal/'],
    reason: 'Legal hold until the case closes',
    expiresAt: '2027-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function aClaim(overrides: Partial<ClaimInput> = {}): ClaimInput {
  return {
    requestId: 'req-2026-0001',
    requester: 'marketing',
    request: { fsIds: ['123456789'], paths: ['/Public/brochure.pdf'], period: 7, label: 'Partner brochure', private: true },
    now: T0,
    claimTtlMs: 5 * 60_000,
    ...overrides,
  };
}

export function aCreatedShare(overrides: Partial<CreatedShare> = {}): CreatedShare {
  return {
    shareId: '9007199254740993',
    shortUrl: '1aBcDeF',
    link: 'https://www.terabox.com/s/1aBcDeF',
    period: 7,
    password: 'ab12',
    createdAtMs: T0 - 1000,
    ...overrides,
  };
}

export function anInventoryItem(overrides: Partial<InventoryItem> = {}): InventoryItem {
  return { shareId: '1001', firstSeenAtMs: T0 - 24 * HOUR, lastSeenAtMs: T0, ...overrides };
}

export function anAuditEntry(overrides: Partial<Omit<AuditEntry, 'runId'>> = {}): Omit<AuditEntry, 'runId'> {
  return {
    shareId: '1001',
    decision: 'cancel',
    policyIds: ['public-links-30-days'],
    reasons: ['created 41.2 days ago, limit 30 days (public-links-30-days)'],
    shortUrl: '1aBcDeF',
    paths: ['/Public/old.pdf'],
    requester: 'marketing',
    recordedAtMs: T0,
    ...overrides,
  };
}

export function aRunStart(runId: string, overrides: Partial<Omit<RunSummary, 'accountId'>> = {}): Omit<RunSummary, 'accountId'> {
  return { runId, status: 'running', mode: 'enforce', trigger: 'schedule', startedAtMs: T0, ...overrides };
}

/** The engine's report of a run whose global count limit tripped. */
export function aTrippedGuardrail(overrides: Partial<GuardrailReport> = {}): GuardrailReport {
  return {
    tripped: true,
    trips: [
      {
        limit: 'global-count',
        limitValue: 500,
        allowed: 500,
        planned: 612,
        excess: 112,
        message: 'the run planned 612 cancellations, the limit is 500 (112 over)',
      },
    ],
    planned: 612,
    maxCancellations: 500,
    maxCancellationPercent: 20,
    ...overrides,
  };
}

/** A string of `bytes` ASCII characters, to make items big enough to fill DynamoDB pages. */
export function padding(bytes: number, seed = 'x'): string {
  return seed.repeat(Math.ceil(bytes / seed.length)).slice(0, bytes);
}
