import { exactTopLabels } from "./exact-top-labels.js";
import { heldOutQueries } from "./held-out-queries.js";
import type { LabelIndex } from "./label-index.js";

/** Options of {@link HnswLessonStore.calibrateEfSearch}. */
export interface CalibrateEfSearchOptions {
  /**
   * Recall@k against exact search to reach on the sample. The store's own calibrations aim at its
   * `recallTarget.recall` plus a margin of 0.02, so that new queries (whose recall scatters around
   * the sample's) still reach the target. @default 0.97
   */
  targetRecall?: number;
  /** @default 10 */
  k?: number;
  /** Queries measured (each a held-out query made from a stored vector's neighbourhood). @default 48 */
  sampleSize?: number;
  /**
   * efSearch values tried, smallest first; the first that reaches the target wins. When none does,
   * the smallest within 0.005 of the best recall seen is taken. @default [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]
   */
  candidates?: number[];
  /** Picks the sample. @default Math.random */
  random?: () => number;
  /**
   * Queries the index does not hold (new vectors of the same data, held back from the index until
   * the calibration has run): used first, and topped up to `sampleSize` with made-up held-out
   * queries (see `heldOutQueries`). @default none
   */
  queries?: readonly (readonly number[])[];
}

/** What a calibration measured: recall@k per tried efSearch, and the one chosen. */
export interface EfSearchCalibration {
  efSearch: number;
  /** Whether `recall` reached the target. */
  reached: boolean;
  /** Recall@k of the chosen efSearch on the sample (1 when the store was too small to measure). */
  recall: number;
  /** The recall aimed at. */
  targetRecall: number;
  k: number;
  /** Queries measured. */
  sampleSize: number;
  /** How many of them were real new vectors held back from the index (the rest were made up). */
  newVectors?: number;
  /** Live documents when it was measured. */
  documents: number;
  recallByEf: { efSearch: number; recall: number }[];
}

const DEFAULT_CANDIDATES = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];

/**
 * Picks the smallest efSearch whose recall@k against an exact scan of every live vector reaches
 * the target, measured with queries that are NOT in the index (see `heldOutQueries`: a stored
 * vector used as its own query is found at once, which makes recall look better than new queries
 * get). The search measured is the store's own (re-ranking included, for a projected index). Its
 * cost is one exact pass over all vectors for the whole sample (in WebAssembly: about a second
 * at 100,000 × 512), so it runs when the store doubles, not per query.
 */
export function calibrateEfSearch(
  index: LabelIndex,
  liveLabels: readonly number[],
  options: CalibrateEfSearchOptions = {},
): EfSearchCalibration {
  const targetRecall = options.targetRecall ?? 0.97;
  const k = Math.min(options.k ?? 10, liveLabels.length);
  // Below the index's own floor for k (k itself, or k × rerank candidates for a projected index)
  // every ef runs the same search: try the floor once, then only larger values.
  const floor = index.minimumEf(k);
  const tried = options.candidates ?? DEFAULT_CANDIDATES;
  const candidates = [...new Set(tried.map((ef) => Math.max(ef, floor)))].sort((a, b) => a - b);
  const base = { targetRecall, k, documents: liveLabels.length };
  if (k === 0 || liveLabels.length <= k) {
    return { ...base, efSearch: candidates[0] ?? 16, reached: true, recall: 1, sampleSize: 0, recallByEf: [] };
  }
  const sampleSize = options.sampleSize ?? 48;
  const given = (options.queries ?? []).slice(0, sampleSize).map((query) => Array.from(query));
  const queries = [
    ...given,
    ...heldOutQueries(index, liveLabels, sampleSize - given.length, options.random ?? Math.random),
  ];
  const truth = exactTopLabels(index, liveLabels, queries, k).map((labels) => new Set(labels));
  const recallByEf: { efSearch: number; recall: number }[] = [];
  for (const ef of candidates) {
    let hits = 0;
    for (const [i, query] of queries.entries()) {
      const expected = truth[i] as Set<number>;
      for (const hit of index.search(query, k, ef)) if (expected.has(hit.label)) hits++;
    }
    const recall = hits / (queries.length * k);
    recallByEf.push({ efSearch: ef, recall });
    if (recall >= targetRecall) {
      return {
        ...base,
        efSearch: ef,
        reached: true,
        recall,
        sampleSize: queries.length,
        newVectors: given.length,
        recallByEf,
      };
    }
  }
  // Unreachable: recall has plateaued below the target, so larger ef only costs time. Take the
  // smallest ef within 0.005 of the best recall seen.
  const best = Math.max(...recallByEf.map((r) => r.recall));
  const chosen = recallByEf.find((r) => r.recall >= best - 0.005) ?? recallByEf.at(-1);
  return {
    ...base,
    efSearch: chosen?.efSearch ?? 16,
    reached: false,
    recall: chosen?.recall ?? 0,
    sampleSize: queries.length,
    newVectors: given.length,
    recallByEf,
  };
}
