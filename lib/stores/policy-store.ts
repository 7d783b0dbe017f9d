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
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type PutCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Exemption, Policy } from '../domain/policy-types';
import type {
  PolicyChangeOptions,
  PolicyHistoryEntry,
  PolicyItems,
  PolicyStore,
  PutPoliciesResult,
  StoredPolicy,
} from '../app/store-ports';
import { historyItem, historyPartition, historyPrefix, historyPut, lastHistoryVersion, toHistoryEntry } from './policy-history';
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
/** Policies one `putPolicies` call can write: each takes two actions (the policy and its history entry). */
export const MAX_POLICIES_PER_APPLY = TRANSACTION_LIMIT / 2;

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
    const result: PolicyItems = { policies: [], exemptions: [], unrecognized: [], versions: {} };
    for await (const item of this.queryItems()) {
      const itemId = str(item.itemId) ?? '';
      const kind = str(item.kind) ?? kindFromItemId(itemId);
      const body = stripTableAttributes(item);
      if (kind === 'policy') {
        const mismatch = keyMismatch(itemId, POLICY_PREFIX, body.policyId, 'policyId');
        if (mismatch) result.unrecognized.push({ itemId, reason: mismatch });
        else result.policies.push(body);
        if (!mismatch && typeof body.policyId === 'string' && typeof item.version === 'number') (result.versions ??= {})[body.policyId] = item.version;
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
   * All-or-nothing in one TransactWriteItems call: every policy is written with its history entry
   * (policy-history.ts), or none. Each put is conditional on the version read just before, so
   * two admins applying at once cannot silently overwrite each other (the loser gets
   * `PolicyConflictError` and nothing of theirs is written, history included). A transaction holds
   * at most 100 actions, two per policy: a set of more than 50 is refused whole rather than split,
   * because a split would give up the all-or-nothing promise. Versions never go back: a policy
   * created again after a delete continues from the last version its history shows.
   */
  async putPolicies(policies: readonly Policy[], now: number, options: PolicyChangeOptions = {}): Promise<PutPoliciesResult> {
    if (policies.length === 0) return { created: [], updated: [] };
    if (policies.length > MAX_POLICIES_PER_APPLY) throw new PolicyBatchTooLargeError(policies.length, MAX_POLICIES_PER_APPLY);
    const seen = new Set<string>();
    for (const p of policies) {
      if (seen.has(p.policyId)) throw new StoreError(`policy ${p.policyId} appears twice; nothing was written`);
      seen.add(p.policyId);
    }
    const current = new Map<string, StoredItem>();
    for await (const item of this.queryItems(POLICY_PREFIX)) current.set(str(item.itemId) ?? '', storedItem(item));
    const created: string[] = [];
    const updated: string[] = [];
    const puts: Array<{ Put: PutCommandInput }> = [];
    const histories: Item[] = [];
    for (const policy of policies) {
      const previous = current.get(policyItemId(policy.policyId));
      (previous === undefined ? created : updated).push(policy.policyId);
      const base = typeof previous?.version === 'number' ? previous.version : await this.lastVersion(policy.policyId);
      puts.push(this.policyPut(policy, previous, base + 1, now));
      histories.push(this.history(policy.policyId, now, options, previous, { version: base + 1, body: jsonOf(policy) }));
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: [...puts, ...histories.map((h) => historyPut(this.tableName, h))] }));
    } catch (err) {
      if (errorName(err) !== 'UnknownOperationException') throw this.transactionError(err, policies.map((p) => p.policyId), 'applying', 'written');
      // dynalite (the embedded `npm start` run) has no transactions; DynamoDB and DynamoDB Local
      // never answer this. Write one by one, each still conditional and followed by its history:
      // the set was validated before, so only a concurrent edit can stop it halfway, and that is reported.
      await this.putOneByOne(puts, histories, policies);
    }
    return { created, updated };
  }

  /** The conditional put of one policy over the item read before (none, one without a version, one with). */
  private policyPut(policy: Policy, previous: StoredItem | undefined, version: number, now: number): { Put: PutCommandInput } {
    const itemId = policyItemId(policy.policyId);
    return {
      Put: {
        TableName: this.tableName,
        // Keys and bookkeeping last: nothing in the policy can overwrite them.
        Item: { ...policy, accountId: this.accountId, itemId, kind: 'policy', updatedAt: new Date(now).toISOString(), version },
        ...versionCondition(previous),
      },
    };
  }

  private history(
    policyId: string,
    now: number,
    options: PolicyChangeOptions,
    previous: StoredItem | undefined,
    next: { version: number; body: Record<string, unknown> } | undefined,
  ): Item {
    return historyItem({
      accountId: this.accountId,
      policyId,
      now,
      actor: options.actor,
      versionBefore: typeof previous?.version === 'number' ? previous.version : undefined,
      versionAfter: next?.version,
      before: previous?.body,
      after: next?.body,
    });
  }

  /**
   * A cancelled transaction as the caller's error: a conflict naming the policies, or the store's
   * error. Action i of the transaction is policy i, or the history entry of policy i - n.
   */
  private transactionError(err: unknown, policyIds: readonly string[], doing: string, done: string): Error {
    const conflicted = [...new Set(conditionFailures(err).map((i) => policyIds[i % policyIds.length] ?? '?'))];
    if (conflicted.length > 0) {
      return new PolicyConflictError(`policies changed while ${doing} (${conflicted.join(', ')}); nothing was ${done}, ${doing === 'applying' ? 'apply' : 'delete'} again`, conflicted, err);
    }
    const translated = toStoreError(err, 'TransactWriteItems', this.tableName);
    if (!translated.retryable && cancelledByContention(err)) {
      return new StoreError(translated.message, { cause: err, retryable: true, code: translated.code });
    }
    return translated;
  }

  private async putOneByOne(puts: Array<{ Put: PutCommandInput }>, histories: readonly Item[], policies: readonly Policy[]): Promise<void> {
    for (const [i, action] of puts.entries()) {
      const policyId = policies[i]?.policyId ?? '?';
      try {
        await this.doc.send(new PutCommand(action.Put));
      } catch (err) {
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
      await this.putHistoryAlone(histories[i], policyId);
    }
  }

  /** A history entry written after its change (dynalite only): a failure says the change itself was made. */
  private async putHistoryAlone(item: Item | undefined, policyId: string): Promise<void> {
    if (item === undefined) return;
    try {
      await this.doc.send(new PutCommand(historyPut(this.tableName, item).Put));
    } catch (err) {
      const cause = toStoreError(err, 'PutItem', this.tableName);
      throw new StoreError(`policy ${policyId} was changed but its history entry was not written: ${cause.message}`, { cause: err, code: cause.code });
    }
  }

  /**
   * Deletes the policy as read a moment before, with its history entry, in one transaction; false
   * when there is no such policy. `PolicyConflictError` when it changed between the read and the delete.
   */
  async deletePolicy(policyId: string, now: number, options: PolicyChangeOptions = {}): Promise<boolean> {
    const key = { accountId: this.accountId, itemId: policyItemId(policyId) };
    let item: Item | undefined;
    try {
      item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
    } catch (err) {
      throw toStoreError(err, 'GetItem', this.tableName);
    }
    if (item === undefined) return false;
    const previous = storedItem(item);
    const remove = { TableName: this.tableName, Key: key, ...versionCondition(previous) };
    const history = this.history(policyId, now, options, previous, undefined);
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: [{ Delete: remove }, historyPut(this.tableName, history)] }));
    } catch (err) {
      if (errorName(err) !== 'UnknownOperationException') throw this.transactionError(err, [policyId], 'deleting', 'deleted');
      const deleted = await sendConditional(() => this.doc.send(new DeleteCommand(remove)), 'DeleteItem', this.tableName);
      if (deleted === undefined) throw new PolicyConflictError(`policy ${policyId} changed while deleting; nothing was deleted, delete again`, [policyId]);
      await this.putHistoryAlone(history, policyId);
    }
    return true;
  }

  /** The policy's changes, newest first. */
  async listHistory(policyId: string, options: { limit?: number } = {}): Promise<PolicyHistoryEntry[]> {
    const out: PolicyHistoryEntry[] = [];
    const limit = options.limit ?? Infinity;
    if (limit <= 0) return out;
    for await (const item of queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: 'accountId = :a AND begins_with(itemId, :p)',
      ExpressionAttributeValues: { ':a': historyPartition(this.accountId), ':p': historyPrefix(policyId) },
      ScanIndexForward: false,
      ConsistentRead: true,
      ...(Number.isFinite(limit) ? { Limit: Math.min(limit, 1000) } : {}),
    })) {
      out.push(toHistoryEntry(item));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The last version the policy's history shows (0 when it has none). */
  private async lastVersion(policyId: string): Promise<number> {
    const [last] = await this.listHistory(policyId, { limit: 1 });
    return lastHistoryVersion(last);
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

  private queryItems(prefix?: string): AsyncGenerator<Item, void, undefined> {
    return queryAll(this.doc, {
      TableName: this.tableName,
      KeyConditionExpression: prefix ? 'accountId = :a AND begins_with(itemId, :p)' : 'accountId = :a',
      ExpressionAttributeValues: prefix ? { ':a': this.accountId, ':p': prefix } : { ':a': this.accountId },
      ConsistentRead: true,
    });
  }
}

/** A stored policy as a change reads it: its version (null: a hand-made item without one) and its documented JSON. */
interface StoredItem {
  version: number | null;
  body: Record<string, unknown>;
}

function storedItem(item: Item): StoredItem {
  return { version: typeof item.version === 'number' ? item.version : null, body: stripTableAttributes(item) };
}

type Condition = Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

/** The condition that the item is still as read: absent, present without a version, or at that version. */
function versionCondition(previous: StoredItem | undefined): Condition {
  if (previous === undefined) return { ConditionExpression: 'attribute_not_exists(itemId)' };
  if (previous.version === null) {
    return { ConditionExpression: 'attribute_exists(itemId) AND attribute_not_exists(#version)', ExpressionAttributeNames: { '#version': 'version' } };
  }
  return {
    ConditionExpression: '#version = :previous',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':previous': previous.version },
  };
}

/** The policy as its JSON document (what a policy file holds: no undefined fields). */
function jsonOf(policy: Policy): Record<string, unknown> {
  return JSON.parse(JSON.stringify(policy)) as Record<string, unknown>;
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
