import type { LabelIndex } from "./label-index.js";

/**
 * Stored neighbours a neighbourhood is made of: one 256th of the store, from 16 to 128. The mean of
 * n neighbours lies closer to those n than to other vectors (by about 2/n of the squared distance,
 * which in many dimensions is more than the spread of the distances), so a query built on a small
 * neighbourhood would lean towards it: large neighbourhoods keep that lean small.
 */
const neighbourhoodSize = (live: number) => Math.max(16, Math.min(128, Math.floor(live / 256)));

/**
 * Queries for measuring recall that are not in the index. A stored vector used as a query finds
 * itself and the neighbours it was linked to when inserted, so it overstates the recall new
 * queries get. Each query here is a new point: the mean of a stored vector's nearest stored
 * vectors (see `neighbourhoodSize`), displaced by a Gaussian combination of the deviations from their mean
 * of ANOTHER stored vector's neighbourhood. The displacement has the data's own local shape and
 * size (so the query lies where the data lies, as far from the mean as a new point would be) but
 * does not point at any vector it is measured against: built from the query's own neighbours, it
 * would lean towards them and again make the search look easier than it is for new data, most
 * of all where neighbours differ in many directions.
 *
 * `pairNeighbourhoods` takes each query's displacement from the NEXT picked vector's
 * neighbourhood (the last from the first's) instead of a further random one: one neighbourhood
 * search per query instead of two, for the store's recall check sample (see `RecallCheckSample`).
 */
export function heldOutQueries(
  index: LabelIndex,
  liveLabels: readonly number[],
  count: number,
  random: () => number,
  options: { pairNeighbourhoods?: boolean } = {},
): number[][] {
  const size = Math.min(count, liveLabels.length);
  const pick = () => liveLabels[Math.floor(random() * liveLabels.length)] as number;
  const picked = new Set<number>();
  while (picked.size < size) picked.add(pick());
  const gauss = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
  const n = neighbourhoodSize(liveLabels.length);
  const neighbourhood = (label: number) => {
    const seed = Array.from(index.vector(label));
    const around = index.search(seed, n, Math.max(64, 2 * n)).map((hit) => index.vector(hit.label));
    const dims = seed.length;
    const mean = new Float64Array(dims);
    for (const vector of around) {
      for (let j = 0; j < dims; j++) mean[j] = (mean[j] as number) + (vector[j] as number) / around.length;
    }
    return { around, mean };
  };
  const displace = (mean: Float64Array, shape: ReturnType<typeof neighbourhood>) => {
    const query = Array.from(mean);
    const scale = 1 / Math.sqrt(Math.max(1, shape.around.length - 1));
    for (const vector of shape.around) {
      const weight = gauss() * scale;
      for (let j = 0; j < query.length; j++) {
        query[j] = (query[j] as number) + weight * ((vector[j] as number) - (shape.mean[j] as number));
      }
    }
    return query;
  };
  if (options.pairNeighbourhoods && size >= 2) {
    const around = [...picked].map(neighbourhood);
    return around.map(({ mean }, i) => displace(mean, around[(i + 1) % size] as ReturnType<typeof neighbourhood>));
  }
  return [...picked].map((label) => {
    const { mean } = neighbourhood(label);
    let other = pick();
    for (let tries = 0; other === label && tries < 8; tries++) other = pick();
    return displace(mean, neighbourhood(other));
  });
}
