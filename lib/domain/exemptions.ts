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
import type { InventoryShare, Tri } from './inventory';
import { PathPrefixSet } from './matchers';
import type { Exemption, PolicyExempt } from './policy-types';
import { compareText } from '../shared/text';

/** Global exemptions in force at `now`, in exemption-id order. */
export function activeExemptions(exemptions: readonly Exemption[], now: number): Exemption[] {
  return exemptions
    .filter((e) => {
      if (e.expiresAt === undefined) return true;
      const at = Date.parse(e.expiresAt);
      return Number.isNaN(at) || at > now;
    })
    .sort((a, b) => compareText(a.exemptionId, b.exemptionId));
}

const NOT_EXEMPT = { state: 'no' } as const;
const UNDECIDED = { state: 'unknown' } as const;

/** Whether a global exemption holds for a share; for `yes`, the first that does. */
export type GlobalExemption = (share: InventoryShare) => { state: Tri; exemption?: Exemption };

/**
 * The active global exemptions as one test. Share ids come first: the first exemption (in id
 * order) that lists the share is the one reported, else the first whose path prefixes cover one
 * of its paths. A share whose paths are unknown cannot be placed when a path exemption exists.
 */
export function compileGlobalExemptions(active: readonly Exemption[]): GlobalExemption {
  const byId = new Map<string, Exemption>();
  for (const e of active) for (const id of e.shareIds ?? []) if (!byId.has(id)) byId.set(id, e);
  const byPath = active.flatMap((e) => (e.pathPrefixes?.length ? [{ e, set: new PathPrefixSet(e.pathPrefixes) }] : []));
  return ({ id, paths }) => {
    const listed = byId.get(id);
    if (listed) return { state: 'yes', exemption: listed };
    if (byPath.length === 0) return NOT_EXEMPT;
    if (paths === undefined) return UNDECIDED;
    for (const { e, set } of byPath) if (set.coversAny(paths)) return { state: 'yes', exemption: e };
    return NOT_EXEMPT;
  };
}

export interface CompiledExemption {
  test(share: InventoryShare): Tri;
  /** Why the share is exempt (after yes) or why that cannot be decided (after unknown). */
  explain(share: InventoryShare): string;
}

const BY_SHARE_ID = 'exempt by the policy (share id)';
const PATHS_UNKNOWN = 'its paths are unknown, so whether a path exemption applies cannot be decided';

/** Combines a policy's own exemptions with the global ones. */
export function compileExemption(exempt: PolicyExempt | undefined, global: GlobalExemption): CompiledExemption {
  const listed = exempt?.shareIds?.length ? new Set(exempt.shareIds) : undefined;
  const prefixes = exempt?.pathPrefixes?.length ? new PathPrefixSet(exempt.pathPrefixes) : undefined;
  return {
    test(share) {
      const g = global(share).state;
      if (g === 'yes' || listed?.has(share.id)) return 'yes';
      if (prefixes) {
        if (share.paths === undefined) return 'unknown';
        if (prefixes.coversAny(share.paths)) return 'yes';
      }
      return g;
    },
    explain(share) {
      const g = global(share);
      if (g.exemption) return `exempt by exemption "${g.exemption.exemptionId}" (${g.exemption.reason})`;
      if (listed?.has(share.id)) return BY_SHARE_ID;
      const covered = share.paths && prefixes ? share.paths.find((p) => prefixes.covers(p)) : undefined;
      return covered !== undefined ? `exempt by the policy (path "${covered}")` : PATHS_UNKNOWN;
    },
  };
}
