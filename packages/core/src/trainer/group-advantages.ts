/**
 * Group advantage estimators:
 * - `grpo`: (r - mean) / (std + eps) over the group (DeepSeekMath's GRPO).
 * - `drgrpo`: r - mean (Dr. GRPO, "Understanding R1-Zero-Like Training"). Dividing by the group's
 *   std, as GRPO does, weights groups whose rewards barely vary (questions nearly always or nearly
 *   never solved) far above the rest: a question-difficulty bias. Dr. GRPO removes the division,
 *   and with it that bias.
 * - `rloo`: r - mean of the other G-1 rewards (leave-one-out baseline).
 */
export type AdvantageEstimator = "grpo" | "drgrpo" | "rloo";

/**
 * Which standard deviation `grpo` divides by: `unbiased` (n - 1 in the denominator, what verl's
 * `torch.std` and TRL compute) or `population` (n).
 */
export type StdDevKind = "unbiased" | "population";

export interface GroupAdvantageOptions {
  /** @default "grpo" */
  estimator?: AdvantageEstimator;
  /** @default "unbiased" */
  std?: StdDevKind;
  /** Added to the std in `grpo` so a near-zero std cannot blow advantages up. @default 1e-6 */
  epsilon?: number;
}

/**
 * Advantages of one group's rewards, in the same order. A group of one, or one whose rewards are all
 * equal, has all-zero advantages: it carries no learning signal.
 *
 * @example groupAdvantages([1, 0, 0, 1]) // [0.866, -0.866, -0.866, 0.866] (unbiased std)
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
      const squares = rewards.reduce((a, r) => a + (r - mean) ** 2, 0);
      const std = Math.sqrt(squares / ((options.std ?? "unbiased") === "unbiased" ? n - 1 : n));
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

/** Whether every reward of a group is the same (no learning signal). */
export function isZeroVariance(rewards: readonly number[]): boolean {
  return rewards.every((r) => r === rewards[0]);
}
