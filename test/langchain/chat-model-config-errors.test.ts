// chatModelFromConfig: nothing touches the network until a call, and every bad config is a
// ConfigError that names the field, says what it must be and what it got.
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import { ConfigError } from "@lanpo/core";
import { chatModelFromConfig, HuggingFaceChatModel } from "@lanpo/langchain";
import test from "ava";

const problems = [{ id: "p", question: "What is 6 * 7?", answer: "42" }];

test("no network call at construction, for every provider, nor when tools are bound", (t) => {
  let calls = 0;
  const fetch = (async () => {
    calls++;
    throw new Error("no network in this test");
  }) as typeof globalThis.fetch;
  const deps = { fetch, env: {} };
  const openai = chatModelFromConfig({ provider: "openai", baseUrl: "http://127.0.0.1:9/v1", model: "qwen" }, deps);
  t.true(openai instanceof ChatOpenAI);
  (openai as ChatOpenAI).bindTools([
    { type: "function", function: { name: "f", description: "d", parameters: { type: "object", properties: {} } } },
  ]);
  t.true(chatModelFromConfig({ provider: "openai", model: "gpt-4o-mini", apiKey: "sk-x" }, deps) instanceof ChatOpenAI);
  t.true(
    chatModelFromConfig({ provider: "huggingface", baseUrl: "http://127.0.0.1:9", model: "m" }, deps) instanceof
      HuggingFaceChatModel,
  );
  t.true(
    chatModelFromConfig(
      { provider: "huggingface", model: "m", apiKey: "hf_x", hfProvider: "together" },
      deps,
    ) instanceof HuggingFaceChatModel,
  );
  t.true(chatModelFromConfig({ provider: "scripted", problems }, deps) instanceof BaseChatModel);
  t.is(calls, 0);
});

const cases: [name: string, config: unknown, field: string, says: RegExp][] = [
  ["no provider", {}, "provider", /must be "openai" .*"huggingface" .*"scripted".*got nothing/],
  ["an unknown provider", { provider: "anthropic", model: "m" }, "provider", /got "anthropic"/],
  [
    "a URL without a scheme",
    { provider: "openai", baseUrl: "localhost:8000", model: "m" },
    "baseUrl",
    /http\(s\) URL.*got "localhost:8000"/,
  ],
  ["an ftp URL", { provider: "openai", baseUrl: "ftp://host/v1", model: "m" }, "baseUrl", /http\(s\) URL/],
  [
    "a negative timeout",
    { provider: "openai", baseUrl: "http://x/v1", model: "m", timeoutMs: -1 },
    "timeoutMs",
    /milliseconds > 0.*got -1/,
  ],
  [
    "a temperature given as a string",
    { provider: "openai", baseUrl: "http://x/v1", model: "m", temperature: "0.7" },
    "temperature",
    /from 0 to 2, got "0.7"/,
  ],
  [
    "a misspelt field",
    { provider: "openai", baseUrl: "http://x/v1", model: "m", maxTokenz: 5 },
    "maxTokenz",
    /did you mean "maxTokens"\?/,
  ],
  [
    "an unknown field",
    { provider: "openai", baseUrl: "http://x/v1", model: "m", frobnicate: 1 },
    "frobnicate",
    /not a model config field.*Fields: provider/,
  ],
  [
    "topLogprobs without logprobs",
    { provider: "openai", baseUrl: "http://x/v1", model: "m", topLogprobs: 5 },
    "topLogprobs",
    /needs logprobs: true/,
  ],
  [
    "an empty model name",
    { provider: "openai", baseUrl: "http://x/v1", model: "" },
    "model",
    /non-empty string, got ""/,
  ],
  ["no config at all", null, "model config", /must be an object/],
];
for (const [name, config, field, says] of cases) {
  test(`${name} is a ConfigError naming ${field} and the fix`, (t) => {
    const error = t.throws(() => chatModelFromConfig(config as never, { env: {} }));
    t.true(ConfigError.isInstance(error));
    t.is((error as ConfigError).field, field);
    t.regex((error as Error).message, says);
  });
}
