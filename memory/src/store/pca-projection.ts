import { StorageError } from "@lanpo/core";
import { assertFinite, assertLittleEndian } from "./float32-file.js";
import { leadingEigenpairs } from "./leading-eigenvectors.js";
import { WasmProjector } from "./wasm-projector.js";

/**
 * A linear map from unit vectors of `sourceDimensions` onto the `dimensions` directions that hold
 * the most of their energy: the leading eigenvectors of the (uncentred) second-moment matrix of a
 * sample. Uncentred because the store compares vectors by inner product, and the inner product of
 * two projections approximates theirs only if no mean is taken out. Sentence embeddings put most
 * of their energy in a few directions (USE lite: 93% in 128 of 512), so the graph can be built and
 * searched on a quarter of the numbers, and the exact vectors re-rank its candidates.
 */
export class PcaProjection {
  private readonly projector: WasmProjector;

  private constructor(
    readonly sourceDimensions: number,
    readonly dimensions: number,
    /** Row-major, `dimensions` rows of `sourceDimensions`: the orthonormal basis. */
    readonly basis: Float32Array,
    /** Share of the sample's energy the basis keeps, in [0, 1]. */
    readonly energy: number,
  ) {
    this.projector = new WasmProjector(basis, dimensions, sourceDimensions);
  }

  /**
   * Fits the basis to `count` rows of `rows` (row-major, `sourceDimensions` each; unit vectors).
   * Cost: count × D² for the moment matrix plus the leading eigenvectors, both in WebAssembly:
   * well under a second for 2,048 rows of 512, paid once per store.
   */
  static fit(
    rows: Float32Array,
    count: number,
    sourceDimensions: number,
    dimensions: number,
    options: { iterations?: number } = {},
  ): PcaProjection {
    const d = sourceDimensions;
    // Column j of the moment matrix is Xᵀ · (column j of X): the projector's product with Xᵀ as
    // its matrix, applied to each column of X.
    const transposed = new Float32Array(d * count);
    for (let r = 0; r < count; r++) for (let j = 0; j < d; j++) transposed[j * count + r] = rows[r * d + j] as number;
    const products = new WasmProjector(transposed, d, count);
    const moment = new Float32Array(d * d);
    let trace = 0;
    for (let j = 0; j < d; j++) {
      const column = products.project(transposed.subarray(j * count, (j + 1) * count));
      for (let i = 0; i < d; i++) moment[i * d + j] = (column[i] as number) / Math.max(1, count);
      trace += moment[j * d + j] as number;
    }
    const { vectors, values } = leadingEigenpairs(moment, d, dimensions, options.iterations);
    const kept = values.reduce((sum, v) => sum + Math.max(0, v), 0);
    return new PcaProjection(d, dimensions, vectors, trace > 0 ? Math.min(1, kept / trace) : 0);
  }

  /** The coordinates of a unit vector in the basis. */
  project(vector: Float32Array): number[] {
    return this.projector.project(vector);
  }

  /** The basis as bytes (little-endian float32), for a save; `energy` goes into the manifest. */
  toBytes(): Uint8Array {
    assertLittleEndian("projection file");
    return new Uint8Array(this.basis.buffer, this.basis.byteOffset, this.basis.byteLength);
  }

  /** Rebuilds a saved projection; throws `StorageError` (MISMATCH) when the bytes do not fit. */
  static fromBytes(
    path: string,
    bytes: Uint8Array,
    sourceDimensions: number,
    dimensions: number,
    energy: number,
  ): PcaProjection {
    if (bytes.byteLength !== sourceDimensions * dimensions * 4) {
      throw new StorageError(
        path,
        `projection file has ${bytes.byteLength} bytes, a ${dimensions} × ${sourceDimensions} basis needs ${sourceDimensions * dimensions * 4}`,
        { code: "MISMATCH" },
      );
    }
    assertLittleEndian(path);
    const basis = new Float32Array(sourceDimensions * dimensions);
    new Uint8Array(basis.buffer).set(bytes);
    assertFinite(path, basis);
    return new PcaProjection(sourceDimensions, dimensions, basis, energy);
  }
}
