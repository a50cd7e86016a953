import type { RolloutFeedback } from "../prompts/rollout-prompt.js";
import { originalMessages, rolloutMessages } from "../prompts/rollout-prompt.js";
import type { Rollout } from "../types/attempt.js";
import type { FeedbackKind } from "../types/feedback.js";
import type { Problem } from "../types/problem.js";
import type { Semaphore } from "../util/semaphore.js";
import { CHARS_PER_TOKEN, estimateTokens, truncateToTokens } from "../util/tokens.js";
import type { GroupContext } from "./group-context.js";
import { availableKind } from "./group-plan.js";
import { callModel } from "./model-call.js";
import type { ResolvedTrainerOptions } from "./resolve-options.js";

export interface RolloutSlot {
  problem: Problem;
  step: number;
  index: number;
  planned: FeedbackKind;
  context: GroupContext;
  policyVersion: string;
  groupId: string;
}

/** The feedback a rollout of `kind` gets, cut to the token budget (shared when it gets both). */
function feedbackFor(kind: FeedbackKind, context: GroupContext, maxTokens: number): RolloutFeedback {
  const budget = kind === "both" ? Math.floor(maxTokens / 2) : maxTokens;
  const feedback: RolloutFeedback = {};
  if ((kind === "abstraction" || kind === "both") && context.lessons.length > 0) {
    const each = Math.max(8, Math.floor(budget / context.lessons.length));
    feedback.lessons = context.lessons.map((s) => truncateToTokens(s.lesson.text, each));
  }
  if ((kind === "reflection" || kind === "both") && context.reflection) {
    const critique = truncateToTokens(context.reflection.record.text, Math.floor(budget / 3));
    const attempt = truncateToTokens(context.reflection.attempt.completion, budget - estimateTokens(critique));
    feedback.reflection = { attempt, critique };
  }
  return feedback;
}

/**
 * Runs one rollout: compose its context, call the policy (bounded, timed, retried), score it.
 * Never rejects: a call or reward that fails leaves a `failed` rollout that records why.
 */
export async function runRollout(
  slot: RolloutSlot,
  options: ResolvedTrainerOptions,
  limiter: Semaphore,
): Promise<Rollout> {
  const { problem, context } = slot;
  const feedback = availableKind(slot.planned, context.reflection !== undefined, context.lessons.length > 0);
  const original = originalMessages(context.instruction, problem.question);
  const messages =
    feedback === "scratch"
      ? original
      : rolloutMessages(
          context.instruction,
          problem.question,
          feedbackFor(feedback, context, options.maxFeedbackTokens),
        );
  const promptChars = (ms: typeof messages) => ms.reduce((a, m) => a + m.content.length, 0);
  const base = {
    id: options.generateId(),
    problemId: problem.id,
    step: slot.step,
    index: slot.index,
    feedback,
    messages,
    originalMessages: original,
    lessonIds: feedback === "abstraction" || feedback === "both" ? context.lessons.map((s) => s.lesson.id) : [],
    policyVersion: slot.policyVersion,
    groupId: slot.groupId,
    estimator: options.estimator,
    finishReason: null,
    model: null,
    feedbackTokens: Math.max(0, Math.ceil((promptChars(messages) - promptChars(original)) / CHARS_PER_TOKEN)),
    ...(feedback === "reflection" || feedback === "both" ? { reflectionId: context.reflection?.record.id } : {}),
  };
  let completion = "";
  let latencyMs = 0;
  try {
    const reply = await limiter.run(() => callModel(options.policy, messages, options));
    completion = reply.text;
    latencyMs = reply.latencyMs;
    const reward = await options.reward(problem, completion);
    if (typeof reward !== "number" || !Number.isFinite(reward)) {
      throw new TypeError(`reward function returned ${String(reward)}; it must return a finite number`);
    }
    return {
      ...base,
      completion,
      reward,
      advantage: null,
      status: "ok",
      latencyMs,
      ...(reply.usage ? { usage: reply.usage } : {}),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...base, completion, reward: null, advantage: null, status: "failed", error: message, latencyMs };
  }
}
