;; WASM SIMD kernels of the sentence encoder (see use-lite-encoder.ts): its attention, which TF.js WASM
;; runs slowly (its batched matmul is a naive loop), and a sparse-times-dense product for the first
;; feed-forward layer's output projection, whose input is 92 % zeros after the ReLU. Built into
;; memory/src/embeddings/attention-kernel-bytes.ts by `npm run build:wasm` (the wabt package's
;; wat2wasm); test/scripts/build-wasm.test.ts fails when the two disagree.
;; Pointers are byte offsets into the exported memory; rows are `stride` bytes apart; `depth` is a
;; multiple of 16 floats (the encoder's heads have 64 and 128).
(module
  (memory (export "memory") 1)

  ;; out[i*n + j] = scale * dot(q_i, k_j) for i, j < n; q_i at q + i*stride, k_j at k + j*stride.
  (func (export "scores")
    (param $q i32) (param $k i32) (param $n i32) (param $stride i32) (param $depth i32)
    (param $scale f32) (param $out i32)
    (local $i i32) (local $j i32) (local $c i32) (local $end i32)
    (local $qi i32) (local $kj i32) (local $at i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.shl (local.get $depth) (i32.const 2)))
    (local.set $at (local.get $out))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $qi (i32.add (local.get $q) (i32.mul (local.get $i) (local.get $stride))))
      (local.set $j (i32.const 0))
      (loop $columns
        (local.set $kj (i32.add (local.get $k) (i32.mul (local.get $j) (local.get $stride))))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (loop $dot
          (local.set $a0 (f32x4.add (local.get $a0)
            (f32x4.mul (v128.load (i32.add (local.get $qi) (local.get $c)))
                       (v128.load (i32.add (local.get $kj) (local.get $c))))))
          (local.set $a1 (f32x4.add (local.get $a1)
            (f32x4.mul (v128.load offset=16 (i32.add (local.get $qi) (local.get $c)))
                       (v128.load offset=16 (i32.add (local.get $kj) (local.get $c))))))
          (local.set $a2 (f32x4.add (local.get $a2)
            (f32x4.mul (v128.load offset=32 (i32.add (local.get $qi) (local.get $c)))
                       (v128.load offset=32 (i32.add (local.get $kj) (local.get $c))))))
          (local.set $a3 (f32x4.add (local.get $a3)
            (f32x4.mul (v128.load offset=48 (i32.add (local.get $qi) (local.get $c)))
                       (v128.load offset=48 (i32.add (local.get $kj) (local.get $c))))))
          (local.set $c (i32.add (local.get $c) (i32.const 64)))
          (br_if $dot (i32.lt_u (local.get $c) (local.get $end))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1))
                                  (f32x4.add (local.get $a2) (local.get $a3))))
        (f32.store (local.get $at)
          (f32.mul (local.get $scale)
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
              (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0))))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $columns (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $n)))))

  ;; out_i = sum over j < n of p[i*n + j] * v_j, for i < n; v_j at v + j*stride, out_i at out + i*outStride.
  (func (export "mix")
    (param $p i32) (param $v i32) (param $n i32) (param $stride i32) (param $depth i32)
    (param $out i32) (param $outStride i32)
    (local $i i32) (local $j i32) (local $c i32) (local $end i32)
    (local $pi i32) (local $vj i32) (local $oi i32) (local $w v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $end (i32.shl (local.get $depth) (i32.const 2)))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $pi (i32.add (local.get $p) (i32.shl (i32.mul (local.get $i) (local.get $n)) (i32.const 2))))
      (local.set $oi (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $outStride))))
      (local.set $c (i32.const 0))
      (loop $blocks
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $vj (i32.add (local.get $v) (local.get $c)))
        (local.set $j (i32.const 0))
        (loop $terms
          (local.set $w (f32x4.splat (f32.load (i32.add (local.get $pi) (i32.shl (local.get $j) (i32.const 2))))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load (local.get $vj)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $vj)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $vj)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $vj)))))
          (local.set $vj (i32.add (local.get $vj) (local.get $stride)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $terms (i32.lt_u (local.get $j) (local.get $n))))
        (v128.store (i32.add (local.get $oi) (local.get $c)) (local.get $a0))
        (v128.store offset=16 (i32.add (local.get $oi) (local.get $c)) (local.get $a1))
        (v128.store offset=32 (i32.add (local.get $oi) (local.get $c)) (local.get $a2))
        (v128.store offset=48 (i32.add (local.get $oi) (local.get $c)) (local.get $a3))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br_if $blocks (i32.lt_u (local.get $c) (local.get $end))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $n)))))

  ;; out_t = sum over k from offsets[t] to offsets[t+1] - 1 of value[k] * (the row at rows + at[k]),
  ;; for t < tokens: a product with a sparse left matrix (the ReLU output of a feed-forward layer,
  ;; mostly zeros) given as per-row lists of byte offsets `at` of the right matrix's rows and values.
  ;; Rows are rowBytes long (a multiple of 64); out rows follow each other.
  (func (export "sparse")
    (param $offsets i32) (param $tokens i32) (param $at i32) (param $value i32) (param $rows i32)
    (param $rowBytes i32) (param $out i32)
    (local $t i32) (local $c i32) (local $k i32) (local $first i32) (local $end i32)
    (local $o i32) (local $r i32) (local $w v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $t (i32.const 0))
    (local.set $o (local.get $out))
    (loop $lines
      (local.set $first (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $t) (i32.const 2)))))
      (local.set $end (i32.load offset=4 (i32.add (local.get $offsets) (i32.shl (local.get $t) (i32.const 2)))))
      (local.set $c (i32.const 0))
      (loop $blocks
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $k (local.get $first))
        (block $empty
          (br_if $empty (i32.ge_u (local.get $k) (local.get $end)))
          (loop $terms
            (local.set $w (f32x4.splat (f32.load (i32.add (local.get $value) (i32.shl (local.get $k) (i32.const 2))))))
            (local.set $r (i32.add (i32.add (local.get $rows) (local.get $c))
                                   (i32.load (i32.add (local.get $at) (i32.shl (local.get $k) (i32.const 2))))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load (local.get $r)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $r)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $r)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $r)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $terms (i32.lt_u (local.get $k) (local.get $end)))))
        (v128.store (i32.add (local.get $o) (local.get $c)) (local.get $a0))
        (v128.store offset=16 (i32.add (local.get $o) (local.get $c)) (local.get $a1))
        (v128.store offset=32 (i32.add (local.get $o) (local.get $c)) (local.get $a2))
        (v128.store offset=48 (i32.add (local.get $o) (local.get $c)) (local.get $a3))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br_if $blocks (i32.lt_u (local.get $c) (local.get $rowBytes))))
      (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $lines (i32.lt_u (local.get $t) (local.get $tokens))))))
