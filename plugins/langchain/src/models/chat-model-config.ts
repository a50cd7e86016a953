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
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
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

/** What each field must be, said when a config gets it wrong. */
const FIELD_HINTS: Record<string, string> = {
  provider:
    'must be "openai" (OpenAI and OpenAI-compatible servers: vLLM, SGLang, Ollama, llama.cpp server, TGI), "huggingface" (Inference Providers, Endpoints, TGI) or "scripted" (offline)',
  baseUrl: "must be an http(s) URL, such as http://localhost:8000/v1 for vLLM or an Inference Endpoint URL",
  model: "must be the model name as the server knows it, a non-empty string",
  apiKey: "must be a string (or left out: OPENAI_API_KEY / HF_TOKEN are read, a local server needs none)",
  timeoutMs: "must be a whole number of milliseconds > 0 (default 60000)",
  maxRetries: "must be a whole number from 0 to 20 (default 2)",
  maxRetryDelayMs: "must be a whole number of milliseconds >= 0 (default 30000)",
  maxConcurrency: "must be a whole number > 0 (default 8)",
  temperature: "must be a number from 0 to 2",
  topP: "must be a number above 0 and at most 1",
  maxTokens: "must be a whole number > 0",
  seed: "must be a whole number",
  streaming: "must be true or false (default false)",
  logprobs: "must be true or false (default false)",
  topLogprobs: "must be a whole number from 0 to 20, and needs logprobs: true",
  returnTokenIds: "must be true or false (default false)",
  hfProvider: 'must be a Hugging Face Inference Provider name such as "auto" or "together"',
  problems: 'must be the problems { id, question, answer } the "scripted" policy will be asked',
  successRate: "must be a number from 0 to 1",
};

const FIELDS = Object.keys(chatModelConfigSchema.shape);

/** Validates once, at the edge: a ConfigError names the first wrong field, what it must be and what it got. */
export function parseChatModelConfig(config: ChatModelConfig): ResolvedChatModelConfig {
  const parsed = chatModelConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.code === "unrecognized_keys") {
      const key = issue.keys[0] as string;
      const near = FIELDS.find((f) => f.toLowerCase() === key.toLowerCase() || editDistance(f, key) <= 2);
      throw new ConfigError(
        key,
        `is not a model config field${near ? `; did you mean "${near}"?` : ""} Fields: ${FIELDS.join(", ")}`,
      );
    }
    const path = issue?.path ?? [];
    if (path.length === 0) {
      throw new ConfigError("model config", `must be an object with at least a provider, got ${describe(config)}`);
    }
    const field = path.join(".");
    const top = String(path[0]);
    const got = path.reduce<unknown>(
      (v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey],
      config,
    );
    const hint = path.length === 1 ? FIELD_HINTS[top] : undefined;
    throw new ConfigError(field, `${hint ?? issue?.message ?? "is invalid"}, got ${describe(got)}`);
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
  if (value.topLogprobs !== undefined && !value.logprobs) {
    throw new ConfigError("topLogprobs", "needs logprobs: true (alternatives are sent only with the log-probs)");
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}
