import type { AnswerMatcher, RewardFn } from "@lanpo/core";
import { createMathReward, createVerifierAnswerMatcher } from "@lanpo/verify";

/**
 * The reward of `lanpo run`: math answer equivalence from `@lanpo/verify` (the last `\boxed{}` or
 * final answer of the completion against the gold answer). One function, so the default changes in
 * one place.
 */
export function defaultReward(): RewardFn {
  return createMathReward();
}

/**
 * The leakage guard's matcher in `lanpo run`: the verifier's, which knows every answer form the
 * reward does (core's built-in one is the fallback for code that passes none).
 */
export function defaultMatcher(): AnswerMatcher {
  return createVerifierAnswerMatcher();
}
