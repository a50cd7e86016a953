import { mulberry32 } from "@lanpo/core";
import test from "ava";
import { WasmProjector, WasmRowDots } from "../../memory/src/store/wasm-projector.ts";

test("the SIMD product equals a plain one, for sizes that are not multiples of the lane block", (t) => {
  const next = mulberry32(8);
  for (const [rows, columns] of [
    [1, 1],
    [7, 37],
    [128, 512],
    [3, 1536],
  ] as const) {
    const matrix = Float32Array.from({ length: rows * columns }, () => next() - 0.5);
    const projector = new WasmProjector(matrix, rows, columns);
    for (let trial = 0; trial < 3; trial++) {
      const vector = Float32Array.from({ length: columns }, () => next() - 0.5);
      const got = projector.project(vector);
      t.is(got.length, rows);
      for (let r = 0; r < rows; r++) {
        let expected = 0;
        for (let c = 0; c < columns; c++) expected += matrix[r * columns + c]! * vector[c]!;
        t.true(Math.abs(got[r]! - expected) < 1e-4 * Math.sqrt(columns), `${rows}x${columns} row ${r}`);
      }
    }
  }
});

test("row dots stay right over many calls whose row counts go up and down (padding lanes are zeroed)", (t) => {
  const next = mulberry32(10);
  const dots = new WasmRowDots(5);
  for (let call = 0; call < 200; call++) {
    const count = 1 + Math.floor(next() * 60);
    const rows = Array.from({ length: count }, () => Float32Array.from({ length: 5 }, () => next() * 4 - 2));
    const vector = Float32Array.from({ length: 5 }, () => next() * 4 - 2);
    const got = dots.dots(rows, vector);
    for (const [i, row] of rows.entries()) {
      const expected = row.reduce((sum, x, j) => sum + x * vector[j]!, 0);
      if (Math.abs(got[i]! - expected) > 1e-4)
        return t.fail(`call ${call}, ${count} rows, row ${i}: ${got[i]} vs ${expected}`);
    }
  }
  t.pass();
});

test("row dots equal plain ones, whatever the number of rows from call to call (memory grows)", (t) => {
  const next = mulberry32(9);
  const dots = new WasmRowDots(37);
  for (const count of [3, 1, 2000, 0, 5]) {
    const rows = Array.from({ length: count }, () => Float32Array.from({ length: 37 }, () => next() - 0.5));
    const vector = Float32Array.from({ length: 37 }, () => next() - 0.5);
    const got = dots.dots(rows, vector);
    t.is(got.length, count);
    for (const [i, row] of rows.entries()) {
      const expected = row.reduce((sum, x, j) => sum + x * vector[j]!, 0);
      t.true(Math.abs(got[i]! - expected) < 1e-5, `${count} rows, row ${i}`);
    }
  }
});
