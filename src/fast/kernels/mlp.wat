;; Dense-MLP kernels for the fast learner (src/fast/): GEMM variants, activations, global-norm and
;; fused Adam / RMSprop updates, and the im2col / col2im data movement of 3×3 convolutions, on
;; float32 data in this module's memory, with 128-bit SIMD.
;;
;; Conventions
;;  - All pointers are byte offsets into the exported memory; matrices are row-major float32.
;;  - A null pointer (0) means "absent" (no bias). The JS side never allocates at offset 0.
;;  - Row counts M are multiples of 4 (the caller pads minibatches with zero rows).
;;  - The SIMD GEMMs need their vectorised output dimension ≥ 4; a dimension that is not a
;;    multiple of 4 is finished with one overlapping 4-wide block (every block stores, never
;;    accumulates, so writing the overlap twice gives the same values). The JS side routes
;;    narrower shapes to gemm_nt / gemm_tn_narrow / gemm_strided.
;;  - Plain WebAssembly float arithmetic (no fused multiply-add), so results are deterministic
;;    and the optimizer updates reproduce tfjs's float32 operation order bit for bit.
;;
;; Assembled to mlp.wasm by scripts/build-kernels.ts (npm run build:kernels).
(module
  (memory (export "memory") 1)

  ;; ---------------------------------------------------------------- GEMM: C = A·B (+ bias)

  ;; 4×8 block of C (rows at $pc, stride $ldc bytes) = bias[8] + A[4×K] · B[K×8].
  ;; A rows start at $pa with stride $lda; B rows start at $pb with stride $ldb.
  (func $tile_nn_4x8
    (param $pa i32) (param $lda i32) (param $pb i32) (param $ldb i32) (param $K i32)
    (param $pbias i32) (param $pc i32) (param $ldc i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $pa1 i32) (local $pa2 i32) (local $pa3 i32) (local $k i32)
    (if (local.get $pbias)
      (then
        (local.set $c00 (v128.load (local.get $pbias)))
        (local.set $c01 (v128.load offset=16 (local.get $pbias)))
        (local.set $c10 (local.get $c00)) (local.set $c11 (local.get $c01))
        (local.set $c20 (local.get $c00)) (local.set $c21 (local.get $c01))
        (local.set $c30 (local.get $c00)) (local.set $c31 (local.get $c01))))
    (local.set $pa1 (i32.add (local.get $pa) (local.get $lda)))
    (local.set $pa2 (i32.add (local.get $pa1) (local.get $lda)))
    (local.set $pa3 (i32.add (local.get $pa2) (local.get $lda)))
    (local.set $k (local.get $K))
    (loop $next
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $x (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $pa1)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $pa2)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat (local.get $pa3)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
      (local.set $pa1 (i32.add (local.get $pa1) (i32.const 4)))
      (local.set $pa2 (i32.add (local.get $pa2) (i32.const 4)))
      (local.set $pa3 (i32.add (local.get $pa3) (i32.const 4)))
      (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br_if $next (local.get $k)))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store offset=16 (local.get $pc) (local.get $c01))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c10))
    (v128.store offset=16 (local.get $pc) (local.get $c11))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c20))
    (v128.store offset=16 (local.get $pc) (local.get $c21))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c30))
    (v128.store offset=16 (local.get $pc) (local.get $c31)))

  ;; 4×4 block of C = bias[4] + A[4×K] · B[K×4] (same layout as $tile_nn_4x8).
  (func $tile_nn_4x4
    (param $pa i32) (param $lda i32) (param $pb i32) (param $ldb i32) (param $K i32)
    (param $pbias i32) (param $pc i32) (param $ldc i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $b v128)
    (local $pa1 i32) (local $pa2 i32) (local $pa3 i32) (local $k i32)
    (if (local.get $pbias)
      (then
        (local.set $c0 (v128.load (local.get $pbias)))
        (local.set $c1 (local.get $c0)) (local.set $c2 (local.get $c0)) (local.set $c3 (local.get $c0))))
    (local.set $pa1 (i32.add (local.get $pa) (local.get $lda)))
    (local.set $pa2 (i32.add (local.get $pa1) (local.get $lda)))
    (local.set $pa3 (i32.add (local.get $pa2) (local.get $lda)))
    (local.set $k (local.get $K))
    (loop $next
      (local.set $b (v128.load (local.get $pb)))
      (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (v128.load32_splat (local.get $pa)) (local.get $b))))
      (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (v128.load32_splat (local.get $pa1)) (local.get $b))))
      (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (v128.load32_splat (local.get $pa2)) (local.get $b))))
      (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (v128.load32_splat (local.get $pa3)) (local.get $b))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 4)))
      (local.set $pa1 (i32.add (local.get $pa1) (i32.const 4)))
      (local.set $pa2 (i32.add (local.get $pa2) (i32.const 4)))
      (local.set $pa3 (i32.add (local.get $pa3) (i32.const 4)))
      (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br_if $next (local.get $k)))
    (v128.store (local.get $pc) (local.get $c0))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c1))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c2))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c3)))

  ;; C[M×N] = A[M×K] · B[K×N] (+ bias[N] when $bias ≠ 0). Needs M % 4 = 0, N ≥ 4, K ≥ 1.
  ;; Forward pass (Y = X·W + b) and, with B = Wᵀ, the input gradient dX = dY·Wᵀ.
  (func (export "gemm_nn")
    (param $a i32) (param $b i32) (param $bias i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32)
    (local $lda i32) (local $ldb i32) (local $i i32) (local $j i32) (local $pa i32) (local $pc i32)
    (local.set $lda (i32.shl (local.get $K) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $pa (local.get $a))
    (local.set $pc (local.get $c))
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $j (i32.const 0))
        (block $wide_done
          (loop $wide
            (br_if $wide_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $N)))
            (call $tile_nn_4x8
              (local.get $pa) (local.get $lda)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb) (local.get $K)
              (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $bias))
              (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $wide)))
        (block $narrow_done
          (loop $narrow
            (br_if $narrow_done (i32.ge_u (local.get $j) (local.get $N)))
            (if (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $N))
              (then (local.set $j (i32.sub (local.get $N) (i32.const 4)))))
            (call $tile_nn_4x4
              (local.get $pa) (local.get $lda)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb) (local.get $K)
              (select (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0) (local.get $bias))
              (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $narrow)))
        (local.set $pa (i32.add (local.get $pa) (i32.shl (local.get $lda) (i32.const 2))))
        (local.set $pc (i32.add (local.get $pc) (i32.shl (local.get $ldb) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows))))

  ;; ---------------------------------------------------------------- GEMM: C = A·Btᵀ (narrow outputs)

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; C[M×N] = A[M×K] · Btᵀ (+ bias), Bt being N×K: dot products vectorised along K, for outputs
  ;; narrower than 4 (policy and value heads). Needs M % 4 = 0.
  (func (export "gemm_nt")
    (param $a i32) (param $bt i32) (param $bias i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32)
    (local $lda i32) (local $ldc i32) (local $k4 i32) (local $i i32) (local $j i32) (local $k i32)
    (local $pa i32) (local $pb i32) (local $pc i32) (local $o i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $bv v128)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $bk f32)
    (local.set $lda (i32.shl (local.get $K) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $N) (i32.const 2)))
    (local.set $k4 (i32.and (local.get $K) (i32.const -4)))
    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $M)))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $pb (i32.add (local.get $bt) (i32.mul (local.get $j) (local.get $lda))))
            (local.set $c0 (v128.const i32x4 0 0 0 0))
            (local.set $c1 (v128.const i32x4 0 0 0 0))
            (local.set $c2 (v128.const i32x4 0 0 0 0))
            (local.set $c3 (v128.const i32x4 0 0 0 0))
            (local.set $o (i32.const 0))
            (block $vec_done
              (loop $vec
                (br_if $vec_done (i32.ge_u (local.get $o) (i32.shl (local.get $k4) (i32.const 2))))
                (local.set $bv (v128.load (i32.add (local.get $pb) (local.get $o))))
                (local.set $c0 (f32x4.add (local.get $c0)
                  (f32x4.mul (v128.load (i32.add (local.get $pa) (local.get $o))) (local.get $bv))))
                (local.set $c1 (f32x4.add (local.get $c1)
                  (f32x4.mul (v128.load (i32.add (i32.add (local.get $pa) (local.get $lda)) (local.get $o))) (local.get $bv))))
                (local.set $c2 (f32x4.add (local.get $c2)
                  (f32x4.mul (v128.load (i32.add (i32.add (local.get $pa) (i32.shl (local.get $lda) (i32.const 1))) (local.get $o))) (local.get $bv))))
                (local.set $c3 (f32x4.add (local.get $c3)
                  (f32x4.mul (v128.load (i32.add (i32.add (local.get $pa) (i32.mul (local.get $lda) (i32.const 3))) (local.get $o))) (local.get $bv))))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $vec)))
            (local.set $s0 (call $hsum (local.get $c0)))
            (local.set $s1 (call $hsum (local.get $c1)))
            (local.set $s2 (call $hsum (local.get $c2)))
            (local.set $s3 (call $hsum (local.get $c3)))
            ;; scalar tail over K % 4
            (local.set $k (local.get $k4))
            (block $tail_done
              (loop $tail
                (br_if $tail_done (i32.ge_u (local.get $k) (local.get $K)))
                (local.set $o (i32.shl (local.get $k) (i32.const 2)))
                (local.set $bk (f32.load (i32.add (local.get $pb) (local.get $o))))
                (local.set $s0 (f32.add (local.get $s0)
                  (f32.mul (f32.load (i32.add (local.get $pa) (local.get $o))) (local.get $bk))))
                (local.set $s1 (f32.add (local.get $s1)
                  (f32.mul (f32.load (i32.add (i32.add (local.get $pa) (local.get $lda)) (local.get $o))) (local.get $bk))))
                (local.set $s2 (f32.add (local.get $s2)
                  (f32.mul (f32.load (i32.add (i32.add (local.get $pa) (i32.shl (local.get $lda) (i32.const 1))) (local.get $o))) (local.get $bk))))
                (local.set $s3 (f32.add (local.get $s3)
                  (f32.mul (f32.load (i32.add (i32.add (local.get $pa) (i32.mul (local.get $lda) (i32.const 3))) (local.get $o))) (local.get $bk))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $tail)))
            (if (local.get $bias)
              (then
                (local.set $bk (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
                (local.set $s0 (f32.add (local.get $bk) (local.get $s0)))
                (local.set $s1 (f32.add (local.get $bk) (local.get $s1)))
                (local.set $s2 (f32.add (local.get $bk) (local.get $s2)))
                (local.set $s3 (f32.add (local.get $bk) (local.get $s3)))))
            (local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc)))
                                    (i32.shl (local.get $j) (i32.const 2))))
            (f32.store (local.get $pc) (local.get $s0))
            (f32.store (i32.add (local.get $pc) (local.get $ldc)) (local.get $s1))
            (f32.store (i32.add (local.get $pc) (i32.shl (local.get $ldc) (i32.const 1))) (local.get $s2))
            (f32.store (i32.add (local.get $pc) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $s3))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $rows))))

  ;; ---------------------------------------------------------------- GEMM: C = Aᵀ·B (weight gradients)

  ;; 4×8 block of C (rows k..k+3, cols j..j+7) = Σ_m A[m, k..k+3]ᵀ · B[m, j..j+7], added to the
  ;; block's current values when $acc ≠ 0. $pa points at A[0, k], $pb at B[0, j].
  (func $tile_tn_4x8
    (param $pa i32) (param $lda i32) (param $pb i32) (param $ldb i32) (param $M i32)
    (param $pc i32) (param $ldc i32) (param $acc i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128) (local $m i32) (local $q i32)
    (if (local.get $acc)
      (then
        (local.set $q (local.get $pc))
        (local.set $c00 (v128.load (local.get $q)))
        (local.set $c01 (v128.load offset=16 (local.get $q)))
        (local.set $q (i32.add (local.get $q) (local.get $ldc)))
        (local.set $c10 (v128.load (local.get $q)))
        (local.set $c11 (v128.load offset=16 (local.get $q)))
        (local.set $q (i32.add (local.get $q) (local.get $ldc)))
        (local.set $c20 (v128.load (local.get $q)))
        (local.set $c21 (v128.load offset=16 (local.get $q)))
        (local.set $q (i32.add (local.get $q) (local.get $ldc)))
        (local.set $c30 (v128.load (local.get $q)))
        (local.set $c31 (v128.load offset=16 (local.get $q)))))
    (local.set $m (local.get $M))
    (loop $next
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $x (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=8 (local.get $pa)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=12 (local.get $pa)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (local.get $lda)))
      (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
      (local.set $m (i32.sub (local.get $m) (i32.const 1)))
      (br_if $next (local.get $m)))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store offset=16 (local.get $pc) (local.get $c01))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c10))
    (v128.store offset=16 (local.get $pc) (local.get $c11))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c20))
    (v128.store offset=16 (local.get $pc) (local.get $c21))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c30))
    (v128.store offset=16 (local.get $pc) (local.get $c31)))

  ;; 4×4 block of C = Σ_m A[m, k..k+3]ᵀ · B[m, j..j+3] (+ its current values when $acc ≠ 0).
  (func $tile_tn_4x4
    (param $pa i32) (param $lda i32) (param $pb i32) (param $ldb i32) (param $M i32)
    (param $pc i32) (param $ldc i32) (param $acc i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $b v128) (local $m i32) (local $q i32)
    (if (local.get $acc)
      (then
        (local.set $q (local.get $pc))
        (local.set $c0 (v128.load (local.get $q)))
        (local.set $q (i32.add (local.get $q) (local.get $ldc)))
        (local.set $c1 (v128.load (local.get $q)))
        (local.set $q (i32.add (local.get $q) (local.get $ldc)))
        (local.set $c2 (v128.load (local.get $q)))
        (local.set $q (i32.add (local.get $q) (local.get $ldc)))
        (local.set $c3 (v128.load (local.get $q)))))
    (local.set $m (local.get $M))
    (loop $next
      (local.set $b (v128.load (local.get $pb)))
      (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (v128.load32_splat (local.get $pa)) (local.get $b))))
      (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (v128.load32_splat offset=4 (local.get $pa)) (local.get $b))))
      (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (v128.load32_splat offset=8 (local.get $pa)) (local.get $b))))
      (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (v128.load32_splat offset=12 (local.get $pa)) (local.get $b))))
      (local.set $pa (i32.add (local.get $pa) (local.get $lda)))
      (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
      (local.set $m (i32.sub (local.get $m) (i32.const 1)))
      (br_if $next (local.get $m)))
    (v128.store (local.get $pc) (local.get $c0))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c1))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c2))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c3)))

  ;; C[K×N] = A[M×K]ᵀ · B[M×N]: the weight gradient dW = Xᵀ·dY. Needs K ≥ 4, N ≥ 4, M ≥ 1.
  ;; When K and N are multiples of 4, the rows are taken in chunks of 256 whose products are added
  ;; into C, so a chunk of A and B stays in cache while every block of C is computed from it (large
  ;; minibatches); otherwise one pass, with overlapping tail blocks.
  (func (export "gemm_tn")
    (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32)
    (local $lda i32) (local $ldb i32) (local $m0 i32) (local $rows i32) (local $chunk i32)
    (local.set $lda (i32.shl (local.get $K) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $chunk
      (select (i32.const 256) (local.get $M)
        (i32.eqz (i32.and (i32.or (local.get $K) (local.get $N)) (i32.const 3)))))
    (local.set $m0 (i32.const 0))
    (loop $chunks
      (local.set $rows (i32.sub (local.get $M) (local.get $m0)))
      (if (i32.gt_u (local.get $rows) (local.get $chunk)) (then (local.set $rows (local.get $chunk))))
      (call $gemm_tn_pass
        (i32.add (local.get $a) (i32.mul (local.get $m0) (local.get $lda)))
        (i32.add (local.get $b) (i32.mul (local.get $m0) (local.get $ldb)))
        (local.get $c) (local.get $rows) (local.get $K) (local.get $N) (local.get $m0))
      (local.set $m0 (i32.add (local.get $m0) (local.get $rows)))
      (br_if $chunks (i32.lt_u (local.get $m0) (local.get $M)))))

  ;; One pass of gemm_tn over M rows: stores C, or adds to it when $acc ≠ 0 (then K % 4 = N % 4 = 0,
  ;; so no block overlaps another).
  (func $gemm_tn_pass
    (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32) (param $acc i32)
    (local $lda i32) (local $ldb i32) (local $k i32) (local $j i32) (local $pa i32) (local $pc i32)
    (local.set $lda (i32.shl (local.get $K) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $k (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $k) (local.get $K)))
        (if (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $K))
          (then (local.set $k (i32.sub (local.get $K) (i32.const 4)))))
        (local.set $pa (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $pc (i32.add (local.get $c) (i32.mul (local.get $k) (local.get $ldb))))
        (local.set $j (i32.const 0))
        (block $wide_done
          (loop $wide
            (br_if $wide_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $N)))
            (call $tile_tn_4x8
              (local.get $pa) (local.get $lda)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb) (local.get $M)
              (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb) (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $wide)))
        (block $narrow_done
          (loop $narrow
            (br_if $narrow_done (i32.ge_u (local.get $j) (local.get $N)))
            (if (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $N))
              (then (local.set $j (i32.sub (local.get $N) (i32.const 4)))))
            (call $tile_tn_4x4
              (local.get $pa) (local.get $lda)
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb) (local.get $M)
              (i32.add (local.get $pc) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldb) (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $narrow)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $rows))))

  ;; Stores lane r of $acc at C[k + r, j] (C has row stride $ldc bytes; $pc points at C[k, j]).
  (func $store_column (param $pc i32) (param $ldc i32) (param $acc v128)
    (f32.store (local.get $pc) (f32x4.extract_lane 0 (local.get $acc)))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (f32.store (local.get $pc) (f32x4.extract_lane 1 (local.get $acc)))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (f32.store (local.get $pc) (f32x4.extract_lane 2 (local.get $acc)))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (f32.store (local.get $pc) (f32x4.extract_lane 3 (local.get $acc))))

  ;; C[K×N] = A[M×K]ᵀ · B[M×N] for N < 4 (head layers), vectorised along K: blocks of 16 rows of C
  ;; (four independent sums in flight), then (overlapping) blocks of 4. Needs K ≥ 4, M ≥ 1.
  (func (export "gemm_tn_narrow")
    (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32)
    (local $lda i32) (local $ldb i32) (local $k i32) (local $j i32) (local $m i32)
    (local $pa i32) (local $pb i32) (local $pc i32) (local $bj v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $lda (i32.shl (local.get $K) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $k (i32.const 0))
    (block $wide_done
      (loop $wide
        (br_if $wide_done (i32.gt_u (i32.add (local.get $k) (i32.const 16)) (local.get $K)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $pa (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $acc0 (v128.const i32x4 0 0 0 0))
            (local.set $acc1 (v128.const i32x4 0 0 0 0))
            (local.set $acc2 (v128.const i32x4 0 0 0 0))
            (local.set $acc3 (v128.const i32x4 0 0 0 0))
            (local.set $m (local.get $M))
            (loop $sum
              (local.set $bj (v128.load32_splat (local.get $pb)))
              (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $pa)) (local.get $bj))))
              (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (v128.load offset=16 (local.get $pa)) (local.get $bj))))
              (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load offset=32 (local.get $pa)) (local.get $bj))))
              (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (v128.load offset=48 (local.get $pa)) (local.get $bj))))
              (local.set $pa (i32.add (local.get $pa) (local.get $lda)))
              (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
              (local.set $m (i32.sub (local.get $m) (i32.const 1)))
              (br_if $sum (local.get $m)))
            (local.set $pc (i32.add (local.get $c)
              (i32.shl (i32.add (i32.mul (local.get $k) (local.get $N)) (local.get $j)) (i32.const 2))))
            (call $store_column (local.get $pc) (local.get $ldb) (local.get $acc0))
            (local.set $pc (i32.add (local.get $pc) (i32.shl (local.get $ldb) (i32.const 2))))
            (call $store_column (local.get $pc) (local.get $ldb) (local.get $acc1))
            (local.set $pc (i32.add (local.get $pc) (i32.shl (local.get $ldb) (i32.const 2))))
            (call $store_column (local.get $pc) (local.get $ldb) (local.get $acc2))
            (local.set $pc (i32.add (local.get $pc) (i32.shl (local.get $ldb) (i32.const 2))))
            (call $store_column (local.get $pc) (local.get $ldb) (local.get $acc3))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $wide)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $k) (local.get $K)))
        (if (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $K))
          (then (local.set $k (i32.sub (local.get $K) (i32.const 4)))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $pa (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
            (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $acc0 (v128.const i32x4 0 0 0 0))
            (local.set $m (local.get $M))
            (loop $sum
              (local.set $acc0 (f32x4.add (local.get $acc0)
                (f32x4.mul (v128.load (local.get $pa)) (v128.load32_splat (local.get $pb)))))
              (local.set $pa (i32.add (local.get $pa) (local.get $lda)))
              (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
              (local.set $m (i32.sub (local.get $m) (i32.const 1)))
              (br_if $sum (local.get $m)))
            (call $store_column
              (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $N)) (local.get $j)) (i32.const 2)))
              (local.get $ldb) (local.get $acc0))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $rows))))

  ;; ---------------------------------------------------------------- scalar fallback

  ;; C[R×N] (contiguous) = bias + Σ_k A[r·sar + k·sak] · B[k·sbk + j·sbj], strides in elements.
  ;; Any shape; used where a dimension is below the SIMD kernels' minimum.
  (func (export "gemm_strided")
    (param $a i32) (param $sar i32) (param $sak i32) (param $b i32) (param $sbk i32) (param $sbj i32)
    (param $bias i32) (param $c i32) (param $R i32) (param $K i32) (param $N i32)
    (local $r i32) (local $j i32) (local $k i32) (local $s f32) (local $pc i32)
    (local.set $pc (local.get $c))
    (local.set $r (i32.const 0))
    (block $r_done
      (loop $r_loop
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $j (i32.const 0))
        (block $j_done
          (loop $j_loop
            (br_if $j_done (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $s (f32.const 0))
            (local.set $k (i32.const 0))
            (block $k_done
              (loop $k_loop
                (br_if $k_done (i32.ge_u (local.get $k) (local.get $K)))
                (local.set $s (f32.add (local.get $s)
                  (f32.mul
                    (f32.load (i32.add (local.get $a) (i32.shl
                      (i32.add (i32.mul (local.get $r) (local.get $sar)) (i32.mul (local.get $k) (local.get $sak))) (i32.const 2))))
                    (f32.load (i32.add (local.get $b) (i32.shl
                      (i32.add (i32.mul (local.get $k) (local.get $sbk)) (i32.mul (local.get $j) (local.get $sbj))) (i32.const 2)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $k_loop)))
            (if (local.get $bias)
              (then (local.set $s (f32.add
                (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))) (local.get $s)))))
            (f32.store (local.get $pc) (local.get $s))
            (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $j_loop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $r_loop))))

  ;; ---------------------------------------------------------------- reductions, copies

  ;; out[j] = Σ_m B[m, j] for B[M×N] (the bias gradient). Any N ≥ 1, M ≥ 1. Blocks of 16 columns
  ;; keep four independent sums in flight; the rest goes by (overlapping) blocks of 4, or one by one
  ;; when N < 4.
  (func (export "colsum") (param $b i32) (param $out i32) (param $M i32) (param $N i32)
    (local $ldb i32) (local $j i32) (local $m i32) (local $p i32) (local $s f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $ldb (i32.shl (local.get $N) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $wide_done
      (loop $wide
        (br_if $wide_done (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $N)))
        (local.set $p (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $acc0 (v128.const i32x4 0 0 0 0))
        (local.set $acc1 (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $acc3 (v128.const i32x4 0 0 0 0))
        (local.set $m (local.get $M))
        (loop $rows
          (local.set $acc0 (f32x4.add (local.get $acc0) (v128.load (local.get $p))))
          (local.set $acc1 (f32x4.add (local.get $acc1) (v128.load offset=16 (local.get $p))))
          (local.set $acc2 (f32x4.add (local.get $acc2) (v128.load offset=32 (local.get $p))))
          (local.set $acc3 (f32x4.add (local.get $acc3) (v128.load offset=48 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (local.get $ldb)))
          (local.set $m (i32.sub (local.get $m) (i32.const 1)))
          (br_if $rows (local.get $m)))
        (local.set $p (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store (local.get $p) (local.get $acc0))
        (v128.store offset=16 (local.get $p) (local.get $acc1))
        (v128.store offset=32 (local.get $p) (local.get $acc2))
        (v128.store offset=48 (local.get $p) (local.get $acc3))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $wide)))
    (if (i32.ge_u (local.get $N) (i32.const 4))
      (then
        (block $done
          (loop $cols
            (br_if $done (i32.ge_u (local.get $j) (local.get $N)))
            (if (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $N))
              (then (local.set $j (i32.sub (local.get $N) (i32.const 4)))))
            (local.set $p (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $acc0 (v128.const i32x4 0 0 0 0))
            (local.set $m (local.get $M))
            (loop $rows
              (local.set $acc0 (f32x4.add (local.get $acc0) (v128.load (local.get $p))))
              (local.set $p (i32.add (local.get $p) (local.get $ldb)))
              (local.set $m (i32.sub (local.get $m) (i32.const 1)))
              (br_if $rows (local.get $m)))
            (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc0))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $cols))))
      (else
        (block $done
          (loop $cols
            (br_if $done (i32.ge_u (local.get $j) (local.get $N)))
            (local.set $p (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $s (f32.const 0))
            (local.set $m (local.get $M))
            (loop $rows
              (local.set $s (f32.add (local.get $s) (f32.load (local.get $p))))
              (local.set $p (i32.add (local.get $p) (local.get $ldb)))
              (local.set $m (i32.sub (local.get $m) (i32.const 1)))
              (br_if $rows (local.get $m)))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols))))))

  ;; dst[C×R] = src[R×C]ᵀ.
  (func (export "transpose") (param $src i32) (param $dst i32) (param $R i32) (param $C i32)
    (local $r i32) (local $c i32) (local $ps i32) (local $pd i32) (local $ldd i32)
    (local.set $ldd (i32.shl (local.get $R) (i32.const 2)))
    (local.set $ps (local.get $src))
    (local.set $r (i32.const 0))
    (block $r_done
      (loop $r_loop
        (br_if $r_done (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $pd (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))))
        (local.set $c (local.get $C))
        (loop $c_loop
          (f32.store (local.get $pd) (f32.load (local.get $ps)))
          (local.set $ps (i32.add (local.get $ps) (i32.const 4)))
          (local.set $pd (i32.add (local.get $pd) (local.get $ldd)))
          (local.set $c (i32.sub (local.get $c) (i32.const 1)))
          (br_if $c_loop (local.get $c)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $r_loop))))

  ;; Σ x² over n floats, accumulated in float64 (the global gradient norm²).
  (func (export "sumsq") (param $p i32) (param $n i32) (result f64)
    (local $end i32) (local $end4 i32) (local $v v128) (local $lo v128) (local $hi v128)
    (local $acc0 v128) (local $acc1 v128) (local $s f64) (local $x f64)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $vec_done
      (loop $vec
        (br_if $vec_done (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $lo) (local.get $lo))))
        (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $hi) (local.get $hi))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $vec)))
    (local.set $acc0 (f64x2.add (local.get $acc0) (local.get $acc1)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (f64.promote_f32 (f32.load (local.get $p))))
        (local.set $s (f64.add (local.get $s) (f64.mul (local.get $x) (local.get $x))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $tail)))
    (local.get $s))

  ;; ---------------------------------------------------------------- convolution data movement

  ;; im2col for a 3×3 'same' convolution (src/fast/conv.ts is the JS oracle): for $S samples of $C
  ;; channels on an $H×$W board at $src (element strides $sc, $sy, $sx within a sample of C·H·W
  ;; floats), row (s, y, x) of the matrix at $dst gets, for taps (ky, kx) and channels c in that
  ;; order, in[s, c, y + ky − 1, x + kx − 1], or 0 outside the board. Contiguous channels ($sc = 1,
  ;; channels-last) are copied four at a time. Pure copies: bit for bit the oracle's values.
  (func (export "im2col")
    (param $src i32) (param $S i32) (param $C i32) (param $H i32) (param $W i32)
    (param $sc i32) (param $sy i32) (param $sx i32) (param $dst i32)
    (local $s i32) (local $y i32) (local $x i32) (local $ky i32) (local $kx i32) (local $yy i32) (local $xx i32)
    (local $base i32) (local $p i32) (local $o i32) (local $c i32) (local $C4 i32) (local $scb i32) (local $sample i32)
    (local.set $o (local.get $dst))
    (local.set $C4 (i32.and (local.get $C) (i32.const -4)))
    (local.set $scb (i32.shl (local.get $sc) (i32.const 2)))
    (local.set $sample (i32.shl (i32.mul (i32.mul (local.get $C) (local.get $H)) (local.get $W)) (i32.const 2)))
    (local.set $base (local.get $src))
    (local.set $s (i32.const 0))
    (block $s_done
      (loop $s_loop
        (br_if $s_done (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $y (i32.const 0))
        (block $y_done
          (loop $y_loop
            (br_if $y_done (i32.ge_u (local.get $y) (local.get $H)))
            (local.set $x (i32.const 0))
            (block $x_done
              (loop $x_loop
                (br_if $x_done (i32.ge_u (local.get $x) (local.get $W)))
                (local.set $ky (i32.const 0))
                (loop $ky_loop
                  ;; unsigned compares: a row or column of −1 wraps to 2³² − 1, outside the board
                  (local.set $yy (i32.sub (i32.add (local.get $y) (local.get $ky)) (i32.const 1)))
                  (local.set $kx (i32.const 0))
                  (loop $kx_loop
                    (local.set $xx (i32.sub (i32.add (local.get $x) (local.get $kx)) (i32.const 1)))
                    (if (i32.and (i32.lt_u (local.get $yy) (local.get $H)) (i32.lt_u (local.get $xx) (local.get $W)))
                      (then
                        (local.set $p
                          (i32.add (local.get $base)
                            (i32.shl (i32.add (i32.mul (local.get $yy) (local.get $sy)) (i32.mul (local.get $xx) (local.get $sx))) (i32.const 2))))
                        (if (i32.eq (local.get $sc) (i32.const 1))
                          (then
                            (local.set $c (i32.const 0))
                            (block $v_done
                              (loop $v
                                (br_if $v_done (i32.ge_u (local.get $c) (local.get $C4)))
                                (v128.store (local.get $o) (v128.load (local.get $p)))
                                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                                (br $v)))
                            (block $t_done
                              (loop $t
                                (br_if $t_done (i32.ge_u (local.get $c) (local.get $C)))
                                (f32.store (local.get $o) (f32.load (local.get $p)))
                                (local.set $o (i32.add (local.get $o) (i32.const 4)))
                                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                                (br $t))))
                          (else
                            (local.set $c (local.get $C))
                            (loop $g
                              (f32.store (local.get $o) (f32.load (local.get $p)))
                              (local.set $o (i32.add (local.get $o) (i32.const 4)))
                              (local.set $p (i32.add (local.get $p) (local.get $scb)))
                              (local.set $c (i32.sub (local.get $c) (i32.const 1)))
                              (br_if $g (local.get $c))))))
                      (else
                        (local.set $c (i32.const 0))
                        (block $z_done
                          (loop $z
                            (br_if $z_done (i32.ge_u (local.get $c) (local.get $C4)))
                            (v128.store (local.get $o) (v128.const i32x4 0 0 0 0))
                            (local.set $o (i32.add (local.get $o) (i32.const 16)))
                            (local.set $c (i32.add (local.get $c) (i32.const 4)))
                            (br $z)))
                        (block $zt_done
                          (loop $zt
                            (br_if $zt_done (i32.ge_u (local.get $c) (local.get $C)))
                            (f32.store (local.get $o) (f32.const 0))
                            (local.set $o (i32.add (local.get $o) (i32.const 4)))
                            (local.set $c (i32.add (local.get $c) (i32.const 1)))
                            (br $zt)))))
                    (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                    (br_if $kx_loop (i32.lt_u (local.get $kx) (i32.const 3))))
                  (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                  (br_if $ky_loop (i32.lt_u (local.get $ky) (i32.const 3))))
                (local.set $x (i32.add (local.get $x) (i32.const 1)))
                (br $x_loop)))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $y_loop)))
        (local.set $base (i32.add (local.get $base) (local.get $sample)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $s_loop))))

  ;; col2im, the adjoint of im2col onto a channels-last input (src/fast/conv.ts is the JS oracle):
  ;; dIn[s, y, x, c] = Σ over taps (ky, kx) in order, where row (s, y + 1 − ky, x + 1 − kx) is on the
  ;; board, of col[that row, (ky, kx, c)], summed in float32 from 0 (as the oracle) and written to $dst.
  (func (export "col2im")
    (param $col i32) (param $S i32) (param $C i32) (param $H i32) (param $W i32) (param $dst i32)
    (local $s i32) (local $y i32) (local $x i32) (local $ky i32) (local $kx i32) (local $yy i32) (local $xx i32)
    (local $p i32) (local $o i32) (local $q i32) (local $c i32) (local $C4 i32) (local $rowb i32) (local $chb i32)
    (local.set $o (local.get $dst))
    (local.set $C4 (i32.and (local.get $C) (i32.const -4)))
    (local.set $chb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $rowb (i32.mul (local.get $chb) (i32.const 9)))
    (local.set $s (i32.const 0))
    (block $s_done
      (loop $s_loop
        (br_if $s_done (i32.ge_u (local.get $s) (local.get $S)))
        (local.set $y (i32.const 0))
        (block $y_done
          (loop $y_loop
            (br_if $y_done (i32.ge_u (local.get $y) (local.get $H)))
            (local.set $x (i32.const 0))
            (block $x_done
              (loop $x_loop
                (br_if $x_done (i32.ge_u (local.get $x) (local.get $W)))
                ;; zero this position's C floats
                (local.set $q (local.get $o))
                (local.set $c (i32.const 0))
                (block $z_done
                  (loop $z
                    (br_if $z_done (i32.ge_u (local.get $c) (local.get $C4)))
                    (v128.store (local.get $q) (v128.const i32x4 0 0 0 0))
                    (local.set $q (i32.add (local.get $q) (i32.const 16)))
                    (local.set $c (i32.add (local.get $c) (i32.const 4)))
                    (br $z)))
                (block $zt_done
                  (loop $zt
                    (br_if $zt_done (i32.ge_u (local.get $c) (local.get $C)))
                    (f32.store (local.get $q) (f32.const 0))
                    (local.set $q (i32.add (local.get $q) (i32.const 4)))
                    (local.set $c (i32.add (local.get $c) (i32.const 1)))
                    (br $zt)))
                (local.set $ky (i32.const 0))
                (loop $ky_loop
                  (local.set $yy (i32.sub (i32.add (local.get $y) (i32.const 1)) (local.get $ky)))
                  (local.set $kx (i32.const 0))
                  (loop $kx_loop
                    (local.set $xx (i32.sub (i32.add (local.get $x) (i32.const 1)) (local.get $kx)))
                    (if (i32.and (i32.lt_u (local.get $yy) (local.get $H)) (i32.lt_u (local.get $xx) (local.get $W)))
                      (then
                        ;; p = col + row (s, yy, xx) · 9C + tap (ky·3 + kx) · C, in bytes
                        (local.set $p
                          (i32.add (local.get $col)
                            (i32.add
                              (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $s) (local.get $H)) (local.get $yy)) (local.get $W)) (local.get $xx)) (local.get $rowb))
                              (i32.mul (i32.add (i32.mul (local.get $ky) (i32.const 3)) (local.get $kx)) (local.get $chb)))))
                        (local.set $q (local.get $o))
                        (local.set $c (i32.const 0))
                        (block $v_done
                          (loop $v
                            (br_if $v_done (i32.ge_u (local.get $c) (local.get $C4)))
                            (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (v128.load (local.get $p))))
                            (local.set $q (i32.add (local.get $q) (i32.const 16)))
                            (local.set $p (i32.add (local.get $p) (i32.const 16)))
                            (local.set $c (i32.add (local.get $c) (i32.const 4)))
                            (br $v)))
                        (block $t_done
                          (loop $t
                            (br_if $t_done (i32.ge_u (local.get $c) (local.get $C)))
                            (f32.store (local.get $q) (f32.add (f32.load (local.get $q)) (f32.load (local.get $p))))
                            (local.set $q (i32.add (local.get $q) (i32.const 4)))
                            (local.set $p (i32.add (local.get $p) (i32.const 4)))
                            (local.set $c (i32.add (local.get $c) (i32.const 1)))
                            (br $t)))))
                    (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
                    (br_if $kx_loop (i32.lt_u (local.get $kx) (i32.const 3))))
                  (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
                  (br_if $ky_loop (i32.lt_u (local.get $ky) (i32.const 3))))
                (local.set $o (i32.add (local.get $o) (local.get $chb)))
                (local.set $x (i32.add (local.get $x) (i32.const 1)))
                (br $x_loop)))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $y_loop)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $s_loop))))

  ;; ---------------------------------------------------------------- activations

  ;; In place over n floats (n % 4 = 0): kind 1 = tanh, 2 = relu.
  ;; tanh(x) is a [13/6] rational approximation on x clamped to [−9, 9] (the float32 kernel of Eigen
  ;; and XNNPACK's reference): within 3e-7 of the exact value. The coefficients are held in locals
  ;; outside the loop (V8 re-materialises v128 constants inside loops otherwise).
  (func (export "act_fwd") (param $p i32) (param $n i32) (param $kind i32)
    (local $end i32) (local $x v128) (local $x2 v128) (local $x4 v128) (local $num v128) (local $den v128)
    (local $lo v128) (local $hi v128)
    (local $a13 v128) (local $a11 v128) (local $a9 v128) (local $a7 v128) (local $a5 v128) (local $a3 v128) (local $a1 v128)
    (local $b6 v128) (local $b4 v128) (local $b2 v128) (local $b0 v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then
        (local.set $lo (f32x4.splat (f32.const -9)))
        (local.set $hi (f32x4.splat (f32.const 9)))
        (local.set $a13 (f32x4.splat (f32.const -2.76076847742355e-16)))
        (local.set $a11 (f32x4.splat (f32.const 2.00018790482477e-13)))
        (local.set $a9 (f32x4.splat (f32.const -8.60467152213735e-11)))
        (local.set $a7 (f32x4.splat (f32.const 5.12229709037114e-08)))
        (local.set $a5 (f32x4.splat (f32.const 1.48572235717979e-05)))
        (local.set $a3 (f32x4.splat (f32.const 6.37261928875436e-04)))
        (local.set $a1 (f32x4.splat (f32.const 4.89352455891786e-03)))
        (local.set $b6 (f32x4.splat (f32.const 1.19825839466702e-06)))
        (local.set $b4 (f32x4.splat (f32.const 1.18534705686654e-04)))
        (local.set $b2 (f32x4.splat (f32.const 2.26843463243900e-03)))
        (local.set $b0 (f32x4.splat (f32.const 4.89352518554385e-03)))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $x (f32x4.pmin (f32x4.pmax (v128.load (local.get $p)) (local.get $lo)) (local.get $hi)))
            (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
            ;; numerator in Estrin's scheme (shorter dependency chains than Horner)
            (local.set $x4 (f32x4.mul (local.get $x2) (local.get $x2)))
            (local.set $num
              (f32x4.add
                (f32x4.add
                  (f32x4.add (f32x4.mul (local.get $x2) (local.get $a3)) (local.get $a1))
                  (f32x4.mul (local.get $x4) (f32x4.add (f32x4.mul (local.get $x2) (local.get $a7)) (local.get $a5))))
                (f32x4.mul (f32x4.mul (local.get $x4) (local.get $x4))
                  (f32x4.add
                    (f32x4.add (f32x4.mul (local.get $x2) (local.get $a11)) (local.get $a9))
                    (f32x4.mul (local.get $x4) (local.get $a13))))))
            (local.set $den (f32x4.add (f32x4.mul (local.get $x2) (local.get $b6)) (local.get $b4)))
            (local.set $den (f32x4.add (f32x4.mul (local.get $x2) (local.get $den)) (local.get $b2)))
            (local.set $den (f32x4.add (f32x4.mul (local.get $x2) (local.get $den)) (local.get $b0)))
            (v128.store (local.get $p) (f32x4.div (f32x4.mul (local.get $x) (local.get $num)) (local.get $den)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $next)))))
    (if (i32.eq (local.get $kind) (i32.const 2))
      (then
        (local.set $lo (v128.const i32x4 0 0 0 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (v128.store (local.get $p) (f32x4.pmax (v128.load (local.get $p)) (local.get $lo)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $next))))))

  ;; Gradient through the activation, in place on d (n % 4 = 0), from the activation's output h:
  ;; tanh: d ← (1 − h²)·d (tfjs's order); relu: d ← d where h > 0, else 0.
  (func (export "act_bwd") (param $d i32) (param $h i32) (param $n i32) (param $kind i32)
    (local $end i32) (local $y v128)
    (local.set $end (i32.add (local.get $d) (i32.shl (local.get $n) (i32.const 2))))
    (if (i32.eq (local.get $kind) (i32.const 1))
      (then
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
            (local.set $y (v128.load (local.get $h)))
            (v128.store (local.get $d)
              (f32x4.mul
                (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $y) (local.get $y)))
                (v128.load (local.get $d))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (local.set $h (i32.add (local.get $h) (i32.const 16)))
            (br $next)))))
    (if (i32.eq (local.get $kind) (i32.const 2))
      (then
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $d) (local.get $end)))
            (v128.store (local.get $d)
              (v128.and (v128.load (local.get $d))
                        (f32x4.gt (v128.load (local.get $h)) (v128.const i32x4 0 0 0 0))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (local.set $h (i32.add (local.get $h) (i32.const 16)))
            (br $next))))))

  ;; ---------------------------------------------------------------- optimizers

  ;; Fused Adam over n parameters, in tfjs's float32 operation order (AdamOptimizer):
  ;;   g ← g·scale;  m ← m·β1 + g·(1−β1);  v ← v·β2 + g²·(1−β2)
  ;;   p ← ((m / bc1) / (√(v / bc2) + ε)) · (−lr) + p,   bc = 1 − β^t
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $scale f32) (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32)
    (param $bc1 f32) (param $bc2 f32) (param $eps f32) (param $neglr f32)
    (local $end4 i32) (local $i i32)
    (local $vscale v128) (local $vb1 v128) (local $vomb1 v128) (local $vb2 v128) (local $vomb2 v128)
    (local $vbc1 v128) (local $vbc2 v128) (local $veps v128) (local $vlr v128)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $vscale (f32x4.splat (local.get $scale)))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vomb1 (f32x4.splat (local.get $omb1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vomb2 (f32x4.splat (local.get $omb2)))
    (local.set $vbc1 (f32x4.splat (local.get $bc1)))
    (local.set $vbc2 (f32x4.splat (local.get $bc2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vlr (f32x4.splat (local.get $neglr)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $vec_done
      (loop $vec
        (br_if $vec_done (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $gv (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $vscale)))
        (local.set $mv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $vb1))
          (f32x4.mul (local.get $gv) (local.get $vomb1))))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $vb2))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vomb2))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mv))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $mv) (local.get $vbc1))
                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $vbc2))) (local.get $veps)))
              (local.get $vlr))
            (v128.load (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $gs (f32.mul (f32.load (i32.add (local.get $g) (local.get $i))) (local.get $scale)))
        (local.set $ms (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $omb1))))
        (local.set $vs (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $omb2))))
        (f32.store (i32.add (local.get $m) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $v) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $p) (local.get $i))
          (f32.add
            (f32.mul
              (f32.div
                (f32.div (local.get $ms) (local.get $bc1))
                (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $bc2))) (local.get $eps)))
              (local.get $neglr))
            (f32.load (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; Fused RMSprop over n parameters, in tfjs's float32 order (RMSPropOptimizer, not centered):
  ;;   g ← g·scale;  s ← s·ρ + g²·(1−ρ);  u ← u·momentum + (g·lr) / √(s + ε);  p ← p − u
  (func (export "rmsprop")
    (param $p i32) (param $g i32) (param $s i32) (param $u i32) (param $n i32)
    (param $scale f32) (param $rho f32) (param $omrho f32) (param $eps f32) (param $lr f32) (param $mom f32)
    (local $i i32) (local $end4 i32)
    (local $vscale v128) (local $vrho v128) (local $vomrho v128) (local $veps v128) (local $vlr v128) (local $vmom v128)
    (local $gv v128) (local $sv v128) (local $uv v128)
    (local $gs f32) (local $ss f32) (local $us f32)
    (local.set $vscale (f32x4.splat (local.get $scale)))
    (local.set $vrho (f32x4.splat (local.get $rho)))
    (local.set $vomrho (f32x4.splat (local.get $omrho)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vmom (f32x4.splat (local.get $mom)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $vec_done
      (loop $vec
        (br_if $vec_done (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $gv (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $vscale)))
        (local.set $sv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $s) (local.get $i))) (local.get $vrho))
          (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vomrho))))
        (local.set $uv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $u) (local.get $i))) (local.get $vmom))
          (f32x4.div (f32x4.mul (local.get $gv) (local.get $vlr))
                     (f32x4.sqrt (f32x4.add (local.get $sv) (local.get $veps))))))
        (v128.store (i32.add (local.get $s) (local.get $i)) (local.get $sv))
        (v128.store (i32.add (local.get $u) (local.get $i)) (local.get $uv))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i))) (local.get $uv)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (i32.shl (local.get $n) (i32.const 2))))
        (local.set $gs (f32.mul (f32.load (i32.add (local.get $g) (local.get $i))) (local.get $scale)))
        (local.set $ss (f32.add
          (f32.mul (f32.load (i32.add (local.get $s) (local.get $i))) (local.get $rho))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $omrho))))
        (local.set $us (f32.add
          (f32.mul (f32.load (i32.add (local.get $u) (local.get $i))) (local.get $mom))
          (f32.div (f32.mul (local.get $gs) (local.get $lr))
                   (f32.sqrt (f32.add (local.get $ss) (local.get $eps))))))
        (f32.store (i32.add (local.get $s) (local.get $i)) (local.get $ss))
        (f32.store (i32.add (local.get $u) (local.get $i)) (local.get $us))
        (f32.store (i32.add (local.get $p) (local.get $i))
          (f32.sub (f32.load (i32.add (local.get $p) (local.get $i))) (local.get $us)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))
)
