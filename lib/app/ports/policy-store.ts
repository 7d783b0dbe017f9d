/** The policies table port: what the sweep and the CLI read and write, and its errors. */
import type { PolicyFieldChange } from '../../domain/policy-diff';
import type { Exemption, Policy } from '../../domain/policy-types';
import { StoreError } from './store-error';

/** More policies in one `putPolicies` call than one DynamoDB transaction can hold (50: each with its history entry). Nothing was written. */
export class PolicyBatchTooLargeError extends StoreError {
  override name = 'PolicyBatchTooLargeError';
  constructor(
    readonly count: number,
    readonly limit: number,
  ) {
    super(`cannot apply ${count} policies at once: one transaction holds at most ${limit} (each with its history entry); nothing was written`);
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
  /**
   * The stored version of each policy that has one, by policy id (the table's bookkeeping, not part
   * of the documented JSON). Absent for a policy file: its policies have no version.
   */
  versions?: Record<string, number>;
}

export interface StoredPolicy {
  policyId: string;
  /** The stored policy JSON (keys and bookkeeping removed), unvalidated. */
  policy: unknown;
  updatedAt?: string;
  version?: number;
}

/**
 * Who changed a policy. `sts`: the caller identity AWS STS returned (an ARN); `os-user`: the
 * operating system's user name, when there is no AWS identity to ask (a local or embedded run);
 * `unknown`: the caller named nobody. `note` says why the identity is not an AWS one.
 */
export interface PolicyActor {
  id: string;
  source: 'sts' | 'os-user' | 'unknown';
  note?: string;
}

/** Who makes a change (`putPolicies`, `deletePolicy`). */
export interface PolicyChangeOptions {
  actor?: PolicyActor;
}

/** One change of one policy, as the history keeps it (newest first from `listHistory`). */
export interface PolicyHistoryEntry {
  policyId: string;
  change: 'create' | 'update' | 'delete';
  /** Epoch ms and ISO 8601 of the change. */
  atMs: number;
  at: string;
  actor: PolicyActor;
  /** The stored version before the change (absent: there was none, or a hand-made item without one). */
  versionBefore?: number;
  /** The version the change wrote (absent for a delete). */
  versionAfter?: number;
  /** The whole documented policy JSON before and after (absent for a create and a delete, respectively). */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** The top-level fields that changed. */
  diff: PolicyFieldChange[];
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
   * Throws `PolicyBatchTooLargeError` above 50 (each policy takes two actions: itself and its history entry) and `PolicyConflictError` on a concurrent edit;
   * in both cases nothing was written. Each policy's history entry is written in the same
   * transaction. (On dynalite, which has no transactions, the policies are written one by one,
   * each still conditional, each followed by its history entry; see DynamoDbPolicyStore.)
   */
  putPolicies(policies: readonly Policy[], now: number, options?: PolicyChangeOptions): Promise<PutPoliciesResult>;
  /**
   * false when there was no such policy. Deletes only the version it read, with its history entry
   * in the same transaction; `PolicyConflictError` when the policy changed meanwhile.
   */
  deletePolicy(policyId: string, now: number, options?: PolicyChangeOptions): Promise<boolean>;
  /** The policy's changes, newest first (`limit` of them, default all). */
  listHistory(policyId: string, options?: { limit?: number }): Promise<PolicyHistoryEntry[]>;
  listPolicies(): Promise<StoredPolicy[]>;
  putExemption(exemption: Exemption, now: number): Promise<void>;
  /** false when there was no such exemption. */
  deleteExemption(exemptionId: string): Promise<boolean>;
}
