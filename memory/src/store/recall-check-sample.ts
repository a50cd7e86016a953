import { StorageError } from "@lanpo/core";
import { type PickedEfSearch, pickEfSearch } from "./calibrate-ef-search.js";
import { type ExactTop, exactTop } from "./exact-top-labels.js";
import { assertLittleEndian } from "./float32-file.js";
import type { LabelIndex } from "./label-index.js";
import { unitVector } from "./vector-table.js";

/** "LCHK" little-endian: the first four bytes of a check sample file. */
const MAGIC = 0x4b48434c;
const FILE_VERSION = 1;
/** magic, version, queries, dimensions, k, depth. */
const HEADER_INTS = 6;

/**
 * Held-out queries with their exact top `depth` labels among the store's live vectors, kept so
 * that `load` can MEASURE the recall of the loaded index for milliseconds: an exact pass over
 * every vector is what a calibration costs, and it is already paid for these queries.
 *
 * The queries are made up (see `heldOutQueries`) and never stored, so they are still held out
 * when the store is loaded again (new vectors held back for a calibration are stored after it:
 * as queries they would find themselves). The truth stays exact for the whole current index:
 * every vector added or updated since is noted and scanned (only those) before a save, and a
 * deleted one leaves the lists. Each list holds the exact top of the live vectors for its length:
 * an addition enters only above its last entry, a deletion shortens it; a query whose list falls
 * below `k` is no longer measured, and a sample left with fewer than half of its queries is stale.
 */
export class RecallCheckSample {
  /** Labels added or updated since the truth was last brought up to date. */
  private readonly touched = new Set<number>();

  private constructor(
    readonly k: number,
    readonly depth: number,
    readonly dimensions: number,
    /** Unit vectors, one per query. */
    private readonly queries: Float32Array[],
    private readonly truth: ExactTop[],
  ) {}

  /** A sample of `queries` whose exact tops (`depth` ≥ `k` deep, over the live vectors) are `truth`. */
  static create(queries: readonly ArrayLike<number>[], truth: readonly ExactTop[], k: number): RecallCheckSample {
    const depth = Math.max(k, ...truth.map((top) => top.labels.length));
    const units = queries.map((query) => unitVector(query));
    const copies = truth.map((top) => ({ labels: [...top.labels], scores: [...top.scores] }));
    return new RecallCheckSample(k, depth, units[0]?.length ?? 0, units, copies);
  }

  /** Queries in the sample. */
  get size(): number {
    return this.queries.length;
  }

  /** Queries whose truth still holds `k` labels: the ones measured. */
  get usable(): number {
    return this.truth.filter((top) => top.labels.length >= this.k).length;
  }

  /** Whether enough queries are left to measure (at least half of them, and 8). */
  get valid(): boolean {
    return this.size > 0 && this.usable >= Math.max(8, Math.ceil(this.size / 2));
  }

  /** The queries (unit vectors) and their exact top (labels and cosines, best first): for tests and inspection. */
  entries(): { query: Float32Array; labels: readonly number[]; scores: readonly number[] }[] {
    return this.queries.map((query, q) => ({ query, ...(this.truth[q] as ExactTop) }));
  }

  /** Notes a vector added or updated under `label` (scanned by {@link catchUp}). */
  touch(label: number): void {
    this.touched.add(label);
  }

  /** Takes a deleted (or about to be replaced) label out of every list. */
  forget(label: number): void {
    this.touched.delete(label);
    for (const top of this.truth) {
      const at = top.labels.indexOf(label);
      if (at < 0) continue;
      top.labels.splice(at, 1);
      top.scores.splice(at, 1);
    }
  }

  /** Brings the truth up to date with every vector touched since: one exact pass over those only. */
  catchUp(index: LabelIndex): void {
    if (this.touched.size === 0) return;
    const fresh = exactTop(index, this.touched, this.queries, this.depth);
    this.touched.clear();
    for (const [q, top] of this.truth.entries()) {
      const found = fresh[q] as ExactTop;
      // An empty list knows nothing of the vectors below it: nothing may enter it.
      const last = top.scores.length === 0 ? Number.POSITIVE_INFINITY : (top.scores.at(-1) as number);
      const merged = top.labels.map((label, i) => ({ label, score: top.scores[i] as number }));
      for (const [i, label] of found.labels.entries()) {
        const score = found.scores[i] as number;
        if (score > last) merged.push({ label, score });
      }
      merged.sort((a, b) => b.score - a.score);
      const kept = merged.slice(0, this.depth);
      top.labels = kept.map((entry) => entry.label);
      top.scores = kept.map((entry) => entry.score);
    }
  }

  /** Recall@k of `index` searched at `ef`, over the usable queries (call {@link catchUp} first). */
  measure(index: LabelIndex, ef: number): { recall: number; sampleSize: number } {
    let hits = 0;
    let measured = 0;
    for (const [q, top] of this.truth.entries()) {
      if (top.labels.length < this.k) continue;
      const expected = new Set(top.labels.slice(0, this.k));
      const query = Array.from(this.queries[q] as Float32Array);
      for (const hit of index.search(query, this.k, ef)) if (expected.has(hit.label)) hits++;
      measured++;
    }
    return { recall: measured === 0 ? 0 : hits / (measured * this.k), sampleSize: measured };
  }

  /**
   * The smallest of `candidates` (raised to the index's floor for k) whose recall reaches `aim` on
   * this sample: searches only, no exact pass. When none does, the smallest within 0.005 of the
   * best recall seen.
   */
  tune(index: LabelIndex, aim: number, candidates: readonly number[]): PickedEfSearch {
    const floor = index.minimumEf(this.k);
    const tried = [...new Set(candidates.map((ef) => Math.max(ef, floor)))].sort((a, b) => a - b);
    return pickEfSearch(tried, aim, (ef) => this.measure(index, ef).recall);
  }

  /** The sample as a file (call {@link catchUp} first): header, queries, list lengths, labels, scores. */
  toBytes(): Uint8Array {
    assertLittleEndian("check sample file");
    const count = this.size;
    const d = this.dimensions;
    const depth = this.depth;
    const buffer = new ArrayBuffer(4 * (HEADER_INTS + count * d + count + 2 * count * depth));
    const ints = new Int32Array(buffer);
    const floats = new Float32Array(buffer);
    ints.set([MAGIC, FILE_VERSION, count, d, this.k, depth]);
    let at = HEADER_INTS;
    for (const query of this.queries) {
      floats.set(query, at);
      at += d;
    }
    for (const top of this.truth) ints[at++] = top.labels.length;
    for (const top of this.truth) {
      ints.fill(-1, at, at + depth);
      ints.set(top.labels, at);
      at += depth;
    }
    for (const top of this.truth) {
      floats.set(top.scores, at);
      at += depth;
    }
    return new Uint8Array(buffer);
  }

  /**
   * Reads a sample file whose size and checksum the manifest vouched for. Throws `StorageError`
   * MISMATCH when it is not a sample of `dimensions`-long vectors or names a label that no
   * document holds (a sample of another store).
   */
  static fromBytes(
    path: string,
    bytes: Uint8Array,
    dimensions: number,
    liveLabels: ReadonlySet<number>,
  ): RecallCheckSample {
    assertLittleEndian(path);
    const fail = (why: string) =>
      new StorageError(path, `not a recall check sample of this store: ${why}`, { code: "MISMATCH" });
    if (bytes.byteLength < 4 * HEADER_INTS || bytes.byteLength % 4 !== 0) throw fail(`${bytes.byteLength} bytes`);
    const buffer = new Uint8Array(bytes).buffer;
    const ints = new Int32Array(buffer);
    const floats = new Float32Array(buffer);
    const [magic, version, count, d, k, depth] = Array.from(ints.subarray(0, HEADER_INTS)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (magic !== MAGIC || version !== FILE_VERSION) throw fail("unknown header");
    if (d !== dimensions) throw fail(`its queries have ${d} dimensions, the store ${dimensions}`);
    if (!(count > 0 && k > 0 && depth >= k)) throw fail(`${count} queries, k ${k}, depth ${depth}`);
    const expected = 4 * (HEADER_INTS + count * d + count + 2 * count * depth);
    if (bytes.byteLength !== expected) throw fail(`${bytes.byteLength} bytes where its header needs ${expected}`);
    const queries = Array.from({ length: count }, (_, q) =>
      floats.slice(HEADER_INTS + q * d, HEADER_INTS + (q + 1) * d),
    );
    const lengthsAt = HEADER_INTS + count * d;
    const lengths = Array.from(ints.subarray(lengthsAt, lengthsAt + count));
    const at = lengthsAt + count;
    const truth = lengths.map((length, q) => {
      if (length < 0 || length > depth) throw fail(`query ${q} lists ${length} labels`);
      const start = at + q * depth;
      const labels = Array.from(ints.subarray(start, start + length));
      const scoreAt = at + count * depth + q * depth;
      const scores = Array.from(floats.subarray(scoreAt, scoreAt + length));
      const stranger = labels.find((label) => !liveLabels.has(label));
      if (stranger !== undefined) throw fail(`query ${q} lists label ${stranger}, which no document holds`);
      if (!scores.every(Number.isFinite)) throw fail(`query ${q} has a score that is not a number`);
      return { labels, scores };
    });
    if (!queries.every((query) => query.every(Number.isFinite))) throw fail("a query is not finite");
    return new RecallCheckSample(k, depth, d, queries, truth);
  }
}
