import { type ExactTop, exactTop } from "./exact-top-labels.js";
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
  /**
   * The store's recall check sample (made-up held-out queries, their exact top kept up to date)
   * as measured at the last save, at `efSearch`: what `lanpo memory inspect` reads in a folder.
   */
  check?: RecallMeasurement;
  /** What `load` measured on the saved check sample, and what it did with it (see the README). */
  afterLoad?: RecallMeasurement & {
    /** kept: the saved efSearch reached the aim; retuned: efSearch re-chosen on the sample (searches only); recalibrated: a full calibration ran (no usable sample, another k, or a doubling since). */
    action: "kept" | "retuned" | "recalibrated";
  };
}

/** Recall@k measured on a sample at one efSearch. */
export interface RecallMeasurement {
  recall: number;
  efSearch: number;
  /** Queries measured. */
  sampleSize: number;
  /** Live documents when it was measured. */
  documents: number;
}

/** What {@link calibrateWithCheck} also makes: held-out queries and their exact top, for a check sample. */
export interface CheckQueries {
  queries: number[][];
  truth: ExactTop[];
}

export const DEFAULT_CANDIDATES = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];

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
  return calibrateWithCheck(index, liveLabels, options).calibration;
}

/**
 * {@link calibrateEfSearch}, also making a check sample of `check.queries` made-up held-out
 * queries with their exact top `check.depth`, in the same exact pass: the calibration's own
 * made-up queries when it has that many, else that many more (each from one neighbourhood search,
 * see `heldOutQueries`' `pairNeighbourhoods`). Real new vectors are never in it: they are stored
 * after the calibration, and a stored query finds itself.
 */
/** What {@link pickEfSearch} chose, and the recall of every efSearch it tried. */
export interface PickedEfSearch {
  efSearch: number;
  recall: number;
  reached: boolean;
  recallByEf: { efSearch: number; recall: number }[];
}

/**
 * The smallest of `candidates` (ascending, already raised to the index's floor) whose recall
 * reaches `aim`, trying them in order. When none does, recall has plateaued below the aim and a
 * larger ef only costs time: the smallest within 0.005 of the best recall seen.
 */
export function pickEfSearch(
  candidates: readonly number[],
  aim: number,
  recallAt: (ef: number) => number,
): PickedEfSearch {
  const recallByEf: PickedEfSearch["recallByEf"] = [];
  for (const ef of candidates) {
    const recall = recallAt(ef);
    recallByEf.push({ efSearch: ef, recall });
    if (recall >= aim) return { efSearch: ef, recall, reached: true, recallByEf };
  }
  const best = Math.max(...recallByEf.map((r) => r.recall));
  const chosen = recallByEf.find((r) => r.recall >= best - 0.005);
  return { efSearch: chosen?.efSearch ?? candidates[0] ?? 16, recall: chosen?.recall ?? 0, reached: false, recallByEf };
}

export function calibrateWithCheck(
  index: LabelIndex,
  liveLabels: readonly number[],
  options: CalibrateEfSearchOptions & { check?: { queries: number; depth: number; random: () => number } },
): { calibration: EfSearchCalibration; check: CheckQueries | undefined } {
  const targetRecall = options.targetRecall ?? 0.97;
  const k = Math.min(options.k ?? 10, liveLabels.length);
  // Below the index's own floor for k (k itself, or k × rerank candidates for a projected index)
  // every ef runs the same search: try the floor once, then only larger values.
  const floor = index.minimumEf(k);
  const tried = options.candidates ?? DEFAULT_CANDIDATES;
  const candidates = [...new Set(tried.map((ef) => Math.max(ef, floor)))].sort((a, b) => a - b);
  const base = { targetRecall, k, documents: liveLabels.length };
  if (k === 0 || liveLabels.length <= k) {
    const calibration = {
      ...base,
      efSearch: candidates[0] ?? 16,
      reached: true,
      recall: 1,
      sampleSize: 0,
      recallByEf: [],
    };
    return { calibration, check: undefined };
  }
  const sampleSize = options.sampleSize ?? 48;
  const given = (options.queries ?? []).slice(0, sampleSize).map((query) => Array.from(query));
  // The exact pass below reads every vector: take them all now, so that the neighbourhoods the
  // made-up queries are built from do not read a reopened direct graph point by point first
  // (about 12,000 reads, 0.8 s of a 3 s recalibration at 100,000 × 512).
  index.willRead?.(liveLabels.length);
  const madeUp = heldOutQueries(index, liveLabels, sampleSize - given.length, options.random ?? Math.random);
  const queries = [...given, ...madeUp];
  const wanted = options.check;
  const extra =
    wanted && madeUp.length < wanted.queries
      ? heldOutQueries(index, liveLabels, wanted.queries, wanted.random, { pairNeighbourhoods: true })
      : [];
  const depth = Math.max(k, wanted?.depth ?? k);
  const tops = exactTop(index, liveLabels, [...queries, ...extra], depth);
  const truth = tops.slice(0, queries.length).map((top) => new Set(top.labels.slice(0, k)));
  const check: CheckQueries | undefined = !wanted
    ? undefined
    : extra.length > 0
      ? { queries: extra, truth: tops.slice(queries.length) }
      : { queries: madeUp.slice(0, wanted.queries), truth: tops.slice(given.length, given.length + wanted.queries) };
  const picked = pickEfSearch(candidates, targetRecall, (ef) => {
    let hits = 0;
    for (const [i, query] of queries.entries()) {
      const expected = truth[i] as Set<number>;
      for (const hit of index.search(query, k, ef)) if (expected.has(hit.label)) hits++;
    }
    return hits / (queries.length * k);
  });
  const calibration = { ...base, ...picked, sampleSize: queries.length, newVectors: given.length };
  return { calibration, check };
}
