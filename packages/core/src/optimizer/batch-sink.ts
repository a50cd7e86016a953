import type { TrainingBatch } from "./optimizer.js";

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
  deliver(batch: TrainingBatch): Promise<void>;
  /** The version of the policy the destination is training, for `Rollout.policyVersion`. */
  policyVersion?(): Promise<string>;
  close?(): Promise<void>;
}

/** Whether a sink's error may go away on a resend. Errors that do not say are taken as retryable. */
export function isRetryableDeliveryError(error: unknown): boolean {
  const flag = (error as { isRetryable?: unknown } | null | undefined)?.isRetryable;
  return typeof flag === "boolean" ? flag : true;
}
