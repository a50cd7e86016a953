import type { Problem, RewardFn } from "@lanpo/core";
import { warmUpComputeEngine } from "./compute-engine-fallback.js";
import { extractAnswer } from "./extract-answer.js";
import { isEquivalent } from "./is-equivalent.js";
import type { VerifyOptions } from "./verify-options.js";

/** Options of {@link mathReward}: the verifier's options plus the format penalty. */
export interface MathRewardOptions extends VerifyOptions {
  /**
   * Reward when the completion has no final answer at all (no box, no "the answer is", no math,
   * no number). Use a negative value, e.g. `-0.1`, to penalise format; `0` treats it as wrong.
   * @default 0
   */
  formatPenalty?: number;
}

/**
 * The reward of one completion: 1 when its final answer is equivalent to `problem.answer`,
 * 0 otherwise, `formatPenalty` when no final answer can be found. Never throws.
 *
 * @example new LanpoTrainer({ ..., reward: (p, c) => mathReward(p, c) })
 */
export function mathReward(problem: Problem, completion: string, options?: MathRewardOptions): number {
  const penalty = options?.formatPenalty ?? 0;
  if (typeof completion !== "string" || extractAnswer(completion) === undefined) return penalty;
  return isEquivalent(problem?.answer, completion, options).equal ? 1 : 0;
}

/** A {@link RewardFn} with fixed options, for `LanpoTrainer`'s `reward` and `lanpo run`. */
export function createMathReward(options?: MathRewardOptions): RewardFn {
  const fixed = { ...options };
  if (fixed.computeEngineFallback === false) return (problem, completion) => mathReward(problem, completion, fixed);
  // Start Compute Engine's worker now and let the first rewards wait for it: a comparison made
  // while it starts would spend its time budget on start-up and score a right answer 0, a wrong
  // gradient. If the worker cannot start, rewards go on without the fallback.
  const ready = warmUpComputeEngine().catch(() => undefined);
  return async (problem, completion) => {
    await ready;
    return mathReward(problem, completion, fixed);
  };
}
