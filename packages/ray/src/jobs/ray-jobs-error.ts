import { LanpoError } from "@lanpo/core";

/**
 * The Ray dashboard answered a Jobs API request with an error status, or did not answer at all.
 * `status` is the HTTP status (undefined when no answer came back); `body` is the text Ray sent
 * (a Python traceback for a 400 or 500, a short sentence for a 404, 401 or 403).
 * `isRetryable` is true for connection errors, timeouts and 5xx, never for a 4xx.
 */
export class RayJobsError extends LanpoError {
  readonly status: number | undefined;
  readonly body: string;
  readonly method: string;
  readonly url: string;
  readonly isRetryable: boolean;

  constructor(
    message: string,
    details: { status: number | undefined; body: string; method: string; url: string; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.name = "RayJobsError";
    this.status = details.status;
    this.body = details.body;
    this.method = details.method;
    this.url = details.url;
    this.isRetryable = details.status === undefined || details.status >= 500;
  }

  static override isInstance(error: unknown): error is RayJobsError {
    return LanpoError.isInstance(error) && error.name === "RayJobsError";
  }
}

/** The last line of a Python traceback (`ValueError: ...`), or the body when it is short. */
export function summarizeRayBody(body: string): string {
  const lines = body
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const last = lines.at(-1) ?? "";
  return (lines.length > 1 && body.includes("Traceback") ? last : body.trim()).slice(0, 500);
}
