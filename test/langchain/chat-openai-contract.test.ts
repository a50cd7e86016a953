// Contract tests of ChatOpenAI as chatModelFromConfig builds it, against a loopback server that
// speaks OpenAI Chat Completions (as vLLM and TGI's Messages API do).
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { ConfigError, ModelError } from "@lanpo/core";
import { chatModelFromConfig } from "@lanpo/langchain";
import test from "ava";
import { type CompatibleFakeServer, startCompatibleFakeServer } from "../fixtures/openai-compatible-fake-server.ts";

const messages = [new SystemMessage("Be brief."), new HumanMessage("What is 6 * 7?")];

async function withServer(
  run: (server: CompatibleFakeServer) => Promise<void>,
  options?: Parameters<typeof startCompatibleFakeServer>[0],
) {
  const server = await startCompatibleFakeServer(options);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

const noSleep = { sleep: async () => {} };

test("no request at construction; a plain reply: the exact request, and every field the trainer reads", (t) =>
  withServer(async (server) => {
    server.script([{ kind: "content", content: "42", reasoning: "6 * 7 = 42" }]);
    const model = chatModelFromConfig(
      { provider: "openai", baseUrl: server.url, model: "qwen-7b", apiKey: "sk-test", temperature: 0.5, maxTokens: 64 },
      noSleep,
    );
    t.is(server.requests.length, 0);
    const reply = await model.invoke(messages);
    t.is(server.requests.length, 1);
    const [request] = server.requests;
    t.is(request?.method, "POST");
    t.is(request?.url, "/v1/chat/completions");
    t.is(request?.headers.authorization, "Bearer sk-test");
    t.like(request?.body, {
      model: "qwen-7b",
      temperature: 0.5,
      max_tokens: 64,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is 6 * 7?" },
      ],
    });
    t.not(request?.body?.stream, true, "not streamed unless asked");
    t.is(reply.content, "42");
    t.is(reply.response_metadata.finish_reason, "stop");
    t.is(reply.response_metadata.model_name, "qwen-7b");
    t.is(reply.additional_kwargs.reasoning_content, "6 * 7 = 42");
    t.like((reply as { usage_metadata?: object }).usage_metadata, {
      input_tokens: 11,
      output_tokens: 7,
      total_tokens: 18,
    });
  }));

test("log-probs and vLLM token ids, when asked, land where the trainer reads them", (t) =>
  withServer(async (server) => {
    server.script([
      {
        kind: "content",
        content: "42",
        logprobs: [
          { token: "4", logprob: -0.1 },
          { token: "2", logprob: -0.2 },
        ],
        tokenIds: [19, 17],
      },
    ]);
    const model = chatModelFromConfig(
      { provider: "openai", baseUrl: server.url, model: "m", logprobs: true, topLogprobs: 2, returnTokenIds: true },
      noSleep,
    );
    const reply = await model.invoke(messages);
    t.like(server.requests[0]?.body, { logprobs: true, top_logprobs: 2, return_token_ids: true });
    const logprobs = reply.response_metadata.logprobs as { content: { logprob: number }[] };
    t.deepEqual(
      logprobs.content.map((c) => c.logprob),
      [-0.1, -0.2],
    );
    t.deepEqual(reply.response_metadata.token_ids, [19, 17]);
    t.is(reply.additional_kwargs.__raw_response, undefined, "the raw response is not left on the message");
    t.is(server.requests[0]?.headers.authorization, "Bearer not-needed", "a local server needs no key");
  }));

test("streaming when asked: the body says so, chunks arrive, invoke aggregates them with usage", (t) =>
  withServer(async (server) => {
    server.script([{ kind: "stream", content: "The answer is 42.", chunkChars: 5 }]);
    const model = chatModelFromConfig(
      { provider: "openai", baseUrl: server.url, model: "m", streaming: true },
      noSleep,
    );
    const chunks: string[] = [];
    for await (const chunk of await model.stream(messages)) chunks.push(chunk.text);
    t.true(chunks.filter(Boolean).length >= 4);
    t.is(chunks.join(""), "The answer is 42.");
    t.is(server.requests[0]?.body?.stream, true);
    const reply = await model.invoke(messages);
    t.is(reply.content, "The answer is 42.");
    t.is(reply.response_metadata.finish_reason, "stop");
    t.like((reply as { usage_metadata?: object }).usage_metadata, { input_tokens: 11, output_tokens: 4 });
  }));

test("a 429 with Retry-After is retried after the pause it asks, then succeeds", (t) =>
  withServer(async (server) => {
    server.script([
      { kind: "status", status: 429, headers: { "retry-after": "2" } },
      { kind: "content", content: "42" },
    ]);
    const pauses: number[] = [];
    const model = chatModelFromConfig(
      { provider: "openai", baseUrl: server.url, model: "m", maxRetries: 2 },
      { sleep: async (ms) => void pauses.push(ms) },
    );
    const reply = await model.invoke(messages);
    t.is(reply.content, "42");
    t.deepEqual(pauses, [2000]);
    t.is(server.requests.length, 2);
    t.deepEqual(server.requests[0]?.body, server.requests[1]?.body, "the same request is sent again");
  }));

test("a 500 after the last retry is a retryable ModelError naming the status and server", (t) =>
  withServer(async (server) => {
    server.script([{ kind: "status", status: 500, message: "CUDA out of memory" }]);
    const model = chatModelFromConfig({ provider: "openai", baseUrl: server.url, model: "m", maxRetries: 1 }, noSleep);
    const error = await t.throwsAsync(model.invoke(messages));
    t.true(ModelError.isInstance(error));
    t.true((error as ModelError).isRetryable);
    t.regex(error?.message ?? "", /openai chat call at http:\/\/127\.0\.0\.1:\d+\/v1 failed \(HTTP 500\)/);
    t.regex(error?.message ?? "", /check its logs/);
    t.is(server.requests.length, 2);
  }));

test("a 400 is not retried and is not retryable", (t) =>
  withServer(async (server) => {
    server.script([{ kind: "status", status: 400, message: "max_tokens too large" }]);
    const model = chatModelFromConfig({ provider: "openai", baseUrl: server.url, model: "m", maxRetries: 3 }, noSleep);
    const error = await t.throwsAsync(model.invoke(messages));
    t.true(ModelError.isInstance(error) && !error.isRetryable);
    t.is(server.requests.length, 1);
  }));

test("a reply cut off mid-stream is a retryable ModelError, not a short answer", (t) =>
  withServer(async (server) => {
    server.script([{ kind: "stream", content: "The answer is 42, because", chunkChars: 4, cutAfterChunks: 2 }]);
    const model = chatModelFromConfig(
      { provider: "openai", baseUrl: server.url, model: "m", streaming: true },
      noSleep,
    );
    const error = await t.throwsAsync(model.invoke(messages));
    t.true(ModelError.isInstance(error) && error.isRetryable, String(error));
  }));

test("a server that never answers: the timeout fires as a retryable ModelError", (t) =>
  withServer(async (server) => {
    server.script([{ kind: "hang" }]);
    const model = chatModelFromConfig(
      { provider: "openai", baseUrl: server.url, model: "m", timeoutMs: 300, maxRetries: 0 },
      noSleep,
    );
    const error = await t.throwsAsync(model.invoke(messages));
    t.true(ModelError.isInstance(error) && error.isRetryable, String(error));
    t.regex(error?.message ?? "", /timeout|timed out/i);
  }));

test("at most maxConcurrency calls are in flight", (t) =>
  withServer(
    async (server) => {
      const model = chatModelFromConfig(
        { provider: "openai", baseUrl: server.url, model: "m", maxConcurrency: 2 },
        noSleep,
      );
      await Promise.all(Array.from({ length: 6 }, () => model.invoke(messages)));
      t.is(server.requests.length, 6);
      t.true(server.maxInFlight <= 2, `max in flight ${server.maxInFlight}`);
    },
    { delayMs: 40 },
  ));

test("a bad config is a ConfigError naming the field", (t) => {
  const field = (config: unknown) => {
    const error = t.throws(() => chatModelFromConfig(config as never, { env: {} }));
    return ConfigError.isInstance(error) ? error.field : error?.message;
  };
  t.is(field({ provider: "openai" }), "model");
  t.is(field({ provider: "openai", model: "gpt-4o-mini" }), "apiKey");
  t.is(field({ provider: "vertex", model: "m" }), "provider");
  t.is(field({ provider: "openai", model: "m", baseUrl: "not a url" }), "baseUrl");
  t.is(field({ provider: "openai", model: "m", timeoutMs: -1 }), "timeoutMs");
  t.is(field({ provider: "openai", model: "m", tiemoutMs: 5 }), "tiemoutMs");
  t.is(field({ provider: "scripted" }), "problems");
});

test("scripted builds core's ScriptedPolicy", async (t) => {
  const model = chatModelFromConfig({
    provider: "scripted",
    problems: [{ id: "p", question: "What is 6 * 7?", answer: "42" }],
    successRate: 1,
  });
  const reply = await model.invoke([new HumanMessage("What is 6 * 7?")]);
  t.regex(reply.text, /\\boxed\{42\}/);
});
