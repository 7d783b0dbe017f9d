/**
 * Policy scope: which shares a policy looks at. Every condition given must hold.
 *
 * - `pathPrefixes`: every path of the share lies under one of the prefixes (folder-aware, see
 *   `compilePathPrefixes`). "Every", not "any": a policy about `/Public/` must not cancel a share
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
import { TRI, VISIBILITY, type PreparedInventory, type Tri } from './inventory';
import { compilePathPrefixes } from './matchers';
import type { PolicyScope } from './policy-types';

const { NO, YES, UNKNOWN } = TRI;
const { UNKNOWN: VISIBILITY_UNKNOWN, PUBLIC: VISIBILITY_PUBLIC, PRIVATE: VISIBILITY_PRIVATE } = VISIBILITY;

export interface CompiledScope {
  /** True when the policy has no condition at all (every share is in scope). */
  readonly everything: boolean;
  test(index: number): Tri;
  /** Why the scope of an undecided share cannot be decided. */
  explainUnknown(index: number): string;
}

/** Compiles a policy scope against the inventory of one run. */
export function compileScope(scope: PolicyScope | undefined, inventory: PreparedInventory): CompiledScope {
  const { paths, pathsKnown, visibility: shareVisibility, requesterCode } = inventory;
  const wanted = scope?.visibility === 'public' ? VISIBILITY_PUBLIC : scope?.visibility === 'private' ? VISIBILITY_PRIVATE : 0;
  // Requesters as a lookup table over the inventory's requester codes.
  let requesterAllowed: Uint8Array | undefined;
  if (scope?.requesters) {
    const listed = new Set(scope.requesters);
    requesterAllowed = Uint8Array.from(inventory.requesters, (r) => (listed.has(r) ? 1 : 0));
  }
  const underPrefix = scope?.pathPrefixes ? compilePathPrefixes(scope.pathPrefixes) : undefined;
  const everything = wanted === 0 && !requesterAllowed && !underPrefix;

  const test = (i: number): Tri => {
    if (requesterAllowed) {
      const code = requesterCode[i]!;
      if (code < 0 || requesterAllowed[code] !== 1) return NO;
    }
    let unknown = false;
    if (wanted !== 0) {
      const v = shareVisibility[i]!;
      if (v === VISIBILITY_UNKNOWN) unknown = true;
      else if (v !== wanted) return NO;
    }
    if (underPrefix) {
      if (pathsKnown[i] !== 1) {
        unknown = true;
      } else {
        const list = paths[i]!;
        for (let k = 0; k < list.length; k += 1) if (!underPrefix(list[k]!)) return NO;
      }
    }
    return unknown ? UNKNOWN : YES;
  };

  // The three possible explanations, built once: the engine reuses (and memoizes on) them.
  const visibilityDoubt = `its visibility is unknown and the policy applies to ${scope?.visibility ?? ''} shares only`;
  const pathsDoubt = `its paths are unknown and the policy applies under ${scope?.pathPrefixes?.join(', ') ?? ''} only`;
  const bothDoubts = `${visibilityDoubt}; ${pathsDoubt}`;
  const explainUnknown = (i: number): string => {
    const vis = wanted !== 0 && shareVisibility[i] === VISIBILITY_UNKNOWN;
    const pth = underPrefix !== undefined && pathsKnown[i] !== 1;
    return vis && pth ? bothDoubts : vis ? visibilityDoubt : pth ? pathsDoubt : '';
  };

  return { everything, test: everything ? () => YES : test, explainUnknown };
}
