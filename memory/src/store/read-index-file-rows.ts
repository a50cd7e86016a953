import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { StorageError } from "@lanpo/core";

// hnswlib's saveIndex header (96 bytes; size_t fields are 8 bytes): offsetLevel0, maxElements,
// count, sizeDataPerElement, labelOffset, offsetData, ...; then `count` level-0 records of
// sizeDataPerElement bytes each: links, then the vector at offsetData, then the 8-byte label at
// labelOffset; then the upper layers' links.
const HEADER_BYTES = 96;
/** Bytes read at a time, into one reused buffer (a whole 200 MB file in memory costs its page faults). */
const CHUNK_BYTES = 8 * 1024 * 1024;

/** What {@link readIndexFileRows} found: the file's checksum, and its rows or why there are none. */
export interface IndexFileRows {
  bytes: number;
  sha256: string;
  /** One float32 row per label asked for, by ascending label (what `VectorTable.fromBytes` reads). */
  rows?: Uint8Array;
  /** Why the rows could not be taken (only meaningful once the checksum matched). */
  problem?: string;
}

/**
 * Reads an hnswlib index file once: its sha256, and the stored vector of every label in
 * `labels` (a direct graph of the projected layout holds the exact unit vectors, so its index
 * file is its vectors file too). Records are read whole, many at a time, into one buffer. A file
 * whose header or records do not fit `dimensions`, that lacks a label's vector or holds one that
 * is not finite gets a `problem` rather than an exception, so that the caller reports a checksum
 * mismatch first. With `keepRows: false` the rows are checked (present, finite) but not copied
 * out: what `load` does, which takes them only when they are first needed (see `ProjectedIndex`).
 * With `hash: false` (a file this process just wrote, with nothing to check it against) no
 * checksum is computed and `sha256` is empty.
 */
export function readIndexFileRows(
  path: string,
  dimensions: number,
  labels: readonly number[],
  options: { keepRows?: boolean; hash?: boolean } = {},
): IndexFileRows {
  const keepRows = options.keepRows ?? true;
  const hash = options.hash === false ? undefined : createHash("sha256");
  // Synchronous reads, as `measureFile` does (thread-pool round trips were slower on a loaded host).
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw new StorageError(path, `cannot read: ${(error as Error).message}`, { cause: error });
  }
  let position = 0;
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Reads `length` bytes at the current position (fewer at the end of the file) and hashes them. */
  const next = (length: number): Buffer => {
    let filled = 0;
    while (filled < length) {
      const bytesRead = readSync(fd, buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    position += filled;
    const chunk = buffer.subarray(0, filled);
    hash?.update(chunk);
    return chunk;
  };
  try {
    const header = next(HEADER_BYTES);
    let problem: string | undefined;
    let rows: Uint8Array | undefined;
    const rowBytes = dimensions * 4;
    if (header.byteLength < HEADER_BYTES) problem = "index file is shorter than its header";
    const u64 = (offset: number) => Number(header.readBigUInt64LE(offset));
    const count = problem ? 0 : u64(16);
    const recordBytes = problem ? 0 : u64(24);
    const labelOffset = problem ? 0 : u64(32);
    const dataOffset = problem ? 0 : u64(40);
    if (
      !problem &&
      (labelOffset - dataOffset !== rowBytes || labelOffset + 8 > recordBytes || recordBytes > CHUNK_BYTES)
    )
      problem = `index file records do not hold ${dimensions}-dimensional vectors`;
    if (!problem) {
      const sorted = [...labels].sort((a, b) => a - b);
      // Row of each label, by label (labels are slot numbers below the store's nextLabel): -1 for none.
      const rowOf = new Int32Array((sorted.at(-1) ?? -1) + 1).fill(-1);
      for (const [row, label] of sorted.entries()) rowOf[label] = row;
      const out = keepRows ? new Uint8Array(sorted.length * rowBytes) : undefined;
      // The read buffer is its own ArrayBuffer, and records and their vectors start at multiples of 4.
      const floats = new Float32Array(buffer.buffer, buffer.byteOffset, Math.floor(buffer.byteLength / 4));
      const perChunk = Math.floor(CHUNK_BYTES / recordBytes);
      let found = 0;
      for (let at = 0; at < count && !problem; at += perChunk) {
        const records = Math.min(perChunk, count - at);
        const chunk = next(records * recordBytes);
        if (chunk.byteLength < records * recordBytes) {
          problem = "index file is shorter than its records";
          break;
        }
        for (let i = 0; i < records; i++) {
          const record = i * recordBytes;
          // The 8-byte label as two 32-bit halves (no BigInt per record).
          const high = chunk.readUInt32LE(record + labelOffset + 4);
          const label = chunk.readUInt32LE(record + labelOffset);
          const row = high === 0 && label < rowOf.length ? (rowOf[label] as number) : -1;
          if (row < 0) continue; // a deleted element
          const start = (record + dataOffset) / 4;
          let sum = 0;
          for (let j = start; j < start + dimensions; j++) sum += floats[j] as number;
          if (!Number.isFinite(sum)) {
            const bad = floats.subarray(start, start + dimensions).find((x) => !Number.isFinite(x));
            // (Finite values whose sum overflows are not damage: unit vectors cannot overflow.)
            problem = `index file holds ${bad ?? sum} in the vector of label ${label}; the file is damaged`;
            break;
          }
          out?.set(chunk.subarray(record + dataOffset, record + dataOffset + rowBytes), row * rowBytes);
          found++;
        }
      }
      if (!problem && found !== sorted.length)
        problem = `index file holds ${found} of the ${sorted.length} documents' vectors`;
      if (!problem) rows = out;
    }
    // The rest (the upper layers' links), through the checksum only.
    while (next(CHUNK_BYTES).byteLength > 0);
    return {
      bytes: position,
      sha256: hash?.digest("hex") ?? "",
      ...(rows ? { rows } : {}),
      ...(problem ? { problem } : {}),
    };
  } finally {
    closeSync(fd);
  }
}
