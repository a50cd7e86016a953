import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ProjectionOptions } from "./hnsw-lesson-store-options.js";
import type { IndexSnapshot, LabelIndex, ScoredLabel } from "./label-index.js";
import { topByScore } from "./label-index.js";
import {
  createNativeIndex,
  NativeBackedIndex,
  type NativeIndex,
  type NativeIndexParameters,
  searchNative,
  writeNativeIndex,
} from "./native-index.js";
import { PcaProjection } from "./pca-projection.js";
import { unitVector, VectorTable } from "./vector-table.js";
import { WasmRowDots } from "./wasm-projector.js";

/** Most vectors a projection is fitted to: enough for a stable basis, and bounded memory and time. */
const FIT_SAMPLE_MAX = 8192;

/** Every `length / size`-th element, so a sample spreads over the whole insertion history. */
function sample<T>(items: readonly T[], size: number): T[] {
  if (items.length <= size) return [...items];
  const step = items.length / size;
  return Array.from({ length: size }, (_, i) => items[Math.floor(i * step)] as T);
}

/** How a projected store reduces its vectors; see `HnswLessonStoreOptions.projection`. */
export type ProjectionSettings = Required<ProjectionOptions>;

/** Everything a projected index is made of, for reopening a save. */
export interface ProjectedIndexState {
  native: NativeIndex;
  /** The live labels' vectors. */
  table: VectorTable;
  projection: PcaProjection | undefined;
  deleted: number;
}

/**
 * The layout for large stores: the hnswlib graph holds each vector's coordinates on the
 * `dimensions` leading principal directions, fitted once the store holds `fitAfter` vectors; the
 * exact unit vectors are kept beside it, and every search takes `k × rerank` candidates from the
 * graph and returns the `k` best by exact cosine. Until the fit the graph holds the full unit
 * vectors, so a small store answers exactly as the direct layout does. Building and searching a
 * graph over a quarter of the numbers is what lets 100k sentence-embedding vectors insert at
 * several thousand a second and answer in well under a millisecond (bench/memory-hnsw.bench.ts).
 */
export class ProjectedIndex extends NativeBackedIndex implements LabelIndex {
  private readonly table: VectorTable;
  private projection: PcaProjection | undefined;
  private readonly dots: WasmRowDots;

  private constructor(
    private readonly sourceDimensions: number,
    private readonly parameters: NativeIndexParameters,
    private readonly settings: ProjectionSettings,
    state: ProjectedIndexState,
  ) {
    super(state.native, state.deleted);
    this.table = state.table;
    this.projection = state.projection;
    this.dots = new WasmRowDots(sourceDimensions);
  }

  static create(
    dimensions: number,
    parameters: NativeIndexParameters,
    settings: ProjectionSettings,
    capacity: number,
  ): ProjectedIndex {
    return new ProjectedIndex(dimensions, parameters, settings, {
      native: createNativeIndex("ip", dimensions, parameters, capacity),
      table: new VectorTable(dimensions, capacity),
      projection: undefined,
      deleted: 0,
    });
  }

  /** Reopens a save whose files passed their checks. */
  static fromState(
    dimensions: number,
    parameters: NativeIndexParameters,
    settings: ProjectionSettings,
    state: ProjectedIndexState,
  ): ProjectedIndex {
    return new ProjectedIndex(dimensions, parameters, settings, state);
  }

  /** The fitted projection, or undefined while the store is below `fitAfter`. */
  get fitted(): PcaProjection | undefined {
    return this.projection;
  }

  insert(vector: readonly number[], label: number): void {
    this.addToGraph(this.reduce(this.table.set(label, vector)), label);
    if (!this.projection && this.table.size >= this.settings.fitAfter) this.fit();
  }

  update(vector: readonly number[], label: number): void {
    this.native.addPoint(this.reduce(this.table.set(label, vector)), label);
  }

  remove(label: number): void {
    this.markDeleted(label);
    this.table.delete(label);
  }

  minimumEf(k: number): number {
    return this.projection ? Math.max(k, Math.min(this.table.size, Math.ceil(k * this.settings.rerank))) : k;
  }

  search(query: readonly number[], k: number, ef: number, accept?: (label: number) => boolean): ScoredLabel[] {
    const unit = unitVector(query);
    const wanted = this.minimumEf(k);
    const { neighbors } = searchNative(this.native, this.reduce(unit), wanted, Math.max(ef, wanted), accept);
    const scores = this.dots.dots(
      neighbors.map((label) => this.table.row(label)),
      unit,
    );
    return topByScore(neighbors, k, (_, i) => scores[i] as number);
  }

  exact(query: readonly number[], labels: readonly number[], k: number): ScoredLabel[] {
    const unit = unitVector(query);
    return topByScore(labels, k, (label) => this.table.dot(label, unit));
  }

  vector(label: number): ArrayLike<number> {
    return this.table.row(label);
  }

  snapshot(dir: string, tag: string): IndexSnapshot {
    const indexName = `index-${tag}.hnsw`;
    writeNativeIndex(this.native, join(dir, `${indexName}.tmp`));
    // Copied now (by ascending label): later adds write into the table while the commit is on its way.
    const vectors = this.table.snapshotBytes();
    const projection = this.projection;
    const files: IndexSnapshot["files"] = [
      { key: "index", file: { name: indexName, write: () => undefined } },
      { key: "vectors", file: { name: `vectors-${tag}.f32`, write: (path) => writeFile(path, vectors) } },
    ];
    if (projection) {
      files.push({
        key: "projection",
        file: { name: `projection-${tag}.f32`, write: (path) => writeFile(path, projection.toBytes()) },
      });
    }
    return {
      files,
      elementCount: this.elementCount,
      capacity: this.capacity,
      deleted: this.deleted,
      projection: { ...this.settings, energy: projection?.energy ?? null },
    };
  }

  private reduce(unit: Float32Array): number[] {
    return this.projection ? this.projection.project(unit) : Array.from(unit);
  }

  /**
   * Fits the projection to the live vectors and rebuilds the graph over their projections, at the
   * same capacity. Deleted slots are not carried over, so none remain to reuse.
   */
  private fit(): void {
    const labels = sample([...this.table.labels()], FIT_SAMPLE_MAX);
    const d = this.sourceDimensions;
    const rows = new Float32Array(labels.length * d);
    for (const [i, label] of labels.entries()) rows.set(this.table.row(label), i * d);
    const projection = PcaProjection.fit(rows, labels.length, d, this.settings.dimensions);
    const rebuilt = createNativeIndex("ip", projection.dimensions, this.parameters, this.capacity);
    for (const label of this.table.labels()) rebuilt.addPoint(projection.project(this.table.row(label)), label);
    this.native = rebuilt;
    this.projection = projection;
    this.deleted = 0;
  }
}
