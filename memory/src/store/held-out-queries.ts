import type { LabelIndex } from "./label-index.js";

/** Stored neighbours a held-out query is drawn among. */
const NEIGHBOURHOOD = 16;

/**
 * Queries for measuring recall that are not in the index. A stored vector used as a query finds
 * itself and the neighbours it was linked to when inserted, so it overstates the recall new
 * queries get. Each query here is a new point drawn from a stored vector's neighbourhood: the
 * mean of its `NEIGHBOURHOOD` nearest stored vectors plus a Gaussian combination of their
 * deviations from that mean, so it lies where the data lies, at about the distance from its
 * neighbours that a new vector of the same distribution would have, and is not itself stored.
 */
export function heldOutQueries(
  index: LabelIndex,
  liveLabels: readonly number[],
  count: number,
  random: () => number,
): number[][] {
  const size = Math.min(count, liveLabels.length);
  const picked = new Set<number>();
  while (picked.size < size) picked.add(liveLabels[Math.floor(random() * liveLabels.length)] as number);
  const gauss = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
  return [...picked].map((label) => {
    const seed = Array.from(index.vector(label));
    const around = index.search(seed, NEIGHBOURHOOD, Math.max(64, NEIGHBOURHOOD)).map((hit) => index.vector(hit.label));
    const dims = seed.length;
    const mean = new Float64Array(dims);
    for (const vector of around)
      for (let j = 0; j < dims; j++) mean[j] = (mean[j] as number) + (vector[j] as number) / around.length;
    const query = Array.from(mean);
    const scale = 1 / Math.sqrt(around.length);
    for (const vector of around) {
      const weight = gauss() * scale;
      for (let j = 0; j < dims; j++)
        query[j] = (query[j] as number) + weight * ((vector[j] as number) - (mean[j] as number));
    }
    return query;
  });
}
