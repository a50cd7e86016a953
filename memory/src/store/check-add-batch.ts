import type { DocumentInterface } from "@langchain/core/documents";
import { ConfigError } from "@lanpo/core";
import { assertVector, VectorInputError } from "./vector-input-error.js";

/**
 * Validates a whole `addVectors` batch before anything is written, so a bad vector or id anywhere
 * changes nothing: one vector and (when given) one id per document, every vector of the store's
 * size (or of the first vector's, for a store that has not seen one yet), every id a non-empty
 * string (given, else `Document.id`, else generated). Returns undefined for an empty batch.
 */
export function checkAddBatch(
  vectors: number[][],
  documents: DocumentInterface[],
  given: readonly string[] | undefined,
  numDimensions: number | undefined,
  generateId: () => string,
): { dims: number; vectors: number[][]; ids: string[] } | undefined {
  if (!Array.isArray(vectors) || !Array.isArray(documents) || vectors.length !== documents.length) {
    throw new VectorInputError(
      "batch-length",
      `got ${vectors?.length} vectors for ${documents?.length} documents; pass one vector per document`,
    );
  }
  if (given !== undefined && given.length !== documents.length) {
    throw new ConfigError("ids", `got ${given.length} ids for ${documents.length} documents; pass one id per document`);
  }
  if (documents.length === 0) return undefined;
  const dims = numDimensions ?? inferDimensions(vectors[0]);
  for (const [i, vector] of vectors.entries()) assertVector(vector, dims, i, "vector");
  const ids = documents.map((doc, i) => given?.[i] ?? doc.id ?? generateId());
  ids.forEach((id, i) => {
    if (typeof id !== "string" || id.length === 0)
      throw new ConfigError(`ids.${i}`, "every id must be a non-empty string");
  });
  // hnswlib-node takes plain arrays only.
  return { dims, ids, vectors: vectors.map((vector) => (Array.isArray(vector) ? vector : Array.from(vector))) };
}

/** The size of the first vector of a batch, which a store built without `numDimensions` takes. */
function inferDimensions(vector: unknown): number {
  const length = (vector as { length?: unknown } | undefined)?.length;
  if (typeof length !== "number" || length < 1) {
    throw new VectorInputError("not-array", "the first vector is not an array of numbers; cannot infer numDimensions");
  }
  return length;
}
