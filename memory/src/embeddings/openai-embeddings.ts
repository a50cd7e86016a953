import { OpenAIEmbeddings } from "@langchain/openai";
import { ConfigError } from "@lanpo/core";
import { EmbeddingsError, isRetryableStatus } from "./embeddings-error.js";
import { parseFeatureVectors } from "./parse-feature-vectors.js";

/** Options of {@link openAIEmbeddings}. */
export interface OpenAICompatibleEmbeddingsOptions {
  /** Server root including `/v1`, for example `http://localhost:8000/v1` (vLLM), `http://localhost:11434/v1` (Ollama). */
  baseURL: string;
  /** Model name as the server knows it. */
  model: string;
  /**
   * Bearer token. Local servers usually ignore it, but the OpenAI client requires one.
   * @default process.env.OPENAI_API_KEY ?? "not-needed"
   */
  apiKey?: string;
  /** Output dimensions, for models and servers that support shortening (Matryoshka). */
  dimensions?: number;
  /**
   * Texts per request.
   * @default 32
   */
  batchSize?: number;
  /**
   * Per-request time limit in milliseconds.
   * @default 60000
   */
  timeoutMs?: number;
  /**
   * Retries on 408, 429, 5xx, timeouts and connection errors.
   * @default 2
   */
  maxRetries?: number;
}

// Same client, but every failure becomes an EmbeddingsError naming the server, and answers are
// checked (one finite vector per text, one dimension) before they reach a vector store.
class CompatibleOpenAIEmbeddings extends OpenAIEmbeddings {
  readonly endpoint: string;

  constructor(endpoint: string, fields: ConstructorParameters<typeof OpenAIEmbeddings>[0]) {
    super(fields);
    this.endpoint = endpoint;
  }

  override async embedDocuments(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const vectors = await this.wrap(() => super.embedDocuments(texts), texts.length);
    return parseFeatureVectors(vectors, texts.length, this.endpoint);
  }

  override async embedQuery(text: string): Promise<number[]> {
    const vector = await this.wrap(() => super.embedQuery(text), 1);
    return parseFeatureVectors([vector], 1, this.endpoint)[0] as number[];
  }

  private async wrap<T>(call: () => Promise<T>, count: number): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (EmbeddingsError.isInstance(error)) throw error;
      // LangChain re-wraps some SDK errors, so look at both the class and the `name` it sets.
      const e = error as { name?: string; constructor?: { name?: string } } | null;
      const name = `${e?.constructor?.name ?? ""} ${e?.name ?? ""}`;
      const status = (error as { status?: unknown } | null)?.status;
      const message = (error as Error | null)?.message ?? String(error);
      if (/Timeout/.test(name)) {
        throw new EmbeddingsError(
          this.endpoint,
          `no answer within ${this.timeout} ms for ${count} texts; raise timeoutMs or check the server.`,
          { isRetryable: true, cause: error },
        );
      }
      if (typeof status === "number") {
        const hint = status === 413 ? " The batch is too large for the server: lower batchSize." : "";
        throw new EmbeddingsError(this.endpoint, `HTTP ${status}: ${message}.${hint}`, {
          isRetryable: isRetryableStatus(status),
          statusCode: status,
          cause: error,
        });
      }
      if (/Connection/.test(name))
        throw new EmbeddingsError(this.endpoint, `cannot reach the server: ${message}`, {
          isRetryable: true,
          cause: error,
        });
      throw new EmbeddingsError(
        this.endpoint,
        `unusable answer: ${message}. Is this an OpenAI-compatible /v1/embeddings endpoint?`,
        { isRetryable: false, cause: error },
      );
    }
  }
}

/**
 * `OpenAIEmbeddings` from @langchain/openai pointed at any OpenAI-compatible server (vLLM, TEI,
 * Ollama, llama.cpp server, OpenAI itself). Floats are requested explicitly (`encoding_format:
 * "float"`), since not every server decodes base64; failures are {@link EmbeddingsError}s naming the
 * base URL, and answers are checked for shape.
 *
 * @example
 * ```ts
 * const embeddings = openAIEmbeddings({ baseURL: "http://localhost:8000/v1", model: "BAAI/bge-small-en-v1.5" });
 * ```
 */
export function openAIEmbeddings(options: OpenAICompatibleEmbeddingsOptions): OpenAIEmbeddings {
  if (!/^https?:\/\//.test(options.baseURL))
    throw new ConfigError(
      "baseURL",
      `must be an http(s) URL such as http://localhost:8000/v1, got "${options.baseURL}"`,
    );
  if (!options.model) throw new ConfigError("model", "name the embedding model the server serves.");
  return new CompatibleOpenAIEmbeddings(options.baseURL, {
    model: options.model,
    apiKey: options.apiKey ?? process.env.OPENAI_API_KEY ?? "not-needed",
    batchSize: options.batchSize ?? 32,
    timeout: options.timeoutMs ?? 60_000,
    maxRetries: options.maxRetries ?? 2,
    encodingFormat: "float",
    ...(options.dimensions !== undefined ? { dimensions: options.dimensions } : {}),
    configuration: { baseURL: options.baseURL },
  });
}
