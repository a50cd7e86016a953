import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Problem } from "@lanpo/core";
import { chatModelFromConfig } from "@lanpo/langchain";
import { openAiBaseUrl } from "./check-model-server.js";
import type { RunConfig } from "./run-config.js";

/**
 * The policy of a run, from `@lanpo/langchain`'s model backends: an OpenAI-compatible client for
 * `config.modelUrl` when set (model name already checked against the server), else the offline
 * scripted policy. The trainer owns retries, backoff and `Retry-After`, so the client makes one
 * try a call; it asks for the completion's log-probabilities, which a trainer on the cluster uses
 * as behaviour log-probs.
 */
export function createPolicy(
  config: RunConfig,
  problems: readonly Problem[],
  model: string | null,
  apiKey: string | null,
): BaseChatModel {
  if (config.modelUrl === null || model === null) {
    return chatModelFromConfig({
      provider: "scripted",
      problems: problems.map((p) => ({ ...p })),
      seed: config.seed,
      ...(config.scriptedSuccessRate === null ? {} : { successRate: config.scriptedSuccessRate }),
    });
  }
  return chatModelFromConfig({
    provider: "openai",
    baseUrl: openAiBaseUrl(config.modelUrl),
    model,
    ...(apiKey === null ? {} : { apiKey }),
    temperature: config.temperature,
    ...(config.maxTokens === null ? {} : { maxTokens: config.maxTokens }),
    maxRetries: 0,
    timeoutMs: config.timeoutMs,
    maxConcurrency: config.concurrency,
    logprobs: config.optimizer === "ray",
  });
}
