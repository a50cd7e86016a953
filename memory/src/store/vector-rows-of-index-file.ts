import { StorageError } from "@lanpo/core";

// hnswlib's saveIndex header (96 bytes; size_t fields are 8 bytes): offsetLevel0, maxElements,
// count, sizeDataPerElement, labelOffset, offsetData, ...; then `count` level-0 records of
// sizeDataPerElement bytes each: links, then the vector at offsetData, then the 8-byte label at
// labelOffset.
const HEADER_BYTES = 96;

/**
 * The stored vectors of an hnswlib index file, one float32 row per label of `labels`, by
 * ascending label: what `VectorTable.fromBytes` reads. A direct graph of the projected layout
 * holds the exact unit vectors, so its index file is its vectors file too. Throws `StorageError`
 * (MISMATCH) when the file does not hold `dimensions`-long vectors or lacks a label.
 */
export function vectorRowsOfIndexFile(
  path: string,
  file: Buffer,
  dimensions: number,
  labels: readonly number[],
): Uint8Array {
  const fail = (message: string) => new StorageError(path, message, { code: "MISMATCH" });
  if (file.byteLength < HEADER_BYTES) throw fail("index file is shorter than its header");
  const u64 = (offset: number) => Number(file.readBigUInt64LE(offset));
  const count = u64(16);
  const recordBytes = u64(24);
  const labelOffset = u64(32);
  const dataOffset = u64(40);
  const rowBytes = dimensions * 4;
  if (labelOffset - dataOffset !== rowBytes || labelOffset + 8 > recordBytes) {
    throw fail(`index file records do not hold ${dimensions}-dimensional vectors`);
  }
  if (HEADER_BYTES + count * recordBytes > file.byteLength) throw fail("index file is shorter than its records");
  const sorted = [...labels].sort((a, b) => a - b);
  const rowOf = new Map(sorted.map((label, row) => [label, row]));
  const out = new Uint8Array(sorted.length * rowBytes);
  let found = 0;
  for (let i = 0; i < count; i++) {
    const record = HEADER_BYTES + i * recordBytes;
    const row = rowOf.get(u64(record + labelOffset));
    if (row === undefined) continue; // a deleted element
    file.copy(out, row * rowBytes, record + dataOffset, record + dataOffset + rowBytes);
    found++;
  }
  if (found !== sorted.length) throw fail(`index file holds ${found} of the ${sorted.length} documents' vectors`);
  return out;
}
