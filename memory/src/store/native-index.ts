import { StorageError } from "@lanpo/core";
import type { HierarchicalNSW } from "hnswlib-node";
import { hnswlib } from "./hnswlib-binding.js";

/** hnswlib-node's index class. */
export type NativeIndex = HierarchicalNSW;

/** Graph parameters of a new native index. */
export interface NativeIndexParameters {
  M: number;
  efConstruction: number;
  efSearch: number;
  seed: number;
}

/**
 * A new index with deleted-slot reuse enabled. `"cosine"` normalises what it stores; `"ip"` takes
 * vectors as they are (the projections of unit vectors, whose inner products approximate cosines).
 */
export function createNativeIndex(
  space: "cosine" | "ip",
  dimensions: number,
  parameters: NativeIndexParameters,
  capacity: number,
): NativeIndex {
  const index = new (hnswlib().HierarchicalNSW)(space, dimensions);
  index.initIndex({
    maxElements: capacity,
    m: parameters.M,
    efConstruction: parameters.efConstruction,
    randomSeed: parameters.seed,
    allowReplaceDeleted: true,
  });
  index.setEf(parameters.efSearch);
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
 * Reads an index file that already passed its size, checksum and header checks (so hnswlib never
 * parses garbage) and checks that it holds `expectedElements` elements and a vector for every label.
 */
export function readNativeIndex(
  dir: string,
  indexPath: string,
  space: "cosine" | "ip",
  dimensions: number,
  efSearch: number,
  expectedElements: number,
  labels: readonly { id: string; label: number }[],
): NativeIndex {
  const index = new (hnswlib().HierarchicalNSW)(space, dimensions);
  try {
    index.readIndexSync(indexPath, true);
  } catch (error) {
    throw new StorageError(indexPath, `hnswlib cannot read the index: ${(error as Error).message}`, {
      code: "MISMATCH",
      cause: error,
    });
  }
  index.setEf(efSearch);
  const present = new Set(index.getIdsList());
  if (present.size !== expectedElements) {
    throw new StorageError(dir, `index holds ${present.size} elements, manifest says ${expectedElements}`, {
      code: "MISMATCH",
    });
  }
  const missing = labels.find((doc) => !present.has(doc.label));
  if (missing) {
    throw new StorageError(dir, `document "${missing.id}" (label ${missing.label}) has no vector in the index`, {
      code: "MISMATCH",
    });
  }
  // The elements no document holds must all be marked deleted; else a document sits on a deleted
  // element and a live one has no document. hnswlib lists no deleted labels but refuses to delete
  // one twice, so each of those few must refuse (every document is not probed: that would be slow).
  const documented = new Set(labels.map((doc) => doc.label));
  for (const label of present) {
    if (documented.has(label)) continue;
    let wasLive = true;
    try {
      index.markDelete(label);
    } catch {
      wasLive = false;
    }
    if (wasLive) {
      throw new StorageError(
        dir,
        `index element ${label} is live but no document holds it: documents and index disagree`,
        {
          code: "MISMATCH",
        },
      );
    }
  }
  return index;
}

/** Writes the index to `path` (synchronously, so the file matches the documents captured with it). */
export function writeNativeIndex(index: NativeIndex, path: string): void {
  try {
    index.writeIndexSync(path);
  } catch (error) {
    throw new StorageError(path, `cannot write the index: ${(error as Error).message}`, { cause: error });
  }
}

/** One native search at candidate list size `ef` (every search sets its own, so none is restored). */
export function searchNative(
  index: NativeIndex,
  query: number[],
  k: number,
  ef: number,
  accept?: (label: number) => boolean,
): { neighbors: number[]; distances: number[] } {
  index.setEf(ef);
  return index.searchKnn(query, k, accept);
}

/**
 * What both store layouts do the same way with their hnswlib graph: counts, capacity, and the
 * reuse of marked-deleted slots by later inserts.
 */
export abstract class NativeBackedIndex {
  protected constructor(
    protected native: NativeIndex,
    protected deleted: number,
  ) {}

  get elementCount(): number {
    return this.native.getCurrentCount();
  }

  get capacity(): number {
    return this.native.getMaxElements();
  }

  get deletedCount(): number {
    return this.deleted;
  }

  reserve(newPoints: number): void {
    growToFit(this.native, this.elementCount + Math.max(0, newPoints - this.deleted));
  }

  /** Adds `point` to the graph under a new label, in a deleted slot when there is one. */
  protected addToGraph(point: number[], label: number): void {
    this.native.addPoint(point, label, this.deleted > 0);
    if (this.deleted > 0) this.deleted--;
  }

  protected markDeleted(label: number): void {
    this.native.markDelete(label);
    this.deleted++;
  }
}
