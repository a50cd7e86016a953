import type { BatchSink, DeliveryReceipt, PolicyState, TrainingBatch } from "@lanpo/core";
import { ConfigError } from "@lanpo/core";
import { retryAfterMs, sleep } from "../http/backoff.js";
import { HttpConnectionFailure, type HttpResponse, httpRequest } from "../http/http-request.js";
import { IngestError } from "./ingest-error.js";
import { BatchReplySchema, ErrorReplySchema, type IngestStatus, IngestStatusSchema } from "./ingest-schemas.js";
import type { IngestSinkOptions } from "./ingest-sink-options.js";

/**
 * The {@link BatchSink} of a trainer's HTTP ingest (the LANPO ingest protocol, see this package's
 * README): `deliver` POSTs the batch to `{url}/v1/batches` and resolves the trainer's receipt
 * (policy version, served model, duplicate). It throws {@link IngestError}: retryable for
 * connection errors, timeouts, 408, 429 and 5xx, not for other 4xx; after a `Retry-After` it
 * waits that long before the next request. Resending a batch is safe: the ingest deduplicates by
 * batch id and by rollout id.
 *
 * @example
 * ```ts
 * const optimizer = await OutboxOptimizer.open({ directory: "runs/x/outbox",
 *   sink: new IngestSink({ url: "http://head:8000/lanpo" }) });
 * ```
 */
export class IngestSink implements BatchSink {
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #now: () => number;
  #notBeforeMs = 0;
  #state: PolicyState | undefined;

  constructor(options: IngestSinkOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (cause) {
      throw new ConfigError("ingestUrl", `"${options.url}" is not a URL; pass e.g. http://head-node:8000/lanpo`, {
        cause,
      });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigError("ingestUrl", `must be an http:// or https:// URL, got ${url.protocol}`);
    }
    const timeoutMs = options.timeoutMs ?? 180_000;
    if (!(timeoutMs > 0)) throw new ConfigError("timeoutMs", "must be a positive number of milliseconds");
    this.url = url.href.replace(/\/+$/, "");
    this.#timeoutMs = timeoutMs;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#headers = { ...options.headers };
    if (options.token) this.#headers.authorization = `Bearer ${options.token}`;
  }

  /** The policy state of the last receipt or status read, if any. */
  get lastPolicyState(): PolicyState | undefined {
    return this.#state;
  }

  async deliver(batch: TrainingBatch): Promise<DeliveryReceipt> {
    const response = await this.#request("POST", "/v1/batches", JSON.stringify(wireBatch(batch)));
    if (response.status !== 200) throw this.#statusError(response, `batch ${batch.batchId}`);
    const reply = BatchReplySchema.safeParse(parseJson(response.text));
    if (!reply.success) throw this.#badReply(response, "/v1/batches", reply.error.issues[0]?.message);
    this.#remember(reply.data.policyVersion, reply.data.servedModel);
    return {
      policyVersion: reply.data.policyVersion,
      servedModel: reply.data.servedModel,
      duplicate: reply.data.duplicate,
    };
  }

  /** `GET {url}/v1/status`: the trainer's policy version and counters. */
  async status(): Promise<IngestStatus> {
    const response = await this.#request("GET", "/v1/status");
    if (response.status !== 200) throw this.#statusError(response, "status");
    const status = IngestStatusSchema.safeParse(parseJson(response.text));
    if (!status.success) throw this.#badReply(response, "/v1/status", status.error.issues[0]?.message);
    this.#remember(status.data.policyVersion, status.data.servedModel);
    return status.data;
  }

  async policyVersion(): Promise<string> {
    return (await this.policyState()).policyVersion;
  }

  /** The last receipt's policy state, or the status endpoint's when nothing was delivered yet. */
  async policyState(): Promise<PolicyState> {
    if (this.#state) return { ...this.#state };
    const status = await this.status();
    return status.servedModel === undefined
      ? { policyVersion: status.policyVersion }
      : { policyVersion: status.policyVersion, servedModel: status.servedModel };
  }

  async close(): Promise<void> {}

  #remember(policyVersion: string, servedModel: string | undefined): void {
    this.#state = servedModel === undefined ? { policyVersion } : { policyVersion, servedModel };
  }

  async #request(method: "GET" | "POST", path: string, body?: string): Promise<HttpResponse> {
    const wait = this.#notBeforeMs - this.#now();
    if (wait > 0) await sleep(wait);
    const headers = body === undefined ? this.#headers : { ...this.#headers, "content-type": "application/json" };
    try {
      const response = await httpRequest({
        method,
        url: `${this.url}${path}`,
        headers,
        body,
        timeoutMs: this.#timeoutMs,
      });
      const after = retryAfterMs(response.headers.get("retry-after"), this.#now);
      if (after !== undefined && response.status !== 200) {
        this.#notBeforeMs = this.#now() + Math.min(after, this.#maxRetryAfterMs);
      }
      return response;
    } catch (error) {
      if (!(error instanceof HttpConnectionFailure)) throw error;
      throw new IngestError(
        `${method} ${this.url}${path}: ${error.message}; the trainer's ingest is down or the URL is wrong (batches stay in the outbox and are resent)`,
        { status: undefined, body: "", url: `${this.url}${path}`, cause: error },
      );
    }
  }

  #statusError(response: HttpResponse, what: string): IngestError {
    const parsed = ErrorReplySchema.safeParse(parseJson(response.text));
    const code = parsed.success ? parsed.data.error.code : undefined;
    const detail = parsed.success
      ? `${parsed.data.error.code}: ${parsed.data.error.message}${parsed.data.error.path ? ` (at ${parsed.data.error.path})` : ""}`
      : response.text.slice(0, 300) || "(empty body)";
    const after = retryAfterMs(response.headers.get("retry-after"), this.#now);
    const advice =
      response.status === 404
        ? `; no ingest route there: check the ingest URL (${this.url}; the route prefix of the Serve deployment)`
        : response.status === 401 || response.status === 403
          ? "; the ingest wants a token: pass it with the ingest token option"
          : "";
    return new IngestError(`${what}: the ingest answered HTTP ${response.status}: ${detail}${advice}`, {
      status: response.status,
      code,
      body: response.text,
      url: this.url,
      retryAfterMs: after,
    });
  }

  #badReply(response: HttpResponse, path: string, why: string | undefined): IngestError {
    return new IngestError(
      `${this.url}${path} answered 200 with a body that is not the ingest protocol's (${why ?? "unreadable"}): ${response.text.slice(0, 200)}; is the URL the LANPO ingest?`,
      { status: response.status, body: response.text, url: this.url, isRetryable: false },
    );
  }
}

/** The protocol's wire shape: exactly the schema's Batch fields, whatever else the object holds. */
function wireBatch(batch: TrainingBatch): Record<string, unknown> {
  return {
    batchId: batch.batchId,
    runId: batch.runId,
    step: batch.step,
    createdAtMs: batch.createdAtMs,
    samples: batch.samples,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
