// Answer extraction

export { warmUpComputeEngine } from "./compute-engine-fallback.js";
export type { ExplainedEquivalence, ExplainedSide } from "./explain-equivalence.js";
export { explainEquivalence } from "./explain-equivalence.js";
export type { ExtractedAnswer } from "./extract-answer.js";
export { extractAnswer, extractAnswerDetailed } from "./extract-answer.js";
// Equivalence
export type { Equivalence } from "./is-equivalent.js";
export { isEquivalent } from "./is-equivalent.js";
// Rewards
export type { MathRewardOptions } from "./math-reward.js";
export { createMathReward, mathReward } from "./math-reward.js";
export type { NormalizedAnswer } from "./normalize-answer.js";
export { normalizeAnswer } from "./normalize-answer.js";

// Leakage guard
export type { VerifierAnswerMatcherOptions } from "./verifier-answer-matcher.js";
export { createVerifierAnswerMatcher } from "./verifier-answer-matcher.js";

// Options
export type { ResolvedVerifyOptions, VerifyOptions } from "./verify-options.js";
export { DEFAULT_VERIFY_OPTIONS, resolveVerifyOptions } from "./verify-options.js";
