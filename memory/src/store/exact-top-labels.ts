import type { LabelIndex } from "./label-index.js";
import { unitVector } from "./vector-table.js";
import { WasmProjector } from "./wasm-projector.js";

/**
 * The exact top-`k` labels (by cosine) of each query among `labels`, best first: the ground
 * truth a calibration measures recall against. All queries share one pass over the stored
 * vectors, each vector's inner products with every query computed at once in WebAssembly SIMD.
 */
export function exactTopLabels(
  index: LabelIndex,
  labels: readonly number[],
  queries: readonly (readonly number[])[],
  k: number,
): number[][] {
  const count = queries.length;
  if (count === 0 || labels.length === 0) return queries.map(() => []);
  const dims = queries[0]?.length ?? 0;
  const matrix = new Float32Array(count * dims);
  for (const [i, query] of queries.entries()) matrix.set(unitVector(query), i * dims);
  const products = new WasmProjector(matrix, count, dims);
  // Per query: the best k so far, as parallel arrays sorted by descending score.
  const topScores = queries.map(() => new Float64Array(k).fill(Number.NEGATIVE_INFINITY));
  const topLabels = queries.map(() => new Array<number>(k).fill(-1));
  for (const label of labels) {
    const stored = index.vector(label);
    const dots = products.project(stored instanceof Float32Array ? stored : Float32Array.from(stored));
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
  return topLabels.map((ids) => ids.filter((label) => label >= 0));
}
