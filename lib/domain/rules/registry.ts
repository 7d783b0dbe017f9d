/**
 * The registry of rule kinds. Adding a kind means: a file in this folder exporting its
 * `RuleKind` (schema, compile, describe), its type in policy-types.ts, and one line here and in
 * the rule union of policy-schema.ts.
 */
import type { PolicyRule } from '../policy-types';
import { maxAgeRuleKind } from './max-age';
import { nameRuleKind } from './name';
import { quotaRuleKind } from './quota';
import type { CompiledRule, RuleKind } from './rule-kind';
import type { PreparedInventory } from '../inventory';

type KindOf<T extends PolicyRule['type']> = RuleKind<Extract<PolicyRule, { type: T }>>;

/** Every rule kind, by `rule.type`. */
export const RULE_KINDS: { readonly [T in PolicyRule['type']]: KindOf<T> } = {
  'max-age': maxAgeRuleKind,
  name: nameRuleKind,
  quota: quotaRuleKind,
};

/** The rule kind for a `rule.type`, or undefined for an unknown type. */
export function ruleKind(type: string): RuleKind | undefined {
  return Object.prototype.hasOwnProperty.call(RULE_KINDS, type)
    ? (RULE_KINDS[type as PolicyRule['type']] as RuleKind)
    : undefined;
}

/** Compiles a validated rule with its kind. */
export function compileRule(rule: PolicyRule, inventory: PreparedInventory): CompiledRule {
  switch (rule.type) {
    case 'max-age':
      return RULE_KINDS['max-age'].compile(rule, inventory);
    case 'name':
      return RULE_KINDS.name.compile(rule, inventory);
    case 'quota':
      return RULE_KINDS.quota.compile(rule, inventory);
  }
}

/** A short description of a rule (`max age 30 days`). */
export function describeRule(rule: PolicyRule): string {
  switch (rule.type) {
    case 'max-age':
      return RULE_KINDS['max-age'].describe(rule);
    case 'name':
      return RULE_KINDS.name.describe(rule);
    case 'quota':
      return RULE_KINDS.quota.describe(rule);
  }
}
