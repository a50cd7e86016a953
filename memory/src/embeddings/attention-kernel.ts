/**
 * The sentence encoder's WASM kernels, 128-bit SIMD: `scores` (scaled query·key dot products) and
 * `mix` (probability-weighted sums of values) for attention, `sparse` (a mostly-zero matrix times a
 * dense one) for the first feed-forward output. Assembled from memory/wasm/attention.wat by
 * `npm run build:wasm` into attention-kernel-bytes.ts; base64 so that it travels in source and
 * needs no file next to the built JS.
 */
import { ATTENTION_KERNEL_WASM } from "./attention-kernel-bytes.js";

/** The kernels' bytes, decoded. */
export function attentionKernelBytes(): Uint8Array {
  return Uint8Array.from(Buffer.from(ATTENTION_KERNEL_WASM, "base64"));
}

/** What an instance of the kernels exports: pointers are byte offsets into `memory`. */
export interface AttentionKernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  scores(q: number, k: number, n: number, stride: number, depth: number, scale: number, out: number): void;
  mix(p: number, v: number, n: number, stride: number, depth: number, out: number, outStride: number): void;
  sparse(offsets: number, tokens: number, at: number, value: number, rows: number, rowBytes: number, out: number): void;
}
