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
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new StorageError(path, `holds ${values[i]} at float ${i}; the file is damaged`, { code: "MISMATCH" });
    }
  }
}
