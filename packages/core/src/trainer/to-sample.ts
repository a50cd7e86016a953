import type { TrainingSample } from "../optimizer/optimizer.js";
import { isScored, type Rollout } from "../types/attempt.js";

/**
 * The training sample of a scored rollout (never a failed one): what the optimizer sends to a
 * trainer, carrying both prompts, the estimator, the finish reason, and the behaviour log-probs,
 * token ids and reasoning when the server returned them. `groupSize` is the number of scored
 * rollouts of its group.
 */
export function toSample(r: Rollout, groupSize: number): TrainingSample {
  if (!isScored(r) || r.reward === null || r.advantage === null) {
    throw new RangeError(`rollout ${r.id} has no reward: failed and unscored rollouts are not training samples`);
  }
  const sample: TrainingSample = {
    rolloutId: r.id,
    groupId: r.groupId,
    groupSize,
    problemId: r.problemId,
    prompt: r.messages,
    originalPrompt: r.originalMessages,
    completion: r.completion,
    reward: r.reward,
    advantage: r.advantage,
    estimator: r.estimator,
    feedback: r.feedback,
    lessonIds: r.lessonIds,
    status: r.status,
    finishReason: r.finishReason,
    policyVersion: r.policyVersion,
    model: r.model,
  };
  if (r.reflectionId !== undefined) sample.reflectionId = r.reflectionId;
  if (r.usage) sample.usage = r.usage;
  if (r.logprobs) sample.logprobs = r.logprobs;
  if (r.tokenIds) sample.tokenIds = r.tokenIds;
  if (r.reasoning !== undefined) sample.reasoning = r.reasoning;
  return sample;
}
