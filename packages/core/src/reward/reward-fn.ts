import type { Problem } from "../types/problem.js";

/**
 * A reward function: the only code that reads `problem.answer`. Returns a number, typically 1 for
 * an equivalent final answer and 0 otherwise. It may be async. A throw marks the rollout failed.
 */
export type RewardFn = (problem: Problem, completion: string) => number | Promise<number>;
