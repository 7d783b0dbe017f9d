/**
 * The policy contract (documented in the README). The zod schemas in `policy-schema.ts`
 * validate raw items into these types; the engine only ever sees validated policies.
 */
export type PolicyMode = 'enforce' | 'dry-run';

export interface PolicyScope {
  pathPrefixes?: string[];
  visibility?: 'public' | 'private' | 'any';
  requesters?: string[];
}

export interface MaxAgeRule {
  type: 'max-age';
  maxAgeDays: number;
}

export interface NameRule {
  type: 'name';
  deny?: string[];
  allow?: string[];
  denyRegex?: string[];
  allowRegex?: string[];
}

export interface QuotaRule {
  type: 'quota';
  maxShares: number;
  per: 'account' | 'requester';
  keep: 'newest' | 'oldest';
}

export type PolicyRule = MaxAgeRule | NameRule | QuotaRule;

export interface PolicyExempt {
  shareIds?: string[];
  pathPrefixes?: string[];
}

export interface Policy {
  policyId: string;
  description?: string;
  /** The accounts whose sweeps evaluate this policy; absent: every account. */
  accounts?: string[];
  enabled: boolean;
  mode: PolicyMode;
  scope?: PolicyScope;
  rule: PolicyRule;
  exempt?: PolicyExempt;
  maxCancellationsPerRun?: number;
  graceHours: number;
}

/** A global exemption (`"kind": "exemption"` items in the policies table). */
export interface Exemption {
  exemptionId: string;
  /** The accounts whose sweeps apply this exemption; absent: every account. */
  accounts?: string[];
  shareIds?: string[];
  pathPrefixes?: string[];
  reason: string;
  /** ISO 8601; an expired exemption no longer applies. */
  expiresAt?: string;
}

/** Global blast-radius limits; a run that would exceed one cancels nothing. */
export interface GuardrailLimits {
  maxCancellations: number;
  maxCancellationPercent: number;
}

export const DEFAULT_GUARDRAILS: GuardrailLimits = { maxCancellations: 500, maxCancellationPercent: 20 };
