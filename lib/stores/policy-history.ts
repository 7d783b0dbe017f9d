/**
 * The policy history in the `Policies` table: one item per change of one policy, in a partition
 * of its own per account, which no account id can name (account ids have no `#`), so that the
 * account's partition (what `loadItems` and `listPolicies` read) holds policies and exemptions only:
 * ```
 * { "accountId": "#policy-history#default", "itemId": "public-30d#v0000000003",
 *   "kind": "policy-history", "account": "default", "policyId": "public-30d", "change": "update",
 *   "atMs": 1796300000000, "at": "2026-12-01T10:00:00.000Z",
 *   "actor": { "id": "arn:aws:iam::123456789012:user/ana", "source": "sts" },
 *   "versionBefore": 2, "versionAfter": 3, "before": {...}, "after": {...},
 *   "diff": [{ "field": "rule", "old": {...}, "new": {...} }] }
 * ```
 * The sort key is `<policyId>#v<version after, 10 digits>` for a create or an update and
 * `<policyId>#v<version before>#deleted#<ISO time>` for a delete, so that a query of one
 * policy's keys backwards reads its changes newest first (a delete sorts after the write of the
 * version it deleted, and before the next create). Policy ids have no `#`: `<policyId>#` is one
 * policy's prefix and no other's.
 */
import type { PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { diffPolicyDocuments, type PolicyFieldChange } from '../domain/policy-diff';
import type { PolicyActor, PolicyHistoryEntry } from '../app/store-ports';
import { compact, num, str, type Item } from './dynamo';

export const HISTORY_KIND = 'policy-history';

/** The history partition of one account. */
export const historyPartition = (accountId: string): string => `#policy-history#${accountId}`;

/** The prefix of one policy's history keys. */
export const historyPrefix = (policyId: string): string => `${policyId}#v`;

const pad = (version: number): string => String(version).padStart(10, '0');

/** The actor written when the caller named none. */
export const UNKNOWN_ACTOR: PolicyActor = { id: 'unknown', source: 'unknown', note: 'the caller did not say who made the change' };

export interface HistoryChange {
  accountId: string;
  policyId: string;
  now: number;
  actor: PolicyActor | undefined;
  versionBefore: number | undefined;
  versionAfter: number | undefined;
  before: Record<string, unknown> | undefined;
  after: Record<string, unknown> | undefined;
}

/** The history item of one change (a delete when `after` is absent). */
export function historyItem(change: HistoryChange): Item {
  const at = new Date(change.now).toISOString();
  const kind: PolicyHistoryEntry['change'] = change.after === undefined ? 'delete' : change.before === undefined ? 'create' : 'update';
  const sortKey =
    kind === 'delete'
      ? `${historyPrefix(change.policyId)}${pad(change.versionBefore ?? 0)}#deleted#${at}`
      : `${historyPrefix(change.policyId)}${pad(change.versionAfter ?? 0)}`;
  return compact({
    accountId: historyPartition(change.accountId),
    itemId: sortKey,
    kind: HISTORY_KIND,
    account: change.accountId,
    policyId: change.policyId,
    change: kind,
    atMs: change.now,
    at,
    actor: compact({ ...(change.actor ?? UNKNOWN_ACTOR) }),
    versionBefore: change.versionBefore,
    versionAfter: change.versionAfter,
    before: change.before,
    after: change.after,
    diff: diffPolicyDocuments(change.before, change.after),
  });
}

/** A put of the history item that never replaces an earlier entry. */
export function historyPut(tableName: string, item: Item): { Put: PutCommandInput } {
  return { Put: { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(itemId)' } };
}

const CHANGES: readonly PolicyHistoryEntry['change'][] = ['create', 'update', 'delete'];
const SOURCES: readonly PolicyActor['source'][] = ['sts', 'os-user', 'unknown'];

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** A stored history item as an entry (an item edited by hand reads as best it can, never throws). */
export function toHistoryEntry(item: Item): PolicyHistoryEntry {
  const actor = record(item.actor) ?? {};
  const diff: PolicyFieldChange[] = [];
  for (const raw of Array.isArray(item.diff) ? (item.diff as unknown[]) : []) {
    const d = record(raw);
    if (d !== undefined && typeof d.field === 'string') diff.push(compact({ field: d.field, old: d.old, new: d.new }));
  }
  return compact<PolicyHistoryEntry>({
    policyId: str(item.policyId) ?? '',
    change: CHANGES.find((c) => c === item.change) ?? 'update',
    atMs: num(item.atMs) ?? 0,
    at: str(item.at) ?? '',
    actor: compact({ id: str(actor.id) ?? 'unknown', source: SOURCES.find((s) => s === actor.source) ?? 'unknown', note: str(actor.note) }),
    versionBefore: num(item.versionBefore),
    versionAfter: num(item.versionAfter),
    before: record(item.before),
    after: record(item.after),
    diff,
  });
}

/** The version a change of a stored policy starts from when it has none: the history's last version. */
export function lastHistoryVersion(entry: PolicyHistoryEntry | undefined): number {
  if (entry === undefined) return 0;
  return Math.max(entry.versionAfter ?? 0, entry.versionBefore ?? 0);
}
