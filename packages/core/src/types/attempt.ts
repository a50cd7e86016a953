import type { AdvantageEstimator } from "../trainer/group-advantages.js";
import type { FeedbackKind } from "./feedback.js";
import type { ChatMessageRecord } from "./message.js";

/**
 * What reflection may see of an earlier attempt: its text and nothing else. This type has no field
 * for a reward, a correctness flag, an advantage or a gold answer on purpose (DESIGN.md section 4):
 * whatever builds a reflection prompt can only ever be handed this.
 */
export interface PriorAttempt {
  readonly attemptId: string;
  readonly problemId: string;
  /** The problem statement as the policy saw it. */
  readonly question: string;
  /** The policy's completion, verbatim. */
  readonly completion: string;
  /** Trainer step that produced it. */
  readonly step: number;
}

/** A reward-agnostic critique of one earlier attempt, written by the reflector. */
export interface Reflection {
  id: string;
  problemId: string;
  /** The attempt it critiques. */
  attemptId: string;
  text: string;
  createdAtMs: number;
}

/**
 * How a scored rollout ended: `ok` when the reward function scored it; `empty`, `truncated` (the
 * server stopped it at its length limit) and `unparseable` (the reply was no text) are scored 0
 * without asking the reward function. Every one of them counts in its group's advantages
 * (DESIGN.md section 4: a bad completion is a scored completion).
 */
export type ScoredRolloutStatus = "ok" | "empty" | "truncated" | "unparseable";

/**
 * How a rollout ended. `failed` means no completion came back (transport failure, timeout after
 * retries). `unscored` means a completion came back but nothing scored it: an agent trial recorded
 * without a reward function, or one whose reward function failed. Neither has a reward or an
 * advantage, and neither is a training sample or counts in a mean reward, so an unscored trial is
 * never read as a failure. An unscored completion is still an earlier attempt that reflection may
 * review, since reflection never sees rewards. Every other status is scored.
 */
export type RolloutStatus = ScoredRolloutStatus | "failed" | "unscored";

/** Whether a rollout carries a reward and an advantage: every status but `failed` and `unscored`. */
export function isScored<T extends Pick<Rollout, "status">>(r: T): r is T & { status: ScoredRolloutStatus } {
  return r.status !== "failed" && r.status !== "unscored";
}

/** Token counts reported by the model, when it reports them. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

/**
 * One verified rollout: exactly what the policy was sent, what it answered, what it was scored,
 * and which feedback it saw. This is what the pool stores and the report shows.
 */
export interface Rollout {
  id: string;
  problemId: string;
  step: number;
  /** Index within the problem's group, 0..G-1. */
  index: number;
  feedback: FeedbackKind;
  /** Exactly the messages the policy was sent. */
  messages: ChatMessageRecord[];
  /** The messages a from-scratch rollout of this problem would have been sent. */
  originalMessages: ChatMessageRecord[];
  completion: string;
  /** null when `status` is `failed` or `unscored`. */
  reward: number | null;
  /** null when `status` is `failed` or `unscored`. */
  advantage: number | null;
  reflectionId?: string;
  lessonIds: string[];
  policyVersion: string;
  status: RolloutStatus;
  /** Why a failed rollout failed. */
  error?: string;
  latencyMs: number;
  usage?: TokenUsage;
  /** Tokens of language feedback added to the original prompt (estimated when not reported). */
  feedbackTokens: number;
  /** The GRPO group this rollout belongs to (one problem in one step of one run). */
  groupId: string;
  /** The estimator that computed `advantage`. */
  estimator: AdvantageEstimator;
  /** As the server reported it (`stop`, `length`, ...); null when it did not say or the call failed. */
  finishReason: string | null;
  /** The model name that generated it, when known. */
  model: string | null;
  /** Behaviour log-probabilities of the completion's tokens, when the server returned them. */
  logprobs?: number[];
  /** Token ids of the completion, when the server returned them (vLLM's `return_token_ids`). */
  tokenIds?: number[];
  /** Reasoning text the server kept apart from the completion (`reasoning_content`). */
  reasoning?: string;
}
