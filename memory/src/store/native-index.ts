import { StorageError } from "@lanpo/core";
import hnswlib from "hnswlib-node";
import type { ResolvedHnswLessonStoreOptions } from "./hnsw-lesson-store-options.js";
import type { StoreFolderContents } from "./read-store-folder.js";

const { HierarchicalNSW } = hnswlib;

/** hnswlib-node's index class. */
export type NativeIndex = InstanceType<typeof HierarchicalNSW>;

/** A new cosine index with deleted-slot reuse enabled. */
export function createNativeIndex(options: ResolvedHnswLessonStoreOptions, capacity: number): NativeIndex {
  const index = new HierarchicalNSW("cosine", options.numDimensions);
  index.initIndex({
    maxElements: capacity,
    m: options.M,
    efConstruction: options.efConstruction,
    randomSeed: options.seed,
    allowReplaceDeleted: true,
  });
  index.setEf(options.efSearch);
  return index;
}

/** Doubles the capacity until `needed` elements fit: never one reallocation per batch. */
export function growToFit(index: NativeIndex, needed: number): void {
  let capacity = index.getMaxElements();
  if (needed <= capacity) return;
  while (capacity < needed) capacity *= 2;
  index.resizeIndex(capacity);
}

/**
 * Reads a verified folder's index (the file already passed its size, checksum and header checks,
 * so hnswlib never parses garbage) and checks that it holds a vector for every document.
 */
export function readNativeIndex(dir: string, contents: StoreFolderContents & { indexPath: string }): NativeIndex {
  const { manifest, documents, indexPath } = contents;
  const index = new HierarchicalNSW("cosine", manifest.numDimensions);
  try {
    index.readIndexSync(indexPath, true);
  } catch (error) {
    throw new StorageError(indexPath, `hnswlib cannot read the index: ${(error as Error).message}`, {
      code: "MISMATCH",
      cause: error,
    });
  }
  index.setEf(manifest.efSearch);
  const present = new Set(index.getIdsList());
  if (present.size !== manifest.counts.indexElements) {
    throw new StorageError(
      dir,
      `index holds ${present.size} elements, manifest says ${manifest.counts.indexElements}`,
      {
        code: "MISMATCH",
      },
    );
  }
  const missing = documents.documents.find((doc) => !present.has(doc.label));
  if (missing) {
    throw new StorageError(dir, `document "${missing.id}" (label ${missing.label}) has no vector in the index`, {
      code: "MISMATCH",
    });
  }
  return index;
}
