// LangChain's own vector-store cases, run against HnswLessonStore (issue 11). Rewritten for ava
// from, and named after, the cases of:
// - LangChain.js community, libs/community/src/vectorstores/tests/hnswlib.test.ts and
//   hnswlib.int.test.ts (langchain-ai/langchainjs-community at 886df57, MIT licence, (c) LangChain,
//   Inc.): the store users migrate from. The integration test's OpenAIEmbeddings are replaced by a
//   bag-of-words embedder under which the same orderings hold.
// - LangChain.js, libs/langchain-classic/src/vectorstores/tests/memory.test.ts and
//   src/retrievers/tests/vectorstores.test.ts (langchain-ai/langchainjs at 62fc484, MIT licence).
// - LangChain's standard vector-store cases, langchain_tests.integration_tests.VectorStoreIntegrationTests
//   (langchain-ai/langchain, libs/standard-tests, MIT licence): `delete(ids)` is `delete({ ids })`
//   and `get_by_ids` is `getByIds` in JavaScript.
// Deliberate differences, each checked here: scores are cosine similarities (higher is more
// similar) where HNSWLib returned distances; capacity doubles where HNSWLib grew to the exact
// size; and a document added without an id comes back with the id the store generated and
// returned (as the standard cases require), where LangChain.js's MemoryVectorStore and HNSWLib
// returned none, so their whole-Document comparisons compare page content and metadata here.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { FakeEmbeddings, SyntheticEmbeddings } from "@langchain/core/utils/testing";
import test from "ava";
import { HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { BagOfWordsEmbeddings } from "../fixtures/memory-bag-of-words-embeddings.ts";
import { TableEmbeddings } from "./hnsw-store-helpers.ts";

const contentAndMetadata = (docs: DocumentInterface[]) =>
  docs.map(({ pageContent, metadata }) => ({ pageContent, metadata }));

// --- HNSWLib (community) -------------------------------------------------------------------------

test("HNSWLib: fromTexts + addVectors", async (t) => {
  const store = await HnswLessonStore.fromTexts(["Hello world"], [{ id: 2 }], new FakeEmbeddings());
  t.is(store.size, 1);
  await store.addVectors(
    [
      [0, 1, 0, 0],
      [1, 0, 0, 0],
      [0.5, 0.5, 0.5, 0.5],
    ],
    [
      new Document({ pageContent: "hello bye", metadata: { id: 5 } }),
      new Document({ pageContent: "hello worlddwkldnsk", metadata: { id: 4 } }),
      new Document({ pageContent: "hello you", metadata: { id: 6 } }),
    ],
  );
  t.is(store.size, 4);
  t.true(store.capacity >= 4);
  const result = await store.similaritySearchVectorWithScore([1, 0, 0, 0], 3);
  t.deepEqual(
    result.map(([{ metadata }]) => metadata),
    [{ id: 4 }, { id: 6 }, { id: 2 }],
  );
  const scores = result.map(([, score]) => score);
  t.true(Math.abs((scores[0] ?? 0) - 1) < 1e-6, "an identical direction scores 1 (HNSWLib gave distance 0)");
  t.true((scores[0] ?? 0) > (scores[1] ?? 0) && (scores[1] ?? 0) > (scores[2] ?? 0));
});

test("HNSWLib: metadata filtering", async (t) => {
  const pageContent = "Hello world";
  const store = await HnswLessonStore.fromTexts(
    [pageContent, pageContent, pageContent],
    [{ id: 2 }, { id: 3 }, { id: 4 }],
    new FakeEmbeddings(),
  );
  // If the filter were not applied, all three documents would come back.
  const results = await store.similaritySearch(pageContent, 3, (document) => document.metadata.id === 3);
  t.deepEqual(contentAndMetadata(results), [{ pageContent, metadata: { id: 3 } }]);
});

const HELLO = ["Hello world", "Bye bye", "hello nice world"];
const HELLO_METADATA = [{ id: 2 }, { id: 1 }, { id: 3 }];

test("HNSWLib: fromTexts", async (t) => {
  const store = await HnswLessonStore.fromTexts(HELLO, HELLO_METADATA, new BagOfWordsEmbeddings());
  t.is(store.size, 3);
  t.deepEqual(
    (await store.similaritySearch("hello world", 1)).map(({ metadata }) => metadata),
    [{ id: 2 }],
  );
  t.deepEqual(
    (await store.similaritySearch("hello world", 3)).map(({ metadata }) => metadata),
    [{ id: 2 }, { id: 3 }, { id: 1 }],
  );
});

test("HNSWLib: fromTexts + addDocuments", async (t) => {
  const store = await HnswLessonStore.fromTexts(HELLO, HELLO_METADATA, new BagOfWordsEmbeddings());
  await store.addDocuments([new Document({ pageContent: "hello worldklmslksmn", metadata: { id: 4 } })]);
  t.is(store.size, 4);
  t.deepEqual(
    (await store.similaritySearch("hello world", 3)).map(({ metadata }) => metadata),
    [{ id: 2 }, { id: 3 }, { id: 4 }],
  );
});

test("HNSWLib: load, save and delete({ directory })", async (t) => {
  const store = await HnswLessonStore.fromTexts(HELLO, HELLO_METADATA, new BagOfWordsEmbeddings());
  const order = async (s: HnswLessonStore, k: number) =>
    (await s.similaritySearch("hello world", k)).map(({ metadata }) => metadata);
  t.deepEqual(await order(store, 1), [{ id: 2 }]);
  t.deepEqual(await order(store, 3), [{ id: 2 }, { id: 3 }, { id: 1 }]);
  const directory = await mkdtemp(join(tmpdir(), "lcjs-"));
  await store.save(directory);
  const loaded = await HnswLessonStore.load(directory, new BagOfWordsEmbeddings());
  t.deepEqual(await order(loaded, 1), [{ id: 2 }]);
  t.deepEqual(await order(loaded, 3), [{ id: 2 }, { id: 3 }, { id: 1 }]);
  await loaded.delete({ directory });
  await t.throwsAsync(HnswLessonStore.load(directory, new BagOfWordsEmbeddings()));
});

// --- MemoryVectorStore and its retriever (LangChain.js) ------------------------------------------

test("MemoryVectorStore: retriever with callbacks", async (t) => {
  const pageContent = "Hello world";
  const store = new HnswLessonStore(new FakeEmbeddings());
  await store.addDocuments(Array.from({ length: 4 }, () => ({ pageContent, metadata: { a: 1 } })));
  const query = "testing testing";
  const events: string[] = [];
  const retriever = store.asRetriever({
    k: 1,
    callbacks: [
      {
        handleRetrieverStart: async (_retriever, started) => {
          t.is(started, query);
          events.push("start");
        },
        handleRetrieverEnd: async (documents) => {
          t.is(documents[0]?.pageContent, pageContent);
          events.push("end");
        },
      },
    ],
  });
  const results = await retriever.invoke(query);
  t.deepEqual(contentAndMetadata(results), [{ pageContent, metadata: { a: 1 } }]);
  const { awaitAllCallbacks } = await import("@langchain/core/callbacks/promises");
  await awaitAllCallbacks();
  t.deepEqual(events, ["start", "end"]);
});

test("MemoryVectorStore: similarity search with documents given as plain objects", async (t) => {
  const store = new HnswLessonStore(new SyntheticEmbeddings({ vectorSize: 1536 }));
  await store.addDocuments(
    ["hello", "hi", "bye", "what's this"].map((pageContent) => ({ pageContent, metadata: { a: 1 } })),
  );
  const results = await store.similaritySearch("hello", 1);
  t.deepEqual(contentAndMetadata(results), [{ pageContent: "hello", metadata: { a: 1 } }]);
});

const atMostTwo = (doc: DocumentInterface): boolean => doc.metadata.namespace <= 2;

test("MemoryVectorStore: stores and retrieves document ids, through a filtered retriever", async (t) => {
  const store = new HnswLessonStore(new SyntheticEmbeddings({ vectorSize: 1536 }));
  const retriever = store.asRetriever({ k: 2, filter: atMostTwo });
  await retriever.addDocuments(
    [1, 2, 3, 4].map((n) => ({ pageContent: "hello", metadata: { namespace: n }, id: String(n) })),
  );
  const results = await retriever.invoke("hello");
  t.is(results.length, 2);
  t.deepEqual(
    results.map((d) => ({ ...d })).sort((a, b) => String(a.id).localeCompare(String(b.id))),
    [
      { ...new Document({ metadata: { namespace: 1 }, pageContent: "hello", id: "1" }) },
      { ...new Document({ metadata: { namespace: 2 }, pageContent: "hello", id: "2" }) },
    ],
  );
});

test("MemoryVectorStore: the retriever filters on metadata", async (t) => {
  const store = new HnswLessonStore(new SyntheticEmbeddings({ vectorSize: 1536 }));
  const retriever = store.asRetriever({ k: 2, filter: atMostTwo });
  await retriever.addDocuments([1, 2, 3, 4].map((n) => ({ pageContent: "hello", metadata: { namespace: n } })));
  const results = await retriever.invoke("hello");
  t.deepEqual(
    contentAndMetadata(results).sort((a, b) => a.metadata.namespace - b.metadata.namespace),
    [
      { pageContent: "hello", metadata: { namespace: 1 } },
      { pageContent: "hello", metadata: { namespace: 2 } },
    ],
  );
});

test("MemoryVectorStore: max marginal relevance", async (t) => {
  const store = new HnswLessonStore(new SyntheticEmbeddings({ vectorSize: 1536 }));
  await store.addDocuments(
    ["hello", "hi", "bye", "what's this"].map((pageContent) => ({ pageContent, metadata: { a: 1 } })),
  );
  const results = await store.maxMarginalRelevanceSearch("hello", { k: 3 });
  t.is(results.length, 3);
});

test("MemoryVectorStore: results in descending order of similarity, whatever the insertion order", async (t) => {
  const vectors: Record<string, number[]> = {
    "Document A": [0.9, 0.436],
    "Document B": [0.1, 0.995],
    "Document C": [0.6, 0.8],
    "Document D": [1, 0],
  };
  for (const order of [
    ["Document A", "Document B", "Document C"],
    ["Document C", "Document A", "Document B"],
    ["Document B", "Document C", "Document A"],
  ]) {
    const store = new HnswLessonStore(new TableEmbeddings(2, vectors));
    for (const text of order) await store.addDocuments([{ pageContent: text, metadata: { a: 1 } }]);
    const results = await store.similaritySearchWithScore("Document D", 3);
    t.deepEqual(
      results.map(([{ pageContent }]) => pageContent),
      ["Document A", "Document C", "Document B"],
    );
    const [first, second, third] = results.map(([, score]) => score);
    t.true((first as number) > (second as number) && (second as number) > (third as number));
  }
});

// --- LangChain's standard vector-store cases -----------------------------------------------------

/** The standard cases' embedder: small (6), deterministic, meaningless. */
const standardStore = () => new HnswLessonStore(new TableEmbeddings(6));
const foo = () => new Document({ pageContent: "foo", metadata: { id: 1 } });
const bar = () => new Document({ pageContent: "bar", metadata: { id: 2 } });

test("standard: the vector store is empty", async (t) => {
  t.deepEqual(await standardStore().similaritySearch("foo", 1), []);
});

test("standard: add documents (ids generated and returned; the originals are not mutated)", async (t) => {
  const store = standardStore();
  const originals = [foo(), bar()];
  const ids = await store.addDocuments(originals);
  t.deepEqual(await store.similaritySearch("bar", 2), [
    new Document({ pageContent: "bar", metadata: { id: 2 }, id: ids[1] }),
    new Document({ pageContent: "foo", metadata: { id: 1 }, id: ids[0] }),
  ]);
  t.deepEqual(originals, [foo(), bar()]);
});

test("standard: deleting documents", async (t) => {
  const store = standardStore();
  t.deepEqual(await store.addDocuments([foo(), bar()], { ids: ["1", "2"] }), ["1", "2"]);
  await store.delete({ ids: ["1"] });
  t.deepEqual(await store.similaritySearch("foo", 1), [
    new Document({ pageContent: "bar", metadata: { id: 2 }, id: "2" }),
  ]);
});

test("standard: deleting documents in bulk", async (t) => {
  const store = standardStore();
  await store.addDocuments([foo(), bar(), new Document({ pageContent: "baz", metadata: { id: 3 } })], {
    ids: ["1", "2", "3"],
  });
  await store.delete({ ids: ["1", "2"] });
  t.deepEqual(await store.similaritySearch("foo", 1), [
    new Document({ pageContent: "baz", metadata: { id: 3 }, id: "3" }),
  ]);
});

test("standard: deleting missing content does not throw", async (t) => {
  const store = standardStore();
  await t.notThrowsAsync(store.delete({ ids: ["1"] }));
  await t.notThrowsAsync(store.delete({ ids: ["1", "2", "3"] }));
});

test("standard: adding documents with ids is idempotent", async (t) => {
  const store = standardStore();
  await store.addDocuments([foo(), bar()], { ids: ["1", "2"] });
  await store.addDocuments([foo(), bar()], { ids: ["1", "2"] });
  t.deepEqual(await store.similaritySearch("bar", 2), [
    new Document({ pageContent: "bar", metadata: { id: 2 }, id: "2" }),
    new Document({ pageContent: "foo", metadata: { id: 1 }, id: "1" }),
  ]);
});

test("standard: add documents by id with mutation", async (t) => {
  const store = standardStore();
  await store.addDocuments([foo(), bar()], { ids: ["1", "2"] });
  await store.addDocuments([new Document({ pageContent: "new foo", metadata: { id: 1, some_other_field: "foo" } })], {
    ids: ["1"],
  });
  const results = await store.similaritySearch("new foo", 2);
  t.deepEqual(
    results[0],
    new Document({ id: "1", pageContent: "new foo", metadata: { id: 1, some_other_field: "foo" } }),
  );
  t.deepEqual(results[1], new Document({ id: "2", pageContent: "bar", metadata: { id: 2 } }));
});

test("standard: get by ids, missing ids, generated and existing ids", async (t) => {
  const store = standardStore();
  const ids = await store.addDocuments([foo(), bar()], { ids: ["1", "2"] });
  t.deepEqual(await store.getByIds(ids), [
    new Document({ pageContent: "foo", metadata: { id: 1 }, id: "1" }),
    new Document({ pageContent: "bar", metadata: { id: 2 }, id: "2" }),
  ]);
  t.deepEqual(await standardStore().getByIds(["1", "2", "3"]), []);
  const generated = standardStore();
  const newIds = await generated.addDocuments([foo(), bar()]);
  t.deepEqual(await generated.getByIds(newIds), [
    new Document({ pageContent: "foo", metadata: { id: 1 }, id: newIds[0] }),
    new Document({ pageContent: "bar", metadata: { id: 2 }, id: newIds[1] }),
  ]);
  const mixed = standardStore();
  const mixedIds = await mixed.addDocuments([
    new Document({ id: "foo", pageContent: "foo", metadata: { id: 1 } }),
    bar(),
  ]);
  t.true(mixedIds.includes("foo"));
  t.deepEqual(await mixed.getByIds(mixedIds), [
    new Document({ pageContent: "foo", metadata: { id: 1 }, id: "foo" }),
    new Document({ pageContent: "bar", metadata: { id: 2 }, id: mixedIds[1] }),
  ]);
});

// --- A folder saved by HNSWLib opens with HnswLessonStore.load --------------------------------------

/** Writes what `HNSWLib.save(dir)` writes: hnswlib.index, args.json and docstore.json. */
async function saveLikeHnswlib(dir: string, space: "cosine" | "l2", vectors: number[][], docs: object[]) {
  const { writeFile } = await import("node:fs/promises");
  const { default: hnswlib } = await import("hnswlib-node");
  const index = new hnswlib.HierarchicalNSW(space, vectors[0]?.length ?? 0);
  index.initIndex(vectors.length);
  for (const [i, v] of vectors.entries()) index.addPoint(v, i);
  await index.writeIndex(join(dir, "hnswlib.index"));
  await writeFile(join(dir, "args.json"), JSON.stringify({ space, numDimensions: vectors[0]?.length }));
  await writeFile(join(dir, "docstore.json"), JSON.stringify(docs.map((doc, i) => [String(i), doc])));
}

test("HNSWLib: a folder it saved loads as it did there, scores as cosine similarities", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "lcjs-"));
  const embeddings = new BagOfWordsEmbeddings({ dimensions: 64 });
  await saveLikeHnswlib(
    dir,
    "l2",
    HELLO.map((text) => embeddings.embed(text).map((x) => 3 * x)),
    HELLO.map((pageContent, i) => ({ pageContent, metadata: HELLO_METADATA[i] })),
  );
  const store = await HnswLessonStore.load(dir, embeddings);
  t.is(store.size, 3);
  const results = await store.similaritySearchWithScore("hello world", 3);
  t.deepEqual(
    results.map(([{ metadata }]) => metadata),
    [{ id: 2 }, { id: 3 }, { id: 1 }],
  );
  t.true(Math.abs((results[0]?.[1] ?? 0) - 1) < 1e-5, "cosine similarity, not the squared l2 distance");
  // Saved again, it is in this store's format; the HNSWLib files stay beside it untouched.
  await store.save(dir);
  t.is((await HnswLessonStore.load(dir, embeddings)).size, 3);
});

test("HNSWLib: a damaged folder it saved is a StorageError naming the file", async (t) => {
  const { writeFile } = await import("node:fs/promises");
  const dir = await mkdtemp(join(tmpdir(), "lcjs-"));
  const embeddings = new BagOfWordsEmbeddings({ dimensions: 8 });
  await saveLikeHnswlib(dir, "cosine", [embeddings.embed("a b")], [{ pageContent: "a b", metadata: {} }]);
  await writeFile(join(dir, "docstore.json"), JSON.stringify([["7", { pageContent: "x", metadata: {} }]]));
  const missing = await t.throwsAsync(HnswLessonStore.load(dir, embeddings));
  t.is((missing as { code?: string }).code, "HNSWLIB");
  t.regex(missing?.message ?? "", /docstore\.json|no vector/);
  await writeFile(join(dir, "hnswlib.index"), "short");
  const damaged = await t.throwsAsync(HnswLessonStore.load(dir, embeddings));
  t.regex(damaged?.message ?? "", /hnswlib\.index/);
  await writeFile(join(dir, "args.json"), "{ nope");
  t.regex((await t.throwsAsync(HnswLessonStore.load(dir, embeddings)))?.message ?? "", /args\.json/);
});
