/**
 * Policy scope: which shares a policy looks at. Every condition given must hold.
 *
 * - `pathPrefixes`: every path of the share lies under one of the prefixes (folder-aware, see
 *   `PathPrefixSet`). "Every", not "any": a policy about `/Public/` must not cancel a share
 *   that also shares files outside `/Public/`. A share whose paths are unknown cannot be placed:
 *   its scope is undecided (`unevaluable` if the rule would flag it), never assumed.
 * - `visibility`: `public` or `private` must equal the share's visibility; `any` (or absent) holds
 *   for every share. When TeraBox did not say, the scope is undecided.
 * - `requesters`: the requester recorded when the product created the share through the queue is
 *   one of these. A share with no recorded requester was not asked for by anyone listed: it is
 *   out of scope (a definite no, which can never cause a cancellation).
 *
 * A definite "out" on any condition wins over an undecided one.
 */
import type { InventoryShare, Tri } from './inventory';
import { PathPrefixSet } from './matchers';
import type { PolicyScope } from './policy-types';

export interface CompiledScope {
  test(share: InventoryShare): Tri;
  /** Why the scope of an undecided share cannot be decided. */
  explainUnknown(share: InventoryShare): string;
}

export function compileScope(scope: PolicyScope | undefined): CompiledScope {
  const wanted = scope?.visibility === 'public' || scope?.visibility === 'private' ? scope.visibility : undefined;
  const requesters = scope?.requesters ? new Set(scope.requesters) : undefined;
  const prefixes = scope?.pathPrefixes ? new PathPrefixSet(scope.pathPrefixes) : undefined;
  const visibilityDoubt = `its visibility is unknown and the policy applies to ${scope?.visibility ?? ''} shares only`;
  const pathsDoubt = `its paths are unknown and the policy applies under ${scope?.pathPrefixes?.join(', ') ?? ''} only`;
  return {
    test({ requester, visibility, paths }) {
      if (requesters && (requester === undefined || !requesters.has(requester))) return 'no';
      let unknown = false;
      if (wanted) {
        if (visibility === undefined) unknown = true;
        else if (visibility !== wanted) return 'no';
      }
      if (prefixes) {
        if (paths === undefined) unknown = true;
        else if (!prefixes.coversAll(paths)) return 'no';
      }
      return unknown ? 'unknown' : 'yes';
    },
    explainUnknown({ visibility, paths }) {
      const vis = wanted !== undefined && visibility === undefined;
      const pth = prefixes !== undefined && paths === undefined;
      return vis && pth ? `${visibilityDoubt}; ${pathsDoubt}` : vis ? visibilityDoubt : pth ? pathsDoubt : '';
    },
  };
}
