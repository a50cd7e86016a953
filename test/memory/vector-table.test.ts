import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "@lanpo/core";
import test from "ava";
import { VectorTable } from "../../memory/src/store/vector-table.ts";
import { tempDir } from "./hnsw-store-helpers.ts";

// The exact vectors of a projected store live in fixed-size chunks (no copy of every row at each
// doubling); a table read from a save is views of the file's buffer until rows are added.

const vector = (i: number, dims: number) => Array.from({ length: dims }, (_, j) => ((i * 7 + j * 3) % 11) - 5 + 0.5);
const unit = (v: number[]) => {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};
const close = (a: ArrayLike<number>, b: readonly number[]) => b.every((x, j) => Math.abs((a[j] as number) - x) < 1e-6);

test("rows past many chunks keep their unit vectors; freed rows are reused", (t) => {
  const dims = 3;
  const table = new VectorTable(dims);
  for (let i = 0; i < 5000; i++) table.set(i, vector(i, dims));
  t.is(table.size, 5000);
  for (const i of [0, 2047, 2048, 4095, 4096, 4999]) t.true(close(table.row(i), unit(vector(i, dims))), `row ${i}`);
  table.delete(10);
  table.set(9000, vector(9000, dims));
  t.true(close(table.row(9000), unit(vector(9000, dims))));
  t.true(close(table.row(11), unit(vector(11, dims))), "the neighbour of the reused row is untouched");
  t.throws(() => table.row(10), { instanceOf: RangeError });
});

test("a table read from bytes grows past its last, short chunk without losing rows", (t) => {
  const dims = 4;
  const source = new VectorTable(dims);
  const labels = Array.from({ length: 2100 }, (_, i) => i * 2);
  for (const label of labels) source.set(label, vector(label, dims));
  const bytes = source.snapshotBytes();
  const before = Buffer.from(bytes);
  const table = VectorTable.fromBytes("vectors", bytes, dims, labels);
  t.is(table.size, labels.length);
  for (let i = 0; i < 3000; i++) table.set(10_000 + i, vector(10_000 + i, dims));
  for (const label of [0, 4094, 4096, 4198]) t.true(close(table.row(label), unit(vector(label, dims))), `row ${label}`);
  for (const label of [10_000, 12_999]) t.true(close(table.row(label), unit(vector(label, dims))), `row ${label}`);
  // Every byte, the short last chunk (rows 2,048 to 2,099, a view of these bytes) included.
  t.true(Buffer.from(bytes).equals(before), "the file's bytes are not written to");
  const error = t.throws(() => VectorTable.fromBytes("vectors", bytes.subarray(0, 12), dims, labels));
  t.true(StorageError.isInstance(error));
});

test("writeSnapshot writes the snapshot's bytes through a small buffer and measures them on the way", async (t) => {
  const dims = 512;
  const table = new VectorTable(dims);
  // More rows than one 8 MB block holds, with a freed row reused out of label order.
  for (let i = 0; i < 4200; i++) table.set(i, vector(i, dims));
  table.delete(7);
  table.set(9999, vector(9999, dims));
  const path = join(await tempDir(), "vectors.f32");
  const measured = table.writeSnapshot(path);
  const written = await readFile(path);
  t.true(Buffer.from(table.snapshotBytes()).equals(written), "the same bytes as snapshotBytes");
  t.is(measured.bytes, written.byteLength);
  t.is(measured.sha256, createHash("sha256").update(written).digest("hex"));
  const error = t.throws(() => table.writeSnapshot(join(path, "not-a-folder", "x.f32")));
  t.true(StorageError.isInstance(error));
});
