import { ConfigError, type Problem } from "@lanpo/core";
import { z } from "zod";

const positiveInt = z.number().int().positive();

/**
 * What `chatModelFromConfig` builds, as a config file or CLI flags give it. Every field but
 * `provider` has a default (or is needed only by one provider).
 */
export const chatModelConfigSchema = z
  .object({
    /** `openai`: OpenAI and every OpenAI-compatible server; `huggingface`: HF Inference Providers, Endpoints, TGI; `scripted`: offline. */
    provider: z.enum(["openai", "huggingface", "scripted"]),
    /** Server URL: `http://host:8000/v1` for vLLM/SGLang/Ollama/llama.cpp, an Endpoint or TGI URL for Hugging Face. @default the provider's public API */
    baseUrl: z.url().optional(),
    /** Model name as the server knows it. Required for `openai` and `huggingface`. */
    model: z.string().min(1).optional(),
    /** API key. @default OPENAI_API_KEY / HF_TOKEN from the environment; none for a local server */
    apiKey: z.string().optional(),
    /** Per request, in ms. @default 60000 */
    timeoutMs: positiveInt.default(60_000),
    /** Retries after the first try, for 408/409/429/5xx and dropped connections. @default 2 */
    maxRetries: z.number().int().min(0).max(20).default(2),
    /** Longest pause honoured between tries (a larger `Retry-After` is capped), in ms. @default 30000 */
    maxRetryDelayMs: z.number().int().min(0).default(30_000),
    /** Calls in flight at once, per model. @default 8 */
    maxConcurrency: positiveInt.default(8),
    temperature: z.number().min(0).max(2).optional(),
    topP: z.number().gt(0).max(1).optional(),
    /** Completion tokens at most. */
    maxTokens: positiveInt.optional(),
    seed: z.number().int().optional(),
    /** Stream replies token by token. @default false */
    streaming: z.boolean().default(false),
    /** Ask for the log-probability of every completion token (`response_metadata.logprobs`). @default false */
    logprobs: z.boolean().default(false),
    /** Alternatives per token with `logprobs`. */
    topLogprobs: z.number().int().min(0).max(20).optional(),
    /** Ask vLLM for the completion's token ids (`return_token_ids`; `response_metadata.token_ids`). @default false */
    returnTokenIds: z.boolean().default(false),
    /** Hugging Face Inference Provider (`auto`, `together`, ...) when there is no `baseUrl`. @default "auto" */
    hfProvider: z.string().min(1).optional(),
    /** `scripted` only: the problems it will be asked. */
    problems: z.array(z.object({ id: z.string(), question: z.string(), answer: z.string() }).loose()).optional(),
    /** `scripted` only: chance of a right answer. @default 0.35 */
    successRate: z.number().min(0).max(1).optional(),
  })
  .strict();

export type ChatModelConfig = z.input<typeof chatModelConfigSchema>;
export type ResolvedChatModelConfig = z.output<typeof chatModelConfigSchema> & { problems?: Problem[] };

/** Validates once, at the edge: a ConfigError names the first wrong field and what it must be. */
export function parseChatModelConfig(config: ChatModelConfig): ResolvedChatModelConfig {
  const parsed = chatModelConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join(".") : "model config";
    throw new ConfigError(field, issue?.message ?? "is invalid");
  }
  const value = parsed.data as ResolvedChatModelConfig;
  if (value.provider !== "scripted" && !value.model) {
    throw new ConfigError(
      "model",
      `is required for provider "${value.provider}": the model name as the server knows it`,
    );
  }
  if (value.provider === "scripted" && !value.problems) {
    throw new ConfigError("problems", 'is required for provider "scripted": it answers only the problems it is given');
  }
  return value;
}
