import { endianness } from "node:os";
import { StorageError } from "@lanpo/core";

/** Saved float32 files are little-endian; this machine must read and write them so. */
export function assertLittleEndian(path: string): void {
  if (endianness() !== "LE") {
    throw new StorageError(path, "projected stores are saved as little-endian float32; this machine is big-endian", {
      code: "UNSUPPORTED",
    });
  }
}

/** Throws `StorageError` (MISMATCH) at the first NaN or infinity: a damaged file whose checksum was redone. */
export function assertFinite(path: string, values: Float32Array): void {
  // A sum is NaN or infinite when any term is (four sums, so the additions do not wait on each
  // other): one cheap pass over a 200 MB table; only then the slow scan that finds the position.
  // (Finite values whose sum overflows just cost that scan, which finds nothing.)
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = values.length;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += values[j] as number;
    s1 += values[j + 1] as number;
    s2 += values[j + 2] as number;
    s3 += values[j + 3] as number;
  }
  for (; j < n; j++) s0 += values[j] as number;
  if (Number.isFinite(s0 + s1 + s2 + s3)) return;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new StorageError(path, `holds ${values[i]} at float ${i}; the file is damaged`, { code: "MISMATCH" });
    }
  }
}
