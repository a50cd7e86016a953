import { LanpoError } from "@lanpo/core";

/**
 * The OpenAI-compatible server named by `--model-url` cannot be used: unreachable, refusing the
 * key, not OpenAI-compatible, or not serving the model. `url` is what was tried; `status` the HTTP
 * status when the server answered.
 */
export class ModelServerError extends LanpoError {
  readonly url: string;
  readonly status: number | undefined;

  constructor(url: string, message: string, options?: { status?: number; cause?: unknown }) {
    super(`model server ${url}: ${message}`, { cause: options?.cause });
    this.name = "ModelServerError";
    this.url = url;
    this.status = options?.status;
  }

  static override isInstance(error: unknown): error is ModelServerError {
    return LanpoError.isInstance(error) && error.name === "ModelServerError";
  }
}
