import type { DocumentInterface } from "@langchain/core/documents";
import { ConfigError } from "@lanpo/core";

/** A metadata value an equality filter compares with `===` (NaN matches NaN). */
export type MetadataValue = string | number | boolean | null;

/**
 * Filter of {@link HnswLessonStore} searches, in any of LangChain's usual shapes. Either way the
 * search still returns `k` results when `k` documents pass.
 * - a predicate over documents: a document is kept when it returns a truthy value, as with
 *   `Array.prototype.filter` and LangChain's own stores (so `asRetriever({ filter })` works);
 * - an object of metadata equalities, the form other LangChain stores take: `{ subject: "algebra" }`
 *   keeps documents whose `metadata.subject === "algebra"` (every key must match). Only plain
 *   values compare; operators (`{ $in: [...] }`, `$and`, nested objects, arrays) are refused
 *   with a `ConfigError`, never ignored;
 * - an object with `predicate` and/or `excludeIds` (ids to leave out), and optionally `metadata`
 *   equalities beside them.
 */
export type HnswLessonStoreFilter =
  | ((document: DocumentInterface) => unknown)
  | {
      /** Keep only documents for which this returns a truthy value. */
      predicate?: (document: DocumentInterface) => unknown;
      /** Never return documents with these ids. */
      excludeIds?: Iterable<string>;
      /** Keep only documents whose metadata has these values. */
      metadata?: Record<string, MetadataValue>;
    }
  | Record<string, MetadataValue>;

const OWN_KEYS = new Set(["predicate", "excludeIds", "metadata"]);

/**
 * Turns a filter into one predicate over (id, document), or undefined when nothing is filtered.
 * Throws `ConfigError` (field `filter`) for a filter it cannot apply exactly.
 */
export function compileFilter(
  filter: HnswLessonStoreFilter | undefined,
): ((id: string, document: DocumentInterface) => boolean) | undefined {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter === "function") return (_id, document) => Boolean(filter(document));
  if (typeof filter !== "object" || Array.isArray(filter)) {
    throw new ConfigError(
      "filter",
      `expected a function (document) => boolean or an object of metadata values such as { subject: "algebra" }, got ${describe(filter)}`,
    );
  }
  const keys = Object.keys(filter);
  const own = keys.length > 0 && keys.every((key) => OWN_KEYS.has(key));
  const { predicate, excludeIds, metadata } = (own ? filter : { metadata: filter }) as {
    predicate?: unknown;
    excludeIds?: Iterable<string>;
    metadata?: Record<string, unknown>;
  };
  if (predicate !== undefined && typeof predicate !== "function") {
    throw new ConfigError("filter.predicate", `must be a function (document) => boolean, got ${describe(predicate)}`);
  }
  const excluded = excludeIds === undefined ? undefined : new Set(excludeIds);
  const equalities = metadata === undefined ? [] : metadataEqualities(metadata, own ? "filter.metadata" : "filter");
  if (!predicate && (!excluded || excluded.size === 0) && equalities.length === 0) return undefined;
  return (id, document) => {
    if (excluded?.has(id)) return false;
    const values = document.metadata ?? {};
    for (const [key, value] of equalities) if (!Object.is(values[key], value) && values[key] !== value) return false;
    return predicate ? Boolean((predicate as (d: DocumentInterface) => unknown)(document)) : true;
  };
}

function metadataEqualities(metadata: Record<string, unknown>, field: string): [string, MetadataValue][] {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new ConfigError(field, `must be an object of metadata values, got ${describe(metadata)}`);
  }
  return Object.entries(metadata).map(([key, value]) => {
    const plain = value === null || ["string", "number", "boolean"].includes(typeof value);
    if (!plain || key.startsWith("$")) {
      throw new ConfigError(
        `${field}.${key}`,
        `HnswLessonStore filters by metadata equality only ({ ${JSON.stringify(key.replace(/^\$/, "field"))}: "value" }), got ${describe(value)} under "${key}"; for operators such as $in, $gt or $and pass a function (document) => boolean instead`,
      );
    }
    return [key, value as MetadataValue];
  });
}

function describe(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
