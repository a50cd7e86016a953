import type { LabelIndex, ScoredLabel } from "./label-index.js";
import type { StoredDocument } from "./store-manifest.js";

/** Below this many passing documents, a short filtered search falls back to an exact scan at once. */
const EXACT_SCAN_MAX = 2048;

/** What {@link searchWithFilter} searches. */
export interface FilteredSearch {
  index: LabelIndex;
  documents: ReadonlyMap<number, StoredDocument>;
  query: number[];
  /** At most this many results (already capped at the number of documents). */
  k: number;
  efSearch: number;
  /** The compiled filter, or undefined for none. */
  accept:
    | ((id: string, doc: { pageContent: string; metadata: Record<string, unknown>; id: string }) => boolean)
    | undefined;
}

/**
 * The store's search under a filter: the graph search at `efSearch`, widened (ef doubled) while a
 * filter leaves fewer than `k` results, and an exact scan of the passing documents when they are
 * few or when the graph, cut apart by the filter, cannot reach them. Labels and cosine
 * similarities, most similar first.
 */
export function searchWithFilter(search: FilteredSearch): ScoredLabel[] {
  const { index, documents, query, accept } = search;
  let limit = search.k;
  const elements = index.elementCount;
  // Filters see a view of the stored document (no copy per visited node: the graph search calls
  // the filter on every candidate it meets).
  const passes = (doc: StoredDocument) =>
    accept?.(doc.id, { pageContent: doc.pageContent, metadata: doc.metadata, id: doc.id }) ?? true;
  const labelFilter = accept
    ? (label: number) => {
        const doc = documents.get(label);
        return doc !== undefined && passes(doc);
      }
    : undefined;
  const graph = (ef: number) => index.search(query, limit, ef, labelFilter);
  const passingLabels = () => [...documents.values()].filter(passes).map((doc) => doc.label);
  let ef = Math.max(search.efSearch, limit);
  let hits = graph(ef);
  let passing: number[] | undefined;
  if (hits.length < limit && accept) {
    // Short: count what passes (cheaper than searching the whole graph for results that do not
    // exist), and scan a small passing set exactly.
    passing = passingLabels();
    limit = Math.min(limit, passing.length);
    if (hits.length < limit && passing.length <= EXACT_SCAN_MAX) return index.exact(query, passing, limit);
  }
  while (hits.length < limit && ef < elements) {
    ef = Math.min(ef * 2, elements);
    hits = graph(ef);
  }
  if (hits.length < limit) {
    // Still short at ef = every element (a filter can cut the graph apart): scan exactly.
    hits = index.exact(query, passing ?? passingLabels(), limit);
  }
  return hits;
}
