/**
 * Exemptions: shares a policy must never cancel.
 *
 * - Per policy (`exempt`): share ids and path prefixes that this policy never cancels (other
 *   policies still may).
 * - Global (`Exemption` items): apply to every policy, until `expiresAt` (an exemption with
 *   `expiresAt <= now` no longer applies; one whose date cannot be read is kept, the safe side).
 *
 * A path exemption holds when ANY path of the share lies under one of its prefixes (the opposite
 * of scope, and for the same reason: when in doubt, protect). When the share's paths are unknown
 * and a path exemption exists, whether it applies cannot be decided: the share is `unevaluable`
 * for the policy rather than cancelled.
 */
import { TRI, type PreparedInventory, type Tri } from './inventory';
import { compilePathPrefixes } from './matchers';
import type { Exemption, PolicyExempt } from './policy-types';

const { NO, YES, UNKNOWN } = TRI;

/** Global exemptions in force at `now`, in exemption-id order. */
export function activeExemptions(exemptions: readonly Exemption[], now: number): Exemption[] {
  return exemptions
    .filter((e) => {
      if (e.expiresAt === undefined) return true;
      const at = Date.parse(e.expiresAt);
      return Number.isNaN(at) || at > now;
    })
    .sort((a, b) => (a.exemptionId < b.exemptionId ? -1 : a.exemptionId > b.exemptionId ? 1 : 0));
}

/** The global exemptions resolved once per share. */
export interface GlobalExemptions {
  /** YES / NO / UNKNOWN per share. */
  readonly state: Uint8Array;
  /** For YES: which exemption (index into `active`). */
  readonly which: Int32Array;
  readonly active: readonly Exemption[];
  readonly any: boolean;
  readonly hasPathRules: boolean;
}

/** Resolves the active global exemptions for every share of the inventory. */
export function resolveGlobalExemptions(active: readonly Exemption[], inventory: PreparedInventory): GlobalExemptions {
  const n = inventory.size;
  const state = new Uint8Array(n);
  const which = new Int32Array(n).fill(-1);
  const any = active.length > 0;
  const hasPathRules = active.some((e) => (e.pathPrefixes?.length ?? 0) > 0);
  if (!any) return { state, which, active, any, hasPathRules };
  const byId = new Map<string, number>();
  active.forEach((e, k) => e.shareIds?.forEach((id) => (byId.has(id) ? undefined : byId.set(id, k))));
  const prefixTests = active.map((e) => (e.pathPrefixes?.length ? compilePathPrefixes(e.pathPrefixes) : undefined));
  const { ids, paths, pathsKnown } = inventory;
  for (let i = 0; i < n; i += 1) {
    const hit = byId.get(ids[i]!);
    if (hit !== undefined) {
      state[i] = YES;
      which[i] = hit;
      continue;
    }
    if (!hasPathRules) continue;
    if (pathsKnown[i] !== 1) {
      state[i] = UNKNOWN;
      continue;
    }
    const list = paths[i]!;
    for (let k = 0; k < active.length && state[i] !== YES; k += 1) {
      const t = prefixTests[k];
      if (t && list.some(t)) {
        state[i] = YES;
        which[i] = k;
      }
    }
  }
  return { state, which, active, any, hasPathRules };
}

export interface CompiledExemption {
  test(index: number): Tri;
  /** Why the share is exempt (after YES) or why that cannot be decided (after UNKNOWN). */
  explain(index: number): string;
}

/** Combines a policy's own exemptions with the global ones. */
export function compileExemption(
  exempt: PolicyExempt | undefined,
  global: GlobalExemptions,
  inventory: PreparedInventory,
): CompiledExemption {
  const ids = exempt?.shareIds?.length ? new Set(exempt.shareIds) : undefined;
  const prefixes = exempt?.pathPrefixes?.length ? compilePathPrefixes(exempt.pathPrefixes) : undefined;
  const { paths, pathsKnown } = inventory;
  const gState = global.state;
  const none = !ids && !prefixes && !global.any;

  const test = (i: number): Tri => {
    if (none) return NO;
    const g = gState[i]!;
    if (g === YES) return YES;
    if (ids && ids.has(inventory.ids[i]!)) return YES;
    if (prefixes) {
      if (pathsKnown[i] !== 1) return UNKNOWN;
      if (paths[i]!.some(prefixes)) return YES;
    }
    return g === UNKNOWN ? UNKNOWN : NO;
  };

  const explain = (i: number): string => {
    const g = gState[i]!;
    if (g === YES) {
      const e = global.active[global.which[i]!]!;
      return `exempt by exemption "${e.exemptionId}" (${e.reason})`;
    }
    if (ids && ids.has(inventory.ids[i]!)) return 'exempt by the policy (share id)';
    if (prefixes && pathsKnown[i] === 1) {
      const path = paths[i]!.find(prefixes);
      if (path !== undefined) return `exempt by the policy (path "${path}")`;
    }
    return 'its paths are unknown, so whether a path exemption applies cannot be decided';
  };

  return { test, explain };
}
