import { join } from "node:path";
import { clampScore, type IndexSnapshot, type LabelIndex, type ScoredLabel, topByScore } from "./label-index.js";
import {
  createNativeIndex,
  NativeBackedIndex,
  type NativeIndex,
  type NativeIndexParameters,
  searchNative,
  writeNativeIndex,
} from "./native-index.js";
import { dotAt, unitVector } from "./vector-table.js";

/** The plain layout: one cosine hnswlib graph over the vectors themselves. */
export class DirectIndex extends NativeBackedIndex implements LabelIndex {
  private constructor(native: NativeIndex, deleted: number) {
    super(native, deleted);
  }

  static create(dimensions: number, parameters: NativeIndexParameters, capacity: number): DirectIndex {
    return new DirectIndex(createNativeIndex("cosine", dimensions, parameters, capacity), 0);
  }

  /** Wraps an index read from a save (see `readNativeIndex`). */
  static fromNative(native: NativeIndex, deleted: number): DirectIndex {
    return new DirectIndex(native, deleted);
  }

  insert(vector: readonly number[], label: number): void {
    this.addToGraph(vector as number[], label);
  }

  update(vector: readonly number[], label: number): void {
    this.native.addPoint(vector as number[], label);
  }

  remove(label: number): void {
    this.markDeleted(label);
  }

  minimumEf(k: number): number {
    return k;
  }

  search(query: readonly number[], k: number, ef: number, accept?: (label: number) => boolean): ScoredLabel[] {
    const { neighbors, distances } = searchNative(this.native, query as number[], k, ef, accept);
    return neighbors.map((label, i) => ({ label, score: clampScore(1 - (distances[i] as number)) }));
  }

  exact(query: readonly number[], labels: readonly number[], k: number): ScoredLabel[] {
    const unit = unitVector(query);
    // Points come back already normalised (cosine space).
    return topByScore(labels, k, (label) => dotAt(Float32Array.from(this.native.getPoint(label)), 0, unit));
  }

  vector(label: number): ArrayLike<number> {
    return this.native.getPoint(label);
  }

  snapshot(dir: string, tag: string): IndexSnapshot {
    const name = `index-${tag}.hnsw`;
    // Written now, not when the commit gets to it: the file must match the documents of this instant.
    writeNativeIndex(this.native, join(dir, `${name}.tmp`));
    return {
      files: [{ key: "index", file: { name, write: () => undefined } }],
      elementCount: this.elementCount,
      capacity: this.capacity,
      deleted: this.deleted,
      projection: null,
    };
  }
}
