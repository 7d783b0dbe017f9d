/**
 * The contract every rule kind follows (the model is Cloud Custodian's filter registry): a kind
 * names itself, brings the zod schema of its `rule` object, and compiles a validated rule into a
 * pure evaluator over the prepared inventory. The engine handles scope, exemptions, modes, grace
 * periods and guardrails; a rule only answers "does this share break me?".
 */
import type * as z from 'zod';
import type { PreparedInventory, Tri } from '../inventory';
import type { PolicyRule } from '../policy-types';

/** A rule decided share by share (max-age, name). */
export interface ShareRule {
  readonly mode: 'per-share';
  /** YES: the share breaks the rule; NO: it does not; UNKNOWN: the facts needed are missing. */
  test(index: number): Tri;
  /**
   * `test` of shares `from` to `to - 1` at once: `out[i - from]` is `test(i)` where
   * `scope[i - from]` is not NO, and NO elsewhere. The engine asks for a block of shares one
   * policy at a time (a tight loop per rule instead of a call per share and policy). Returns how
   * many entries are not NO (0: the engine has nothing to look at in the block).
   */
  testRange(from: number, to: number, scope: Uint8Array, out: Uint8Array): number;
  /** Why the share breaks the rule (after YES) or cannot be judged (after UNKNOWN); no policy id. */
  explain(index: number): string;
  /**
   * True when `explain` gives few distinct texts, each as one string object (max-age: one per
   * age to a tenth of a day), so that the engine may build a finding once per text and share it
   * between shares. False when texts are mostly unique (name: they quote the path).
   */
  readonly explanationsRepeat: boolean;
}

/** What the engine lends a set rule: the policy's scope and exemptions, and shared orderings. */
export interface SetRuleContext {
  readonly inventory: PreparedInventory;
  /**
   * The policy's scope, one Tri per share (NO: out, YES: in, UNKNOWN: cannot tell), with the
   * shares to leave out entirely set to NO: duplicates, and shares an earlier policy already
   * cancels this run. A column rather than a call per share: a quota reads every share.
   */
  readonly scope: Uint8Array;
  /** Whether the policy may not touch the share (per-policy and global exemptions). */
  exempt(index: number): Tri;
  /**
   * Sorts share indices (all with an age clock) newest first; ties: the higher share id first.
   * The one ordering every set rule uses, so that "newest" means the same everywhere.
   */
  rankNewestFirst(indices: number[]): number[];
}

/**
 * One share a set rule has something to say about:
 * - `break`: it breaks the rule (the engine applies mode and grace);
 * - `exempt`: it would break it, but an exemption protects it;
 * - `unknown`: it cannot be judged (no clock, scope or exemption undecidable); never cancelled.
 */
export interface SetRuleOutcome {
  index: number;
  verdict: 'break' | 'exempt' | 'unknown';
  /** Why, without the policy id. */
  reason: string;
}

/** What a set rule found: its outcomes, and how many shares it counted as certainly in scope. */
export interface SetRuleSelection {
  outcomes: SetRuleOutcome[];
  inScope: number;
}

/** A rule decided over a set of shares at once (quota). */
export interface SetRule {
  readonly mode: 'set';
  select(context: SetRuleContext): SetRuleSelection;
}

export type CompiledRule = ShareRule | SetRule;

/** A self-describing rule kind. */
export interface RuleKind<R extends PolicyRule = PolicyRule> {
  readonly type: R['type'];
  /** One line for docs and `--help` output. */
  readonly summary: string;
  /** Strict schema of the `rule` object; its output is exactly `R`. */
  readonly schema: z.ZodType<R>;
  /** Compiles a validated rule against the inventory of one run. */
  compile(rule: R, inventory: PreparedInventory): CompiledRule;
  /** A short description of a rule, e.g. `max age 30 days`. */
  describe(rule: R): string;
}
