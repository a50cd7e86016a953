import { LanpoError } from "@lanpo/core";

/**
 * The trainer's ingest refused a request or could not be reached. `status` is the HTTP status
 * (undefined when no answer came back), `code` the protocol's error code when the body held one
 * (`schema_invalid`, `batch_conflict`, `too_large`, `group_incomplete`, ...), `body` the text sent.
 * `isRetryable`: connection errors, timeouts, 408, 429 and 5xx are; every other 4xx is not (the
 * same batch would be refused again). `retryAfterMs` is the server's `Retry-After`, when it sent one.
 */
export class IngestError extends LanpoError {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly body: string;
  readonly url: string;
  readonly isRetryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    details: {
      status: number | undefined;
      code?: string;
      body: string;
      url: string;
      retryAfterMs?: number;
      isRetryable?: boolean;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.name = "IngestError";
    this.status = details.status;
    this.code = details.code;
    this.body = details.body;
    this.url = details.url;
    this.retryAfterMs = details.retryAfterMs;
    this.isRetryable = details.isRetryable ?? isRetryableStatus(details.status);
  }

  static override isInstance(error: unknown): error is IngestError {
    return LanpoError.isInstance(error) && error.name === "IngestError";
  }
}

/** Undefined (no answer), 408, 429 and 5xx may succeed on a resend. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}
