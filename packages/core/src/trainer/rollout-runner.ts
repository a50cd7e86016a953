import type { RolloutFeedback } from "../prompts/rollout-prompt.js";
import { originalMessages, rolloutMessages } from "../prompts/rollout-prompt.js";
import type { Rollout } from "../types/attempt.js";
import type { FeedbackKind } from "../types/feedback.js";
import type { ScoredLesson } from "../types/lesson.js";
import type { Problem } from "../types/problem.js";
import { CHARS_PER_TOKEN, estimateTokens, truncateToTokens } from "../util/tokens.js";
import type { GroupReflection } from "./group-context.js";
import { ROLLOUT_PRIORITY } from "./group-context.js";
import { availableKind } from "./group-plan.js";
import { callModel } from "./model-call.js";
import type { OutageTracker } from "./outage-tracker.js";
import type { ResolvedTrainerOptions } from "./resolve-options.js";
import type { Limiter } from "./step-limiter.js";

export interface RolloutSlot {
  problem: Problem;
  step: number;
  index: number;
  planned: FeedbackKind;
  instruction: string;
  reflection: GroupReflection | undefined;
  lessons: readonly ScoredLesson[];
  policyVersion: string;
  groupId: string;
}

/** The feedback a rollout of `kind` gets, cut to the token budget (shared when it gets both). */
function feedbackFor(kind: FeedbackKind, slot: RolloutSlot, maxTokens: number): RolloutFeedback {
  const budget = kind === "both" ? Math.floor(maxTokens / 2) : maxTokens;
  const feedback: RolloutFeedback = {};
  if ((kind === "abstraction" || kind === "both") && slot.lessons.length > 0) {
    const each = Math.max(8, Math.floor(budget / slot.lessons.length));
    feedback.lessons = slot.lessons.map((s) => truncateToTokens(s.lesson.text, each));
  }
  if ((kind === "reflection" || kind === "both") && slot.reflection) {
    const critique = slot.reflection.critiqueShown
      ? truncateToTokens(slot.reflection.record.text, Math.floor(budget / 3))
      : undefined;
    const attempt = truncateToTokens(slot.reflection.attempt.completion, budget - estimateTokens(critique ?? ""));
    feedback.reflection = { attempt, ...(critique === undefined ? {} : { critique }) };
  }
  return feedback;
}

/**
 * Runs one rollout: compose its context, call the policy (bounded, timed, retried), score it.
 * Never rejects. An empty, unparseable or truncated reply is scored 0 (its status says why) and
 * counts in its group; only a call that never came back leaves a `failed` rollout.
 */
export async function runRollout(
  slot: RolloutSlot,
  options: ResolvedTrainerOptions,
  limiter: Limiter,
  outage: OutageTracker,
): Promise<Rollout> {
  const { problem } = slot;
  const feedback = availableKind(slot.planned, slot.reflection !== undefined, slot.lessons.length > 0);
  const original = originalMessages(slot.instruction, problem.question);
  const messages =
    feedback === "scratch"
      ? original
      : rolloutMessages(slot.instruction, problem.question, feedbackFor(feedback, slot, options.maxFeedbackTokens));
  const promptChars = (ms: typeof messages) => ms.reduce((a, m) => a + m.content.length, 0);
  const base = {
    id: options.generateId(),
    problemId: problem.id,
    step: slot.step,
    index: slot.index,
    feedback,
    messages,
    originalMessages: original,
    lessonIds: feedback === "abstraction" || feedback === "both" ? slot.lessons.map((s) => s.lesson.id) : [],
    policyVersion: slot.policyVersion,
    groupId: slot.groupId,
    estimator: options.estimator,
    feedbackTokens: Math.max(0, Math.ceil((promptChars(messages) - promptChars(original)) / CHARS_PER_TOKEN)),
    ...(feedback === "reflection" || feedback === "both" ? { reflectionId: slot.reflection?.record.id } : {}),
  };
  let reply: Awaited<ReturnType<typeof callModel>>;
  try {
    reply = await limiter.run(() => callModel(options.policy, messages, { ...options, outage }), ROLLOUT_PRIORITY);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...base,
      completion: "",
      reward: null,
      advantage: null,
      status: "failed",
      error: message,
      latencyMs: 0,
      finishReason: null,
      model: null,
    };
  }
  const { text, status, latencyMs, attempts: _attempts, ...fields } = reply;
  const scored = { ...base, ...fields, completion: text, status, advantage: null, latencyMs };
  if (status !== "ok") return { ...scored, reward: 0, error: `scored 0: the reply was ${status}` };
  try {
    const reward = await options.reward(problem, text);
    if (typeof reward !== "number" || !Number.isFinite(reward)) {
      throw new TypeError(`reward function returned ${String(reward)}; it must return a finite number`);
    }
    return { ...scored, reward };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...scored, status: "failed", reward: null, error: `the reward function failed: ${message}` };
  }
}
