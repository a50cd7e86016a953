import type { AdvantageEstimator } from "../trainer/group-advantages.js";
import type { ScoredRolloutStatus, TokenUsage } from "../types/attempt.js";
import type { FeedbackKind } from "../types/feedback.js";
import type { ChatMessageRecord } from "../types/message.js";

/**
 * One training sample: the wire shape of the trainer ingest protocol
 * (`packages/ray/schema/ingest-batch.schema.json`). It carries both the prompt it was generated with
 * and the original prompt (DESIGN.md section 6): the trainer trains on the original by default, so
 * language guides exploration only, and may use the behaviour log-probs for importance weights.
 */
export interface TrainingSample {
  rolloutId: string;
  /** The GRPO group: one problem in one step of one run. Every sample of a group has the same id. */
  groupId: string;
  /** How many samples the group holds (its transport failures left out). */
  groupSize: number;
  problemId: string;
  /** Messages the completion was generated with (feedback included). */
  prompt: ChatMessageRecord[];
  /** Messages a from-scratch rollout would have been sent. */
  originalPrompt: ChatMessageRecord[];
  completion: string;
  reward: number;
  advantage: number;
  /** The estimator that computed `advantage`. */
  estimator: AdvantageEstimator;
  feedback: FeedbackKind;
  lessonIds: string[];
  reflectionId?: string;
  /** `ok` when the verifier scored it; otherwise why it was scored 0. */
  status: ScoredRolloutStatus;
  /** As the server reported it (`stop`, `length`, ...); null when it did not say. */
  finishReason: string | null;
  policyVersion: string;
  /** The model name that generated it; null when unknown. */
  model: string | null;
  usage?: TokenUsage;
  /** Behaviour log-probabilities of the completion's tokens, when the server returned them. */
  logprobs?: number[];
  /** Token ids of the completion, when the server returned them (vLLM). */
  tokenIds?: number[];
  /** Reasoning text the server kept apart from the completion (`reasoning_content`). */
  reasoning?: string;
}

/** A batch sent to the optimizer. `batchId` is stable: a resend carries the same id. */
export interface TrainingBatch {
  batchId: string;
  runId: string;
  step: number;
  samples: TrainingSample[];
  createdAtMs: number;
}

/** What happened to a submitted batch. `queued` means durable locally, not yet acknowledged. */
export interface SubmitResult {
  batchId: string;
  status: "acknowledged" | "queued" | "duplicate";
  /** The policy version the destination reports after taking the batch, when it says. */
  policyVersion?: string;
  /** The model name the inference server now serves the policy under, when the destination says. */
  servedModel?: string;
}

/** What an optimizer knows of the policy it trains. */
export interface PolicyState {
  /** Version tag for `Rollout.policyVersion`. */
  policyVersion: string;
  /** The model name to generate with from now on (a new LoRA adapter's name, say); absent: unchanged. */
  servedModel?: string;
}

/**
 * Where training batches go. `submit` must make the batch durable before it resolves, so nothing
 * verified is lost when the destination is down; `flush` resends whatever was never acknowledged.
 */
export interface Optimizer {
  submit(batch: TrainingBatch): Promise<SubmitResult>;
  /** Resend every batch that was never acknowledged. Resolves to how many were acknowledged now. */
  flush(): Promise<{ acknowledged: number; pending: number }>;
  /** Batches durable locally but not acknowledged. */
  pending(): Promise<number>;
  /** Version tag of the policy the destination reports (for `Rollout.policyVersion`). */
  policyVersion(): Promise<string>;
  /** The policy version and, when the destination has published one, the model name to generate with. */
  policyState?(): Promise<PolicyState>;
  /**
   * Back-pressure: resolves once the optimizer can take another batch (its unacknowledged backlog is
   * under its limit). The trainer awaits it before each submit; `onWait` is called once, with the
   * backlog, when it has to wait, and the trainer says so in its events.
   */
  waitForCapacity?(options?: { signal?: AbortSignal; onWait?: (pending: number) => void }): Promise<void>;
  close(): Promise<void>;
}
