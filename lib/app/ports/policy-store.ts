/** The policies table port: what the sweep and the CLI read and write, and its errors. */
import type { Exemption, Policy } from '../../domain/policy-types';
import { StoreError } from './store-error';

/** More policies in one `putPolicies` call than one DynamoDB transaction can hold (100). Nothing was written. */
export class PolicyBatchTooLargeError extends StoreError {
  override name = 'PolicyBatchTooLargeError';
  constructor(
    readonly count: number,
    readonly limit: number,
  ) {
    super(`cannot apply ${count} policies at once: one transaction holds at most ${limit}; nothing was written`);
  }
}

/** A policy changed (or appeared) between reading and writing it; nothing was written. Retry the apply. */
export class PolicyConflictError extends StoreError {
  override name = 'PolicyConflictError';
  constructor(
    message: string,
    readonly policyIds: string[],
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/** The policies table as the sweep reads it: raw items with the table's own attributes removed. */
export interface PolicyItems {
  /** Each element is exactly the documented policy JSON, unvalidated (feed it to `validatePolicyItems`). */
  policies: unknown[];
  /** Each element is exactly the documented exemption JSON, unvalidated. */
  exemptions: unknown[];
  /** Items that are neither (unknown `kind`, a key that disagrees with the id inside): reported, never used. */
  unrecognized: Array<{ itemId: string; reason: string }>;
}

export interface StoredPolicy {
  policyId: string;
  /** The stored policy JSON (keys and bookkeeping removed), unvalidated. */
  policy: unknown;
  updatedAt?: string;
  version?: number;
}

export interface PutPoliciesResult {
  created: string[];
  updated: string[];
}

export interface PolicyStore {
  /** Every policy and exemption of the account, stripped to the documented JSON. */
  loadItems(): Promise<PolicyItems>;
  /**
   * Writes the given (already validated) policies all-or-nothing in one transaction.
   * Throws `PolicyBatchTooLargeError` above 100 and `PolicyConflictError` on a concurrent edit;
   * in both cases nothing was written. (On dynalite, which has no transactions, the policies are
   * written one by one, each still conditional; see DynamoDbPolicyStore.)
   */
  putPolicies(policies: readonly Policy[], now: number): Promise<PutPoliciesResult>;
  /** false when there was no such policy. */
  deletePolicy(policyId: string): Promise<boolean>;
  listPolicies(): Promise<StoredPolicy[]>;
  putExemption(exemption: Exemption, now: number): Promise<void>;
  /** false when there was no such exemption. */
  deleteExemption(exemptionId: string): Promise<boolean>;
}
