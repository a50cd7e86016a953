import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ConfigError, ScriptedPolicy } from "@lanpo/core";
import { type ChatModelConfig, parseChatModelConfig } from "./chat-model-config.js";
import { HuggingFaceChatModel } from "./hugging-face-chat-model.js";
import { LanpoChatOpenAI } from "./lanpo-chat-openai.js";
import { defaultSleep, retryingFetch } from "./retrying-fetch.js";

/** What tests (and unusual deployments) may swap under `chatModelFromConfig`. */
export interface ChatModelDependencies {
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Waits between retries. @default setTimeout */
  sleep?: (ms: number, signal?: AbortSignal | null) => Promise<void>;
  /** Environment the API keys are read from. @default process.env */
  env?: Record<string, string | undefined>;
}

/**
 * The chat model a config names, ready for `lanpo run`, `lanpoMiddleware` or any LangChain code:
 * - `openai`: `ChatOpenAI` (Chat Completions) for OpenAI and every OpenAI-compatible server (vLLM,
 *   SGLang, Ollama, llama.cpp server, TGI's Messages API);
 * - `huggingface`: {@link HuggingFaceChatModel} over `@huggingface/inference`'s `chatCompletion`
 *   (Inference Providers, Inference Endpoints, TGI);
 * - `scripted`: core's offline `ScriptedPolicy`.
 *
 * Each call has a timeout; refused calls (408/409/429/5xx, dropped connections) are retried,
 * waiting what `Retry-After` asks; at most `maxConcurrency` calls are in flight; usage and (when
 * asked) log-probs and token ids come back on each reply. Nothing touches the network until the
 * first call, and replies are not streamed unless `streaming` is set. Throws a `ConfigError`
 * naming the field for a bad config.
 *
 * @example
 * ```ts
 * const policy = chatModelFromConfig({ provider: "openai", baseUrl: "http://localhost:8000/v1", model: "Qwen/Qwen2.5-7B-Instruct", logprobs: true });
 * ```
 */
export function chatModelFromConfig(config: ChatModelConfig, deps: ChatModelDependencies = {}): BaseChatModel {
  const c = parseChatModelConfig(config);
  const env = deps.env ?? process.env;
  if (c.provider === "scripted") {
    return new ScriptedPolicy({
      problems: c.problems ?? [],
      ...(c.successRate !== undefined ? { successRate: c.successRate } : {}),
      ...(c.seed !== undefined ? { seed: c.seed } : {}),
    });
  }
  const fetch = retryingFetch({
    fetch: deps.fetch ?? globalThis.fetch,
    sleep: deps.sleep ?? defaultSleep,
    maxRetries: c.maxRetries,
    maxRetryDelayMs: c.maxRetryDelayMs,
    backoffMs: (retry) => Math.min(c.maxRetryDelayMs, 500 * 2 ** retry),
  });
  if (c.provider === "huggingface") {
    const apiKey = c.apiKey ?? env.HF_TOKEN ?? env.HUGGINGFACEHUB_API_KEY;
    if (!c.baseUrl && !apiKey) {
      throw new ConfigError(
        "apiKey",
        "Hugging Face Inference Providers need a token: set apiKey or HF_TOKEN, or give baseUrl for your own endpoint",
      );
    }
    return new HuggingFaceChatModel({
      model: c.model as string,
      ...(apiKey ? { apiKey } : {}),
      ...(c.baseUrl ? { endpointUrl: c.baseUrl } : {}),
      ...(c.hfProvider ? { provider: c.hfProvider } : {}),
      timeoutMs: c.timeoutMs,
      maxRetries: 0,
      maxConcurrency: c.maxConcurrency,
      streaming: c.streaming,
      logprobs: c.logprobs,
      ...optional({
        temperature: c.temperature,
        topP: c.topP,
        maxTokens: c.maxTokens,
        seed: c.seed,
        topLogprobs: c.topLogprobs,
      }),
      fetch,
    });
  }
  const apiKey = c.apiKey ?? env.OPENAI_API_KEY ?? (c.baseUrl ? "not-needed" : undefined);
  if (!apiKey) {
    throw new ConfigError(
      "apiKey",
      "OpenAI needs an API key: set apiKey or OPENAI_API_KEY, or give baseUrl for a local server",
    );
  }
  return new LanpoChatOpenAI(
    {
      model: c.model as string,
      apiKey,
      configuration: { ...(c.baseUrl ? { baseURL: c.baseUrl } : {}), fetch },
      timeout: c.timeoutMs,
      // Retries happen in `fetch`, where Retry-After is read; LangChain's layer would multiply them.
      maxRetries: 0,
      maxConcurrency: c.maxConcurrency,
      streaming: c.streaming,
      ...(c.logprobs ? { logprobs: true, ...optional({ topLogprobs: c.topLogprobs }) } : {}),
      ...optional({ temperature: c.temperature, topP: c.topP, maxTokens: c.maxTokens, seed: c.seed }),
      ...(c.returnTokenIds ? { modelKwargs: { return_token_ids: true }, __includeRawResponse: true } : {}),
    },
    { provider: "openai", baseUrl: c.baseUrl },
    { tokenIds: c.returnTokenIds },
  );
}

function optional<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
