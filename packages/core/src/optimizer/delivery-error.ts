import { LanpoError } from "../errors/lanpo-error.js";

/**
 * A batch sink could not deliver a batch. Sinks may throw it themselves; the outbox throws it
 * from `flush()` when a sink refuses a batch for good (`isRetryable: false`). The batch is never
 * lost: it stays in the outbox until it is delivered.
 */
export class DeliveryError extends LanpoError {
  readonly batchId: string;
  /** Whether sending the same batch again may succeed (destination down vs batch refused). */
  readonly isRetryable: boolean;

  constructor(batchId: string, message: string, options: { isRetryable: boolean; cause?: unknown }) {
    super(`batch ${batchId}: ${message}`, { cause: options.cause });
    this.name = "DeliveryError";
    this.batchId = batchId;
    this.isRetryable = options.isRetryable;
  }

  static override isInstance(error: unknown): error is DeliveryError {
    return LanpoError.isInstance(error) && error.name === "DeliveryError";
  }
}
