/**
 * What changed between two versions of a policy document: its top-level fields, each with the
 * old and the new value. Pure; the policy history (lib/stores/policy-history.ts) stores it and
 * `policies history` prints it.
 */

/** One top-level field that differs. `old` absent: the field was added; `new` absent: removed. */
export interface PolicyFieldChange {
  field: string;
  old?: unknown;
  new?: unknown;
}

/**
 * The top-level fields of `before` and `after` whose values differ, sorted by name. Values are
 * compared as JSON (key order inside an object does not count, array order does). A missing
 * document (a create, a delete) is an empty one: every field of the other is a change.
 */
export function diffPolicyDocuments(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>> | undefined,
): PolicyFieldChange[] {
  const a = before ?? {};
  const b = after ?? {};
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const changes: PolicyFieldChange[] = [];
  for (const field of fields) {
    const old = a[field];
    const now = b[field];
    if (old !== undefined && now !== undefined && canonicalJson(old) === canonicalJson(now)) continue;
    if (old === undefined && now === undefined) continue;
    const change: PolicyFieldChange = { field };
    if (old !== undefined) change.old = old;
    if (now !== undefined) change.new = now;
    changes.push(change);
  }
  return changes;
}

/** JSON with object keys sorted at every level, so that equal documents give equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
