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
