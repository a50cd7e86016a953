// HnswLessonStore at scale: 100,000 clustered 512-dim vectors.
// Prints each figure beside a baseline measured in this run, with the target from issue 4:
//   recall@10 vs exact search >= 0.95; query median <= 0.5 ms; >= 50x faster than an exact JS scan;
//   build >= 3,000 inserts/s (baseline: hnswlib-node with its default parameters); save + load <= 5 s.
// Data: 100 topic centres, each point its centre plus Gaussian noise, scaled per dimension by the
// measured variance spectrum of real USE-lite embeddings of the bundled problems
// (bench/fixtures/use-lite-spectrum.json). With noise scale 1.2 a sample of 1,889 such points has
// about the local intrinsic dimension of the real sample (16.2-17.2 vs 17.5, MLE over k=20) and a
// slightly lower relative contrast (1.56 vs 1.66), so it is if anything harder: clustered the way
// sentence embeddings are, not uniform noise. Seeded, so every run sees the same vectors.
// (An isotropic 16-dim-per-topic set is harder for HNSW: see the closing figures in memory/README.md.)
// LANPO_BENCH_N=20000 npm run bench -- memory-hnsw   runs a smaller size.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Document } from "@langchain/core/documents";
import { mulberry32 } from "@lanpo/core";
import hnswlib from "hnswlib-node";
import { HnswLessonStore } from "../memory/src/store/hnsw-lesson-store.js";
import spectrum from "./fixtures/use-lite-spectrum.json" with { type: "json" };

const N = Number(process.env.LANPO_BENCH_N ?? 100_000);
const DIMS = 512;
const TOPICS = 100;
const QUERIES = 100;
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

// Our build: the store's defaults, in batches of 1,000 through addVectors (validation included).
const store = new HnswLessonStore(
  { embedDocuments: async () => [], embedQuery: async () => [] },
  { numDimensions: DIMS },
);
const docs = vectors.map((_, i) => new Document({ pageContent: "", id: String(i) }));
let oursAtBaselineN = 0;
t0 = performance.now();
for (let start = 0; start < N; start += 1000) {
  await store.addVectors(vectors.slice(start, start + 1000), docs.slice(start, start + 1000));
  if (start + 1000 === BASELINE_N) oursAtBaselineN = BASELINE_N / ((performance.now() - t0) / 1000);
}
const buildSeconds = (performance.now() - t0) / 1000;
const ourRate = N / buildSeconds;

// Adaptive ef: the smallest efSearch reaching recall@10 >= 0.955 on 50 of the stored vectors
// (never the benchmark queries below), measured against an exact scan.
t0 = performance.now();
const calibration = store.calibrateEfSearch({ targetRecall: 0.955, k: K, sampleSize: 50, random: mulberry32(7) });
const calibrationSeconds = (performance.now() - t0) / 1000;

// Queries: exact truth and timing, then the store (warmed up first).
const exactTimes: number[] = [];
const truth = queries.map((q) => {
  const start = performance.now();
  const top = exactTopK(q, K);
  exactTimes.push(performance.now() - start);
  return top;
});
for (const q of queries.slice(0, 20)) await store.similaritySearchVectorWithScore(q, K);
const ourTimes: number[] = [];
let hits = 0;
for (let i = 0; i < QUERIES; i++) {
  const start = performance.now();
  const found = await store.similaritySearchVectorWithScore(queries[i] as number[], K);
  ourTimes.push(performance.now() - start);
  const expected = new Set((truth[i] as number[]).map(String));
  hits += found.filter(([doc]) => expected.has(doc.id as string)).length;
}
const recall = hits / (QUERIES * K);

// Save + load.
const dir = await mkdtemp(join(tmpdir(), "lanpo-bench-"));
t0 = performance.now();
await store.save(dir);
const saveSeconds = (performance.now() - t0) / 1000;
t0 = performance.now();
const loaded = await HnswLessonStore.load(dir, store.embeddings);
const loadSeconds = (performance.now() - t0) / 1000;
const sameAfterLoad = (await loaded.similaritySearchVectorWithScore(queries[0] as number[], K))
  .map(([d]) => d.id)
  .join();
const sameBefore = (await store.similaritySearchVectorWithScore(queries[0] as number[], K)).map(([d]) => d.id).join();
await rm(dir, { recursive: true, force: true });

const { M, efConstruction, efSearch } = store.indexParameters;
console.log(
  `\nHnswLessonStore defaults M=${M}, efConstruction=${efConstruction}; efSearch calibrated to ${efSearch} in ${fmt(calibrationSeconds, 1)} s (${calibration.recallByEf.map((r) => `ef${r.efSearch}: ${fmt(r.recall, 3)}`).join(", ")}); N=${N}, ${QUERIES} queries, k=${K}`,
);
console.log(
  `${"figure".padEnd(26)} ${"ours".padStart(14)} ${"baseline".padStart(16)} ${"ratio".padStart(9)}   ${"target".padEnd(16)}`,
);
line("recall@10", fmt(recall, 3), "1.000 (exact)", fmt(recall, 3), ">= 0.95", recall >= 0.95);
line(
  "query median (ms)",
  fmt(median(ourTimes), 3),
  `${fmt(median(exactTimes), 1)} (exact JS)`,
  `${fmt(median(exactTimes) / median(ourTimes), 0)}x`,
  "<= 0.5 ms, >= 50x",
  median(ourTimes) <= 0.5 && median(exactTimes) / median(ourTimes) >= 50,
);
line(
  `build inserts/s @${BASELINE_N}`,
  fmt(oursAtBaselineN, 0),
  `${fmt(baselineRate, 0)} (hnswlib dflt)`,
  `${fmt(oursAtBaselineN / baselineRate, 1)}x`,
  ">= 3x baseline",
  oursAtBaselineN / baselineRate >= 3,
);
line(`build inserts/s @${N}`, fmt(ourRate, 0), "-", "-", ">= 3,000/s", ourRate >= 3000);
line(
  "save + load (s)",
  `${fmt(saveSeconds + loadSeconds)} (${fmt(saveSeconds)}+${fmt(loadSeconds)})`,
  "-",
  "-",
  "<= 5 s",
  saveSeconds + loadSeconds <= 5,
);
console.log(
  `same results after load: ${sameAfterLoad === sameBefore ? "yes" : "NO"}; build took ${fmt(buildSeconds, 1)} s`,
);
console.log(
  "timings depend on machine load: the figures above are from one run, the ratios are measured side by side in it.",
);
