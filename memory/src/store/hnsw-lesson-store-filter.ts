import type { DocumentInterface } from "@langchain/core/documents";

/**
 * Filter of {@link HnswLessonStore} searches: a predicate over documents (LangChain's usual
 * filter shape, so `asRetriever({ filter })` works), or an object with a predicate and/or ids to
 * leave out. Either way the search still returns `k` results when `k` documents pass.
 */
export type HnswLessonStoreFilter =
  | ((document: DocumentInterface) => boolean)
  | {
      /** Keep only documents for which this returns true. */
      predicate?: (document: DocumentInterface) => boolean;
      /** Never return documents with these ids. */
      excludeIds?: Iterable<string>;
    };

/** Turns a filter into one predicate over (id, document), or undefined when nothing is filtered. */
export function compileFilter(
  filter: HnswLessonStoreFilter | undefined,
): ((id: string, document: DocumentInterface) => boolean) | undefined {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter === "function") return (_id, document) => filter(document) === true;
  const excluded = filter.excludeIds ? new Set(filter.excludeIds) : undefined;
  const predicate = filter.predicate;
  if (!predicate && (!excluded || excluded.size === 0)) return undefined;
  return (id, document) => !excluded?.has(id) && (predicate ? predicate(document) === true : true);
}
