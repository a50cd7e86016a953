import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import { type Problem, ScriptedPolicy } from "@lanpo/core";
import { openAiBaseUrl } from "./check-model-server.js";
import type { RunConfig } from "./run-config.js";

/** Local servers (vLLM, llama.cpp, Ollama) ignore the key, but the OpenAI client insists on one. */
export const PLACEHOLDER_API_KEY = "lanpo-local-no-key";

/**
 * The policy of a run: a `ChatOpenAI` talking to `config.modelUrl` when set (model name already
 * checked against the server), else the offline {@link ScriptedPolicy}. The trainer owns timeouts
 * and retries, so the client's own are turned off.
 */
export function createPolicy(
  config: RunConfig,
  problems: readonly Problem[],
  model: string | null,
  apiKey: string | null,
): BaseChatModel {
  if (config.modelUrl === null || model === null) {
    return new ScriptedPolicy({
      problems,
      seed: config.seed,
      ...(config.scriptedSuccessRate === null ? {} : { successRate: config.scriptedSuccessRate }),
    });
  }
  return new ChatOpenAI({
    model,
    apiKey: apiKey ?? PLACEHOLDER_API_KEY,
    temperature: config.temperature,
    ...(config.maxTokens === null ? {} : { maxTokens: config.maxTokens }),
    maxRetries: 0,
    configuration: { baseURL: openAiBaseUrl(config.modelUrl) },
  });
}
