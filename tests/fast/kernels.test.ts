/**
 * The WebAssembly kernels of the fast learner: the committed binary is what the committed source
 * assembles to, and every kernel agrees with the plain-JS implementation (the optimizer updates bit
 * for bit, and bit for bit with tfjs's own Adam / RMSprop).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assemble, fuseGemms, KERNEL_DIR } from '../../scripts/build-kernels.ts';
import { ACT_RELU, ACT_TANH, createKernels, fmaUnavailableReason, wasmUnavailableReason, type Kernels } from '../../src/fast/kernels.ts';
import { Rng } from '../../core/index.ts';
import { channelsLast, planeMajor } from '../../src/fast/conv.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('kernel build', () => {
  it('assembling the committed .wat gives exactly the committed .wasm', async () => {
    const source = readFileSync(`${KERNEL_DIR}/mlp.wat`, 'utf8');
    const committed = new Uint8Array(readFileSync(`${KERNEL_DIR}/mlp.wasm`));
    const built = await assemble('mlp.wat', source);
    expect(built.length).toBe(committed.length);
    expect(Buffer.compare(Buffer.from(built), Buffer.from(committed))).toBe(0);
  });

  it('assembling the committed .wat as the fused variant gives exactly the committed .fma.wasm', async () => {
    const source = readFileSync(`${KERNEL_DIR}/mlp.wat`, 'utf8');
    const committed = new Uint8Array(readFileSync(`${KERNEL_DIR}/mlp.fma.wasm`));
    const built = await assemble('mlp.wat', source, true);
    expect(Buffer.compare(Buffer.from(built), Buffer.from(committed))).toBe(0);
  });

  it('the fused variant rewrites multiply-adds inside GEMM functions only, nested operands included', () => {
    const source = [
      '(module',
      '  (func $tile_x (local $c v128) (local $x v128) (local $b v128)',
      '    ;; a comment (with parentheses',
      '    (local.set $c (f32x4.add (local.get $c) (f32x4.mul (v128.load32_splat offset=4 (local.get $x)) (local.get $b))))',
      '    (local.set $c (f32x4.add (local.get $c) (local.get $b))))',
      '  (func (export "gemm_y") (local $c v128) (local $b v128)',
      '    (local.set $c (f32x4.add (f32x4.add (local.get $c) (f32x4.mul (local.get $b) (local.get $b))) (f32x4.mul (local.get $c) (local.get $b)))))',
      '  (func (export "adam") (local $c v128) (local $b v128)',
      '    (local.set $c (f32x4.add (local.get $c) (f32x4.mul (local.get $b) (local.get $b))))))',
    ].join('\n');
    const { source: out, fused } = fuseGemms(source);
    expect(fused).toBe(3);
    const lines = out.split('\n');
    expect(lines[3]).toBe('    (local.set $c (f32x4.relaxed_madd (v128.load32_splat offset=4 (local.get $x)) (local.get $b) (local.get $c)))');
    expect(lines[4]).toBe('    (local.set $c (f32x4.add (local.get $c) (local.get $b))))');
    expect(lines[6]).toBe(
      '    (local.set $c (f32x4.relaxed_madd (local.get $c) (local.get $b) (f32x4.relaxed_madd (local.get $b) (local.get $b) (local.get $c)))))',
    );
    expect(lines[8]).toBe('    (local.set $c (f32x4.add (local.get $c) (f32x4.mul (local.get $b) (local.get $b))))))');
  });

  it('the shipped kernels fuse only GEMM functions: the optimizers and activations are the same text in both variants', () => {
    const source = readFileSync(`${KERNEL_DIR}/mlp.wat`, 'utf8');
    const { source: fused, fused: count } = fuseGemms(source);
    expect(count).toBeGreaterThanOrEqual(30);
    const body = (text: string, name: string): string => {
      const at = text.indexOf(`(func (export "${name}")`);
      const next = text.indexOf('\n  (func ', at + 1);
      return text.slice(at, next < 0 ? undefined : next);
    };
    for (const name of ['adam', 'rmsprop', 'act_fwd', 'act_bwd', 'sumsq', 'colsum']) {
      expect(body(source, name).length).toBeGreaterThan(0);
      expect(body(fused, name)).toBe(body(source, name));
    }
  });

  it('loads with SIMD and with relaxed SIMD on this Node', () => {
    expect(wasmUnavailableReason()).toBeNull();
    expect(fmaUnavailableReason()).toBeNull();
  });

  it('uses the fused kernels by default, the plain ones with ARENA_FMA=0, and refuses other values', () => {
    const saved = process.env['ARENA_FMA'];
    try {
      delete process.env['ARENA_FMA'];
      expect(createKernels().name).toBe('wasm-fma');
      process.env['ARENA_FMA'] = '0';
      expect(createKernels().name).toBe('wasm');
      expect(createKernels('wasm-fma').name).toBe('wasm-fma');
      process.env['ARENA_FMA'] = 'yes';
      expect(() => createKernels()).toThrow(/ARENA_FMA must be 0 or 1, got 'yes'/);
    } finally {
      if (saved === undefined) delete process.env['ARENA_FMA'];
      else process.env['ARENA_FMA'] = saved;
    }
  });
});

/** Two heaps with the same random contents. */
function pair(floats: number, seed: number, wasm: 'wasm' | 'wasm-fma' = 'wasm'): [Kernels, Kernels] {
  const w = createKernels(wasm);
  const j = createKernels('js');
  w.ensure(floats);
  j.ensure(floats);
  const rng = new Rng(seed);
  for (let i = 16; i < floats; i++) {
    const v = rng.normal();
    w.f32[i] = v;
    j.f32[i] = v;
  }
  return [w, j];
}

/** max |wasm − js| ≤ tol · (1 + max |js|) over the block (float32 sums in different orders). */
function expectClose(w: Kernels, j: Kernels, off: number, n: number, tol = 1e-6): void {
  let diff = 0;
  let scale = 0;
  for (let i = off; i < off + n; i++) {
    diff = Math.max(diff, Math.abs(w.f32[i]! - j.f32[i]!));
    scale = Math.max(scale, Math.abs(j.f32[i]!));
  }
  expect(diff).toBeLessThanOrEqual(tol * (1 + scale));
}

// [M, K, N]: CartPole and larger layers, odd sizes (overlapping tail blocks), and narrow heads
const SHAPES: [number, number, number][] = [
  [256, 4, 64],
  [12, 64, 64],
  [8, 5, 9],
  [4, 7, 4],
  [16, 13, 6],
  [8, 64, 2],
  [8, 9, 3],
  [4, 3, 1],
  [8, 2, 5],
  [4, 1, 1],
  [8, 20, 19],
  [8, 37, 3],
  [520, 8, 12], // gemm_tn in row chunks of 256 (K, N multiples of 4), last chunk partial
  [516, 6, 5], // one pass with overlapping tails
];

describe('WASM kernels vs JS kernels', () => {
  const A = 16;
  const B = 20_000;
  const BIAS = 40_000;
  const C = 60_000;
  it.each(SHAPES.flatMap(([M, K, N]) => [['wasm', M, K, N], ['wasm-fma', M, K, N]] as const))('%s: GEMMs, column sums and transposes at M=%i K=%i N=%i', (variant, M, K, N) => {
    const [w, j] = pair(80_000, M * 10_000 + K * 100 + N, variant);
    expect(Math.max(M * K, K * N, M * N)).toBeLessThan(20_000);
    for (const k of [w, j]) {
      if (N >= 4) k.gemmNN(A, B, BIAS, C, M, K, N);
      else k.gemmNT(A, B, BIAS, C, M, K, N);
    }
    expectClose(w, j, C, M * N);
    for (const k of [w, j]) k.gemmStrided(A, K, 1, B, N, 1, 0, C, M, K, N);
    expectClose(w, j, C, M * N);
    for (const k of [w, j]) {
      if (K >= 4 && N >= 4) k.gemmTN(A, B, C, M, K, N);
      else if (K >= 4) k.gemmTNNarrow(A, B, C, M, K, N);
      else k.gemmStrided(A, 1, K, B, N, 1, 0, C, K, M, N);
    }
    expectClose(w, j, C, K * N);
    for (const k of [w, j]) k.colsum(B, C, M, N);
    expectClose(w, j, C, N);
    for (const k of [w, j]) k.transpose(A, C, M, K);
    expectClose(w, j, C, M * K, 0);
    expect(w.sumsq(A, M * K + 3)).toBeCloseTo(j.sumsq(A, M * K + 3), 9);
  });

  it.each(['wasm', 'wasm-fma'] as const)('%s: GEMM without bias and with bias agree with a hand-computed 4×2·2×4 product', (variant) => {
    const [w] = pair(64, 1, variant);
    // A = [[1,2],[3,4],[5,6],[7,8]], B = [[1,0,2,0],[0,1,0,3]], bias = [10,20,30,40]
    w.f32.set([1, 2, 3, 4, 5, 6, 7, 8], 16);
    w.f32.set([1, 0, 2, 0, 0, 1, 0, 3], 24);
    w.f32.set([10, 20, 30, 40], 32);
    w.gemmNN(16, 24, 32, 40, 4, 2, 4);
    expect(Array.from(w.f32.subarray(40, 56))).toEqual([11, 22, 32, 46, 13, 24, 36, 52, 15, 26, 40, 58, 17, 28, 44, 64]);
    w.gemmNN(16, 24, 0, 40, 4, 2, 4);
    expect(Array.from(w.f32.subarray(40, 44))).toEqual([1, 2, 2, 6]);
  });

  it('tanh is within 3e-7 of Math.tanh, relu and the activation gradients match', () => {
    const [w, j] = pair(40_000, 3);
    const n = 4800;
    for (const k of [w, j]) for (let i = 0; i < n; i++) k.f32[16 + i] = (i - n / 2) / 200; // [−12, 12)
    for (const k of [w, j]) k.actFwd(16, n, ACT_TANH);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(w.f32[16 + i]! - Math.tanh((i - n / 2) / 200)));
    expect(worst).toBeLessThan(3e-7);
    for (const k of [w, j]) k.actBwd(10_000, 16, n, ACT_TANH);
    expectClose(w, j, 10_000, n, 1e-6);
    for (const k of [w, j]) k.actFwd(20_000, 400, ACT_RELU);
    expectClose(w, j, 20_000, 400, 0);
    for (const k of [w, j]) k.actBwd(30_000, 20_000, 400, ACT_RELU);
    expectClose(w, j, 30_000, 400, 0);
  });

  // [samples, channels, rows, cols]: Connect Four and tic-tac-toe planes, channel counts around the SIMD width, a 1×1 board
  it.each([
    [3, 2, 6, 7],
    [2, 32, 6, 7],
    [4, 5, 3, 3],
    [1, 3, 1, 1],
    [2, 1, 4, 2],
    [1, 8, 2, 5],
  ])('im2col (plane-major and channels-last) and col2im: WASM = JS bit for bit, %i×%i×%i×%i', (S, C, H, W) => {
    const size = S * C * H * W;
    const cols = 9 * size;
    const [SRC, COL, DST] = [16, 16 + size, 16 + size + cols];
    const [w, j] = pair(DST + size + 16, 4);
    for (const g of [planeMajor(C, H, W), channelsLast(C, H, W)]) {
      for (const k of [w, j]) k.im2col(SRC, S, g, COL);
      expectClose(w, j, COL, cols, 0);
    }
    for (const k of [w, j]) k.col2im(COL, S, C, H, W, DST);
    expectClose(w, j, DST, size, 0);
    expect(w.f32[DST + size]).toBe(j.f32[DST + size]); // nothing written past the end
  });
});

describe('fused optimizers', () => {
  const n = 203; // not a multiple of 4: exercises the scalar tail
  function setup(seed: number): { ks: Kernels[]; p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array } {
    const rng = new Rng(seed);
    const p = Float32Array.from({ length: n }, () => rng.normal());
    const g = Float32Array.from({ length: n }, () => 0.1 * rng.normal());
    const m = Float32Array.from({ length: n }, () => 0.01 * rng.normal());
    const v = Float32Array.from({ length: n }, () => 1e-4 * rng.next());
    const ks = [createKernels('wasm'), createKernels('js')];
    for (const k of ks) {
      k.ensure(2000);
      k.f32.set(p, 16);
      k.f32.set(g, 16 + 256);
      k.f32.set(m, 16 + 512);
      k.f32.set(v, 16 + 768);
    }
    return { ks, p, g, m, v };
  }

  it('Adam: WASM = JS = tf.train.adam, bit for bit', async () => {
    const { ks, p, g } = setup(1);
    const lr = 2.5e-4;
    const eps = 1e-5;
    // tfjs: two steps from zero moments with gradient g (moments start at zero there)
    const variable = tf.variable(tf.tensor1d(p), true, 'adam_test_p');
    const opt = tf.train.adam(lr, 0.9, 0.999, eps);
    for (let s = 0; s < 2; s++) (opt as tf.Optimizer).applyGradients({ adam_test_p: tf.tensor1d(g) });
    const expected = variable.dataSync();
    for (const k of ks) {
      k.f32.fill(0, 16 + 512, 16 + 1024);
      let acc1 = Math.fround(0.9);
      let acc2 = Math.fround(0.999);
      for (let s = 0; s < 2; s++) {
        k.adam(16, 16 + 256, 16 + 512, 16 + 768, n, 1, 0.9, 1 - 0.9, 0.999, 1 - 0.999, Math.fround(1 - acc1), Math.fround(1 - acc2), eps, -lr);
        acc1 = Math.fround(acc1 * Math.fround(0.9));
        acc2 = Math.fround(acc2 * Math.fround(0.999));
      }
      expect(Array.from(k.f32.subarray(16, 16 + n))).toEqual(Array.from(expected));
    }
    variable.dispose();
    opt.dispose();
  });

  it('RMSprop: WASM = JS = tf.train.rmsprop, bit for bit', () => {
    const { ks, p, g } = setup(2);
    const lr = 7e-4;
    const eps = 1e-5;
    const variable = tf.variable(tf.tensor1d(p), true, 'rms_test_p');
    const opt = tf.train.rmsprop(lr, 0.99, 0, eps);
    for (let s = 0; s < 2; s++) (opt as tf.Optimizer).applyGradients({ rms_test_p: tf.tensor1d(g) });
    const expected = variable.dataSync();
    for (const k of ks) {
      k.f32.fill(0, 16 + 512, 16 + 1024);
      for (let s = 0; s < 2; s++) k.rmsprop(16, 16 + 256, 16 + 768, 16 + 512, n, 1, 0.99, 1 - 0.99, eps, lr, 0);
      expect(Array.from(k.f32.subarray(16, 16 + n))).toEqual(Array.from(expected));
    }
    variable.dispose();
    opt.dispose();
  });

  it('gradient scaling multiplies before the moments (global-norm clipping)', () => {
    const { ks } = setup(3);
    for (const k of ks) k.adam(16, 16 + 256, 16 + 512, 16 + 768, n, 0.37, 0.9, 0.1, 0.999, 0.001, 0.1, 0.001, 1e-5, -1e-3);
    expect(Array.from(ks[0]!.f32.subarray(16, 16 + 1024))).toEqual(Array.from(ks[1]!.f32.subarray(16, 16 + 1024)));
  });
});
