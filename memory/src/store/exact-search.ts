import type { NativeIndex } from "./native-index.js";

/**
 * Exact cosine top-`k` over the given labels, reading their (already normalised) vectors back
 * from the index. The fallback when a filtered graph search cannot reach `k` results.
 */
export function exactSearch(
  index: NativeIndex,
  query: readonly number[],
  labels: readonly number[],
  k: number,
): { label: number; score: number }[] {
  let norm = 0;
  for (const x of query) norm += x * x;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const scored = labels.map((label) => {
    const point = index.getPoint(label);
    let dot = 0;
    for (let j = 0; j < point.length; j++) dot += (point[j] as number) * (query[j] as number);
    return { label, score: Math.max(-1, Math.min(1, dot * scale)) };
  });
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
}
