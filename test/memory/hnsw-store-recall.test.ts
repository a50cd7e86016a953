import { Document } from "@langchain/core/documents";
import { mulberry32 } from "@lanpo/core";
import test from "ava";
import { heldOutQueries } from "../../memory/src/store/held-out-queries.ts";
import { CALIBRATE_FROM, HnswLessonStore } from "../../memory/src/store/hnsw-lesson-store.ts";
import { ProjectedIndex } from "../../memory/src/store/projected-index.ts";
import { cosine, TableEmbeddings, tempDir } from "./hnsw-store-helpers.ts";

// The store keeps its recall target by itself (issue 12): it calibrates efSearch against exact
// search with held-out queries at 2,048 documents and every doubling, and after load; and its
// automatic layout projects only data whose neighbours survive the projection.

/** `count` points around `topics` centres; `rank` < dims puts every point in a `rank`-dim subspace (plus a little noise). */
function clustered(count: number, dims: number, seed: number, options: { topics?: number; rank?: number } = {}) {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const rank = options.rank ?? dims;
  const topics = options.topics ?? 20;
  const centres = Array.from({ length: topics }, () => Array.from({ length: rank }, () => 3 * gauss()));
  const basis = Array.from({ length: rank }, () => Array.from({ length: dims }, gauss));
  const draw = (): number[] => {
    const centre = centres[Math.floor(rand() * topics)] as number[];
    const low = centre.map((c) => c + gauss());
    if (rank === dims) return low;
    return Array.from(
      { length: dims },
      (_, j) => low.reduce((sum, x, r) => sum + x * ((basis[r] as number[])[j] as number), 0) + 0.001 * gauss(),
    );
  };
  return Array.from({ length: count }, draw);
}

const noEmbeddings = () => new TableEmbeddings(1);
const docs = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => new Document({ pageContent: "", id: String(from + i) }));

async function build(store: HnswLessonStore, vectors: number[][], from = 0): Promise<void> {
  for (let at = 0; at < vectors.length; at += 512) {
    await store.addVectors(vectors.slice(at, at + 512), docs(from + at, Math.min(512, vectors.length - at)));
  }
}

function exactTop(vectors: number[][], query: number[], k: number): Set<string> {
  return new Set(
    vectors
      .map((v, i) => ({ i, s: cosine(v, query) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, k)
      .map((x) => String(x.i)),
  );
}

test("from 2,048 documents the store calibrates efSearch to its recall target, again at each doubling", async (t) => {
  const dims = 24;
  const all = clustered(5500, dims, 1);
  const vectors = all.slice(0, 5300);
  const queries = all.slice(5300); // new points of the same distribution, never stored
  // A low efSearch, so that the store as configured would miss: the calibration has something to fix.
  const store = new HnswLessonStore(noEmbeddings(), { M: 8, efConstruction: 20, efSearch: 4 });
  await build(store, vectors.slice(0, CALIBRATE_FROM - 1));
  t.is(store.calibration, null, "not below 2,048 documents");
  t.is(store.efSearch, 4);
  await build(store, vectors.slice(CALIBRATE_FROM - 1, 3000), CALIBRATE_FROM - 1);
  const first = store.calibration;
  t.truthy(first);
  t.is(first?.targetRecall, 0.97, "the 0.95 target plus its margin");
  t.is(first?.k, 10);
  t.true(first?.reached);
  t.true((first?.recall ?? 0) >= 0.97);
  t.is(store.efSearch, first?.efSearch ?? -1);
  t.true((first?.efSearch ?? 0) > 4, "the sparse graph needed more effort than it was given");
  t.true((first?.documents ?? 0) >= CALIBRATE_FROM && (first?.documents ?? 0) < 3000);
  t.true((first?.sampleSize ?? 0) >= 32);
  t.true(
    (first?.newVectors ?? 0) >= 8,
    "real new vectors of the batch, held back from the index, were among the queries",
  );
  // New queries (never stored) reach the target at the calibrated effort.
  const held = vectors.slice(0, 3000);
  let hits = 0;
  for (const query of queries) {
    const found = await store.similaritySearchVectorWithScore(query, 10);
    const truth = exactTop(held, query, 10);
    hits += found.filter(([doc]) => truth.has(doc.id as string)).length;
  }
  t.true(hits / (queries.length * 10) >= 0.95, `new-query recall ${hits / (queries.length * 10)}`);
  await build(store, vectors.slice(3000), 3000);
  t.true((store.calibration?.documents ?? 0) >= 2 * (first?.documents ?? 0), "recalibrated at the doubling");
});

test("recallTarget: false leaves efSearch as set", async (t) => {
  const store = new HnswLessonStore(noEmbeddings(), { recallTarget: false, efSearch: 7 });
  await build(store, clustered(2100, 16, 2));
  t.is(store.calibration, null);
  t.is(store.efSearch, 7);
  t.is(store.recallTarget, null);
});

test("load keeps the calibration of the same index and recalibrates for another target", async (t) => {
  const dir = await tempDir();
  const store = new HnswLessonStore(noEmbeddings(), { M: 6, efConstruction: 10 });
  await build(store, clustered(2100, 16, 3));
  const saved = store.calibration;
  await store.save(dir);
  const loaded = await HnswLessonStore.load(dir, noEmbeddings());
  const { afterLoad, check, ...kept } = loaded.calibration ?? {};
  t.deepEqual(kept, saved, "measured within this doubling, and the check sample reaches the aim: it stands");
  t.like(afterLoad, { action: "kept", efSearch: saved?.efSearch, documents: 2100 });
  t.true((afterLoad?.recall ?? 0) >= 0.97, "measured after load, on the saved check sample");
  t.is(afterLoad?.recall, check?.recall, "the loaded index answers the sample as the saved one did");
  t.is(loaded.efSearch, saved?.efSearch ?? -1);
  const stricter = await HnswLessonStore.load(dir, noEmbeddings(), { recallTarget: { recall: 0.97 } });
  t.is(stricter.calibration?.targetRecall, 0.99);
  t.true((stricter.calibration?.efSearch ?? 0) >= (saved?.efSearch ?? 0));
  t.is(stricter.calibration?.documents, 2100, "measured on the loaded index");
  t.like(stricter.calibration?.afterLoad, { action: "retuned", efSearch: stricter.efSearch });
});

test("held-out queries are new points, not stored vectors", (t) => {
  const index = ProjectedIndex.create(
    16,
    { M: 8, efConstruction: 20, efSearch: 32, seed: 1 },
    { dimensions: 4, fitAfter: 1_000_000, rerank: 3, auto: false },
    512,
  );
  const vectors = clustered(500, 16, 4);
  for (const [i, v] of vectors.entries()) index.insert(v, i);
  const labels = vectors.map((_, i) => i);
  const queries = heldOutQueries(index, labels, 40, mulberry32(5));
  t.is(queries.length, 40);
  for (const query of queries) {
    const nearest = Math.max(...vectors.map((v) => cosine(v, query)));
    t.true(nearest < 0.9999, "no query is a stored vector");
    t.true(nearest > 0.5, "each lies where the data lies");
  }
});

test("the automatic layout projects low-rank data and keeps high-dimensional data direct", async (t) => {
  const lowRank = new HnswLessonStore(noEmbeddings());
  await build(lowRank, clustered(8300, 64, 6, { rank: 8 }));
  t.like(lowRank.projection, { auto: true, dimensions: 16, decision: "projected" });
  t.true((lowRank.projection?.energy ?? 0) > 0.99);
  const isotropic = new HnswLessonStore(noEmbeddings());
  const vectors = clustered(8300, 64, 7, { topics: 4 });
  await build(isotropic, vectors);
  t.like(isotropic.projection, { auto: true, decision: "direct", energy: null });
  t.is(isotropic.indexParameters.efConstruction, 64, "going direct, the graph was rebuilt denser");
  t.is(lowRank.indexParameters.efConstruction, 40, "a projected graph keeps the default");
  // A direct decision is kept: saved, loaded, and not fitted again by later adds.
  const dir = await tempDir();
  await isotropic.save(dir);
  const loaded = await HnswLessonStore.load(dir, noEmbeddings());
  t.like(loaded.projection, { auto: true, decision: "direct" });
  t.is(loaded.indexParameters.efConstruction, 64);
  await build(loaded, clustered(100, 64, 8, { topics: 4 }), 8300);
  t.like(loaded.projection, { decision: "direct" });
  const [top] = await loaded.similaritySearchVectorWithScore(vectors[5] as number[], 1);
  t.is(top?.[0].id, "5");
  t.true((top?.[1] ?? 0) > 0.9999);
});

test("unproject rebuilds a projected index over the vectors themselves", (t) => {
  const index = ProjectedIndex.create(
    32,
    { M: 8, efConstruction: 20, efSearch: 32, seed: 1 },
    { dimensions: 4, fitAfter: 200, rerank: 3, auto: true },
    512,
  );
  const vectors = clustered(300, 32, 9, { rank: 3 });
  for (const [i, v] of vectors.entries()) index.insert(v, i);
  t.is(index.decision, "projected");
  index.unproject();
  t.is(index.decision, "direct");
  t.is(index.fitted, undefined);
  const [hit] = index.search(vectors[17] as number[], 1, 32);
  t.is(hit?.label, 17);
});
