import type { FeedbackKind } from "../types/feedback.js";
import type { ChatMessageRecord } from "../types/message.js";

/**
 * One training sample. It carries both the prompt it was generated with and the original prompt
 * (DESIGN.md section 6): the trainer trains on the original by default, so language guides
 * exploration only, and may use the behaviour prompt for importance weights.
 */
export interface TrainingSample {
  rolloutId: string;
  problemId: string;
  /** Messages the completion was generated with (feedback included). */
  prompt: ChatMessageRecord[];
  /** Messages a from-scratch rollout would have been sent. */
  originalPrompt: ChatMessageRecord[];
  completion: string;
  reward: number;
  advantage: number;
  feedback: FeedbackKind;
  lessonIds: string[];
  reflectionId?: string;
  policyVersion: string;
}

/** A batch sent to the optimizer. `batchId` is stable: a resend carries the same id. */
export interface TrainingBatch {
  batchId: string;
  step: number;
  samples: TrainingSample[];
  createdAtMs: number;
}

/** What happened to a submitted batch. `queued` means durable locally, not yet acknowledged. */
export interface SubmitResult {
  batchId: string;
  status: "acknowledged" | "queued" | "duplicate";
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
  close(): Promise<void>;
}
