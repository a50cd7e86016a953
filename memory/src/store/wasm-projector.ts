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
    compiled ??= new wasm.Module(Buffer.from(PROJECT_WASM_BASE64, "base64"));
    this.exports = new wasm.Instance(compiled).exports as ProjectExports;
    const padded = Math.ceil(columns / LANE_BLOCK) * LANE_BLOCK;
    this.paddedColumns = padded;
    // Layout, in floats: the matrix (rows × padded), then the input vector (padded), then the output (rows).
    this.vectorAt = rows * padded;
    this.outAt = this.vectorAt + padded;
    const bytes = (this.outAt + rows) * 4;
    const { memory } = this.exports;
    const missing = Math.ceil(bytes / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES;
    if (missing > 0) memory.grow(missing);
    this.heap = new Float32Array(memory.buffer);
    for (let r = 0; r < rows; r++) this.heap.set(matrix.subarray(r * columns, (r + 1) * columns), r * padded);
  }

  /** `matrix × vector` (the vector has `columns` entries), as a plain array for hnswlib. */
  project(vector: Float32Array): number[] {
    this.heap.set(vector, this.vectorAt);
    this.exports.project(0, this.vectorAt * 4, this.outAt * 4, this.rows, this.paddedColumns);
    return Array.from(this.heap.subarray(this.outAt, this.outAt + this.rows));
  }
}
