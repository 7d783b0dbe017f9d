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
import { TRI, VISIBILITY, type PreparedInventory, type Tri } from './inventory';
import { PathPrefixSet } from './matchers';
import type { PolicyScope } from './policy-types';

const { NO, YES, UNKNOWN } = TRI;
const { UNKNOWN: VISIBILITY_UNKNOWN, PUBLIC: VISIBILITY_PUBLIC, PRIVATE: VISIBILITY_PRIVATE } = VISIBILITY;

export interface CompiledScope {
  /** True when the policy has no condition at all (every share is in scope). */
  readonly everything: boolean;
  test(index: number): Tri;
  /**
   * `test` of shares `from` to `to - 1` at once, into `out[i - from]`; NO where `skip[i] !== 0`
   * (shares left out of every policy). Returns how many of them are certainly in scope.
   */
  testRange(from: number, to: number, out: Uint8Array, skip: Uint32Array): number;
  /** Why the scope of an undecided share cannot be decided. */
  explainUnknown(index: number): string;
}

/**
 * A compiled scope. A class rather than a closure: the engine calls `test` for every share and
 * policy from one call site, and V8 inlines a method of one class there, not twenty closures.
 */
class Scope implements CompiledScope {
  readonly everything: boolean;
  private readonly paths: PreparedInventory['paths'];
  private readonly pathsKnown: Uint8Array;
  private readonly shareVisibility: Uint8Array;
  private readonly requesterCode: Int32Array;
  /** VISIBILITY_PUBLIC / _PRIVATE, or 0 for any. */
  private readonly wanted: number;
  /** Per requester code of the inventory: 1 when the scope lists it; null when the scope names no requesters. */
  private readonly requesterAllowed: Uint8Array | null;
  private readonly underPrefix: PathPrefixSet | null;
  // The three possible explanations, built once: the engine reuses (and memoizes on) them.
  private readonly visibilityDoubt: string;
  private readonly pathsDoubt: string;
  private readonly bothDoubts: string;

  constructor(scope: PolicyScope | undefined, inventory: PreparedInventory) {
    this.paths = inventory.paths;
    this.pathsKnown = inventory.pathsKnown;
    this.shareVisibility = inventory.visibility;
    this.requesterCode = inventory.requesterCode;
    this.wanted = scope?.visibility === 'public' ? VISIBILITY_PUBLIC : scope?.visibility === 'private' ? VISIBILITY_PRIVATE : 0;
    let allowed: Uint8Array | null = null;
    if (scope?.requesters) {
      const listed = new Set(scope.requesters);
      allowed = Uint8Array.from(inventory.requesters, (r) => (listed.has(r) ? 1 : 0));
    }
    this.requesterAllowed = allowed;
    this.underPrefix = scope?.pathPrefixes ? new PathPrefixSet(scope.pathPrefixes, inventory.literals) : null;
    this.everything = this.wanted === 0 && allowed === null && this.underPrefix === null;
    this.visibilityDoubt = `its visibility is unknown and the policy applies to ${scope?.visibility ?? ''} shares only`;
    this.pathsDoubt = `its paths are unknown and the policy applies under ${scope?.pathPrefixes?.join(', ') ?? ''} only`;
    this.bothDoubts = `${this.visibilityDoubt}; ${this.pathsDoubt}`;
  }

  test(i: number): Tri {
    if (this.everything) return YES;
    const allowed = this.requesterAllowed;
    if (allowed !== null) {
      const code = this.requesterCode[i]!;
      if (code < 0 || allowed[code] !== 1) return NO;
    }
    let unknown = false;
    if (this.wanted !== 0) {
      const v = this.shareVisibility[i]!;
      if (v === VISIBILITY_UNKNOWN) unknown = true;
      else if (v !== this.wanted) return NO;
    }
    const prefixes = this.underPrefix;
    if (prefixes !== null) {
      if (this.pathsKnown[i] !== 1) unknown = true;
      else if (!prefixes.coversAllOf(i, this.paths[i]!)) return NO;
    }
    return unknown ? UNKNOWN : YES;
  }

  testRange(from: number, to: number, out: Uint8Array, skip: Uint32Array): number {
    // `test` over a block in a loop of its own, with the scope's fields read once (the engine asks
    // for a block of shares one policy at a time: a tight loop instead of a call per share).
    // The same answers as `test`: a definite "out" on any condition wins over an undecided one.
    let count = 0;
    if (this.everything) {
      for (let i = from; i < to; i += 1) {
        const t = skip[i] !== 0 ? NO : YES;
        out[i - from] = t;
        count += t;
      }
      return count;
    }
    const { requesterAllowed: allowed, requesterCode, wanted, shareVisibility, underPrefix: prefixes, pathsKnown, paths } = this;
    for (let i = from; i < to; i += 1) {
      let t: Tri = skip[i] !== 0 ? NO : YES;
      if (t === YES && allowed !== null) {
        const code = requesterCode[i]!;
        if (code < 0 || allowed[code] !== 1) t = NO;
      }
      if (t !== NO && wanted !== 0) {
        const v = shareVisibility[i]!;
        if (v === VISIBILITY_UNKNOWN) t = UNKNOWN;
        else if (v !== wanted) t = NO;
      }
      if (t !== NO && prefixes !== null && pathsKnown[i] !== 1) t = UNKNOWN;
      out[i - from] = t;
    }
    // The folders last, over the block at once (the shares with known paths not yet out).
    if (prefixes !== null) prefixes.narrowToCovered(from, to, out, pathsKnown, paths);
    for (let i = from; i < to; i += 1) if (out[i - from] === YES) count += 1;
    return count;
  }

  explainUnknown(i: number): string {
    const vis = this.wanted !== 0 && this.shareVisibility[i] === VISIBILITY_UNKNOWN;
    const pth = this.underPrefix !== null && this.pathsKnown[i] !== 1;
    return vis && pth ? this.bothDoubts : vis ? this.visibilityDoubt : pth ? this.pathsDoubt : '';
  }
}

/** Compiles a policy scope against the inventory of one run. */
export function compileScope(scope: PolicyScope | undefined, inventory: PreparedInventory): CompiledScope {
  return new Scope(scope, inventory);
}
