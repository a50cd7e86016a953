import type { LabelIndex } from "./label-index.js";

/** Options of {@link HnswLessonStore.calibrateEfSearch}. */
export interface CalibrateEfSearchOptions {
  /** Recall@k against exact search to reach. @default 0.95 */
  targetRecall?: number;
  /** @default 10 */
  k?: number;
  /** Stored vectors used as queries (each one's own entry is left out of both answers). @default 50 */
  sampleSize?: number;
  /**
   * efSearch values tried, smallest first; the first that reaches the target wins. When none does,
   * the smallest within 0.005 of the best recall seen is taken. @default [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
   */
  candidates?: number[];
  /** Picks the sample. @default Math.random */
  random?: () => number;
}

/** What calibration measured: recall@k per tried efSearch, and the one chosen. */
export interface EfSearchCalibration {
  efSearch: number;
  reached: boolean;
  recallByEf: { efSearch: number; recall: number }[];
}

/**
 * Picks the smallest efSearch whose recall@k, measured on a sample of the index's own vectors
 * against an exact scan of every live vector, reaches the target. The search measured is the
 * store's own (re-ranking included, for a projected index). The exact scan is the costly part (one
 * pass over all vectors per sample query), so this is a maintenance call, not per query.
 */
export function calibrateEfSearch(
  index: LabelIndex,
  liveLabels: readonly number[],
  options: CalibrateEfSearchOptions = {},
): EfSearchCalibration {
  const targetRecall = options.targetRecall ?? 0.95;
  const k = Math.min(options.k ?? 10, Math.max(0, liveLabels.length - 1));
  // Below the index's own floor for k (k itself, or k × rerank candidates for a projected index)
  // every ef runs the same search: try the floor once, then only larger values.
  const floor = index.minimumEf(k);
  const given = options.candidates ?? [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];
  const candidates = [...new Set(given.map((ef) => Math.max(ef, floor)))].sort((a, b) => a - b);
  const random = options.random ?? Math.random;
  if (k === 0) return { efSearch: candidates[0] ?? 16, reached: true, recallByEf: [] };
  const dims = index.vector(liveLabels[0] as number).length;
  // Stored vectors are unit length, so dot product = cosine similarity.
  const matrix = new Float32Array(liveLabels.length * dims);
  for (const [row, label] of liveLabels.entries()) matrix.set(index.vector(label), row * dims);
  const sampleSize = Math.min(options.sampleSize ?? 50, liveLabels.length);
  const rows = new Set<number>();
  while (rows.size < sampleSize) rows.add(Math.floor(random() * liveLabels.length));
  const samples = [...rows].map((row) => {
    const query = Array.from(matrix.subarray(row * dims, (row + 1) * dims));
    const scores = new Float32Array(liveLabels.length);
    for (let other = 0; other < liveLabels.length; other++) {
      let dot = 0;
      const base = other * dims;
      for (let j = 0; j < dims; j++) dot += (matrix[base + j] as number) * (query[j] as number);
      scores[other] = other === row ? Number.NEGATIVE_INFINITY : dot;
    }
    const order = [...scores.keys()].sort((a, b) => (scores[b] as number) - (scores[a] as number));
    return {
      query,
      self: liveLabels[row] as number,
      truth: new Set(order.slice(0, k).map((r) => liveLabels[r] as number)),
    };
  });
  const recallByEf: { efSearch: number; recall: number }[] = [];
  for (const ef of candidates) {
    let hits = 0;
    for (const { query, self, truth } of samples) {
      // The sample's own entry is filtered out, so the search has the shape of a real query for k.
      const found = index.search(query, k, ef, (label) => label !== self).map((hit) => hit.label);
      hits += found.filter((label) => truth.has(label)).length;
    }
    const recall = hits / (samples.length * k);
    recallByEf.push({ efSearch: ef, recall });
    if (recall >= targetRecall) return { efSearch: ef, reached: true, recallByEf };
  }
  // Unreachable: recall has plateaued below the target, so larger ef only costs time. Take the
  // smallest ef within 0.005 of the best recall seen.
  const best = Math.max(...recallByEf.map((r) => r.recall));
  const efSearch = recallByEf.find((r) => r.recall >= best - 0.005)?.efSearch ?? candidates.at(-1) ?? 16;
  return { efSearch, reached: false, recallByEf };
}
