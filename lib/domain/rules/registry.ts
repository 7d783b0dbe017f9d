/**
 * The registry of rule kinds, the single source of what a rule may be: the policy schema's rule
 * union, the engine's dispatch and the descriptions are all built from this list. Adding a kind
 * means: a file in this folder exporting its `RuleKind`, its type in policy-types.ts (the
 * schema's output must equal it, see policy-schema.ts), and one entry here.
 */
import type { PolicyRule } from '../policy-types';
import { maxAgeRuleKind } from './max-age';
import { nameRuleKind } from './name';
import { quotaRuleKind } from './quota';
import type { RuleKind } from './rule-kind';

const KINDS = [maxAgeRuleKind, nameRuleKind, quotaRuleKind] as const;

type SchemasOf<T> = { -readonly [K in keyof T]: T[K] extends { schema: infer S } ? S : never };
type KindOf<T extends PolicyRule['type']> = RuleKind<Extract<PolicyRule, { type: T }>>;

/** Every rule kind, by `rule.type`. */
export const RULE_KINDS = Object.fromEntries(KINDS.map((k) => [k.type, k])) as unknown as { readonly [T in PolicyRule['type']]: KindOf<T> };

/** The schemas of the kinds, in registry order (the options of the policy schema's rule union). */
export const RULE_SCHEMAS = KINDS.map((k) => k.schema) as unknown as SchemasOf<typeof KINDS>;

/** The rule types, in registry order. */
export const RULE_TYPES: readonly PolicyRule['type'][] = KINDS.map((k) => k.type);

/** The kind of a validated rule. */
export function kindOf(rule: PolicyRule): RuleKind {
  return RULE_KINDS[rule.type] as unknown as RuleKind;
}

/** A short description of a rule (`max age 30 days`). */
export function describeRule(rule: PolicyRule): string {
  return kindOf(rule).describe(rule);
}
