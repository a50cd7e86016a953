/**
 * Group advantage estimators:
 * - `grpo`: (r - mean) / (std + eps), std over the group (population std, as in DeepSeekMath).
 * - `drgrpo`: r - mean; Dr. GRPO drops the std division, which biases towards easy/hard groups.
 * - `rloo`: r - mean of the other G-1 rewards (leave-one-out baseline).
 */
export type AdvantageEstimator = "grpo" | "drgrpo" | "rloo";

export interface GroupAdvantageOptions {
  /** @default "grpo" */
  estimator?: AdvantageEstimator;
  /** Added to the std in `grpo` so a zero-variance group gives zeros, not NaN. @default 1e-6 */
  epsilon?: number;
}

/**
 * Advantages of one group's rewards, in the same order. A group of one, or one whose rewards are all
 * equal, has all-zero advantages: it carries no learning signal.
 *
 * @example groupAdvantages([1, 0, 0, 1]) // [1, -1, -1, 1] (approximately)
 */
export function groupAdvantages(rewards: readonly number[], options: GroupAdvantageOptions = {}): number[] {
  const estimator = options.estimator ?? "grpo";
  const epsilon = options.epsilon ?? 1e-6;
  const n = rewards.length;
  if (n === 0) return [];
  for (const [i, r] of rewards.entries()) {
    if (!Number.isFinite(r))
      throw new RangeError(`groupAdvantages: reward ${i} is ${r}; rewards must be finite numbers`);
  }
  if (n === 1) return [0];
  const sum = rewards.reduce((a, b) => a + b, 0);
  const mean = sum / n;
  switch (estimator) {
    case "grpo": {
      const variance = rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / n;
      const std = Math.sqrt(variance);
      return rewards.map((r) => (std === 0 ? 0 : (r - mean) / (std + epsilon)));
    }
    case "drgrpo":
      return rewards.map((r) => r - mean);
    case "rloo":
      return rewards.map((r) => r - (sum - r) / (n - 1));
    default:
      throw new RangeError(
        `groupAdvantages: unknown estimator "${estimator as string}"; use "grpo", "drgrpo" or "rloo"`,
      );
  }
}
