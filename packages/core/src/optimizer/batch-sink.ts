import type { TrainingBatch } from "./optimizer.js";

/** What a destination said when it took a batch. */
export interface DeliveryReceipt {
  /** The policy version it is at after taking the batch. */
  policyVersion?: string;
  /** The model name the inference server now serves the policy under (a new LoRA adapter, say). */
  servedModel?: string;
  /** True when it had taken this batch id before (nothing new was applied). */
  duplicate?: boolean;
}

/**
 * Where an outbox delivers training batches: a local file a trainer reads, a trainer's HTTP
 * ingest, a queue. The outbox makes every batch durable before it calls `deliver`, resends
 * unacknowledged batches in order, and may resend one that was delivered but whose acknowledgement
 * was lost: a sink must treat a batch id it has already accepted as accepted again.
 */
export interface BatchSink {
  /**
   * Delivers one batch; resolving means the destination has it. Throw on failure; an error with
   * `isRetryable: false` (as on `DeliveryError`, `ModelError`) says a resend cannot succeed.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: sinks that have nothing to say resolve to nothing
  deliver(batch: TrainingBatch): Promise<void | DeliveryReceipt>;
  /** The version of the policy the destination is training, for `Rollout.policyVersion`. */
  policyVersion?(): Promise<string>;
  close?(): Promise<void>;
}

/** Whether a sink's error may go away on a resend. Errors that do not say are taken as retryable. */
export function isRetryableDeliveryError(error: unknown): boolean {
  const flag = (error as { isRetryable?: unknown } | null | undefined)?.isRetryable;
  return typeof flag === "boolean" ? flag : true;
}
