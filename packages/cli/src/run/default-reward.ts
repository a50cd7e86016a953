import type { RewardFn } from "@lanpo/core";
import { createMathReward } from "@lanpo/verify";

/**
 * The reward of `lanpo run`: math answer equivalence from `@lanpo/verify` (the last `\boxed{}` or
 * final answer of the completion against the gold answer). One function, so the default changes in
 * one place.
 */
export function defaultReward(): RewardFn {
  return createMathReward();
}
