// Contract tests of the Hugging Face clients LANPO uses: the chat model over
// @huggingface/inference's chatCompletion against a fake TGI (Messages API), and the
// feature-extraction client (@lanpo/memory's HuggingFaceEmbeddings) feeding the LessonRetriever
// against a fake TEI.
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { ConfigError, ExactLessonMemory, ModelError } from "@lanpo/core";
import { chatModelFromConfig, HuggingFaceChatModel, LessonRetriever } from "@lanpo/langchain";
import { HuggingFaceEmbeddings } from "@lanpo/memory";
import test from "ava";
import { useFakeEmbeddingServer } from "../fixtures/embeddings-fake-server.ts";
import { type CompatibleFakeServer, startCompatibleFakeServer } from "../fixtures/openai-compatible-fake-server.ts";

const messages = [new SystemMessage("Be brief."), new HumanMessage("What is 6 * 7?")];
const noSleep = { sleep: async () => {}, env: {} };
const tei = useFakeEmbeddingServer(test);

async function withTgi(run: (server: CompatibleFakeServer) => Promise<void>, options?: { delayMs?: number }) {
  const server = await startCompatibleFakeServer(options);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

test("chat: no request at construction; the exact request to TGI and the fields the trainer reads", (t) =>
  withTgi(async (server) => {
    server.script([
      {
        kind: "content",
        content: "42",
        reasoning: "6 * 7",
        logprobs: [{ token: "42", logprob: -0.05 }],
        finishReason: "length",
      },
    ]);
    const model = chatModelFromConfig(
      {
        provider: "huggingface",
        baseUrl: server.origin,
        model: "Qwen/Qwen2.5-7B-Instruct",
        apiKey: "hf_test",
        maxTokens: 32,
        temperature: 0.7,
        logprobs: true,
        seed: 3,
      },
      noSleep,
    );
    t.true(model instanceof HuggingFaceChatModel);
    t.is(server.requests.length, 0);
    const reply = await model.invoke(messages);
    const [request] = server.requests;
    t.is(request?.method, "POST");
    t.is(request?.url, "/v1/chat/completions");
    t.is(request?.headers.authorization, "Bearer hf_test");
    t.deepEqual(request?.body, {
      model: "Qwen/Qwen2.5-7B-Instruct",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is 6 * 7?" },
      ],
      temperature: 0.7,
      max_tokens: 32,
      seed: 3,
      logprobs: true,
    });
    t.is(reply.content, "42");
    t.is(reply.response_metadata.finish_reason, "length");
    t.is(reply.response_metadata.model_name, "Qwen/Qwen2.5-7B-Instruct");
    t.is((reply.response_metadata.logprobs as { content: { logprob: number }[] }).content[0]?.logprob, -0.05);
    t.is(reply.additional_kwargs.reasoning_content, "6 * 7");
    t.like((reply as { usage_metadata?: object }).usage_metadata, {
      input_tokens: 11,
      output_tokens: 7,
      total_tokens: 18,
    });
  }));

test("chat: no token, no Authorization header (a local TGI)", (t) =>
  withTgi(async (server) => {
    const model = chatModelFromConfig({ provider: "huggingface", baseUrl: server.origin, model: "m" }, noSleep);
    await model.invoke(messages);
    t.is(server.requests[0]?.headers.authorization, undefined);
  }));

test("chat: streaming when asked, aggregated by invoke", (t) =>
  withTgi(async (server) => {
    server.script([{ kind: "stream", content: "The answer is 42.", chunkChars: 3 }]);
    const model = chatModelFromConfig(
      { provider: "huggingface", baseUrl: server.origin, model: "m", streaming: true },
      noSleep,
    );
    const chunks: string[] = [];
    for await (const chunk of await model.stream(messages)) chunks.push(chunk.text);
    t.is(chunks.join(""), "The answer is 42.");
    t.true(chunks.length >= 6);
    t.is(server.requests[0]?.body?.stream, true);
    const reply = await model.invoke(messages);
    t.is(reply.content, "The answer is 42.");
    t.is(reply.response_metadata.finish_reason, "stop");
  }));

test("chat: a 429 with Retry-After is retried after the pause it asks", (t) =>
  withTgi(async (server) => {
    server.script([
      { kind: "status", status: 429, headers: { "retry-after": "3" } },
      { kind: "content", content: "42" },
    ]);
    const pauses: number[] = [];
    const model = chatModelFromConfig(
      { provider: "huggingface", baseUrl: server.origin, model: "m" },
      { env: {}, sleep: async (ms) => void pauses.push(ms) },
    );
    t.is((await model.invoke(messages)).content, "42");
    t.deepEqual(pauses, [3000]);
    t.is(server.requests.length, 2);
  }));

test("chat: a 500 after retries, a 401 at once, a cut stream and a timeout are ModelErrors", (t) =>
  withTgi(async (server) => {
    server.script([{ kind: "status", status: 500, message: "model overloaded" }]);
    const model = chatModelFromConfig(
      { provider: "huggingface", baseUrl: server.origin, model: "m", maxRetries: 1 },
      noSleep,
    );
    const e500 = await t.throwsAsync(model.invoke(messages));
    t.true(ModelError.isInstance(e500) && e500.isRetryable);
    t.regex(e500?.message ?? "", /huggingface chat call at http:\/\/127\.0\.0\.1:\d+ failed \(HTTP 500\)/);
    t.is(server.requests.length, 2);

    server.script([{ kind: "status", status: 401, message: "bad token" }]);
    const e401 = await t.throwsAsync(model.invoke(messages));
    t.true(ModelError.isInstance(e401) && !e401.isRetryable);
    t.regex(e401?.message ?? "", /check apiKey/);
    t.is(server.requests.length, 3);

    server.script([{ kind: "stream", content: "The answer is", chunkChars: 2, cutAfterChunks: 2 }]);
    const streaming = chatModelFromConfig(
      { provider: "huggingface", baseUrl: server.origin, model: "m", streaming: true },
      noSleep,
    );
    t.true(ModelError.isInstance(await t.throwsAsync(streaming.invoke(messages))));

    server.script([{ kind: "hang" }]);
    const slow = chatModelFromConfig(
      { provider: "huggingface", baseUrl: server.origin, model: "m", timeoutMs: 300, maxRetries: 0 },
      noSleep,
    );
    const timeout = await t.throwsAsync(slow.invoke(messages));
    t.true(ModelError.isInstance(timeout) && timeout.isRetryable, String(timeout));
    t.regex(timeout?.message ?? "", /timed out after 300 ms/);
  }));

test("chat: at most maxConcurrency calls in flight", (t) =>
  withTgi(
    async (server) => {
      const model = chatModelFromConfig(
        { provider: "huggingface", baseUrl: server.origin, model: "m", maxConcurrency: 2 },
        noSleep,
      );
      await Promise.all(Array.from({ length: 5 }, () => model.invoke(messages)));
      t.true(server.maxInFlight <= 2);
      t.is(server.requests.length, 5);
    },
    { delayMs: 40 },
  ));

test("chat: Inference Providers need a token", (t) => {
  const error = t.throws(() => chatModelFromConfig({ provider: "huggingface", model: "m" }, { env: {} }));
  t.true(ConfigError.isInstance(error) && error.field === "apiKey");
});

test("feature extraction: the exact TEI requests behind a LessonRetriever, and its typed error", async (t) => {
  const server = tei();
  const embeddings = new HuggingFaceEmbeddings({ endpointUrl: server.url, apiKey: "hf_test", maxRetries: 0 });
  const memory = new ExactLessonMemory(embeddings);
  await memory.add([
    { text: "Multiply speed by time.", sourceProblemIds: ["p1"], problemText: "A car goes 50 mph for 2 hours." },
  ]);
  server.requests.length = 0;
  const docs = await new LessonRetriever({ memory, minScore: -1 }).invoke("A bus goes 40 mph for 3 hours.");
  t.is(docs.length, 1);
  t.deepEqual(
    server.requests.map((r) => [r.method, r.url, r.body, r.headers.authorization]),
    [["POST", "/", { inputs: ["A bus goes 40 mph for 3 hours."] }, "Bearer hf_test"]],
  );
  server.mode = { kind: "status", status: 503 };
  const error = await t.throwsAsync(new LessonRetriever({ memory, minScore: -1 }).invoke("Another question?"));
  t.is(error?.name, "EmbeddingsError", String(error));
  t.true((error as { isRetryable?: boolean }).isRetryable);
});
