import { LanpoError } from "./lanpo-error.js";

/**
 * A model call failed or answered with something unusable (empty, garbage, unreachable server).
 * `isRetryable` says whether the same call may succeed if tried again.
 */
export class ModelError extends LanpoError {
  readonly isRetryable: boolean;

  constructor(message: string, options: { isRetryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "ModelError";
    this.isRetryable = options.isRetryable;
  }

  static override isInstance(error: unknown): error is ModelError {
    return LanpoError.isInstance(error) && error.name === "ModelError";
  }
}
