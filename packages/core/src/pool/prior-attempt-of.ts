import type { PriorAttempt, Rollout } from "../types/attempt.js";

/**
 * The problem statement as the policy saw it: the last user turn of the rollout's original
 * (from-scratch) prompt, which holds the bare question with no feedback added.
 */
export function questionOf(rollout: Pick<Rollout, "originalMessages">): string {
  for (let i = rollout.originalMessages.length - 1; i >= 0; i--) {
    const message = rollout.originalMessages[i];
    if (message?.role === "user") return message.content;
  }
  return "";
}

/**
 * Which stored rollouts reflection may review as earlier attempts: a completion the reward function
 * read (`ok`), or one nothing scored (`unscored`). Empty, truncated and unreadable replies have
 * nothing to review. Both pools select by this rule; the SQLite pool writes it in its query.
 */
export function isPriorAttempt(rollout: Pick<Rollout, "status">): boolean {
  return rollout.status === "ok" || rollout.status === "unscored";
}

/**
 * What reflection may see of a rollout. Built field by field, never by spreading the rollout, so
 * no reward, advantage or status can ride along.
 */
export function priorAttemptOf(rollout: Rollout): PriorAttempt {
  return {
    attemptId: rollout.id,
    problemId: rollout.problemId,
    question: questionOf(rollout),
    completion: rollout.completion,
    step: rollout.step,
  };
}
