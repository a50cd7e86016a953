/**
 * Which language feedback a rollout saw.
 * - `scratch`: the bare problem.
 * - `reflection`: a reward-agnostic critique of the policy's own earlier attempt at this problem.
 * - `abstraction`: lessons distilled from other, sufficiently similar problems.
 * - `both`: reflection and lessons.
 */
export type FeedbackKind = "scratch" | "reflection" | "abstraction" | "both";

export const FEEDBACK_KINDS: readonly FeedbackKind[] = ["scratch", "reflection", "abstraction", "both"];
