import { Document } from "@langchain/core/documents";
import { ConfigError } from "@lanpo/core";
import test from "ava";
import { HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { VectorInputError } from "../../memory/src/store/vector-input-error.ts";
import { cosine, randomVectors, TableEmbeddings } from "./hnsw-store-helpers.ts";

const doc = (pageContent: string, id?: string, metadata: Record<string, unknown> = {}) =>
  new Document({ pageContent, id, metadata });

test("scores are cosine similarities: 1 for the same direction, 0 orthogonal, -1 opposite", async (t) => {
  const store = new HnswLessonStore(new TableEmbeddings(3), { numDimensions: 3 });
  await store.addVectors(
    [
      [1, 0, 0],
      [0, 2, 0],
      [-3, 0, 0],
    ],
    [doc("x", "x"), doc("y", "y"), doc("minus-x", "mx")],
  );
  const hits = await store.similaritySearchVectorWithScore([5, 0, 0], 3);
  t.deepEqual(
    hits.map(([d]) => d.id),
    ["x", "y", "mx"],
  );
  t.true(Math.abs((hits[0]?.[1] ?? 0) - 1) < 1e-6);
  t.true(Math.abs(hits[1]?.[1] ?? 1) < 1e-6);
  t.true(Math.abs((hits[2]?.[1] ?? 0) + 1) < 1e-6);
  t.is(store._vectorstoreType(), "lanpo-hnsw");
});

test("scores agree with an exact cosine computation", async (t) => {
  const vectors = randomVectors(200, 16, 3);
  const store = new HnswLessonStore(new TableEmbeddings(16), { numDimensions: 16 });
  await store.addVectors(
    vectors,
    vectors.map((_, i) => doc(`d${i}`, String(i))),
  );
  const query = randomVectors(1, 16, 99)[0]!;
  const hits = await store.similaritySearchVectorWithScore(query, 5);
  const exact = vectors.map((v, i) => ({ i, s: cosine(v, query) })).sort((a, b) => b.s - a.s);
  t.deepEqual(
    hits.map(([d]) => d.id),
    exact.slice(0, 5).map((e) => String(e.i)),
  );
  for (const [i, [, score]] of hits.entries()) t.true(Math.abs(score - (exact[i]?.s ?? 0)) < 1e-5);
});

test("ids: Document.id is kept, options.ids win, missing ids are generated, and adding an id again updates it", async (t) => {
  let n = 0;
  const store = new HnswLessonStore(new TableEmbeddings(4), { numDimensions: 4, generateId: () => `gen-${n++}` });
  const ids = await store.addVectors(
    [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ],
    [doc("a", "doc-a"), doc("b"), doc("c", "ignored")],
    { ids: [undefined as unknown as string, undefined as unknown as string, "given"] },
  );
  t.deepEqual(ids, ["doc-a", "gen-0", "given"]);
  await store.addVectors([[0, 0, 0, 1]], [doc("a, moved", "doc-a", { v: 2 })]);
  t.is(store.size, 3);
  const [top] = await store.similaritySearchVectorWithScore([0, 0, 0, 1], 1);
  t.is(top?.[0].id, "doc-a");
  t.is(top?.[0].pageContent, "a, moved");
  t.deepEqual(top?.[0].metadata, { v: 2 });
  t.is(store.getDocument("given")?.pageContent, "c");
});

test("addDocuments embeds page contents once per batch and returns the ids", async (t) => {
  const embeddings = new TableEmbeddings(8);
  const store = new HnswLessonStore(embeddings, { numDimensions: 8 });
  const ids = await store.addDocuments([doc("one", "1"), doc("two", "2")]);
  t.deepEqual(ids, ["1", "2"]);
  t.is(embeddings.calls, 1);
  const [hit] = await store.similaritySearchWithScore("two", 1);
  t.is(hit?.[0].id, "2");
  t.true((hit?.[1] ?? 0) > 0.999);
});

test("delete removes documents and their slots are reused; unknown ids are ignored", async (t) => {
  const store = new HnswLessonStore(new TableEmbeddings(8), { numDimensions: 8, initialCapacity: 4 });
  const vectors = randomVectors(4, 8, 5);
  await store.addVectors(
    vectors,
    ["a", "b", "c", "d"].map((id) => doc(id, id)),
  );
  t.is(store.capacity, 4);
  await store.delete({ ids: ["b", "c", "nope"] });
  t.is(store.size, 2);
  const hits = await store.similaritySearchVectorWithScore(vectors[1]!, 4);
  t.deepEqual(hits.map(([d]) => d.id).sort(), ["a", "d"]);
  await store.addVectors(randomVectors(2, 8, 6), [doc("e", "e"), doc("f", "f")]);
  t.is(store.capacity, 4, "the two deleted slots were reused, no growth");
  t.is(store.size, 4);
  // A deleted id can come back.
  await store.delete({ ids: ["a"] });
  await store.addVectors([vectors[0]!], [doc("a again", "a")]);
  const [top] = await store.similaritySearchVectorWithScore(vectors[0]!, 1);
  t.is(top?.[0].pageContent, "a again");
  const error = await t.throwsAsync(store.delete({} as { ids: string[] }));
  t.true(ConfigError.isInstance(error));
});

test("capacity doubles instead of growing by each batch", async (t) => {
  const store = new HnswLessonStore(new TableEmbeddings(4), { numDimensions: 4, initialCapacity: 4 });
  const seen: number[] = [];
  for (let i = 0; i < 20; i++) {
    await store.addVectors(randomVectors(1, 4, i + 10), [doc(`d${i}`)]);
    seen.push(store.capacity);
  }
  t.deepEqual([...new Set(seen)], [4, 8, 16, 32]);
  await store.addVectors(
    randomVectors(100, 4, 77),
    randomVectors(100, 4, 77).map((_, i) => doc(`bulk${i}`)),
  );
  t.is(store.capacity, 128);
  t.is(store.size, 120);
});

test("a predicate filter still returns k results when k pass, even if they are far away", async (t) => {
  const dims = 16;
  const vectors = randomVectors(600, dims, 8);
  const store = new HnswLessonStore(new TableEmbeddings(dims), {
    numDimensions: dims,
    efSearch: 1,
    M: 4,
    efConstruction: 8,
  });
  await store.addVectors(
    vectors,
    vectors.map((_, i) => doc(`d${i}`, String(i), { keep: i % 97 === 0 })),
  );
  const query = vectors[1]!;
  const hits = await store.similaritySearchVectorWithScore(query, 6, (d) => d.metadata.keep === true);
  t.is(hits.length, 6, "six of the seven documents with keep=true");
  const exact = vectors
    .map((v, i) => ({ i, s: cosine(v, query) }))
    .filter((e) => e.i % 97 === 0)
    .sort((a, b) => b.s - a.s);
  t.deepEqual(
    hits.map(([d]) => d.id),
    exact.slice(0, 6).map((e) => String(e.i)),
  );
  t.is(store.efSearch, 1, "the raised ef is not left behind");
  // More than pass: capped at what passes.
  t.is((await store.similaritySearchVectorWithScore(query, 50, (d) => d.metadata.keep === true)).length, 7);
  // Nothing passes: a correct empty answer.
  t.deepEqual(await store.similaritySearchVectorWithScore(query, 5, () => false), []);
  t.deepEqual(await store.similaritySearchVectorWithScore(query, 5, { excludeIds: store.ids() }), []);
});

test("excluded ids do not eat into k", async (t) => {
  const vectors = randomVectors(50, 8, 9);
  const store = new HnswLessonStore(new TableEmbeddings(8), { numDimensions: 8, efSearch: 2 });
  await store.addVectors(
    vectors,
    vectors.map((_, i) => doc(`d${i}`, String(i))),
  );
  const all = await store.similaritySearchVectorWithScore(vectors[0]!, 50);
  const excluded = all.slice(0, 10).map(([d]) => d.id as string);
  const hits = await store.similaritySearchVectorWithScore(vectors[0]!, 5, { excludeIds: excluded });
  t.deepEqual(
    hits.map(([d]) => d.id),
    all.slice(10, 15).map(([d]) => d.id),
  );
  const both = await store.similaritySearchVectorWithScore(vectors[0]!, 3, {
    excludeIds: excluded,
    predicate: (d) => Number(d.id) % 2 === 0,
  });
  t.deepEqual(
    both.map(([d]) => d.id),
    all
      .slice(10)
      .filter(([d]) => Number(d.id) % 2 === 0)
      .slice(0, 3)
      .map(([d]) => d.id),
  );
});

test("asRetriever works, with k and a filter, and a score-threshold retriever can be built on the scores", async (t) => {
  const embeddings = new TableEmbeddings(3, {
    apples: [1, 0.1, 0],
    pears: [0.9, 0.3, 0],
    cars: [0, 0, 1],
    "fruit?": [1, 0.2, 0],
  });
  const store = new HnswLessonStore(embeddings, { numDimensions: 3 });
  await store.addDocuments([
    doc("apples", "a", { kind: "fruit" }),
    doc("pears", "p", { kind: "fruit" }),
    doc("cars", "c", { kind: "car" }),
  ]);
  const retriever = store.asRetriever({ k: 2 });
  t.deepEqual(
    (await retriever.invoke("fruit?")).map((d) => d.id),
    ["a", "p"],
  );
  const filtered = store.asRetriever({ k: 2, filter: (d) => d.metadata.kind === "car" });
  t.deepEqual(
    (await filtered.invoke("fruit?")).map((d) => d.id),
    ["c"],
  );
  // ScoreThresholdRetriever's algorithm (langchain/retrievers/score_threshold): it keeps documents
  // whose score is >= minSimilarityScore, which only works when higher means more similar.
  const minSimilarityScore = 0.9;
  const withScores = await store.similaritySearchWithScore("fruit?", 10);
  const kept = withScores.filter(([, score]) => score >= minSimilarityScore).map(([d]) => d.id);
  t.deepEqual(kept, ["a", "p"]);
});

test("vectors of the wrong dimension, NaN or Infinity are refused before the index sees them", async (t) => {
  const store = new HnswLessonStore(new TableEmbeddings(4), { numDimensions: 4 });
  await store.addVectors([[1, 2, 3, 4]], [doc("ok", "ok")]);
  const cases: [number[], VectorInputError["problem"]][] = [
    [[1, 2, 3], "dimension"],
    [[1, 2, 3, 4, 5], "dimension"],
    [[1, Number.NaN, 3, 4], "not-finite"],
    [[1, 2, Number.POSITIVE_INFINITY, 4], "not-finite"],
  ];
  for (const [vector, problem] of cases) {
    const onAdd = await t.throwsAsync(store.addVectors([[0, 0, 0, 1], vector], [doc("x", "x"), doc("y", "y")]));
    t.true(VectorInputError.isInstance(onAdd));
    t.is((onAdd as VectorInputError).problem, problem);
    t.is((onAdd as VectorInputError).index, 1);
    const onQuery = await t.throwsAsync(store.similaritySearchVectorWithScore(vector, 1));
    t.is((onQuery as VectorInputError).problem, problem);
  }
  t.is(store.size, 1, "a bad batch adds nothing, not even its good vectors");
  const lengths = await t.throwsAsync(store.addVectors([[1, 2, 3, 4]], [doc("a"), doc("b")]));
  t.is((lengths as VectorInputError).problem, "batch-length");
  const notArray = await t.throwsAsync(store.similaritySearchVectorWithScore("nope" as unknown as number[], 1));
  t.is((notArray as VectorInputError).problem, "not-array");
  const dims = await t.throwsAsync(store.addVectors([[1, 2, 3]], [doc("a")]));
  t.regex(dims?.message ?? "", /3 dimensions, the store holds 4/);
});

test("an empty store answers [], k larger than the store returns everything, k = 0 returns []", async (t) => {
  const store = new HnswLessonStore(new TableEmbeddings(4), { numDimensions: 4 });
  t.deepEqual(await store.similaritySearchVectorWithScore([1, 0, 0, 0], 5), []);
  t.deepEqual(await store.similaritySearch("anything", 3), []);
  await store.addVectors(
    [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ],
    [doc("a"), doc("b")],
  );
  t.is((await store.similaritySearchVectorWithScore([1, 0, 0, 0], 1000)).length, 2);
  t.deepEqual(await store.similaritySearchVectorWithScore([1, 0, 0, 0], 0), []);
  await store.delete({ ids: store.ids() });
  t.deepEqual(await store.similaritySearchVectorWithScore([1, 0, 0, 0], 3), [], "all deleted");
  for (const k of [-1, 1.5, Number.NaN]) {
    const error = await t.throwsAsync(store.similaritySearchVectorWithScore([1, 0, 0, 0], k));
    t.true(ConfigError.isInstance(error));
    t.is((error as ConfigError).field, "k");
  }
});

test("a zero query vector scores 0 against everything rather than NaN", async (t) => {
  const store = new HnswLessonStore(new TableEmbeddings(3), { numDimensions: 3 });
  await store.addVectors(
    [
      [1, 0, 0],
      [0, 1, 0],
    ],
    [doc("a"), doc("b")],
  );
  const hits = await store.similaritySearchVectorWithScore([0, 0, 0], 2);
  t.deepEqual(
    hits.map(([, s]) => s),
    [0, 0],
  );
});

test("bad options are ConfigErrors naming the field", (t) => {
  const embeddings = new TableEmbeddings(4);
  for (const [field, options] of [
    ["numDimensions", { numDimensions: 0 }],
    ["numDimensions", { numDimensions: 1.5 }],
    ["M", { numDimensions: 4, M: 0 }],
    ["efSearch", { numDimensions: 4, efSearch: -3 }],
    ["efConstruction", { numDimensions: 4, efConstruction: Number.NaN }],
  ] as const) {
    const error = t.throws(() => new HnswLessonStore(embeddings, options));
    t.true(ConfigError.isInstance(error), field);
    t.is((error as ConfigError).field, field);
  }
  for (const [field, options] of [
    ["space", { space: "l2" }],
    ["docstore", { docstore: {} }],
    ["index", { index: {} }],
    ["recallTarget.recall", { recallTarget: { recall: 1.5 } }],
    ["projection.dimensions", { numDimensions: 8, projection: { dimensions: 6 } }],
  ] as const) {
    const error = t.throws(() => new HnswLessonStore(embeddings, options as never));
    t.true(ConfigError.isInstance(error), field);
    t.is((error as ConfigError).field, field);
  }
  t.regex(t.throws(() => new HnswLessonStore(embeddings, { space: "ip" } as never))?.message ?? "", /cosine/);
  t.throws(() => new HnswLessonStore(embeddings, "512" as never), { instanceOf: ConfigError });
  // Options may be left out entirely: the size is inferred from the first vectors.
  t.is(new HnswLessonStore(embeddings).numDimensions, undefined);
});

test("concurrent addDocuments calls lose nothing", async (t) => {
  const store = new HnswLessonStore(new TableEmbeddings(8), { numDimensions: 8, initialCapacity: 2 });
  await Promise.all(
    Array.from({ length: 25 }, (_, i) => store.addDocuments([doc(`text ${i}`, `id${i}`), doc(`more ${i}`)])),
  );
  t.is(store.size, 50);
  t.is(store.ids().filter((id) => id.startsWith("id")).length, 25);
  t.is((await store.similaritySearch("text 7", 1))[0]?.id, "id7");
});

test("fromTexts and fromDocuments infer numDimensions from the first embedding", async (t) => {
  const store = await HnswLessonStore.fromTexts(["a", "b"], [{ n: 1 }, { n: 2 }], new TableEmbeddings(6));
  t.is(store.numDimensions, 6);
  t.is(store.size, 2);
  t.deepEqual((await store.similaritySearch("b", 1))[0]?.metadata, { n: 2 });
  // Built from no documents, the store takes its size from the first vectors added later.
  const empty = await HnswLessonStore.fromTexts([], [], new TableEmbeddings(6));
  t.is(empty.numDimensions, undefined);
  t.deepEqual(await empty.similaritySearch("a", 2), []);
  await empty.addDocuments([doc("a", "a"), doc("b", "b")]);
  t.is(empty.numDimensions, 6);
  t.is((await empty.similaritySearch("b", 1))[0]?.id, "b");
  const wrong = await t.throwsAsync(empty.addVectors([[1, 2, 3]], [doc("c")]));
  t.true(VectorInputError.isInstance(wrong), "once inferred, the size is enforced");
});

test("calibrateEfSearch picks the smallest efSearch that reaches the target recall and keeps it", async (t) => {
  const dims = 24;
  const vectors = randomVectors(1500, dims, 31);
  const store = new HnswLessonStore(new TableEmbeddings(dims), {
    numDimensions: dims,
    M: 4,
    efConstruction: 10,
    efSearch: 4,
  });
  await store.addVectors(
    vectors,
    vectors.map((_, i) => doc(`d${i}`)),
  );
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const result = store.calibrateEfSearch({ targetRecall: 0.9, candidates: [4, 8, 16, 32, 64, 128, 256], random });
  t.true(result.reached);
  const last = result.recallByEf.at(-1)!;
  t.is(last.efSearch, result.efSearch);
  t.true(last.recall >= 0.9);
  for (const earlier of result.recallByEf.slice(0, -1)) t.true(earlier.recall < 0.9);
  t.true(result.recallByEf.length >= 2, "the low efConstruction index needs more than the smallest ef");
  t.is(store.efSearch, result.efSearch);
  const unreachable = store.calibrateEfSearch({ targetRecall: 1.01, candidates: [2, 4, 512, 1024], random });
  t.false(unreachable.reached);
  const best = Math.max(...unreachable.recallByEf.map((r) => r.recall));
  t.true(best > (unreachable.recallByEf[0]?.recall ?? 1), "recall grows with ef");
  t.is(unreachable.efSearch, unreachable.recallByEf.find((r) => r.recall >= best - 0.005)?.efSearch ?? -1);
  t.not(unreachable.efSearch, 2);
  const empty = new HnswLessonStore(new TableEmbeddings(dims), { numDimensions: dims });
  t.like(empty.calibrateEfSearch(), { efSearch: 32, reached: true, recall: 1, sampleSize: 0, recallByEf: [] });
  t.is(empty.efSearch, 32, "an empty store keeps its efSearch");
});
