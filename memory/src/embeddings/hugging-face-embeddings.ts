import { InferenceClient } from "@huggingface/inference";
import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings";
import { ConfigError } from "@lanpo/core";
import { EmbeddingsError, isRetryableStatus, stopOnPermanentError } from "./embeddings-error.js";
import { parseFeatureVectors } from "./parse-feature-vectors.js";

/** TEI's default `--max-client-batch-size`; Inference Providers reject large batches too. */
export const HUGGING_FACE_MAX_BATCH = 32;

/** Options of {@link HuggingFaceEmbeddings}. Give `endpointUrl` (self-hosted TEI) or `model`. */
export interface HuggingFaceEmbeddingsOptions extends EmbeddingsParams {
  /** Model id on the Hub, for Inference Providers (for example `"BAAI/bge-small-en-v1.5"`). */
  model?: string;
  /**
   * Inference Provider that serves `model`.
   * @default "hf-inference"
   */
  provider?: string;
  /**
   * Hugging Face token; only sent when present.
   * @default process.env.HF_TOKEN ?? process.env.HUGGINGFACEHUB_API_KEY
   */
  apiKey?: string;
  /** A self-hosted Text Embeddings Inference server (or Inference Endpoint): texts are posted to its root as `{"inputs": [...]}`. */
  endpointUrl?: string;
  /**
   * Texts per request, at most 32.
   * @default 32
   */
  batchSize?: number;
  /**
   * Per-request time limit in milliseconds; a request that takes longer fails with a retryable error.
   * @default 60000
   */
  timeoutMs?: number;
  /** Replaces `fetch` (a proxy, or a test server). */
  fetch?: typeof fetch;
}

/**
 * Embeddings from Hugging Face through `@huggingface/inference` feature extraction: Inference
 * Providers (`model` + `provider` + token) or a self-hosted TEI endpoint (`endpointUrl`). Texts go
 * in batches of at most 32, each through `this.caller` (retries on 408, 429, 5xx, timeouts and
 * network errors; not on other 4xx or malformed answers).
 *
 * Answers must be one vector per text, all of one dimension. A token-level answer (one vector per
 * token, as some models return without pooling) is mean-pooled over tokens; anything else is an
 * {@link EmbeddingsError} naming the endpoint.
 *
 * @example
 * ```ts
 * const tei = new HuggingFaceEmbeddings({ endpointUrl: "http://localhost:8080" });
 * const hub = new HuggingFaceEmbeddings({ model: "BAAI/bge-small-en-v1.5", apiKey: process.env.HF_TOKEN });
 * ```
 */
export class HuggingFaceEmbeddings extends Embeddings {
  /** Where requests go: the endpoint URL, or `provider:model`. Used in every error message. */
  readonly endpoint: string;
  private readonly model: string | undefined;
  private readonly provider: string | undefined;
  private readonly batchSize: number;
  private readonly timeoutMs: number;
  private readonly client: Pick<InferenceClient, "featureExtraction">;

  constructor(options: HuggingFaceEmbeddingsOptions) {
    super({ ...options, onFailedAttempt: options.onFailedAttempt ?? stopOnPermanentError });
    if (options.endpointUrl === undefined && !options.model)
      throw new ConfigError("model", "give a Hub model id (Inference Providers) or an endpointUrl (self-hosted TEI).");
    const batchSize = options.batchSize ?? HUGGING_FACE_MAX_BATCH;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > HUGGING_FACE_MAX_BATCH) {
      throw new ConfigError("batchSize", `must be an integer from 1 to ${HUGGING_FACE_MAX_BATCH}, got ${batchSize}`);
    }
    const timeoutMs = options.timeoutMs ?? 60_000;
    if (!(timeoutMs > 0))
      throw new ConfigError("timeoutMs", `must be a positive number of milliseconds, got ${timeoutMs}`);
    this.model = options.model;
    // With an endpoint URL the client refuses a provider: the endpoint is the provider.
    this.provider = options.endpointUrl === undefined ? (options.provider ?? "hf-inference") : undefined;
    this.batchSize = batchSize;
    this.timeoutMs = timeoutMs;
    this.endpoint = options.endpointUrl ?? `${this.provider}:${options.model}`;
    if (options.endpointUrl !== undefined && options.provider !== undefined) {
      throw new ConfigError(
        "provider",
        "give either endpointUrl (self-hosted) or provider (Inference Providers), not both.",
      );
    }
    const token = options.apiKey ?? process.env.HF_TOKEN ?? process.env.HUGGINGFACEHUB_API_KEY;
    const client = new InferenceClient(token, options.fetch ? { fetch: options.fetch } : {});
    this.client = options.endpointUrl === undefined ? client : client.endpoint(options.endpointUrl);
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    const batches: string[][] = [];
    for (let i = 0; i < documents.length; i += this.batchSize) batches.push(documents.slice(i, i + this.batchSize));
    const results = await Promise.all(batches.map((batch) => this.caller.call(() => this.embedBatch(batch))));
    const vectors = results.flat();
    const dims = vectors[0]?.length;
    if (vectors.some((v) => v.length !== dims)) {
      throw new EmbeddingsError(
        this.endpoint,
        "batches came back with different dimensions; is the endpoint serving more than one model?",
        { isRetryable: false },
      );
    }
    return vectors;
  }

  async embedQuery(document: string): Promise<number[]> {
    const [vector] = await this.embedDocuments([document]);
    return vector as number[];
  }

  private async embedBatch(texts: string[]): Promise<number[][]> {
    let output: unknown;
    try {
      output = await this.client.featureExtraction(
        {
          inputs: texts,
          ...(this.model ? { model: this.model } : {}),
          ...(this.provider ? { provider: this.provider as "hf-inference" } : {}),
        },
        { signal: AbortSignal.timeout(this.timeoutMs), retry_on_error: false },
      );
    } catch (error) {
      throw this.toError(error, texts.length);
    }
    return parseFeatureVectors(output, texts.length, this.endpoint);
  }

  private toError(error: unknown, count: number): EmbeddingsError {
    if (EmbeddingsError.isInstance(error)) return error;
    const name = (error as { name?: string } | null)?.name;
    if (name === "TimeoutError" || name === "AbortError") {
      return new EmbeddingsError(
        this.endpoint,
        `no answer within ${this.timeoutMs} ms for a batch of ${count}; raise timeoutMs or check the server.`,
        { isRetryable: true, cause: error },
      );
    }
    const status = (error as { httpResponse?: { status?: number } } | null)?.httpResponse?.status;
    const message = (error as Error | null)?.message ?? String(error);
    if (typeof status === "number") {
      const hint =
        status === 413
          ? " The batch is too large for the server: lower batchSize or raise TEI's --max-client-batch-size / --max-batch-tokens."
          : "";
      return new EmbeddingsError(this.endpoint, `HTTP ${status}: ${message}.${hint}`, {
        isRetryable: isRetryableStatus(status),
        statusCode: status,
        cause: error,
      });
    }
    if (name === "InferenceClientInputError" || name === "InferenceClientRoutingError") {
      return new EmbeddingsError(this.endpoint, `the request cannot be made: ${message}`, {
        isRetryable: false,
        cause: error,
      });
    }
    if (name === "InferenceClientProviderOutputError" || error instanceof SyntaxError) {
      return new EmbeddingsError(this.endpoint, `unusable answer: ${message}`, { isRetryable: false, cause: error });
    }
    return new EmbeddingsError(this.endpoint, `request failed: ${message}`, { isRetryable: true, cause: error });
  }
}
