import type { LabelIndex } from "./label-index.js";
import { unitVector } from "./vector-table.js";
import { WasmProjector } from "./wasm-projector.js";

/** The exact top of each query: labels and their cosines, best first. */
export interface ExactTop {
  labels: number[];
  scores: number[];
}

/**
 * The exact top-`k` labels (by cosine) of each query among `labels`, best first: the ground
 * truth a calibration measures recall against. All queries share one pass over the stored
 * vectors, each vector's inner products with every query computed at once in WebAssembly SIMD.
 */
export function exactTopLabels(
  index: LabelIndex,
  labels: Iterable<number>,
  queries: readonly (readonly number[])[],
  k: number,
): number[][] {
  return exactTop(index, labels, queries, k).map((top) => top.labels);
}

/** {@link exactTopLabels} with the scores: what a recall check sample keeps up to date. */
export function exactTop(
  index: LabelIndex,
  labels: Iterable<number>,
  queries: readonly ArrayLike<number>[],
  k: number,
): ExactTop[] {
  const count = queries.length;
  const topScores = queries.map(() => new Float64Array(k).fill(Number.NEGATIVE_INFINITY));
  const topLabels = queries.map(() => new Array<number>(k).fill(-1));
  const dims = queries[0]?.length ?? 0;
  if (count > 0 && dims > 0 && k > 0) {
    const matrix = new Float32Array(count * dims);
    for (const [i, query] of queries.entries()) matrix.set(unitVector(query), i * dims);
    const products = new WasmProjector(matrix, count, dims);
    const pass = [...labels];
    index.willRead?.(pass.length);
    // Per query: the best k so far, as parallel arrays sorted by descending score.
    for (const label of pass) {
      const stored = index.vector(label);
      const dots = products.projectView(stored instanceof Float32Array ? stored : Float32Array.from(stored));
      for (let q = 0; q < count; q++) {
        const score = dots[q] as number;
        const scores = topScores[q] as Float64Array;
        if (score <= (scores[k - 1] as number)) continue;
        const ids = topLabels[q] as number[];
        let at = k - 1;
        while (at > 0 && (scores[at - 1] as number) < score) {
          scores[at] = scores[at - 1] as number;
          ids[at] = ids[at - 1] as number;
          at--;
        }
        scores[at] = score;
        ids[at] = label;
      }
    }
  }
  return topLabels.map((ids, q) => {
    const kept = ids.filter((label) => label >= 0);
    return { labels: kept, scores: Array.from((topScores[q] as Float64Array).subarray(0, kept.length)) };
  });
}
