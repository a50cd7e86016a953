// HnswLessonStore at scale: 100,000 clustered 512-dim vectors.
// Prints each figure beside a baseline measured in this run, with the target from issue 4:
//   recall@10 vs exact search >= 0.95; query median <= 0.5 ms; >= 50x faster than an exact JS scan;
//   build >= 3,000 inserts/s (hnswlib-node with its default parameters does about 1,000); save + load <= 5 s.
// The figures are for the store as the README sets it up for large memories, the projected layout
// (projection: { dimensions: 128 }: the graph over 128 principal coordinates, exact re-rank). The
// direct layout (the graph over all 512 numbers, the store's default) is measured in the same run
// beside it, and hnswlib-node with its own defaults on the first 10,000 points.
// Data: 100 topic centres, each point its centre plus Gaussian noise, scaled per dimension by the
// measured variance spectrum of real USE-lite embeddings of the bundled problems
// (bench/fixtures/use-lite-spectrum.json). With noise scale 1.2 a sample of 1,889 such points has
// about the local intrinsic dimension of the real sample (16.2-17.2 vs 17.5, MLE over k=20) and a
// slightly lower relative contrast (1.56 vs 1.66), so it is if anything harder: clustered the way
// sentence embeddings are, not uniform noise. Seeded, so every run sees the same vectors.
// (An isotropic 16-dim-per-topic set is harder for HNSW: see the closing figures in memory/README.md.)
// LANPO_BENCH_N=20000 npm run bench -- memory-hnsw   runs a smaller size;
// LANPO_BENCH_DIRECT=0 skips the direct layout (saves about a minute).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Document } from "@langchain/core/documents";
import { mulberry32 } from "@lanpo/core";
import { HnswLessonStore, type HnswLessonStoreOptions } from "@lanpo/memory";
import hnswlib from "hnswlib-node";
import spectrum from "./fixtures/use-lite-spectrum.json" with { type: "json" };

const N = Number(process.env.LANPO_BENCH_N ?? 100_000);
const DIMS = 512;
const TOPICS = 100;
const QUERIES = Number(process.env.LANPO_BENCH_QUERIES ?? 100);
const BASELINE_N = Math.min(10_000, N);
const K = 10;

const rand = mulberry32(2024);
const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
const NOISE = 1.2;
const scale = spectrum.shares.map(Math.sqrt);
if (scale.length !== DIMS) throw new Error(`spectrum has ${scale.length} dimensions, expected ${DIMS}`);
const centres = Array.from({ length: TOPICS }, () => Float64Array.from({ length: DIMS }, gauss));
function point(): number[] {
  const centre = centres[Math.floor(rand() * TOPICS)] as Float64Array;
  return Array.from({ length: DIMS }, (_, j) => (scale[j] as number) * ((centre[j] as number) + NOISE * gauss()));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (x: number, digits = 2) => x.toFixed(digits);
const line = (name: string, ours: string, baseline: string, ratio: string, target: string, ok: boolean) =>
  console.log(
    `${name.padEnd(26)} ${ours.padStart(14)} ${baseline.padStart(16)} ${ratio.padStart(9)}   ${target.padEnd(16)} ${ok ? "PASS" : "MISS"}`,
  );

console.log(`generating ${N} clustered ${DIMS}-dim vectors (${TOPICS} topics, USE-lite variance spectrum) ...`);
let t0 = performance.now();
const vectors = Array.from({ length: N }, point);
const queries = Array.from({ length: QUERIES }, point);
console.log(`  ${fmt((performance.now() - t0) / 1000, 1)} s`);

// Exact search baseline: normalised rows in one Float32Array, dot products in a plain loop.
const matrix = new Float32Array(N * DIMS);
vectors.forEach((v, i) => {
  let norm = 0;
  for (const x of v) norm += x * x;
  const scale = 1 / Math.sqrt(norm);
  for (let j = 0; j < DIMS; j++) matrix[i * DIMS + j] = (v[j] as number) * scale;
});
function exactTopK(q: number[], k: number): number[] {
  const scores = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    let dot = 0;
    const base = i * DIMS;
    for (let j = 0; j < DIMS; j++) dot += (matrix[base + j] as number) * (q[j] as number);
    scores[i] = dot;
  }
  const top: number[] = [];
  for (let i = 0; i < N; i++) {
    if (top.length < k || (scores[i] as number) > (scores[top[top.length - 1] as number] as number)) {
      top.push(i);
      top.sort((a, b) => (scores[b] as number) - (scores[a] as number));
      if (top.length > k) top.pop();
    }
  }
  return top;
}

// Baseline build: hnswlib-node with its own defaults (M=16, efConstruction=200), first BASELINE_N points.
t0 = performance.now();
const plain = new hnswlib.HierarchicalNSW("cosine", DIMS);
plain.initIndex(BASELINE_N);
for (let i = 0; i < BASELINE_N; i++) plain.addPoint(vectors[i] as number[], i);
const baselineRate = BASELINE_N / ((performance.now() - t0) / 1000);

// Exact truth and the exact scan's time, once for both layouts.
const exactTimes: number[] = [];
const truth = queries.map((q) => {
  const start = performance.now();
  const top = exactTopK(q, K);
  exactTimes.push(performance.now() - start);
  return top;
});
const docs = vectors.map((_, i) => new Document({ pageContent: "", id: String(i) }));

/** Times each benchmark query on `store` and scores its answers against the exact truth. */
async function runQueries(store: HnswLessonStore): Promise<{ times: number[]; recall: number }> {
  const times: number[] = [];
  let hits = 0;
  for (let i = 0; i < QUERIES; i++) {
    const begin = performance.now();
    const found = await store.similaritySearchVectorWithScore(queries[i] as number[], K);
    times.push(performance.now() - begin);
    const expected = new Set((truth[i] as number[]).map(String));
    hits += found.filter(([doc]) => expected.has(doc.id as string)).length;
  }
  return { times, recall: hits / (QUERIES * K) };
}

/** Builds a store of all N vectors in batches of 1,000 through addVectors (validation included) and measures it. */
async function measure(options: Omit<HnswLessonStoreOptions, "numDimensions">) {
  const store = new HnswLessonStore(
    { embedDocuments: async () => [], embedQuery: async () => [] },
    { numDimensions: DIMS, ...options },
  );
  let rateAtBaselineN = 0;
  let start = performance.now();
  for (let at = 0; at < N; at += 1000) {
    await store.addVectors(vectors.slice(at, at + 1000), docs.slice(at, at + 1000));
    if (at + 1000 === BASELINE_N) rateAtBaselineN = BASELINE_N / ((performance.now() - start) / 1000);
  }
  const buildSeconds = (performance.now() - start) / 1000;
  // Adaptive ef: the smallest efSearch reaching recall@10 >= 0.97 on 100 of the stored vectors
  // (never the benchmark queries below), measured against an exact scan. Stored vectors are easier
  // queries than new ones (the search starts next to them), hence a target above the 0.95 required.
  start = performance.now();
  const calibration = store.calibrateEfSearch({ targetRecall: 0.97, k: K, sampleSize: 100, random: mulberry32(7) });
  const calibrationSeconds = (performance.now() - start) / 1000;
  for (const q of queries.slice(0, 20)) await store.similaritySearchVectorWithScore(q, K);
  if (process.env.LANPO_BENCH_CURVE) {
    for (const ef of [16, 24, 32, 48, 64, 96]) {
      store.efSearch = ef;
      const curve = await runQueries(store);
      console.log(`  ef ${ef}: recall ${fmt(curve.recall, 3)}, median ${fmt(median(curve.times), 3)} ms`);
    }
    store.efSearch = calibration.efSearch;
  }
  const { times, recall } = await runQueries(store);
  const dir = await mkdtemp(join(tmpdir(), "lanpo-bench-"));
  start = performance.now();
  await store.save(dir);
  const saveSeconds = (performance.now() - start) / 1000;
  start = performance.now();
  const loaded = await HnswLessonStore.load(dir, store.embeddings);
  const loadSeconds = (performance.now() - start) / 1000;
  const ids = async (s: HnswLessonStore) =>
    (await s.similaritySearchVectorWithScore(queries[0] as number[], K)).map(([d]) => d.id).join();
  const sameAfterLoad = (await ids(loaded)) === (await ids(store));
  await rm(dir, { recursive: true, force: true });
  return {
    store,
    rate: N / buildSeconds,
    rateAtBaselineN,
    buildSeconds,
    calibration,
    calibrationSeconds,
    recall,
    median: median(times),
    saveSeconds,
    loadSeconds,
    sameAfterLoad,
  };
}

type Measured = Awaited<ReturnType<typeof measure>>;
const describe = (name: string, m: Measured) => {
  const { M, efConstruction, efSearch } = m.store.indexParameters;
  const energy = m.store.projection?.energy;
  console.log(
    `${name}: M=${M}, efConstruction=${efConstruction}${energy ? `, basis keeps ${(energy * 100).toFixed(1)}% of the energy` : ""}; efSearch calibrated to ${efSearch} in ${fmt(m.calibrationSeconds, 1)} s (${m.calibration.recallByEf.map((r) => `ef${r.efSearch}: ${fmt(r.recall, 3)}`).join(", ")}); build ${fmt(m.buildSeconds, 1)} s; same results after load: ${m.sameAfterLoad ? "yes" : "NO"}`,
  );
};

const projected = await measure({ projection: { dimensions: 128 } });
const direct = process.env.LANPO_BENCH_DIRECT === "0" ? undefined : await measure({});

console.log(`\nN=${N}, ${QUERIES} queries, k=${K}`);
describe("projected layout (projection: { dimensions: 128 })", projected);
if (direct) describe("direct layout (default)", direct);
console.log(
  `${"figure (projected layout)".padEnd(26)} ${"ours".padStart(14)} ${"baseline".padStart(16)} ${"ratio".padStart(9)}   ${"target".padEnd(16)}`,
);
const m = projected;
line("recall@10", fmt(m.recall, 3), "1.000 (exact)", fmt(m.recall, 3), ">= 0.95", m.recall >= 0.95);
line(
  "query median (ms)",
  fmt(m.median, 3),
  `${fmt(median(exactTimes), 1)} (exact JS)`,
  `${fmt(median(exactTimes) / m.median, 0)}x`,
  "<= 0.5 ms, >= 50x",
  m.median <= 0.5 && median(exactTimes) / m.median >= 50,
);
line(`build inserts/s @${N}`, fmt(m.rate, 0), "-", "-", ">= 3,000/s", m.rate >= 3000);
line(
  "save + load (s)",
  `${fmt(m.saveSeconds + m.loadSeconds)} (${fmt(m.saveSeconds)}+${fmt(m.loadSeconds)})`,
  "-",
  "-",
  "<= 5 s",
  m.saveSeconds + m.loadSeconds <= 5,
);
console.log("\nbeside it, same run (no targets):");
const info = (name: string, ours: string, baseline: string, ratio: string) =>
  console.log(`${name.padEnd(26)} ${ours.padStart(14)} ${baseline.padStart(16)} ${ratio.padStart(9)}`);
info(
  `build inserts/s @${BASELINE_N}`,
  fmt(m.rateAtBaselineN, 0),
  `${fmt(baselineRate, 0)} (hnswlib dflt)`,
  `${fmt(m.rateAtBaselineN / baselineRate, 1)}x`,
);
if (direct) {
  info("direct layout: recall@10", fmt(direct.recall, 3), fmt(m.recall, 3), "");
  info(
    "direct: query median (ms)",
    fmt(direct.median, 3),
    `${fmt(m.median, 3)} (projected)`,
    `${fmt(direct.median / m.median, 2)}x`,
  );
  info(
    `direct: inserts/s @${N}`,
    fmt(direct.rate, 0),
    `${fmt(m.rate, 0)} (projected)`,
    `${fmt(m.rate / direct.rate, 2)}x`,
  );
  info("direct: save + load (s)", fmt(direct.saveSeconds + direct.loadSeconds), fmt(m.saveSeconds + m.loadSeconds), "");
}
console.log(
  "timings depend on machine load: the figures above are from one run, the ratios are measured side by side in it.",
);
