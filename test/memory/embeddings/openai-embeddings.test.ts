import { OpenAIEmbeddings } from "@langchain/openai";
import { ConfigError } from "@lanpo/core";
import test from "ava";
import { EmbeddingsError, openAIEmbeddings } from "../../../memory/src/embeddings/index.js";
import { type FakeEmbeddingServer, fakeVector, useFakeEmbeddingServer } from "../../fixtures/embeddings-fake-server.js";

const server = useFakeEmbeddingServer(test);

test.serial("posts to {baseURL}/embeddings with model, floats, dimensions; answers in order", async (t) => {
  const embeddings = openAIEmbeddings({
    baseURL: `${server().url}/v1`,
    model: "bge-small",
    apiKey: "k",
    dimensions: 4,
    batchSize: 2,
  });
  t.true(embeddings instanceof OpenAIEmbeddings);
  const vectors = await embeddings.embedDocuments(["a", "bb", "ccc"]);
  t.deepEqual(vectors, ["a", "bb", "ccc"].map(fakeVector));
  t.is(server().requests.length, 2);
  const first = server().requests[0];
  t.is(first?.url, "/v1/embeddings");
  t.like(first?.body as object, { model: "bge-small", encoding_format: "float", dimensions: 4 });
  t.is(first?.headers.authorization, "Bearer k");
  t.deepEqual(await embeddings.embedQuery("q"), fakeVector("q"));
});

for (const [name, mode, pattern, retryable, status] of [
  ["500 after retries", { kind: "status", status: 500 }, /HTTP 500/, true, 500],
  ["413 too large, not retried", { kind: "status", status: 413 }, /HTTP 413.*lower batchSize/, false, 413],
  ["garbage body", { kind: "garbage" }, /unusable answer/, false, undefined],
] as const) {
  test.serial(`${name} -> EmbeddingsError naming the base URL`, async (t) => {
    server().mode = { ...mode } as FakeEmbeddingServer["mode"];
    const baseURL = `${server().url}/v1`;
    const embeddings = openAIEmbeddings({ baseURL, model: "m", maxRetries: 1 });
    const error = await t.throwsAsync(embeddings.embedDocuments(["a"]));
    t.true(EmbeddingsError.isInstance(error), String(error));
    const e = error as EmbeddingsError;
    t.is(e.endpoint, baseURL);
    t.regex(e.message, pattern);
    t.is(e.isRetryable, retryable);
    t.is(e.statusCode, status);
    // LangChain's own caller retries a body it cannot parse once more; status errors follow the table.
    if (status !== undefined) t.is(server().requests.length, retryable ? 2 : 1);
  });
}

test.serial("a server that never answers times out with a retryable EmbeddingsError", async (t) => {
  server().mode = { kind: "hang" };
  const embeddings = openAIEmbeddings({ baseURL: `${server().url}/v1`, model: "m", timeoutMs: 200, maxRetries: 0 });
  const error = await t.throwsAsync(embeddings.embedQuery("a"));
  t.true(EmbeddingsError.isInstance(error), String(error));
  t.true((error as EmbeddingsError).isRetryable);
});

test("bad options are ConfigErrors", (t) => {
  t.true(ConfigError.isInstance(t.throws(() => openAIEmbeddings({ baseURL: "localhost:8000", model: "m" }))));
  t.true(ConfigError.isInstance(t.throws(() => openAIEmbeddings({ baseURL: "http://x/v1", model: "" }))));
});
