import type { GenerationFile } from "./atomic-folder.js";
import type { StoreManifest } from "./store-manifest.js";

/** A stored vector's slot and its cosine similarity to a query. */
export interface ScoredLabel {
  label: number;
  score: number;
}

/** What a save takes from an index, captured at one instant: its files and manifest fields. */
export interface IndexSnapshot {
  /** Files to commit, keyed by their entry in the manifest's `files`. */
  files: { key: "index" | "vectors" | "projection"; file: GenerationFile }[];
  elementCount: number;
  capacity: number;
  deleted: number;
  projection: StoreManifest["projection"];
}

/**
 * The vectors of an `HnswLessonStore`, by label (the store's slot number): an hnswlib graph over
 * the vectors themselves (`DirectIndex`), or over their projections with the exact vectors kept
 * beside it for re-ranking (`ProjectedIndex`). Every score is a cosine similarity.
 */
export interface LabelIndex {
  /** Elements in the graph, marked-deleted ones included. */
  readonly elementCount: number;
  readonly capacity: number;
  /** Marked-deleted elements whose slots the next inserts reuse. */
  readonly deletedCount: number;
  /** Grows the capacity (by doubling) until `newPoints` more elements fit. */
  reserve(newPoints: number): void;
  /** Adds a vector under a new label, reusing a deleted slot when there is one. */
  insert(vector: readonly number[], label: number): void;
  /** Replaces the vector of an existing label. */
  update(vector: readonly number[], label: number): void;
  /** Marks a label deleted; its slot is reused by a later insert. */
  remove(label: number): void;
  /** The smallest candidate list a search for `k` runs with, whatever ef it is given. */
  minimumEf(k: number): number;
  /** Up to `k` labels most similar to `query`, best first, searching with candidate list `ef`. */
  search(query: readonly number[], k: number, ef: number, accept?: (label: number) => boolean): ScoredLabel[];
  /** Exact top-`k` over `labels`. */
  exact(query: readonly number[], labels: readonly number[], k: number): ScoredLabel[];
  /** The stored unit vector of a label. */
  vector(label: number): ArrayLike<number>;
  /**
   * Says that a pass is about to read `count` vectors through `vector`, so an index that reads
   * them one by one can take them all at once first when that is cheaper.
   */
  willRead?(count: number): void;
  /**
   * Captures a save of this instant (see {@link IndexSnapshot}), synchronously so that it agrees
   * with the documents captured beside it: files that change with later adds are written to their
   * `.tmp` paths in `dir` now, the rest when the commit writes them.
   */
  snapshot(dir: string, tag: string): IndexSnapshot;
}

/** Cosine similarities computed in float32 can stray just outside [-1, 1]. */
export function clampScore(score: number): number {
  return Math.min(1, Math.max(-1, score));
}

/** Exact top-`k` of `labels` by `score` (given each label and its position), best first. */
export function topByScore(
  labels: readonly number[],
  k: number,
  score: (label: number, position: number) => number,
): ScoredLabel[] {
  return labels
    .map((label, i) => ({ label, score: clampScore(score(label, i)) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
