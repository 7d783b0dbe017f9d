/** The domain: shares, the policy language and the evaluation engine (pure code). */
export * from './share';
export * from './short-url';
export * from './policy-types';
export * from './policy-errors';
export * from './policy-schema';
export * from './validate';
export * from './decision';
export * from './evaluate';
export * from './guardrails';
export { compileGlob, compileRegex, PathPrefixSet, globToRegexSource, MAX_PATTERN_LENGTH, MAX_PATTERNS_PER_LIST } from './matchers';
export type { PathMatcher } from './matchers';
export { compareShareIds, type AgeClock } from './inventory';
export { AgeCounter, MAX_AGE_HISTOGRAM_DAYS, type AgeHistogram } from './age-histogram';
export { RULE_KINDS, describeRule } from './rules/registry';
export type { RuleKind } from './rules/rule-kind';
export { diffPolicyDocuments, type PolicyFieldChange } from './policy-diff';
