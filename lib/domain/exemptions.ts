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
import { TRI, shareIdRange, type PreparedInventory, type Tri } from './inventory';
import { PathPrefixSet } from './matchers';
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

/**
 * The active global exemptions for every share of the inventory, in two steps: this call places
 * the shares listed by id, and registers the path prefixes with the run's literal index;
 * `resolve(from, to)` decides the path exemptions of shares `from` to `to - 1`. Every share must
 * be resolved before `state` or `which` is read for it (the engine resolves a block of shares at a
 * time, just before its policies look at them).
 */
export function resolveGlobalExemptions(
  active: readonly Exemption[],
  inventory: PreparedInventory,
): { global: GlobalExemptions; resolve: (from: number, to: number) => void } {
  const n = inventory.size;
  const state = new Uint8Array(n);
  const which = new Int32Array(n).fill(-1);
  const any = active.length > 0;
  const hasPathRules = active.some((e) => (e.pathPrefixes?.length ?? 0) > 0);
  const global: GlobalExemptions = { state, which, active, any, hasPathRules };
  // Listed share ids first, found by binary search in the sorted ids; the first exemption that
  // lists a share is the one reported.
  const { ids, paths, pathsKnown } = inventory;
  active.forEach((e, k) => {
    for (const id of e.shareIds ?? []) {
      const [start, end] = shareIdRange(ids, id);
      for (let i = start; i < end; i += 1) {
        if (state[i] === YES) continue;
        state[i] = YES;
        which[i] = k;
      }
    }
  });
  const prefixSets = active.map((e) => (e.pathPrefixes?.length ? new PathPrefixSet(e.pathPrefixes, inventory.literals) : undefined));
  const resolve = (from: number, to: number): void => {
    if (!hasPathRules) return;
    for (let i = from; i < to; i += 1) {
      if (state[i] === YES) continue;
      if (pathsKnown[i] !== 1) {
        state[i] = UNKNOWN;
        continue;
      }
      for (let k = 0; k < active.length && state[i] !== YES; k += 1) {
        const set = prefixSets[k];
        if (set && set.coversAnyOf(i, paths[i]!)) {
          state[i] = YES;
          which[i] = k;
        }
      }
    }
  };
  return { global, resolve };
}

export interface CompiledExemption {
  test(index: number): Tri;
  /** Why the share is exempt (after YES) or why that cannot be decided (after UNKNOWN). */
  explain(index: number): string;
}

const BY_SHARE_ID = 'exempt by the policy (share id)';
const PATHS_UNKNOWN = 'its paths are unknown, so whether a path exemption applies cannot be decided';

/** A policy's exemptions with the global ones; a class for the same reason as `Scope` (scope.ts). */
class Exemptions implements CompiledExemption {
  /** Per share: 1 when the policy lists its id; null when the policy lists no ids. */
  private readonly listed: Uint8Array | null;
  private readonly prefixes: PathPrefixSet | null;
  private readonly none: boolean;
  private readonly gState: Uint8Array;
  /** The explanation of each global exemption, built when first needed (the same string every time). */
  private readonly globalTexts: (string | undefined)[] = [];

  constructor(
    exempt: PolicyExempt | undefined,
    private readonly global: GlobalExemptions,
    private readonly inventory: PreparedInventory,
  ) {
    let listed: Uint8Array | null = null;
    if (exempt?.shareIds?.length) {
      listed = new Uint8Array(inventory.size);
      for (const id of exempt.shareIds) {
        const [start, end] = shareIdRange(inventory.ids, id);
        listed.fill(1, start, end);
      }
    }
    this.listed = listed;
    this.prefixes = exempt?.pathPrefixes?.length ? new PathPrefixSet(exempt.pathPrefixes, inventory.literals) : null;
    this.none = listed === null && this.prefixes === null && !global.any;
    this.gState = global.state;
  }

  test(i: number): Tri {
    if (this.none) return NO;
    const g = this.gState[i]!;
    if (g === YES) return YES;
    if (this.listed !== null && this.listed[i] === 1) return YES;
    if (this.prefixes !== null) {
      if (this.inventory.pathsKnown[i] !== 1) return UNKNOWN;
      if (this.prefixes.coversAnyOf(i, this.inventory.paths[i]!)) return YES;
    }
    return g === UNKNOWN ? UNKNOWN : NO;
  }

  explain(i: number): string {
    const g = this.gState[i]!;
    if (g === YES) {
      const k = this.global.which[i]!;
      let text = this.globalTexts[k];
      if (text === undefined) {
        const e = this.global.active[k]!;
        text = this.globalTexts[k] = `exempt by exemption "${e.exemptionId}" (${e.reason})`;
      }
      return text;
    }
    if (this.listed !== null && this.listed[i] === 1) return BY_SHARE_ID;
    const prefixes = this.prefixes;
    if (prefixes !== null && this.inventory.pathsKnown[i] === 1) {
      for (const path of this.inventory.paths[i]!) if (prefixes.covers(path)) return `exempt by the policy (path "${path}")`;
    }
    return PATHS_UNKNOWN;
  }
}

/** Combines a policy's own exemptions with the global ones. */
export function compileExemption(
  exempt: PolicyExempt | undefined,
  global: GlobalExemptions,
  inventory: PreparedInventory,
): CompiledExemption {
  return new Exemptions(exempt, global, inventory);
}
