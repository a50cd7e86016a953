import { LanpoError } from "@lanpo/core";

/**
 * An embedding service failed or answered with something unusable: an HTTP error, a body that is
 * not a list of equal-length number vectors, a timeout, or a local embedding worker that crashed.
 * `endpoint` names the server (or `"local:use-lite"` for the offline model); `statusCode` is the HTTP
 * status when there was one; `isRetryable` says whether the same call may succeed if tried again.
 */
export class EmbeddingsError extends LanpoError {
  readonly endpoint: string;
  readonly statusCode: number | undefined;
  readonly isRetryable: boolean;

  constructor(
    endpoint: string,
    message: string,
    options: { isRetryable: boolean; statusCode?: number | undefined; cause?: unknown },
  ) {
    super(`${endpoint}: ${message}`, { cause: options.cause });
    this.name = "EmbeddingsError";
    this.endpoint = endpoint;
    this.statusCode = options.statusCode;
    this.isRetryable = options.isRetryable;
  }

  static override isInstance(error: unknown): error is EmbeddingsError {
    return LanpoError.isInstance(error) && error.name === "EmbeddingsError";
  }
}

/** For `AsyncCaller`'s `onFailedAttempt`: stop retrying on errors that cannot succeed on a retry. */
export function stopOnPermanentError(error: unknown): void {
  if (EmbeddingsError.isInstance(error) && !error.isRetryable) throw error;
}

/** Statuses worth retrying: timeouts, rate limits and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
