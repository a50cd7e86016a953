import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, StorageError } from "@lanpo/core";
import test from "ava";
import {
  defaultEmbeddings,
  EmbeddingsError,
  latexToWords,
  MATH_SUBJECTS,
  prepareForSentenceEncoder,
} from "../../../memory/src/embeddings/index.js";
import { USE_LITE_MAX_TOKENS } from "../../../memory/src/embeddings/sentence-piece-tokenizer.js";
import { type TokenBatch, UseLiteWorkerPool } from "../../../memory/src/embeddings/use-lite-worker-pool.js";

const batchOf = (...texts: number[][]): TokenBatch => ({
  ids: Int32Array.from(texts.flat()),
  lengths: Int32Array.from(texts, (t) => t.length),
});

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const tempDir = () => mkdtempSync(join(tmpdir(), "lanpo-emb-test-"));

// Any network access during these tests is a bug: the default must run offline.
const realFetch = globalThis.fetch;
let fetchCalls = 0;
test.before(() => {
  globalThis.fetch = (async () => {
    fetchCalls++;
    throw new Error("network access attempted in an offline test");
  }) as typeof fetch;
});
test.after.always(() => {
  globalThis.fetch = realFetch;
});

test.serial("loads offline and embeds: shape, unit length, dimensions reported, similar texts closer", async (t) => {
  const embeddings = defaultEmbeddings({ cacheDir: false });
  try {
    const vectors = await embeddings.embedDocuments([
      "In triangle $ABC$, $AB = 5$ and $BC = 12$. Find the area of the triangle.",
      "A right triangle has legs of length 3 and 4. What is its area?",
      "How many positive divisors does $120$ have?",
    ]);
    t.is(fetchCalls, 0);
    t.is(embeddings.dimensions, 512 + 1024 + 34 + 7);
    t.is(vectors.length, 3);
    for (const v of vectors) {
      t.is(v.length, embeddings.dimensions);
      t.true(Math.abs(dot(v, v) - 1) < 1e-6);
      t.true(v.every(Number.isFinite));
    }
    const [a, b, c] = vectors as [number[], number[], number[]];
    t.true(dot(a, b) > dot(a, c));
    t.deepEqual(await embeddings.embedQuery("A right triangle has legs of length 3 and 4. What is its area?"), b);
  } finally {
    await embeddings.close();
  }
});

test.serial("the topic part: its weight sets its share of the norm, 0 leaves it out", async (t) => {
  const cacheDir = tempDir();
  const text = "Two fair dice are rolled. What is the probability that the sum is $7$?";
  const withTopics = defaultEmbeddings({ cacheDir, lexicalWeight: 0.2, topicWeight: 0.3, subjectWeight: 0 });
  const without = defaultEmbeddings({ cacheDir, lexicalWeight: 0.2, topicWeight: 0, subjectWeight: 0 });
  try {
    t.is(without.dimensions, 512 + 1024);
    const [v] = await withTopics.embedDocuments([text]);
    const [w] = await without.embedDocuments([text]);
    t.is(v?.length, 512 + 1024 + 34);
    const share = (from: number, to: number) => (v as number[]).slice(from, to).reduce((s, x) => s + x * x, 0);
    t.true(Math.abs(share(0, 512) - 0.5) < 1e-9);
    t.true(Math.abs(share(512, 1536) - 0.2) < 1e-9);
    t.true(Math.abs(share(1536, 1570) - 0.3) < 1e-9);
    t.is(w?.length, 512 + 1024);
  } finally {
    await withTopics.close();
    await without.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test.serial("batches, de-duplicates, and the cache answers a second call without the model", async (t) => {
  const cacheDir = tempDir();
  const batches: (readonly string[])[] = [];
  const texts = Array.from(
    { length: 10 },
    (_, i) => `Problem ${"x".repeat(i)} number ${i}: find the sum of the roots.`,
  );
  const embeddings = defaultEmbeddings({ cacheDir, batchSize: 4, onBatch: (b) => batches.push(b) });
  try {
    const first = await embeddings.embedDocuments([...texts, texts[0] as string, texts[1] as string]);
    t.is(first.length, 12);
    t.deepEqual(first[10], first[0]);
    t.deepEqual(batches.map((b) => b.length).sort(), [2, 4, 4]);
    t.like(embeddings.stats(), { texts: 12, embedded: 10, cacheHits: 0, batches: 3 });
    batches.length = 0;
    const second = await embeddings.embedDocuments(texts);
    t.deepEqual(batches, []);
    t.like(embeddings.stats(), { embedded: 10, cacheHits: 10 });
    for (const [i, v] of second.entries()) t.true(Math.abs(dot(v, first[i] as number[]) - 1) < 1e-6);
  } finally {
    await embeddings.close();
  }
  // Persistent: a new instance (a new process, in effect) reads the file and embeds nothing.
  const again = defaultEmbeddings({ cacheDir, onBatch: (b) => batches.push(b) });
  try {
    await again.embedDocuments(texts.slice(0, 5));
    t.deepEqual(batches, []);
    t.like(again.stats(), { cacheHits: 5, embedded: 0 });
  } finally {
    await again.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test.serial("a torn last cache record is cut off and the rest is kept", async (t) => {
  const cacheDir = tempDir();
  const first = defaultEmbeddings({ cacheDir, lexicalWeight: 0, topicWeight: 0, subjectWeight: 0 });
  await first.embedDocuments(["alpha problem", "beta problem"]);
  await first.close();
  const [file] = readdirSync(cacheDir);
  const path = join(cacheDir, file as string);
  truncateSync(path, statSync(path).size - 100);
  const batches: (readonly string[])[] = [];
  const second = defaultEmbeddings({
    cacheDir,
    lexicalWeight: 0,
    topicWeight: 0,
    subjectWeight: 0,
    onBatch: (b) => batches.push(b),
  });
  try {
    const [v] = await second.embedDocuments(["alpha problem", "beta problem"]);
    t.is(v?.length, 512);
    t.like(second.stats(), { cacheHits: 1, embedded: 1 });
    t.is((statSync(path).size - 16) % (32 + 512 * 4), 0);
  } finally {
    await second.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test.serial("a cache file that is not ours is a StorageError naming it", async (t) => {
  const cacheDir = tempDir();
  writeFileSync(join(cacheDir, "use-lite-0.2.0-f32-512.bin"), "garbage, not a cache");
  const embeddings = defaultEmbeddings({ cacheDir });
  try {
    const error = await t.throwsAsync(embeddings.embedDocuments(["x"]));
    t.true(StorageError.isInstance(error));
    t.regex(String(error?.message), /use-lite-0\.2\.0-f32-512\.bin.*Delete/);
  } finally {
    await embeddings.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test.serial("LANPO_CACHE_DIR sets where the cache lives", async (t) => {
  const root = tempDir();
  const saved = process.env.LANPO_CACHE_DIR;
  process.env.LANPO_CACHE_DIR = root;
  const embeddings = defaultEmbeddings();
  try {
    await embeddings.embedDocuments(["where does the cache go?"]);
    t.deepEqual(readdirSync(join(root, "embeddings")), ["use-lite-0.2.0-f32-512.bin"]);
  } finally {
    if (saved === undefined) delete process.env.LANPO_CACHE_DIR;
    else process.env.LANPO_CACHE_DIR = saved;
    await embeddings.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test.serial("both worker threads are used when there are batches for both", async (t) => {
  const pool = new UseLiteWorkerPool({ workers: 2 });
  try {
    const results = await Promise.all([pool.embed(batchOf([30, 120, 400])), pool.embed(batchOf([30, 77]))]);
    t.is(results.length, 2);
    t.is(results[0]?.[0]?.length, 512);
    t.is((pool as unknown as { slots: unknown[] }).slots.length, 2);
  } finally {
    await pool.close();
  }
});

test.serial("a worker that crashes fails its batch with a retryable EmbeddingsError and is replaced", async (t) => {
  const crashing = `require("node:worker_threads").parentPort.on("message", () => { throw new Error("boom"); });`;
  const pool = new UseLiteWorkerPool({ workers: 1, workerSource: crashing });
  try {
    const error = await t.throwsAsync(pool.embed(batchOf([30])));
    t.true(EmbeddingsError.isInstance(error));
    t.true((error as EmbeddingsError).isRetryable);
    t.regex(String(error?.message), /local:use-lite.*crashed.*boom/);
    const again = await t.throwsAsync(pool.embed(batchOf([31])));
    t.true(EmbeddingsError.isInstance(again));
  } finally {
    await pool.close();
  }
});

test.serial("a worker that answers garbage is a non-retryable EmbeddingsError", async (t) => {
  const wrong = `const { parentPort } = require("node:worker_threads");
    parentPort.on("message", ({ id }) => parentPort.postMessage({ id, dims: 3, buffer: new Float32Array(3).buffer }));`;
  const pool = new UseLiteWorkerPool({ workers: 1, workerSource: wrong });
  try {
    const error = await t.throwsAsync(pool.embed(batchOf([30])));
    t.true(EmbeddingsError.isInstance(error));
    t.false((error as EmbeddingsError).isRetryable);
    t.regex(String(error?.message), /3 dimensions/);
  } finally {
    await pool.close();
  }
});

test.serial("a closed instance refuses work with a clear error", async (t) => {
  const embeddings = defaultEmbeddings({ cacheDir: false });
  await embeddings.close();
  const error = await t.throwsAsync(embeddings.embedDocuments(["after close"]));
  t.regex(String(error?.message), /closed/);
});

test.serial("start() loads the model in every worker on the SIMD WASM backend", async (t) => {
  const pool = new UseLiteWorkerPool({ workers: 2 });
  try {
    const backends = await pool.start();
    // Node 20 always has WASM SIMD: the scalar build would be about 2.5x slower.
    t.deepEqual(backends, [
      { backend: "wasm", simd: true, threads: false },
      { backend: "wasm", simd: true, threads: false },
    ]);
  } finally {
    await pool.close();
  }
  await t.throwsAsync(pool.start(), { message: /closed/ });
});

test.serial("a worker that cannot load the model fails start() with a non-retryable EmbeddingsError", async (t) => {
  const broken = `require("node:worker_threads").parentPort.postMessage({ ready: { error: "model.json: not found" } });`;
  const pool = new UseLiteWorkerPool({ workers: 1, workerSource: broken });
  try {
    const error = await t.throwsAsync(pool.start());
    t.true(EmbeddingsError.isInstance(error));
    t.false((error as EmbeddingsError).isRetryable);
    t.regex(String(error?.message), /could not load the model: model\.json: not found/);
  } finally {
    await pool.close();
  }
});

test.serial("batching by token count changes no vector: a batch equals its texts embedded one by one", async (t) => {
  const texts = [
    "What is the remainder when 2 to the power 100 is divided by 7?",
    "Find the area of a circle of radius 3.",
    "A bag holds 4 red and 6 blue marbles. Two are drawn without replacement; what is the probability both are red?",
    "Solve for x.",
  ];
  const together = defaultEmbeddings({ cacheDir: false, lexicalWeight: 0, topicWeight: 0, subjectWeight: 0 });
  const alone = defaultEmbeddings({
    cacheDir: false,
    lexicalWeight: 0,
    topicWeight: 0,
    subjectWeight: 0,
    batchSize: 1,
  });
  try {
    const a = await together.embedDocuments(texts);
    const b = await alone.embedDocuments(texts);
    t.like(together.stats(), { batches: 1 });
    t.like(alone.stats(), { batches: 4 });
    for (const [i, v] of a.entries()) t.true(dot(v, b[i] as number[]) > 1 - 1e-5);
  } finally {
    await together.close();
    await alone.close();
  }
});

test.serial("the token cap is lossless: text past the model's 128 tokens does not change the vector", async (t) => {
  const long = Array.from({ length: 60 }, (_, i) => `step ${i} adds the previous two terms`).join(", ");
  const embeddings = defaultEmbeddings({ cacheDir: false, lexicalWeight: 0, topicWeight: 0, subjectWeight: 0 });
  try {
    const [a, b] = await embeddings.embedDocuments([long, `${long} and then a hexagon is inscribed in a circle`]);
    t.true(dot(a as number[], b as number[]) > 1 - 1e-6);
    t.is(embeddings.stats().tokens, 2 * USE_LITE_MAX_TOKENS);
  } finally {
    await embeddings.close();
  }
});

test.serial("a lower maxTokens reads less, and caches in a file of its own", async (t) => {
  const cacheDir = tempDir();
  const long = Array.from({ length: 40 }, (_, i) => `clause ${i} of a long problem statement`).join(", ");
  const capped = defaultEmbeddings({ cacheDir, lexicalWeight: 0, topicWeight: 0, subjectWeight: 0, maxTokens: 16 });
  const full = defaultEmbeddings({ cacheDir, lexicalWeight: 0, topicWeight: 0, subjectWeight: 0 });
  try {
    const [a] = await capped.embedDocuments([long]);
    const [b] = await full.embedDocuments([long]);
    t.is(capped.stats().tokens, 16);
    t.true(dot(a as number[], b as number[]) < 0.999);
    t.deepEqual(readdirSync(cacheDir).sort(), ["use-lite-0.2.0-f32-512-t16.bin", "use-lite-0.2.0-f32-512.bin"]);
  } finally {
    await capped.close();
    await full.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test.serial("texts with nothing for the encoder to read get a finite vector, not an error", async (t) => {
  const embeddings = defaultEmbeddings({ cacheDir: false });
  try {
    const vectors = await embeddings.embedDocuments(["", "$ $", "Find the sum of the roots.", "{}"]);
    t.is(vectors.length, 4);
    for (const v of vectors) t.true(v.length === embeddings.dimensions && v.every(Number.isFinite));
    t.like(embeddings.stats(), { embedded: 1, batches: 1 });
    t.true(Math.abs(dot(vectors[2] as number[], vectors[2] as number[]) - 1) < 1e-6);
  } finally {
    await embeddings.close();
  }
});

test.serial(
  "the subject part: seven subject probabilities as a unit vector, given its share of the norm",
  async (t) => {
    const cacheDir = tempDir();
    const texts = [
      "Two fair dice are rolled. What is the probability that the sum is $7$?",
      "What is the remainder when $3^{100}$ is divided by $7$?",
      "In triangle $ABC$, $AB = 5$, $BC = 12$ and $AC = 13$. What is the area of the triangle?",
    ];
    const embeddings = defaultEmbeddings({ cacheDir });
    const without = defaultEmbeddings({ cacheDir, subjectWeight: 0 });
    try {
      t.is(embeddings.dimensions, 512 + 1024 + 34 + 7);
      t.is(without.dimensions, 512 + 1024 + 34);
      const vectors = await embeddings.embedDocuments(texts);
      const share = (v: number[], from: number, to: number) => v.slice(from, to).reduce((s, x) => s + x * x, 0);
      const expected: (string | undefined)[] = ["Counting & Probability", "Number Theory", "Geometry"];
      for (const [i, v] of vectors.entries()) {
        t.true(Math.abs(share(v, 0, 512) - 0.25) < 1e-9);
        t.true(Math.abs(share(v, 512, 1536) - 0.125) < 1e-9);
        t.true(Math.abs(share(v, 1536, 1570) - 0.125) < 1e-9);
        const subjects = v.slice(1570);
        t.true(Math.abs(share(subjects, 0, 7) - 0.5) < 1e-9);
        t.true(subjects.every((x) => x >= 0));
        const top: string | undefined = MATH_SUBJECTS[subjects.indexOf(Math.max(...subjects))];
        t.is(top, expected[i]);
      }
    } finally {
      await embeddings.close();
      await without.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  },
);

test("bad options are ConfigErrors naming the field", (t) => {
  for (const [options, field] of [
    [{ workers: 0 }, "workers"],
    [{ batchSize: 1.5 }, "batchSize"],
    [{ maxBatchTokens: 0 }, "maxBatchTokens"],
    [{ maxTokens: 0 }, "maxTokens"],
    [{ maxTokens: 129 }, "maxTokens"],
    [{ maxTokens: 2.5 }, "maxTokens"],
    [{ lexicalWeight: 1 }, "lexicalWeight"],
    [{ topicWeight: -0.1 }, "topicWeight"],
    [{ topicWeight: 1 }, "topicWeight"],
    [{ lexicalWeight: 0.5, topicWeight: 0.5 }, "subjectWeight"],
    [{ subjectWeight: -0.1 }, "subjectWeight"],
    [{ subjectWeight: 1 }, "subjectWeight"],
    [{ subjectWeight: Number.NaN }, "subjectWeight"],
    [{ lexicalWeight: 0.3, topicWeight: 0.2, subjectWeight: 0.5 }, "subjectWeight"],
    [{ lexicalDimensions: -3 }, "lexicalDimensions"],
  ] as const) {
    const error = t.throws(() => defaultEmbeddings(options));
    t.true(ConfigError.isInstance(error));
    t.regex(String(error?.message), new RegExp(field));
  }
});

test("latexToWords reads notation as words and drops what carries no topic", (t) => {
  t.is(
    latexToWords("Find $\\sin \\frac{\\pi}{6}$ and $x^2$, $5!$, $\\angle ABC = 30^\\circ$."),
    "Find sine fraction pi 6 and x squared , 5 factorial , angle ABC = 30 degrees .",
  );
  t.is(latexToWords("Let $N = 1234567$.[asy]draw((0,0)--(1,1));[/asy]"), "Let N = number . diagram");
  t.is(
    prepareForSentenceEncoder("What is $\\frac12$? Express your answer as a common fraction."),
    "What is fraction 12 ?",
  );
});
