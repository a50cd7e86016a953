import { ConfigError } from "@lanpo/core";
import test from "ava";
import { EmbeddingsError, HuggingFaceEmbeddings } from "../../../memory/src/embeddings/index.js";
import {
  type FakeEmbeddingServer,
  fakeVector,
  loopbackFetch,
  useFakeEmbeddingServer,
} from "../../fixtures/embeddings-fake-server.js";

const server = useFakeEmbeddingServer(test);

const texts = (n: number) => Array.from({ length: n }, (_, i) => `text number ${i}`);

test.serial("TEI: posts {inputs} to the endpoint root in batches of at most 32, answers in order", async (t) => {
  const embeddings = new HuggingFaceEmbeddings({ endpointUrl: server().url, apiKey: "hf_secret" });
  const input = texts(70);
  const vectors = await embeddings.embedDocuments(input);
  t.deepEqual(vectors, input.map(fakeVector));
  t.deepEqual(
    server().requests.map((r) => [r.method, r.url]),
    [
      ["POST", "/"],
      ["POST", "/"],
      ["POST", "/"],
    ],
  );
  t.deepEqual(
    server()
      .requests.map((r) => (r.body as { inputs: string[] }).inputs.length)
      .sort(),
    [32, 32, 6],
  );
  t.is(server().requests[0]?.headers.authorization, "Bearer hf_secret");
  t.deepEqual(await embeddings.embedQuery("q"), fakeVector("q"));
});

test.serial("Inference Providers: the hub mapping, then the router's feature-extraction route", async (t) => {
  const embeddings = new HuggingFaceEmbeddings({
    model: "BAAI/bge-small-en-v1.5",
    apiKey: "hf_x",
    fetch: loopbackFetch(server().url),
  });
  const vectors = await embeddings.embedDocuments(["a", "bb"]);
  t.deepEqual(vectors, [fakeVector("a"), fakeVector("bb")]);
  const post = server().requests.find((r) => r.method === "POST");
  t.is(post?.url, "/hf-inference/models/BAAI/bge-small-en-v1.5/pipeline/feature-extraction");
  t.deepEqual((post?.body as { inputs: string[] } | undefined)?.inputs, ["a", "bb"]);
});

test.serial("token-level answers are mean-pooled", async (t) => {
  server().mode = { kind: "token-level" };
  const embeddings = new HuggingFaceEmbeddings({ endpointUrl: server().url });
  const [v] = await embeddings.embedDocuments(["abc"]);
  t.deepEqual(
    v,
    fakeVector("abc").map((x) => x + 1),
  );
});

for (const [name, mode, pattern, retryable, status] of [
  ["500 after retries", { kind: "status", status: 500 }, /HTTP 500/, true, 500],
  ["413 too large, not retried", { kind: "status", status: 413 }, /HTTP 413.*lower batchSize/, false, 413],
  ["garbage body", { kind: "garbage" }, /./, false, undefined],
  ["vectors of different dimensions", { kind: "ragged" }, /different dimensions/, false, undefined],
] as const) {
  test.serial(`TEI ${name} -> EmbeddingsError naming the endpoint`, async (t) => {
    server().mode = { ...mode } as FakeEmbeddingServer["mode"];
    const embeddings = new HuggingFaceEmbeddings({ endpointUrl: server().url, maxRetries: 1 });
    const error = await t.throwsAsync(embeddings.embedDocuments(["a", "b"]));
    t.true(EmbeddingsError.isInstance(error), String(error));
    const e = error as EmbeddingsError;
    t.is(e.endpoint, server().url);
    t.true(e.message.startsWith(server().url));
    t.regex(e.message, pattern);
    t.is(e.isRetryable, retryable);
    t.is(e.statusCode, status);
    t.is(server().requests.length, retryable ? 2 : 1);
  });
}

test.serial("a 503 once is retried and succeeds", async (t) => {
  server().mode = { kind: "status", status: 503, times: 1 };
  const embeddings = new HuggingFaceEmbeddings({ endpointUrl: server().url, maxRetries: 2 });
  t.deepEqual(await embeddings.embedDocuments(["a"]), [fakeVector("a")]);
  t.is(server().requests.length, 2);
});

test.serial("a server that never answers times out with a retryable EmbeddingsError", async (t) => {
  server().mode = { kind: "hang" };
  const embeddings = new HuggingFaceEmbeddings({ endpointUrl: server().url, timeoutMs: 200, maxRetries: 0 });
  const error = await t.throwsAsync(embeddings.embedDocuments(["a"]));
  t.true(EmbeddingsError.isInstance(error));
  t.regex(String(error?.message), /no answer within 200 ms/);
  t.true((error as EmbeddingsError).isRetryable);
});

test.serial("an unreachable server is a retryable EmbeddingsError", async (t) => {
  const embeddings = new HuggingFaceEmbeddings({ endpointUrl: "http://127.0.0.1:9", maxRetries: 0 });
  const error = await t.throwsAsync(embeddings.embedDocuments(["a"]));
  t.true(EmbeddingsError.isInstance(error));
  t.true((error as EmbeddingsError).isRetryable);
});

test("bad options are ConfigErrors", (t) => {
  t.true(ConfigError.isInstance(t.throws(() => new HuggingFaceEmbeddings({}))));
  t.true(ConfigError.isInstance(t.throws(() => new HuggingFaceEmbeddings({ endpointUrl: "http://x", batchSize: 33 }))));
  t.true(ConfigError.isInstance(t.throws(() => new HuggingFaceEmbeddings({ endpointUrl: "http://x", timeoutMs: 0 }))));
});
