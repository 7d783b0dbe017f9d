/**
 * Policies and global exemptions (the `Policies` table).
 *
 * One item per policy or exemption, shaped so that an admin editing it in the console sees the
 * documented JSON plus the keys and a few bookkeeping attributes:
 * ```
 * { "accountId": "default", "itemId": "policy#public-links-30-days", "kind": "policy",
 *   "policyId": "public-links-30-days", "enabled": true, "mode": "enforce", "rule": {...}, ...,
 *   "updatedAt": "2026-05-01T10:00:00.000Z", "version": 3 }
 * { "accountId": "default", "itemId": "exemption#legal-hold", "kind": "exemption",
 *   "exemptionId": "legal-hold", "shareIds": ["123"], "reason": "...", "updatedAt": "..." }
 * ```
 */
import {
  DeleteCommand,
  PutCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Exemption, Policy } from '../domain/policy-types';
import type { PolicyItems, PolicyStore, PutPoliciesResult, StoredPolicy } from '../app/store-ports';
import { documentClient, queryAll, resolveAccountId, sendConditional, str, type Item, type StoreOptions } from './dynamo';
import {
  PolicyBatchTooLargeError,
  PolicyConflictError,
  StoreError,
  errorName,
  isConditionalCheckFailed,
  toStoreError,
} from './errors';

/** DynamoDB's limit of actions in one TransactWriteItems call. */
export const TRANSACTION_LIMIT = 100;

/** Attributes the table adds around the documented JSON; removed before validation. */
export const POLICY_TABLE_ATTRIBUTES = ['accountId', 'itemId', 'kind', 'updatedAt', 'version'] as const;

const POLICY_PREFIX = 'policy#';
const EXEMPTION_PREFIX = 'exemption#';

export const policyItemId = (policyId: string): string => `${POLICY_PREFIX}${policyId}`;
export const exemptionItemId = (exemptionId: string): string => `${EXEMPTION_PREFIX}${exemptionId}`;

/** DynamoDB repository of policies and global exemptions. */
export class DynamoDbPolicyStore implements PolicyStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly accountId: string;

  constructor(options: StoreOptions) {
    this.doc = documentClient(options.client);
    this.tableName = options.tableName;
    this.accountId = resolveAccountId(options.accountId);
  }

  /**
   * Reads every item of the account (strongly consistent, so a policy applied a moment ago is seen)
   * and sorts them by `kind`. An item whose kind is missing is sorted by its key prefix; an item
   * whose key disagrees with the id inside it is reported rather than guessed at.
   */
  async loadItems(): Promise<PolicyItems> {
    const result: PolicyItems = { policies: [], exemptions: [], unrecognized: [] };
    for await (const item of this.queryItems()) {
      const itemId = str(item.itemId) ?? '';
      const kind = str(item.kind) ?? kindFromItemId(itemId);
      const body = stripTableAttributes(item);
      if (kind === 'policy') {
        const mismatch = keyMismatch(itemId, POLICY_PREFIX, body.policyId, 'policyId');
        if (mismatch) result.unrecognized.push({ itemId, reason: mismatch });
        else result.policies.push(body);
      } else if (kind === 'exemption') {
        const mismatch = keyMismatch(itemId, EXEMPTION_PREFIX, body.exemptionId, 'exemptionId');
        if (mismatch) result.unrecognized.push({ itemId, reason: mismatch });
        else result.exemptions.push(body);
      } else {
        result.unrecognized.push({
          itemId,
          reason: `unknown kind ${JSON.stringify(item.kind ?? null)}: expected "policy" or "exemption"`,
        });
      }
    }
    return result;
  }

  /**
   * All-or-nothing in one TransactWriteItems call: every policy is written, or none. Each put is
   * conditional on the version read just before, so two admins applying at once cannot silently
   * overwrite each other (the loser gets `PolicyConflictError` and nothing of theirs is written).
   * A transaction holds at most 100 actions: a larger set is refused whole rather than split,
   * because a split would give up the all-or-nothing promise.
   */
  async putPolicies(policies: readonly Policy[], now: number): Promise<PutPoliciesResult> {
    if (policies.length === 0) return { created: [], updated: [] };
    if (policies.length > TRANSACTION_LIMIT) throw new PolicyBatchTooLargeError(policies.length, TRANSACTION_LIMIT);
    const seen = new Set<string>();
    for (const p of policies) {
      if (seen.has(p.policyId)) throw new StoreError(`policy ${p.policyId} appears twice; nothing was written`);
      seen.add(p.policyId);
    }
    const versions = new Map<string, number | null>(); // null: exists without a version (hand-made item)
    for await (const item of this.queryItems(POLICY_PREFIX, true)) {
      versions.set(str(item.itemId) ?? '', typeof item.version === 'number' ? item.version : null);
    }
    const updatedAt = new Date(now).toISOString();
    const created: string[] = [];
    const updated: string[] = [];
    const actions = policies.map((policy): { Put: PutCommandInput } => {
      const itemId = policyItemId(policy.policyId);
      const previous = versions.get(itemId);
      (previous === undefined ? created : updated).push(policy.policyId);
      const condition =
        previous === undefined
          ? { ConditionExpression: 'attribute_not_exists(itemId)' }
          : previous === null
            ? {
                ConditionExpression: 'attribute_exists(itemId) AND attribute_not_exists(#version)',
                ExpressionAttributeNames: { '#version': 'version' },
              }
            : {
              ConditionExpression: '#version = :previous',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':previous': previous },
            };
      return {
        Put: {
          TableName: this.tableName,
          // Keys and bookkeeping last: nothing in the policy can overwrite them.
          Item: { ...policy, accountId: this.accountId, itemId, kind: 'policy', updatedAt, version: (previous ?? 0) + 1 },
          ...condition,
        },
      };
    });
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: actions }));
    } catch (err) {
      if (errorName(err) === 'UnknownOperationException') {
        // dynalite (the embedded `npm start` run) has no transactions; DynamoDB and DynamoDB Local
        // never answer this. Write one by one, each still conditional: the set was validated
        // before, so only a concurrent edit can stop it halfway there, and that is reported.
        await this.putOneByOne(actions, policies);
        return { created, updated };
      }
      const conflicted = conditionFailures(err).map((i) => policies[i]?.policyId ?? '?');
      if (conflicted.length > 0) {
        throw new PolicyConflictError(
          `policies changed while applying (${conflicted.join(', ')}); nothing was written, apply again`,
          conflicted,
          err,
        );
      }
      const translated = toStoreError(err, 'TransactWriteItems', this.tableName);
      if (!translated.retryable && cancelledByContention(err)) {
        throw new StoreError(translated.message, { cause: err, retryable: true, code: translated.code });
      }
      throw translated;
    }
    return { created, updated };
  }

  private async putOneByOne(actions: Array<{ Put: PutCommandInput }>, policies: readonly Policy[]): Promise<void> {
    for (const [i, action] of actions.entries()) {
      try {
        await this.doc.send(new PutCommand(action.Put));
      } catch (err) {
        const policyId = policies[i]?.policyId ?? '?';
        const written = policies.slice(0, i).map((p) => p.policyId);
        if (isConditionalCheckFailed(err)) {
          throw new PolicyConflictError(
            `policy ${policyId} changed while applying; written before it: ${written.join(', ') || 'none'}`,
            [policyId],
            err,
          );
        }
        throw toStoreError(err, 'PutItem', this.tableName);
      }
    }
  }

  deletePolicy(policyId: string): Promise<boolean> {
    return this.deleteItem(policyItemId(policyId));
  }

  async listPolicies(): Promise<StoredPolicy[]> {
    const out: StoredPolicy[] = [];
    for await (const item of this.queryItems(POLICY_PREFIX)) {
      const itemId = str(item.itemId) ?? '';
      out.push({
        policyId: itemId.slice(POLICY_PREFIX.length),
        policy: stripTableAttributes(item),
        updatedAt: str(item.updatedAt),
        version: typeof item.version === 'number' ? item.version : undefined,
      });
    }
    return out;
  }

  async putExemption(exemption: Exemption, now: number): Promise<void> {
    const item = {
      ...exemption,
      accountId: this.accountId,
      itemId: exemptionItemId(exemption.exemptionId),
      kind: 'exemption',
      updatedAt: new Date(now).toISOString(),
    };
    try {
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
    } catch (err) {
      throw toStoreError(err, 'PutItem', this.tableName);
    }
  }

  deleteExemption(exemptionId: string): Promise<boolean> {
    return this.deleteItem(exemptionItemId(exemptionId));
  }

  /** A conditional delete: the condition failing means "there was nothing to delete". */
  private async deleteItem(itemId: string): Promise<boolean> {
    const written = await sendConditional(
      () =>
        this.doc.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { accountId: this.accountId, itemId },
            ConditionExpression: 'attribute_exists(itemId)',
          }),
        ),
      'DeleteItem',
      this.tableName,
    );
    return written !== undefined;
  }

  private queryItems(prefix?: string, keysAndVersionOnly = false): AsyncGenerator<Item, void, undefined> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: prefix ? 'accountId = :a AND begins_with(itemId, :p)' : 'accountId = :a',
      ExpressionAttributeValues: prefix ? { ':a': this.accountId, ':p': prefix } : { ':a': this.accountId },
      ...(keysAndVersionOnly
        ? { ProjectionExpression: 'itemId, #version', ExpressionAttributeNames: { '#version': 'version' } }
        : {}),
      ConsistentRead: true,
    });
  }
}

function kindFromItemId(itemId: string): string | undefined {
  if (itemId.startsWith(POLICY_PREFIX)) return 'policy';
  if (itemId.startsWith(EXEMPTION_PREFIX)) return 'exemption';
  return undefined;
}

function keyMismatch(itemId: string, prefix: string, id: unknown, field: string): string | undefined {
  if (typeof id !== 'string') return undefined; // the validator reports a missing or mistyped id by name
  const expected = `${prefix}${id}`;
  return itemId === expected ? undefined : `itemId ${itemId} does not match ${field} ${JSON.stringify(id)} (expected ${expected})`;
}

/**
 * The documented JSON of an item: the table's own attributes removed, and DynamoDB sets (an admin
 * may pick "String set" in the console) turned into sorted arrays, which is what the JSON format uses.
 */
export function stripTableAttributes(item: Item): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if ((POLICY_TABLE_ATTRIBUTES as readonly string[]).includes(k)) continue;
    out[k] = setsToArrays(v);
  }
  return out;
}

function setsToArrays(v: unknown): unknown {
  if (v instanceof Set) return [...(v as Set<string | number>)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (Array.isArray(v)) return v.map(setsToArrays);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, setsToArrays(x)]));
  }
  return v;
}

/** The per-action reason codes of a TransactionCanceledException (`None` for the actions that were fine). */
function cancellationCodes(err: unknown): string[] {
  if (errorName(err) !== 'TransactionCanceledException') return [];
  const reasons = (err as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.map((r) => r.Code ?? 'None');
}

/** Indexes of the transaction's actions whose condition failed. */
function conditionFailures(err: unknown): number[] {
  return cancellationCodes(err).flatMap((code, i) => (code === 'ConditionalCheckFailed' ? [i] : []));
}

/** A transaction cancelled by contention or throttling succeeds when tried again later. */
function cancelledByContention(err: unknown): boolean {
  return cancellationCodes(err).some((code) =>
    ['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded'].includes(code),
  );
}
