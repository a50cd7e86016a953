;; The projection kernel of the projected store layout (memory/src/store/wasm-projector.ts):
;; out[r] = sum over j of basis[r][j] * vec[j], in float32 with WebAssembly SIMD. Four running sums
;; of four lanes each, so consecutive additions do not wait on each other. The caller pads every row
;; and the vector with zeros to a multiple of 16 floats. Built into wasm-projector-bytes.ts by
;; `npm run build:wasm` (the wabt package's wat2wasm); a test checks that the two agree.
(module
  (memory (export "memory") 1)
  (func (export "project")
    (param $basis i32) (param $vec i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $row i32) (local $bytes i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $row (local.get $basis))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a (v128.const f32x4 0 0 0 0))
        (local.set $b (v128.const f32x4 0 0 0 0))
        (local.set $c (v128.const f32x4 0 0 0 0))
        (local.set $d (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols_loop
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $bytes)))
            (local.set $a (f32x4.add (local.get $a)
              (f32x4.mul (v128.load offset=0 (i32.add (local.get $row) (local.get $j)))
                         (v128.load offset=0 (i32.add (local.get $vec) (local.get $j))))))
            (local.set $b (f32x4.add (local.get $b)
              (f32x4.mul (v128.load offset=16 (i32.add (local.get $row) (local.get $j)))
                         (v128.load offset=16 (i32.add (local.get $vec) (local.get $j))))))
            (local.set $c (f32x4.add (local.get $c)
              (f32x4.mul (v128.load offset=32 (i32.add (local.get $row) (local.get $j)))
                         (v128.load offset=32 (i32.add (local.get $vec) (local.get $j))))))
            (local.set $d (f32x4.add (local.get $d)
              (f32x4.mul (v128.load offset=48 (i32.add (local.get $row) (local.get $j)))
                         (v128.load offset=48 (i32.add (local.get $vec) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 64)))
            (br $cols_loop)))
        (local.set $a (f32x4.add (f32x4.add (local.get $a) (local.get $b))
                                 (f32x4.add (local.get $c) (local.get $d))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
            (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
        (local.set $row (i32.add (local.get $row) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows_loop)))))
