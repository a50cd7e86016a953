import { ModelError } from "@lanpo/core";
import { isRetryableStatus } from "./retrying-fetch.js";

/** The HTTP status an SDK error carries, wherever that SDK keeps it. */
export function statusOf(error: unknown): number | undefined {
  const e = error as {
    status?: unknown;
    response?: { status?: unknown };
    httpResponse?: { status?: unknown };
    cause?: { status?: unknown };
  } | null;
  for (const status of [e?.status, e?.response?.status, e?.httpResponse?.status, e?.cause?.status]) {
    if (typeof status === "number") return status;
  }
  return undefined;
}

function hint(status: number | undefined, timedOut: boolean): string {
  if (timedOut) return "raise timeoutMs or check that the server is up";
  if (status === undefined) return "check that the server is up and baseUrl is right";
  if (status === 401 || status === 403) return "check apiKey";
  if (status === 404) return "check the model name and baseUrl (OpenAI-compatible servers serve under /v1)";
  if (status === 400 || status === 422)
    return "the server refused the request; check the model's limits (max tokens, context length)";
  if (status === 429) return "the server is rate limiting; lower maxConcurrency or raise maxRetries";
  if (status >= 500) return "the server failed; check its logs";
  return "check the server's logs";
}

/**
 * Any client error as a {@link ModelError}: says which provider and server failed, the HTTP
 * status if there was one, and what to do; `isRetryable` for statuses worth another try and for
 * transport failures (timeouts, connections refused or cut mid-reply).
 */
export function toModelError(error: unknown, where: { provider: string; baseUrl: string | undefined }): ModelError {
  if (ModelError.isInstance(error)) return error;
  const status = statusOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "";
  const timedOut = /timeout|timed out/i.test(`${name} ${message}`);
  const server = where.baseUrl ? ` at ${where.baseUrl}` : "";
  const code = status === undefined ? "" : ` (HTTP ${status})`;
  return new ModelError(`${where.provider} chat call${server} failed${code}: ${message}; ${hint(status, timedOut)}`, {
    isRetryable: status === undefined ? !/abort/i.test(name) || timedOut : isRetryableStatus(status),
    cause: error,
  });
}
