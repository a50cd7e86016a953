import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mulberry32, StorageError } from "@lanpo/core";
import { exactTopLabels } from "./exact-top-labels.js";
import { heldOutQueries } from "./held-out-queries.js";
import type { ProjectionOptions } from "./hnsw-lesson-store-options.js";
import type { IndexSnapshot, LabelIndex, ScoredLabel } from "./label-index.js";
import { clampScore, topByScore } from "./label-index.js";
import {
  createNativeIndex,
  NativeBackedIndex,
  type NativeIndex,
  type NativeIndexParameters,
  searchNative,
  writeNativeIndex,
} from "./native-index.js";
import { PcaProjection } from "./pca-projection.js";
import { readIndexFileRows } from "./read-index-file-rows.js";
import { dotAt, unitVector, VectorTable } from "./vector-table.js";
import { WasmRowDots } from "./wasm-projector.js";

/** Most vectors a projection is fitted to: enough for a stable basis, and bounded memory and time. */
const FIT_SAMPLE_MAX = 8192;
/** Vectors the automatic layout's first, cheaper check fits its basis to (see `fit`), and its subspace iterations. */
const QUICK_FIT_SAMPLE = 2048;
const QUICK_FIT_ITERATIONS = 2;

/** Every `length / size`-th element, so a sample spreads over the whole insertion history. */
function sample<T>(items: readonly T[], size: number): T[] {
  if (items.length <= size) return [...items];
  const step = items.length / size;
  return Array.from({ length: size }, (_, i) => items[Math.floor(i * step)] as T);
}

/** How a projected store reduces its vectors; see `HnswLessonStoreOptions.projection`. */
export type ProjectionSettings = Required<ProjectionOptions>;

/**
 * Where a projected index stands: `pending` until the fit, then `projected`, or `direct` when the
 * automatic layout found that the projection loses neighbours (the graph holds the vectors).
 */
export type ProjectionDecision = "pending" | "projected" | "direct";

/**
 * efConstruction the automatic layout builds its graph with when it goes direct: data whose
 * neighbours differ in many directions needs a denser graph (isotropic 100k × 512: recall 0.98 at
 * efSearch 64 with 60, against 0.92 with 40, for a build about 1.3× slower).
 */
export const AUTO_DIRECT_EF_CONSTRUCTION = 64;

/** The largest pass a direct graph reopened without its rows reads one by one (see `willRead`). */
const LAZY_POINT_READS = 1024;

/** Held-out queries of the automatic layout's check at the fit. */
const AUTO_CHECK_QUERIES = 32;
/** Share of the exact top 10 that must be among the projected top `10 × rerank` for `auto` to project. */
const AUTO_CHECK_RECALL = 0.99;
/**
 * Below this on the first, cheaper check (a basis of `QUICK_FIT_SAMPLE` vectors), the automatic
 * layout stays direct without the full fit: a basis fitted to four times the vectors gains far
 * less than the 0.04 between the two thresholds.
 */
const AUTO_QUICK_REJECT = 0.95;

/** Everything a projected index is made of, for reopening a save. */
export interface ProjectedIndexState {
  native: NativeIndex;
  /**
   * The live labels' vectors; a direct graph may come without them and with `liveLabels`
   * instead (its rows are then taken from the graph when first needed).
   */
  table?: VectorTable;
  liveLabels?: readonly number[];
  projection: PcaProjection | undefined;
  deleted: number;
  /** @default "projected" with a projection, else "pending" */
  decision?: ProjectionDecision;
  /**
   * efConstruction of the graph a fit builds over projections. @default the graph's own (a
   * pending automatic store saved and reopened builds its projected graph as densely as its
   * pending one)
   */
  projectedEfConstruction?: number;
}

/** The parameters of a direct graph of the automatic layout: efConstruction at least AUTO_DIRECT_EF_CONSTRUCTION. */
function denserForDirect(parameters: NativeIndexParameters): NativeIndexParameters {
  return { ...parameters, efConstruction: Math.max(parameters.efConstruction, AUTO_DIRECT_EF_CONSTRUCTION) };
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
  /** The exact vectors; undefined for a direct graph reopened without them (see `table`). */
  private rows: VectorTable | undefined;
  /** The live labels while `rows` is undefined. */
  private live: Set<number> | undefined;
  /** The unit vector of an insert or update while `rows` is undefined. */
  private readonly insertUnit: Float32Array;
  private projection: PcaProjection | undefined;
  private readonly dots: WasmRowDots;
  /** See `reduce`. */
  private readonly scratch: number[];
  /** The unit query of an unfiltered search (synchronous, so one at a time). */
  private readonly queryUnit: Float32Array;
  /** See `ProjectedIndexState.projectedEfConstruction`. */
  private readonly projectedEfConstruction: number;
  private state: ProjectionDecision;
  /** Share of the exact top 10 found among the projected candidates at the automatic layout's check. */
  private checkedRecall: number | null = null;

  private constructor(
    private readonly sourceDimensions: number,
    private parameters: NativeIndexParameters,
    private readonly settings: ProjectionSettings,
    state: ProjectedIndexState,
  ) {
    super(state.native, state.deleted);
    this.rows = state.table;
    if (!state.table) {
      if (state.decision === "direct") this.live = new Set(state.liveLabels ?? []);
      else throw new Error("unreachable: only a direct graph opens without its vectors");
    }
    this.projection = state.projection;
    this.dots = new WasmRowDots(sourceDimensions);
    this.scratch = new Array<number>(sourceDimensions).fill(0);
    this.queryUnit = new Float32Array(sourceDimensions);
    this.insertUnit = new Float32Array(sourceDimensions);
    this.projectedEfConstruction = state.projectedEfConstruction ?? parameters.efConstruction;
    this.state = state.decision ?? (state.projection ? "projected" : "pending");
  }

  static create(
    dimensions: number,
    parameters: NativeIndexParameters,
    settings: ProjectionSettings,
    capacity: number,
  ): ProjectedIndex {
    // The automatic layout builds its graph over the vectors as densely as a direct graph from
    // the start: if the check at the fit keeps it direct, it stays as built (no second build of
    // the first fitAfter vectors); if it projects, the projected graph is built with the
    // efConstruction asked for.
    const graph = settings.auto ? denserForDirect(parameters) : parameters;
    return new ProjectedIndex(dimensions, graph, settings, {
      native: createNativeIndex("ip", dimensions, graph, capacity),
      projectedEfConstruction: parameters.efConstruction,
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

  /** The fitted projection in use, or undefined (below `fitAfter`, or the layout went direct). */
  get fitted(): PcaProjection | undefined {
    return this.projection;
  }

  /** The graph's efConstruction (the automatic layout raises it when it goes direct). */
  get efConstruction(): number {
    return this.parameters.efConstruction;
  }

  /** Whether the graph holds projections, the vectors themselves, or has not decided yet. */
  get decision(): ProjectionDecision {
    return this.state;
  }

  /** The automatic layout's check at the fit (null before it, or when the layout is not automatic). */
  get projectionCheck(): number | null {
    return this.checkedRecall;
  }

  /**
   * The exact vectors, taken from the graph the first time they are needed when the index was
   * reopened without them: a direct graph's inner-product space holds the unit vectors
   * themselves, so hnswlib writes them to a temporary file, read back as rows (about a second
   * at 100,000 × 512, once; reading them one by one through the addon would take five).
   */
  private get table(): VectorTable {
    this.rows ??= this.rowsFromGraph();
    return this.rows;
  }

  private rowsFromGraph(): VectorTable {
    const live = [...(this.live ?? [])];
    const temp = join(tmpdir(), `lanpo-rows-${process.pid}-${randomBytes(6).toString("hex")}.hnsw`);
    try {
      writeNativeIndex(this.native, temp);
      const read = readIndexFileRows(temp, this.sourceDimensions, live, { hash: false });
      if (!read.rows)
        throw new StorageError(temp, `cannot take the vectors out of the graph: ${read.problem}`, { code: "MISMATCH" });
      const table = VectorTable.fromBytes(temp, read.rows, this.sourceDimensions, live);
      this.live = undefined;
      return table;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  insert(vector: readonly number[], label: number): void {
    if (this.live) {
      // No rows yet (a direct graph reopened): the graph alone, which the rows are taken from.
      this.addToGraph(this.reduceUnprojected(unitVector(vector, this.insertUnit)), label);
      this.live.add(label);
      return;
    }
    this.addToGraph(this.reduce(this.table.set(label, vector)), label);
    if (this.state === "pending" && this.table.size >= this.settings.fitAfter) this.fit();
  }

  /** Fits now when the store is about to reach `fitAfter` (so a calibration measures the layout it will have). */
  fitIfDue(expectedSize: number, queries?: readonly (readonly number[])[]): void {
    if (
      this.state === "pending" &&
      expectedSize >= this.settings.fitAfter &&
      this.table.size > this.settings.dimensions
    )
      this.fit(queries);
  }

  /**
   * Rebuilds the graph over the exact vectors (the direct layout, kept in this index's files) and
   * keeps it so: what an automatic layout does when the projected graph cannot reach the recall
   * target. Costs one build of every live vector.
   */
  unproject(): void {
    this.rebuildDirect();
    this.projection = undefined;
    this.state = "direct";
  }

  /** The graph over the exact vectors again, denser when the layout is automatic. */
  private rebuildDirect(): void {
    if (this.settings.auto) this.parameters = denserForDirect(this.parameters);
    const rebuilt = createNativeIndex("ip", this.sourceDimensions, this.parameters, this.capacity);
    for (const label of this.table.labels()) rebuilt.addPoint(this.reduceUnprojected(this.table.row(label)), label);
    this.native = rebuilt;
    this.deleted = 0;
  }

  update(vector: readonly number[], label: number): void {
    if (this.live) this.native.addPoint(this.reduceUnprojected(unitVector(vector, this.insertUnit)), label);
    else this.native.addPoint(this.reduce(this.table.set(label, vector)), label);
  }

  remove(label: number): void {
    this.markDeleted(label);
    if (this.live) this.live.delete(label);
    else this.table.delete(label);
  }

  minimumEf(k: number): number {
    return this.projection ? Math.max(k, Math.min(this.table.size, Math.ceil(k * this.settings.rerank))) : k;
  }

  search(query: readonly number[], k: number, ef: number, accept?: (label: number) => boolean): ScoredLabel[] {
    // A filter runs user code mid-search, which might search again: then a fresh array.
    const unit = accept ? unitVector(query) : unitVector(query, this.queryUnit);
    const wanted = this.minimumEf(k);
    const { neighbors, distances } = searchNative(this.native, this.reduce(unit), wanted, Math.max(ef, wanted), accept);
    if (!this.projection) {
      // The graph holds the unit vectors themselves: its inner-product distances are the exact
      // cosines (float32, as the re-ranking's), already best first; nothing to re-rank.
      return neighbors.map((label, i) => ({ label, score: clampScore(1 - (distances[i] as number)) }));
    }
    const scores = this.dots.dots(
      neighbors.map((label) => this.table.row(label)),
      unit,
    );
    return topByScore(neighbors, k, (_, i) => scores[i] as number);
  }

  exact(query: readonly number[], labels: readonly number[], k: number): ScoredLabel[] {
    const unit = unitVector(query);
    this.willRead(labels.length);
    return topByScore(labels, k, (label) => dotAt(this.vector(label), 0, unit));
  }

  /**
   * The unit vector of `label`. Without rows (a direct graph reopened) it is read from the graph,
   * one by one: the few reads of an MMR search or a save's check of a few new vectors never take
   * all the rows (see `willRead`).
   */
  vector(label: number): Float32Array {
    if (this.live) return Float32Array.from(this.native.getPoint(label));
    return this.table.row(label);
  }

  /** A pass over more than `LAZY_POINT_READS` vectors takes all the rows first: one read of the graph beats thousands. */
  willRead(count: number): void {
    if (this.live && count > LAZY_POINT_READS) this.rows ??= this.rowsFromGraph();
  }

  snapshot(dir: string, tag: string): IndexSnapshot {
    const indexName = `index-${tag}.hnsw`;
    writeNativeIndex(this.native, join(dir, `${indexName}.tmp`));
    const projection = this.projection;
    const files: IndexSnapshot["files"] = [{ key: "index", file: { name: indexName, write: () => undefined } }];
    // A direct graph holds the unit vectors themselves, byte for byte: its index file is the
    // vectors file too (`load` takes the rows from it), so they are not written twice.
    if (this.state !== "direct") {
      // Written now (by ascending label), as the index is: later adds write into the table while
      // the commit is on its way.
      const name = `vectors-${tag}.f32`;
      files.push({ key: "vectors", file: { name, measured: this.table.writeSnapshot(join(dir, `${name}.tmp`)) } });
    }
    if (projection) {
      files.push({ key: "projection", file: { name: `projection-${tag}.f32`, data: projection.toBytes() } });
    }
    return {
      files,
      elementCount: this.elementCount,
      capacity: this.capacity,
      deleted: this.deleted,
      projection: { ...this.settings, energy: projection?.energy ?? null, decision: this.state },
    };
  }

  /**
   * What the graph takes for a unit vector: its projection, or (unprojected) the vector itself in
   * one reused array. hnswlib-node takes plain arrays only and copies them at once, so the array
   * need not be new: a fresh 512-number array per insert and per search was garbage the collector
   * had to sweep, slowing a 100k build by about a tenth.
   */
  private reduce(unit: Float32Array): number[] {
    return this.projection ? this.projection.project(unit) : this.reduceUnprojected(unit);
  }

  private reduceUnprojected(unit: Float32Array): number[] {
    const out = this.scratch;
    for (let j = 0; j < unit.length; j++) out[j] = unit[j] as number;
    return out;
  }

  /**
   * Fits the projection to the live vectors and rebuilds the graph over their projections, at the
   * same capacity. Deleted slots are not carried over, so none remain to reuse. The automatic
   * layout first checks a basis fitted to a quarter of the sample (a quarter of the fit's cost):
   * data that fails that check by a wide margin (isotropic clusters: 0.87 where 0.99 is needed)
   * stays direct without the full fit; data that passes, or nearly, is checked again on the full
   * basis, which decides as it always did.
   */
  private fit(queries?: readonly (readonly number[])[]): void {
    const live = [...this.table.labels()];
    const check = this.settings.auto ? this.checkQueries(live, queries) : undefined;
    if (check) {
      const quick = this.projectedRecall(live, this.fitBasis(live, QUICK_FIT_SAMPLE, QUICK_FIT_ITERATIONS), check);
      if (quick < AUTO_QUICK_REJECT) {
        this.keepDirect(quick);
        return;
      }
    }
    const projection = this.fitBasis(live, FIT_SAMPLE_MAX);
    if (check) {
      this.checkedRecall = this.projectedRecall(live, projection, check);
      if (this.checkedRecall < AUTO_CHECK_RECALL) {
        this.keepDirect(this.checkedRecall);
        return;
      }
    }
    this.parameters = { ...this.parameters, efConstruction: this.projectedEfConstruction };
    const rebuilt = createNativeIndex("ip", projection.dimensions, this.parameters, this.capacity);
    for (const label of live) rebuilt.addPoint(projection.project(this.table.row(label)), label);
    this.native = rebuilt;
    this.projection = projection;
    this.deleted = 0;
    this.state = "projected";
  }

  /** The basis fitted to at most `size` of the live vectors, spread over the insertion history. */
  private fitBasis(live: readonly number[], size: number, iterations?: number): PcaProjection {
    const labels = sample(live, size);
    const d = this.sourceDimensions;
    const rows = new Float32Array(labels.length * d);
    for (const [i, label] of labels.entries()) rows.set(this.table.row(label), i * d);
    return PcaProjection.fit(rows, labels.length, d, this.settings.dimensions, iterations ? { iterations } : {});
  }

  /**
   * Neighbours differ in directions the basis drops: the graph keeps the vectors themselves,
   * denser, since such data needs it (built so from the start, else rebuilt).
   */
  private keepDirect(checked: number): void {
    this.checkedRecall = checked;
    if (this.parameters.efConstruction < AUTO_DIRECT_EF_CONSTRUCTION) this.rebuildDirect();
    this.state = "direct";
  }

  /** The check's held-out queries and their exact top 10, shared by both checks of a fit. */
  private checkQueries(
    live: readonly number[],
    given: readonly (readonly number[])[] = [],
  ): { queries: number[][]; truth: number[][]; k: number } {
    const k = Math.min(10, live.length);
    // New vectors held back from the index when there are some; made-up held-out queries for the rest.
    const real = given.slice(0, AUTO_CHECK_QUERIES).map((query) => Array.from(query));
    const queries = [
      ...real,
      ...heldOutQueries(this, live, AUTO_CHECK_QUERIES - real.length, mulberry32(this.parameters.seed)),
    ];
    return { queries, truth: exactTopLabels(this, live, queries, k), k };
  }

  /**
   * Share of the exact top 10 of held-out queries that are among their top `10 × rerank` by the
   * projections (both by exhaustive scan): the recall the projected layout could at best reach.
   */
  private projectedRecall(
    live: readonly number[],
    projection: PcaProjection,
    { queries, truth, k }: { queries: number[][]; truth: number[][]; k: number },
  ): number {
    const wanted = Math.min(live.length, Math.ceil(k * this.settings.rerank));
    const p = projection.dimensions;
    const points = new Float32Array(live.length * p);
    for (const [i, label] of live.entries()) points.set(projection.project(this.table.row(label)), i * p);
    const position = new Map(live.map((label, i) => [label, i]));
    const scores = new Float32Array(live.length);
    let found = 0;
    for (const [q, query] of queries.entries()) {
      const reduced = Float32Array.from(projection.project(unitVector(query)));
      for (let i = 0; i < live.length; i++) scores[i] = dotAt(points, i * p, reduced);
      // The score of the `wanted`-th best: the candidates are those at or above it.
      const threshold = scores.slice().sort()[live.length - wanted] as number;
      for (const label of truth[q] as number[])
        if ((scores[position.get(label) as number] as number) >= threshold) found++;
    }
    return found / (queries.length * k);
  }
}
