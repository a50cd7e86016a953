import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { ConfigError, StorageError } from "@lanpo/core";
import test from "ava";
import { HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { TableEmbeddings, tempDir } from "./hnsw-store-helpers.ts";

// What LangChain users call on HnswLessonStore beyond similarity search (issue 11): maximal
// marginal relevance, filters as LangChain's stores take them, the size inferred, and the call
// forms of LangChain's former HNSWLib store (`delete({ directory })` among them).

/** Three near-duplicates of one direction, one vector a little off it, one orthogonal. */
const TABLE: Record<string, number[]> = {
  query: [1, 0, 0, 0],
  a1: [1, 0.01, 0, 0],
  a2: [1, 0.012, 0.001, 0],
  a3: [1, 0.011, 0, 0.001],
  b: [0.8, 0, 0.6, 0],
  c: [0, 1, 0, 0],
};

async function mmrStore(): Promise<HnswLessonStore> {
  const store = new HnswLessonStore(new TableEmbeddings(4, TABLE));
  await store.addDocuments(
    ["a1", "a2", "a3", "b", "c"].map(
      (text) => new Document({ pageContent: text, id: text, metadata: { group: text[0], n: text.length } }),
    ),
  );
  return store;
}

test("maxMarginalRelevanceSearch trades relevance for diversity by lambda, over the stored vectors", async (t) => {
  const store = await mmrStore();
  const plain = (await store.similaritySearch("query", 3)).map((d) => d.id);
  t.deepEqual(plain, ["a1", "a3", "a2"], "plain similarity returns the three near-duplicates");
  const relevance = await store.maxMarginalRelevanceSearch("query", { k: 3, fetchK: 5, lambda: 1 });
  t.deepEqual(
    relevance.map((d) => d.id),
    plain,
    "lambda 1 is similarity order",
  );
  const diverse = await store.maxMarginalRelevanceSearch("query", { k: 2, fetchK: 5, lambda: 0.5 });
  t.is(diverse[0]?.id, "a1", "the most similar document comes first");
  t.is(diverse[1]?.id, "b", "then the relevant one least like it, not another near-duplicate");
  t.true(diverse[0] instanceof Document);
  t.deepEqual(diverse[0]?.metadata, { group: "a", n: 2 });
  // fetchK bounds the candidates: with only the three near-duplicates fetched, b is out of reach.
  const narrow = await store.maxMarginalRelevanceSearch("query", { k: 2, fetchK: 3, lambda: 0.5 });
  t.true(narrow.every((d) => d.id?.startsWith("a")));
  // Defaults (k 4, fetchK 20, lambda 0.5) and a filter.
  t.is((await store.maxMarginalRelevanceSearch("query", { k: 4 })).length, 4);
  const filtered = await store.maxMarginalRelevanceSearch("query", { k: 3, filter: { group: "a" } });
  t.deepEqual(filtered.map((d) => d.id).sort(), ["a1", "a2", "a3"]);
});

test("asRetriever({ searchType: 'mmr', searchKwargs }) runs the store's MMR search", async (t) => {
  const store = await mmrStore();
  const retriever = store.asRetriever({ k: 2, searchType: "mmr", searchKwargs: { fetchK: 5, lambda: 0.5 } });
  t.deepEqual(
    (await retriever.invoke("query")).map((d) => d.id),
    ["a1", "b"],
  );
  const withFilter = store.asRetriever({
    k: 2,
    searchType: "mmr",
    filter: (doc: DocumentInterface) => doc.id !== "b",
    searchKwargs: { fetchK: 5, lambda: 0.5 },
  });
  t.false((await withFilter.invoke("query")).some((d) => d.id === "b"));
});

test("MMR on an empty store or with k 0 returns nothing; bad lambda or fetchK are ConfigErrors", async (t) => {
  const empty = new HnswLessonStore(new TableEmbeddings(4, TABLE));
  t.deepEqual(await empty.maxMarginalRelevanceSearch("query", { k: 3 }), []);
  const store = await mmrStore();
  t.deepEqual(await store.maxMarginalRelevanceSearch("query", { k: 0 }), []);
  for (const [field, options] of [
    ["lambda", { k: 2, lambda: 1.5 }],
    ["lambda", { k: 2, lambda: Number.NaN }],
    ["fetchK", { k: 2, fetchK: -1 }],
  ] as const) {
    const error = await t.throwsAsync(store.maxMarginalRelevanceSearch("query", options));
    t.true(ConfigError.isInstance(error));
    t.is((error as ConfigError).field, field);
  }
});

test("filter functions keep documents by truthiness, as Array.prototype.filter does", async (t) => {
  const store = await mmrStore();
  const truthy = await store.similaritySearch("query", 5, ((doc: DocumentInterface) =>
    doc.metadata.group === "a" ? 1 : "") as unknown as (doc: DocumentInterface) => boolean);
  t.deepEqual(truthy.map((d) => d.id).sort(), ["a1", "a2", "a3"]);
  const predicate = await store.similaritySearch("query", 5, {
    predicate: (doc: DocumentInterface) => (doc.id === "c" ? "yes" : undefined),
  });
  t.deepEqual(
    predicate.map((d) => d.id),
    ["c"],
  );
});

test("object filters are metadata equality, as other LangChain stores take them", async (t) => {
  const store = await mmrStore();
  t.deepEqual((await store.similaritySearch("query", 5, { group: "a", n: 2 })).map((d) => d.id).sort(), [
    "a1",
    "a2",
    "a3",
  ]);
  t.deepEqual(await store.similaritySearch("query", 5, { group: "z" }), []);
  t.deepEqual(
    (await store.similaritySearch("query", 5, { group: "b" })).map((d) => d.id),
    ["b"],
  );
  // With ids left out, and equality beside a predicate.
  const mixed = await store.similaritySearch("query", 5, {
    metadata: { group: "a" },
    excludeIds: ["a1"],
    predicate: (doc: DocumentInterface) => doc.id !== "a3",
  });
  t.deepEqual(
    mixed.map((d) => d.id),
    ["a2"],
  );
  // Still k results when k pass, through the retriever too.
  const retriever = store.asRetriever({ k: 2, filter: { group: "a" } });
  t.is((await retriever.invoke("query")).length, 2);
});

test("filters the store cannot apply exactly are refused with a ConfigError, never ignored", async (t) => {
  const store = await mmrStore();
  for (const [filter, field] of [
    [{ group: { $in: ["a", "b"] } }, "filter.group"],
    [{ $and: [{ group: "a" }] }, "filter.$and"],
    [{ tags: ["x"] }, "filter.tags"],
    [{ metadata: { nested: { deep: 1 } } }, "filter.metadata.nested"],
    ["group = 'a'", "filter"],
    [{ predicate: "not a function" }, "filter.predicate"],
  ] as const) {
    const error = await t.throwsAsync(store.similaritySearch("query", 3, filter as never));
    t.true(ConfigError.isInstance(error), JSON.stringify(filter));
    t.is((error as ConfigError).field, field);
    t.regex(error?.message ?? "", /function|equality|object/);
  }
  const retriever = store.asRetriever({ k: 2, filter: { group: { $eq: "a" } } as never });
  await t.throwsAsync(retriever.invoke("query"), { instanceOf: ConfigError });
});

test("HNSWLib's constructor arguments work: { space: 'cosine' }, numDimensions left out", async (t) => {
  const store = new HnswLessonStore(new TableEmbeddings(4, TABLE), { space: "cosine" });
  t.is(store.numDimensions, undefined);
  t.deepEqual(await store.similaritySearch("query", 2), [], "an empty store without a size answers []");
  await store.addVectors([TABLE.a1 as number[]], [new Document({ pageContent: "a1" })]);
  t.is(store.numDimensions, 4);
  const [[doc, score] = []] = await store.similaritySearchWithScore("query", 1);
  t.is(doc?.pageContent, "a1");
  t.true((score as number) > 0.99, "cosine similarity: higher is more similar");
  const explicit = new HnswLessonStore(new TableEmbeddings(4, TABLE), { space: "cosine", numDimensions: 4 });
  t.is(explicit.numDimensions, 4);
});

test("a store saved before its first vector keeps its size open and infers it after load", async (t) => {
  const dir = await tempDir();
  const embeddings = new TableEmbeddings(4, TABLE);
  const empty = await HnswLessonStore.fromDocuments([], embeddings);
  await empty.save(dir);
  const loaded = await HnswLessonStore.load(dir, embeddings);
  t.is(loaded.numDimensions, undefined);
  await loaded.addDocuments([new Document({ pageContent: "a1", id: "a1" })]);
  t.is(loaded.numDimensions, 4);
  t.is((await loaded.similaritySearch("query", 1))[0]?.id, "a1");
});

test("delete({ directory }) removes a save's files as HNSWLib's does; a load of it then fails", async (t) => {
  const dir = await tempDir();
  const store = await mmrStore();
  await store.save(dir);
  await writeFile(join(dir, "notes.txt"), "mine");
  await store.delete({ directory: dir });
  t.deepEqual(await readdir(dir), ["notes.txt"], "only the store's files go");
  const error = await t.throwsAsync(HnswLessonStore.load(dir, store.embeddings));
  t.true(StorageError.isInstance(error));
  t.is(store.size, 5, "the store in memory is untouched");
  // Both forms at once, and the errors of a wrong call.
  await store.save(dir);
  await store.delete({ ids: ["c"], directory: dir });
  t.is(store.size, 4);
  t.false(existsSync(join(dir, "manifest.json")));
  const missing = await t.throwsAsync(store.delete({ directory: join(dir, "nope") }));
  t.is((missing as StorageError).code, "ENOENT");
  const notAStore = await t.throwsAsync(store.delete({ directory: dir }));
  t.is((notAStore as StorageError).code, "MANIFEST");
  const neither = await t.throwsAsync(store.delete({}));
  t.true(ConfigError.isInstance(neither));
  t.true(ConfigError.isInstance(await t.throwsAsync(store.delete())));
});

test("getByIds returns the documents asked for, in order, skipping unknown ids", async (t) => {
  const store = await mmrStore();
  t.deepEqual(
    (await store.getByIds(["c", "nope", "a1"])).map((d) => d.id),
    ["c", "a1"],
  );
  t.deepEqual(await store.getByIds([]), []);
});
