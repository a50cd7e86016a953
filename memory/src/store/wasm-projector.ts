import { PROJECT_WASM_BASE64 } from "./wasm-projector-bytes.js";

const PAGE_BYTES = 65_536;
/** Rows and vectors are padded to this many floats: the kernel reads 4 × 4 lanes per step. */
const LANE_BLOCK = 16;

// Node has WebAssembly but @types/node 20 does not declare it (the DOM lib does): the part used here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: WasmApi };

let compiled: object | undefined;

interface ProjectExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  project: (basis: number, vec: number, out: number, rows: number, cols: number) => void;
}

/** A fresh instance of the kernel, its memory grown to hold at least `bytes`. */
function instantiate(bytes: number): { exports: ProjectExports; heap: Float32Array } {
  compiled ??= new wasm.Module(Buffer.from(PROJECT_WASM_BASE64, "base64"));
  const exports = new wasm.Instance(compiled).exports as ProjectExports;
  return { exports, heap: grow(exports, bytes) };
}

function grow(exports: ProjectExports, bytes: number): Float32Array {
  const { memory } = exports;
  const missing = Math.ceil(bytes / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES;
  if (missing > 0) memory.grow(missing);
  return new Float32Array(memory.buffer);
}

const padTo = (columns: number) => Math.ceil(columns / LANE_BLOCK) * LANE_BLOCK;

/**
 * Multiplies vectors by a fixed row-major matrix in WebAssembly SIMD (memory/wasm/project.wat).
 * The projected store projects every vector it adds and every query: in plain JavaScript that
 * product (128 × 512) took about as long as the graph search it feeds; here it takes a tenth.
 */
export class WasmProjector {
  private readonly exports: ProjectExports;
  private readonly heap: Float32Array;
  private readonly paddedColumns: number;
  private readonly vectorAt: number;
  private readonly outAt: number;

  constructor(
    matrix: Float32Array,
    readonly rows: number,
    readonly columns: number,
  ) {
    const padded = padTo(columns);
    this.paddedColumns = padded;
    // Layout, in floats: the matrix (rows × padded), then the input vector (padded), then the output (rows).
    this.vectorAt = rows * padded;
    this.outAt = this.vectorAt + padded;
    ({ exports: this.exports, heap: this.heap } = instantiate((this.outAt + rows) * 4));
    for (let r = 0; r < rows; r++) this.heap.set(matrix.subarray(r * columns, (r + 1) * columns), r * padded);
  }

  /** `matrix × vector` (the vector has `columns` entries), as a plain array for hnswlib. */
  project(vector: Float32Array): number[] {
    this.heap.set(vector, this.vectorAt);
    this.exports.project(0, this.vectorAt * 4, this.outAt * 4, this.rows, this.paddedColumns);
    return Array.from(this.heap.subarray(this.outAt, this.outAt + this.rows));
  }

  /** {@link project} into the kernel's memory: a view valid until the next call (no array per call). */
  projectView(vector: Float32Array): Float32Array {
    this.heap.set(vector, this.vectorAt);
    this.exports.project(0, this.vectorAt * 4, this.outAt * 4, this.rows, this.paddedColumns);
    return this.heap.subarray(this.outAt, this.outAt + this.rows);
  }
}

/**
 * Inner products of one vector with rows picked per call (the projected store's re-ranking: a
 * query against its candidates' exact vectors). The rows are copied into the kernel's memory,
 * which costs less than the products in JavaScript would.
 */
export class WasmRowDots {
  private exports: ProjectExports;
  private heap: Float32Array;
  private readonly paddedColumns: number;

  constructor(readonly columns: number) {
    this.paddedColumns = padTo(columns);
    ({ exports: this.exports, heap: this.heap } = instantiate(0));
  }

  /** `rows[i] · vector` for each row (every row and the vector have `columns` entries). */
  dots(rows: readonly Float32Array[], vector: Float32Array): Float32Array {
    const padded = this.paddedColumns;
    const vectorAt = rows.length * padded;
    const outAt = vectorAt + padded;
    const needed = (outAt + rows.length) * 4;
    if (needed > this.heap.byteLength) this.heap = grow(this.exports, needed);
    const heap = this.heap;
    // Padding lanes must be zero: rows may be shorter than the padded width.
    if (padded !== this.columns) heap.fill(0, 0, outAt);
    for (const [i, row] of rows.entries()) heap.set(row, i * padded);
    heap.set(vector, vectorAt);
    this.exports.project(0, vectorAt * 4, outAt * 4, rows.length, padded);
    return heap.slice(outAt, outAt + rows.length);
  }
}
