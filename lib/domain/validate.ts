/**
 * Loading policies: raw items (from the policies table or a policy file) -> validated policies
 * and exemptions, plus a report of every invalid item. An invalid item is skipped and reported;
 * the valid ones still run. Nothing here throws for bad data except `parsePolicy` /
 * `parseExemption`, which are for callers that want an exception.
 */
import type * as z from 'zod';
import { PolicyValidationError } from './policy-errors';
import { exemptionSchema, formatIssues, policySchema } from './policy-schema';
import type { Exemption, Policy } from './policy-types';
import { isRecord } from '../shared/records';
import { compareText, stripByteOrderMark } from '../shared/text';

/** The storage keys of a policies-table item (see lib/stores/table-design.ts), not policy fields. */
export const POLICY_ITEM_STORAGE_FIELDS: readonly string[] = ['accountId', 'itemId', 'kind'];

export interface InvalidItem {
  /** The item's policyId / exemptionId when it has a string one. */
  id?: string;
  kind: 'policy' | 'exemption';
  /** Position in the input. */
  index: number;
  /** Complete lines naming the item and the field: `policy "x": rule.maxAgeDays: must be greater than 0`. */
  errors: string[];
}

export interface ValidatedItems {
  /** Valid policies, sorted by policyId. */
  policies: Policy[];
  /** Valid exemptions, sorted by exemptionId. */
  exemptions: Exemption[];
  /** Invalid items, in input order. */
  invalid: InvalidItem[];
}

type ItemKind = 'policy' | 'exemption';

function labelOf(kind: ItemKind, id: string | undefined, index: number | undefined): string {
  if (id !== undefined) return `${kind} ${JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}...` : id)}`;
  return index === undefined ? kind : `${kind} at index ${index}`;
}

interface ParsedItem {
  kind: ItemKind;
  id?: string;
  value?: Policy | Exemption;
  errors: string[];
}

function parseItem(item: unknown, index: number | undefined): ParsedItem {
  if (!isRecord(item)) {
    return { kind: 'policy', errors: [`${labelOf('policy', undefined, index)}: must be an object`] };
  }
  const rawKind = item.kind;
  const kind: ItemKind = rawKind === 'exemption' ? 'exemption' : 'policy';
  const idField = kind === 'policy' ? 'policyId' : 'exemptionId';
  const id = typeof item[idField] === 'string' ? (item[idField] as string) : undefined;
  const label = labelOf(kind, id, index);
  const errors: string[] = [];
  if (rawKind !== undefined && rawKind !== 'policy' && rawKind !== 'exemption') {
    errors.push(`${label}: kind: must be "policy" or "exemption"`);
  }
  // The table's sort key must agree with the id it stores: a mismatch means a hand-edited item.
  if (item.itemId !== undefined && id !== undefined && item.itemId !== `${kind}#${id}`) {
    errors.push(`${label}: itemId: must be "${kind}#${id}" for this item`);
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (!POLICY_ITEM_STORAGE_FIELDS.includes(key)) body[key] = value;
  }
  const schema: z.ZodType<Policy | Exemption> = kind === 'policy' ? policySchema : exemptionSchema;
  const result = schema.safeParse(body, { reportInput: true });
  if (!result.success) errors.push(...formatIssues(label, result.error.issues));
  const parsed: ParsedItem = id === undefined ? { kind, errors } : { kind, id, errors };
  if (result.success && errors.length === 0) parsed.value = result.data;
  return parsed;
}

function parseOne(item: unknown, kind: ItemKind): Policy | Exemption {
  const parsed = parseItem(item, undefined);
  if (parsed.kind !== kind) throw new PolicyValidationError(parsed.id, [`${labelOf(parsed.kind, parsed.id, undefined)}: kind: must be "${kind}" here`]);
  if (!parsed.value) throw new PolicyValidationError(parsed.id, parsed.errors);
  return parsed.value;
}

/** Validates one policy (storage keys allowed); throws {@link PolicyValidationError} listing every problem. */
export function parsePolicy(item: unknown): Policy {
  return parseOne(item, 'policy') as Policy;
}

/** Validates one global exemption (`kind: "exemption"` optional here); throws {@link PolicyValidationError}. */
export function parseExemption(item: unknown): Exemption {
  return parseOne(isRecord(item) && item.kind === undefined ? { ...item, kind: 'exemption' } : item, 'exemption') as Exemption;
}

/**
 * Validates raw policy-table items: items with `"kind": "exemption"` are global exemptions, the
 * others policies. Storage keys (`accountId`, `itemId`, `kind`) are allowed and dropped. Items
 * sharing an id are all rejected (which one was meant cannot be known).
 */
export function validatePolicyItems(items: readonly unknown[]): ValidatedItems {
  const parsed = items.map((item, index) => ({ index, ...parseItem(item, index) }));
  const seen = new Map<string, number>();
  for (const p of parsed) {
    if (p.value && p.id !== undefined) seen.set(`${p.kind}#${p.id}`, (seen.get(`${p.kind}#${p.id}`) ?? 0) + 1);
  }
  const policies: Policy[] = [];
  const exemptions: Exemption[] = [];
  const invalid: InvalidItem[] = [];
  for (const p of parsed) {
    const errors = [...p.errors];
    const copies = p.id !== undefined ? (seen.get(`${p.kind}#${p.id}`) ?? 0) : 0;
    if (p.value && copies > 1) {
      const field = p.kind === 'policy' ? 'policyId' : 'exemptionId';
      errors.push(`${labelOf(p.kind, p.id, p.index)}: ${field}: appears ${copies} times; every copy is skipped`);
    }
    if (errors.length > 0) {
      invalid.push({ ...(p.id !== undefined ? { id: p.id } : {}), kind: p.kind, index: p.index, errors });
    } else if (p.kind === 'policy') {
      policies.push(p.value as Policy);
    } else {
      exemptions.push(p.value as Exemption);
    }
  }
  policies.sort((a, b) => compareText(a.policyId, b.policyId));
  exemptions.sort((a, b) => compareText(a.exemptionId, b.exemptionId));
  return { policies, exemptions, invalid };
}

/**
 * Validates a policy file: a JSON array (already parsed, or its text) of policies and exemptions.
 * Throws {@link PolicyValidationError} only when the file as a whole is unusable (not JSON, not an
 * array); bad items are reported in `invalid`.
 */
export function parsePolicyFile(json: unknown): ValidatedItems {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(stripByteOrderMark(json)) as unknown;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new PolicyValidationError(undefined, [`policy file: not valid JSON (${detail})`], { cause: error });
    }
  }
  if (!Array.isArray(value)) {
    throw new PolicyValidationError(undefined, ['policy file: must be a JSON array of policies and exemptions']);
  }
  return validatePolicyItems(value);
}
