/**
 * The conv data movement of src/fast/conv.ts: im2col on a hand-checked board, col2im as its exact
 * adjoint (⟨im2col x, Y⟩ = ⟨x, col2im Y⟩), and a convolution done as im2col × kernel against a
 * direct 3×3 'same' convolution written out here.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.ts';
import { channelsLast, col2im, im2col, planeMajor } from '../../src/fast/conv.ts';

function randomArray(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

describe('im2col', () => {
  it('gathers each position’s 3×3 neighbourhood, zero outside the board (plane-major input)', () => {
    // one sample, 1 plane, 2×3 board: values 1..6 row-major; heap offset 4 for the input
    const h = new Float32Array(4 + 6 + 6 * 9);
    h.set([1, 2, 3, 4, 5, 6], 4);
    im2col(h, 4, 1, planeMajor(1, 2, 3), 10);
    const row = (y: number, x: number) => Array.from(h.subarray(10 + (y * 3 + x) * 9, 10 + (y * 3 + x + 1) * 9));
    // position (0, 0): the taps (ky, kx) read (y + ky − 1, x + kx − 1)
    expect(row(0, 0)).toEqual([0, 0, 0, 0, 1, 2, 0, 4, 5]);
    expect(row(1, 1)).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0]);
    expect(row(1, 2)).toEqual([2, 3, 0, 5, 6, 0, 0, 0, 0]);
  });

  it('reads plane-major and channels-last layouts of the same boards alike', () => {
    const [S, C, H, W] = [3, 2, 4, 5];
    const rng = new Rng(1);
    const planes = randomArray(S * C * H * W, rng);
    const nhwc = new Float32Array(planes.length);
    for (let s = 0; s < S; s++) for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) nhwc[(s * H * W + i) * C + c] = planes[(s * C + c) * H * W + i]!;
    const n = S * H * W * 9 * C;
    const h = new Float32Array(2 * planes.length + 2 * n);
    h.set(planes, 0);
    h.set(nhwc, planes.length);
    im2col(h, 0, S, planeMajor(C, H, W), 2 * planes.length);
    im2col(h, planes.length, S, channelsLast(C, H, W), 2 * planes.length + n);
    expect(Array.from(h.subarray(2 * planes.length, 2 * planes.length + n))).toEqual(Array.from(h.subarray(2 * planes.length + n)));
  });

  it('times a [9·C × K] kernel is the direct 3×3 same convolution', () => {
    const [S, C, H, W, K] = [2, 3, 4, 5, 4];
    const rng = new Rng(2);
    const x = randomArray(S * C * H * W, rng); // plane-major
    const kernel = randomArray(9 * C * K, rng); // [3, 3, C, K]
    const h = new Float32Array(x.length + S * H * W * 9 * C);
    h.set(x);
    im2col(h, 0, S, planeMajor(C, H, W), x.length);
    for (let s = 0; s < S; s++) {
      for (let y = 0; y < H; y++) {
        for (let xx = 0; xx < W; xx++) {
          const row = x.length + ((s * H + y) * W + xx) * 9 * C;
          for (let k = 0; k < K; k++) {
            let viaGemm = 0;
            for (let j = 0; j < 9 * C; j++) viaGemm += h[row + j]! * kernel[j * K + k]!;
            let direct = 0;
            for (let ky = 0; ky < 3; ky++) {
              for (let kx = 0; kx < 3; kx++) {
                const yy = y + ky - 1;
                const xi = xx + kx - 1;
                if (yy < 0 || yy >= H || xi < 0 || xi >= W) continue;
                for (let c = 0; c < C; c++) direct += x[((s * C + c) * H + yy) * W + xi]! * kernel[((ky * 3 + kx) * C + c) * K + k]!;
              }
            }
            expect(viaGemm).toBeCloseTo(direct, 4);
          }
        }
      }
    }
  });
});

describe('col2im', () => {
  it('is the adjoint of im2col on channels-last inputs', () => {
    const [S, C, H, W] = [2, 5, 3, 4];
    const rng = new Rng(3);
    const size = S * H * W * C;
    const cols = S * H * W * 9 * C;
    const x = randomArray(size, rng);
    const y = randomArray(cols, rng);
    const h = new Float32Array(size + 2 * cols + size);
    h.set(x, 0);
    h.set(y, size + cols);
    im2col(h, 0, S, channelsLast(C, H, W), size);
    col2im(h, size + cols, S, C, H, W, size + 2 * cols);
    let lhs = 0;
    for (let i = 0; i < cols; i++) lhs += h[size + i]! * y[i]!;
    let rhs = 0;
    for (let i = 0; i < size; i++) rhs += x[i]! * h[size + 2 * cols + i]!;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.abs(lhs) + 1e-4);
    expect(Math.abs(lhs)).toBeGreaterThan(1); // a real check, not 0 = 0
  });
});
