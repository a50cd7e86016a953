import { Document } from "@langchain/core/documents";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { ConfigError } from "@lanpo/core";
import { HnswLessonStore } from "../store/hnsw-lesson-store.js";
import type { HnswLessonStoreOptions } from "../store/hnsw-lesson-store-options.js";
import type { LabelledDataset } from "./labelled-dataset.js";

/** The grid searched by {@link tuneRetrieval}. */
export interface TuneGrid {
  /** @default [1, 3, 5, 10] */
  k: number[];
  /**
   * Similarity thresholds; -1 means "no threshold". @default -1 plus the 10th..90th percentiles of
   * the leave-one-out top-1 similarity (rounded to 0.01), so the grid fits any embedding model
   */
  minScore: number[];
  /** @default [16, 32, 64] */
  efSearch: number[];
}

export interface TuneOptions {
  embeddings: EmbeddingsInterface;
  grid?: Partial<TuneGrid>;
  /** Weight of coverage against precision in the trade-off score (F-beta). @default 0.5 */
  beta?: number;
  /** Texts per embedDocuments call. @default 64 */
  batchSize?: number;
  /** HNSW build parameters (efSearch comes from the grid). */
  store?: Pick<HnswLessonStoreOptions, "M" | "efConstruction">;
  /** Called after each embedded batch, for progress output. */
  onProgress?: (done: number, total: number) => void;
  /** Clock for latencies, in milliseconds. @default performance.now */
  now?: () => number;
}

/** One grid point's leave-one-out figures. */
export interface TuneRow {
  k: number;
  minScore: number;
  efSearch: number;
  /** Mean share of returned lessons with the query's label, over queries that got any; null if none did. */
  precision: number | null;
  /** Mean of relevant returned / min(k, relevant available), over queries with any relevant item. */
  recall: number;
  /** Share of queries that got nothing (all results under minScore). */
  abstention: number;
  medianLatencyMs: number;
  p95LatencyMs: number;
  /** F-beta of precision and coverage (1 - abstention); the best trade-off maximises it. */
  tradeOff: number;
  best: boolean;
}

export interface TuneReport {
  items: number;
  labels: number;
  /** Precision of a random pick of another item (how often two items share a label). */
  chancePrecision: number;
  grid: TuneGrid;
  beta: number;
  definitions: Record<string, string>;
  rows: TuneRow[];
  best: TuneRow;
}

/**
 * Leave-one-out retrieval tuning: every item is a query against all others, "same label" is
 * relevant. For each (k, efSearch) the store is searched with the item itself excluded, then every
 * minScore is applied to the results. Embeds each text once.
 */
export async function tuneRetrieval(dataset: LabelledDataset, options: TuneOptions): Promise<TuneReport> {
  const { texts, labels } = dataset;
  if (texts.length !== labels.length || texts.length < 2)
    throw new ConfigError("dataset", "needs at least 2 texts with one label each");
  const beta = options.beta ?? 0.5;
  if (!(beta > 0) || !Number.isFinite(beta)) throw new ConfigError("beta", `must be a positive number, got ${beta}`);
  const now = options.now ?? (() => performance.now());
  const batchSize = options.batchSize ?? 64;
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += batchSize) {
    vectors.push(...(await options.embeddings.embedDocuments(texts.slice(start, start + batchSize))));
    options.onProgress?.(vectors.length, texts.length);
  }
  const numDimensions = vectors[0]?.length ?? 0;
  const store = new HnswLessonStore(options.embeddings, { numDimensions, ...options.store });
  await store.addVectors(
    vectors,
    texts.map((text, i) => new Document({ pageContent: text, id: String(i) })),
  );
  const k = checkGrid("k", options.grid?.k ?? [1, 3, 5, 10], (x) => Number.isInteger(x) && x >= 1);
  const efSearch = checkGrid("efSearch", options.grid?.efSearch ?? [16, 32, 64], (x) => Number.isInteger(x) && x >= 1);
  const minScore = checkGrid(
    "minScore",
    options.grid?.minScore ?? (await defaultThresholds(store, vectors)),
    (x) => x >= -1 && x <= 1,
  );
  const labelCounts = new Map<string, number>();
  for (const label of labels) labelCounts.set(label, (labelCounts.get(label) ?? 0) + 1);
  const n = texts.length;
  let pairs = 0;
  for (const count of labelCounts.values()) pairs += count * (count - 1);
  const rows: TuneRow[] = [];
  for (const ef of efSearch) {
    store.efSearch = ef;
    for (const kk of k) {
      const latencies: number[] = [];
      const results: { scores: number[]; relevant: boolean[] }[] = [];
      for (let i = 0; i < n; i++) {
        const start = now();
        const hits = await store.similaritySearchVectorWithScore(vectors[i] as number[], kk, {
          excludeIds: [String(i)],
        });
        latencies.push(now() - start);
        results.push({
          scores: hits.map(([, s]) => s),
          relevant: hits.map(([d]) => labels[Number(d.id)] === labels[i]),
        });
      }
      for (const threshold of minScore) {
        rows.push(summarise(kk, threshold, ef, results, labels, labelCounts, latencies, beta));
      }
    }
  }
  const best = pickBest(rows);
  best.best = true;
  return {
    items: n,
    labels: labelCounts.size,
    chancePrecision: pairs / (n * (n - 1)),
    grid: { k, minScore, efSearch },
    beta,
    definitions: {
      relevant: "a retrieved item with the same label as the query (the query itself is left out)",
      precision: "mean over answered queries of (relevant returned / returned)",
      recall: "mean over queries with any relevant item of (relevant returned / min(k, relevant available))",
      abstention: "share of queries for which nothing scored >= minScore",
      tradeOff: `F-beta (beta = ${beta}) of precision and coverage = 1 - abstention: precision counts ${1 / beta}x as much as coverage, since an irrelevant lesson harms the policy while an abstention only forgoes help`,
      best: "the row with the highest tradeOff; rows within 0.005 of it are broken by lower median latency, then smaller k",
      minScoreMinusOne: "minScore -1 means no threshold",
    },
    rows,
    best,
  };
}

function summarise(
  k: number,
  minScore: number,
  efSearch: number,
  results: { scores: number[]; relevant: boolean[] }[],
  labels: string[],
  labelCounts: Map<string, number>,
  latencies: number[],
  beta: number,
): TuneRow {
  let answered = 0;
  let precisionSum = 0;
  let recallSum = 0;
  let recallQueries = 0;
  results.forEach(({ scores, relevant }, i) => {
    const kept = scores.filter((s) => s >= minScore).length;
    const hits = relevant.slice(0, kept).filter(Boolean).length;
    if (kept > 0) {
      answered++;
      precisionSum += hits / kept;
    }
    const available = (labelCounts.get(labels[i] as string) ?? 1) - 1;
    if (available > 0) {
      recallQueries++;
      recallSum += hits / Math.min(k, available);
    }
  });
  const precision = answered > 0 ? precisionSum / answered : null;
  const abstention = 1 - answered / results.length;
  const coverage = 1 - abstention;
  const p = precision ?? 0;
  const b2 = beta * beta;
  const tradeOff = p > 0 && coverage > 0 ? ((1 + b2) * p * coverage) / (b2 * p + coverage) : 0;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    k,
    minScore,
    efSearch,
    precision,
    recall: recallQueries > 0 ? recallSum / recallQueries : 0,
    abstention,
    medianLatencyMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
    p95LatencyMs: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0,
    tradeOff,
    best: false,
  };
}

function pickBest(rows: TuneRow[]): TuneRow {
  const top = Math.max(...rows.map((r) => r.tradeOff));
  const near = rows.filter((r) => r.tradeOff >= top - 0.005);
  near.sort((a, b) => a.medianLatencyMs - b.medianLatencyMs || a.k - b.k || b.tradeOff - a.tradeOff);
  return near[0] as TuneRow;
}

/** -1 plus deciles of each item's best leave-one-out similarity. */
async function defaultThresholds(store: HnswLessonStore, vectors: number[][]): Promise<number[]> {
  const tops: number[] = [];
  for (let i = 0; i < vectors.length; i++) {
    const [hit] = await store.similaritySearchVectorWithScore(vectors[i] as number[], 1, { excludeIds: [String(i)] });
    if (hit) tops.push(hit[1]);
  }
  tops.sort((a, b) => a - b);
  const deciles = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map(
    (q) => Math.round((tops[Math.floor(q * (tops.length - 1))] ?? 0) * 100) / 100,
  );
  return [-1, ...new Set(deciles)].sort((a, b) => a - b);
}

function checkGrid(field: string, values: number[], valid: (x: number) => boolean): number[] {
  if (!Array.isArray(values) || values.length === 0) throw new ConfigError(`grid.${field}`, "needs at least one value");
  for (const value of values) {
    if (typeof value !== "number" || Number.isNaN(value) || !valid(value))
      throw new ConfigError(`grid.${field}`, `invalid value ${value}`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}
