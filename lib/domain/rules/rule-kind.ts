/**
 * The contract every rule kind follows (the model is Cloud Custodian's filter registry): a kind
 * names itself, brings the zod schema of its `rule` object and says whether it reads the age
 * clock, and compiles a validated rule into a pure evaluator. The engine handles scope,
 * exemptions, modes, grace periods and guardrails; a rule only answers "does this share break me?".
 */
import type * as z from 'zod';
import type { InventoryShare, Tri } from '../inventory';
import type { PolicyRule } from '../policy-types';

/** A rule decided share by share (max-age, name). */
export interface ShareRule {
  readonly mode: 'per-share';
  /** yes: the share breaks the rule; no: it does not; unknown: the facts needed are missing. */
  test(share: InventoryShare): Tri;
  /** Why the share breaks the rule (after yes) or cannot be judged (after unknown); no policy id. */
  explain(share: InventoryShare): string;
}

/**
 * What the engine lends a set rule. Shares are named by their slot (the engine's number for a
 * share, in the order the shares arrived): a set rule sees a few facts per share, never the share.
 */
export interface SetRuleContext {
  /**
   * The slots of the shares certainly in the policy's scope, and of those whose scope is
   * undecided; without duplicated ids and without the shares an earlier policy already cancels.
   */
  readonly inScope: readonly number[];
  readonly undecided: readonly number[];
  /** Each slot's age clock (epoch ms), NaN when none is known. */
  readonly clocks: Float64Array;
  /** The requester recorded when the product created it. */
  requester(slot: number): string | undefined;
  /** Orders two slots by share id (numeric order): ties of the clock are broken by it. */
  compareIds(a: number, b: number): number;
  /** Whether the policy may not touch the share (per-policy and global exemptions). */
  exempt(slot: number): Tri;
}

/**
 * What one share is to a set rule:
 * - `break`: it breaks the rule (the engine applies mode and grace);
 * - `exempt`: it would break it, but an exemption protects it;
 * - `unknown`: it cannot be judged (no clock, scope or exemption undecidable); never cancelled.
 */
export type SetVerdict = 'break' | 'exempt' | 'unknown';

/**
 * What a set rule found, as parallel lists (a quota over a million shares can flag most of them:
 * one small record each, the text of a reason only when a decision is written out).
 */
export interface SetRuleSelection {
  /** The slot and verdict of outcome k. */
  readonly slots: readonly number[];
  readonly verdicts: readonly SetVerdict[];
  /** Why outcome k, without the policy id. */
  reason(k: number): string;
  /** How many shares it counted as certainly in scope. */
  readonly inScope: number;
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
  /** Whether the rule judges by the share's age clock (its decisions then name the clock). */
  readonly usesClock: boolean;
  /** Compiles a validated rule for one run at `now` (epoch ms). */
  compile(rule: R, now: number): CompiledRule;
  /** A short description of a rule, e.g. `max age 30 days`. */
  describe(rule: R): string;
}
