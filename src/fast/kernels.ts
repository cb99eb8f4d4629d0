/**
 * The numeric kernels of the fast learner, behind one interface with two implementations:
 *
 *  - `wasm`: hand-written WebAssembly SIMD (src/fast/kernels/mlp.wat, assembled into the committed
 *    mlp.wasm by scripts/build-kernels.ts), one instance and one linear memory per `Kernels`;
 *  - `wasm-fma`: the same module with the GEMMs' multiply-adds fused (relaxed SIMD's
 *    `f32x4.relaxed_madd`, mlp.fma.wasm, generated from the same source): one instruction where the
 *    CPU has fused multiply-add, ≈ 1.3× the GEMM rate on this project's machines. Relaxed SIMD lets
 *    an engine fuse or not depending on the CPU, so a GEMM's last bits can differ between machines
 *    (never between runs on one machine); the optimizer updates are the same in both. The default
 *    where the engine validates it; `ARENA_FMA=0` selects `wasm`, bitwise identical on every CPU;
 *  - `js`: the same operations as plain loops over a Float32Array, used where WebAssembly SIMD is
 *    unavailable and as the oracle the WASM kernels are tested against.
 *
 * Every matrix lives in the kernels' heap (`f32`); offsets are float indices, row-major layout,
 * and offset 0 means "absent" (allocation starts at 16). The heap may be replaced when it grows
 * (`ensure`), so callers re-read `f32` after `ensure` and never keep views across it.
 */

import { col2im, im2col, type ConvInput } from './conv.ts';

/** Activation codes shared with the WASM module. */
export const ACT_TANH = 1;
export const ACT_RELU = 2;
export type ActCode = typeof ACT_TANH | typeof ACT_RELU;

export interface Kernels {
  readonly name: KernelChoice;
  /** The float32 heap every offset indexes (replaced by `ensure` when it grows). */
  readonly f32: Float32Array;
  /** Grows the heap to at least `floats` floats, keeping its contents. */
  ensure(floats: number): void;
  /** C[M×N] = A[M×K]·B[K×N] (+ bias[N]). SIMD needs M % 4 = 0 and N ≥ 4. */
  gemmNN(a: number, b: number, bias: number, c: number, M: number, K: number, N: number): void;
  /** C[M×N] = A[M×K]·Btᵀ (+ bias), Bt being N×K (narrow outputs). M % 4 = 0. */
  gemmNT(a: number, bt: number, bias: number, c: number, M: number, K: number, N: number): void;
  /** C[K×N] = A[M×K]ᵀ·B[M×N]. SIMD needs K ≥ 4 and N ≥ 4. */
  gemmTN(a: number, b: number, c: number, M: number, K: number, N: number): void;
  /** As gemmTN for N < 4 (vectorised along K). Needs K ≥ 4. */
  gemmTNNarrow(a: number, b: number, c: number, M: number, K: number, N: number): void;
  /** Scalar fallback for any shape: C[r, j] = bias[j] + Σ_k A[r·sar + k·sak]·B[k·sbk + j·sbj]. */
  gemmStrided(a: number, sar: number, sak: number, b: number, sbk: number, sbj: number, bias: number, c: number, R: number, K: number, N: number): void;
  /** out[j] = Σ_m B[m, j]. */
  colsum(b: number, out: number, M: number, N: number): void;
  /** dst[C×R] = src[R×C]ᵀ. */
  transpose(src: number, dst: number, R: number, C: number): void;
  /** Σ x² in float64. */
  sumsq(p: number, n: number): number;
  /** In-place activation over n floats (n % 4 = 0). */
  actFwd(p: number, n: number, kind: ActCode): void;
  /** d ← d·act'(·) from the activation's outputs h (n % 4 = 0). */
  actBwd(d: number, h: number, n: number, kind: ActCode): void;
  /** The 3×3 neighbourhoods of `samples` inputs at `src` (geometry `g`) as a [samples·H·W × 9·C] matrix at `dst` (conv.ts). */
  im2col(src: number, samples: number, g: ConvInput, dst: number): void;
  /** The adjoint of `im2col` onto a channels-last [samples·H·W × C] input at `dst`, summed in float32 (conv.ts). */
  col2im(col: number, samples: number, channels: number, rows: number, cols: number, dst: number): void;
  /** Fused Adam step (tfjs's float32 operation order). */
  adam(p: number, g: number, m: number, v: number, n: number, scale: number, b1: number, omb1: number, b2: number, omb2: number, bc1: number, bc2: number, eps: number, negLr: number): void;
  /** Fused RMSprop step (tfjs's float32 operation order, not centered). */
  rmsprop(p: number, g: number, s: number, u: number, n: number, scale: number, rho: number, omrho: number, eps: number, lr: number, momentum: number): void;
}

/** The parts of the WebAssembly JS API used here (lib.dom's types are not in this project's lib set). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ module: WasmModule; instance: unknown }>;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface WasmExports {
  memory: WasmMemory;
  gemm_nn(a: number, b: number, bias: number, c: number, M: number, K: number, N: number): void;
  gemm_nt(a: number, bt: number, bias: number, c: number, M: number, K: number, N: number): void;
  gemm_tn(a: number, b: number, c: number, M: number, K: number, N: number): void;
  gemm_tn_narrow(a: number, b: number, c: number, M: number, K: number, N: number): void;
  gemm_strided(a: number, sar: number, sak: number, b: number, sbk: number, sbj: number, bias: number, c: number, R: number, K: number, N: number): void;
  colsum(b: number, out: number, M: number, N: number): void;
  transpose(src: number, dst: number, R: number, C: number): void;
  sumsq(p: number, n: number): number;
  act_fwd(p: number, n: number, kind: number): void;
  act_bwd(d: number, h: number, n: number, kind: number): void;
  im2col(src: number, S: number, C: number, H: number, W: number, sc: number, sy: number, sx: number, dst: number): void;
  col2im(col: number, S: number, C: number, H: number, W: number, dst: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, scale: number, b1: number, omb1: number, b2: number, omb2: number, bc1: number, bc2: number, eps: number, negLr: number): void;
  rmsprop(p: number, g: number, s: number, u: number, n: number, scale: number, rho: number, omrho: number, eps: number, lr: number, momentum: number): void;
}

/** The committed kernel binaries, next to this module: plain SIMD, and with fused GEMM multiply-adds. */
export const WASM_URL = new URL('./kernels/mlp.wasm', import.meta.url);
export const WASM_FMA_URL = new URL('./kernels/mlp.fma.wasm', import.meta.url);

interface Loaded {
  module: WasmModule | null;
  error: string | null;
}

async function loadWasmModule(url: URL): Promise<Loaded> {
  try {
    let bytes: Uint8Array;
    try {
      const fs = await import('node:fs');
      bytes = fs.readFileSync(url);
    } catch {
      // not Node (a browser bundle): fetch the file served next to this module
      bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    }
    const { module } = await WA.instantiate(bytes, {});
    return { module, error: null };
  } catch (err) {
    return { module: null, error: err instanceof Error ? err.message : String(err) };
  }
}

const loaded = await loadWasmModule(WASM_URL);
const loadedFma: Loaded = loaded.module ? await loadWasmModule(WASM_FMA_URL) : loaded;

/** Why the WASM kernels are unavailable (no SIMD, file missing…), or null when they load. */
export function wasmUnavailableReason(): string | null {
  return loaded.module ? null : (loaded.error ?? 'unknown error');
}

/** Why the fused (`wasm-fma`) kernels are unavailable (no relaxed SIMD…), or null when they load. */
export function fmaUnavailableReason(): string | null {
  return loadedFma.module ? null : (loadedFma.error ?? 'unknown error');
}

/** `ARENA_FMA`: unset or '1' uses the fused kernels where they load, '0' never; anything else is an error. */
function fmaAllowed(value: string | undefined = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env['ARENA_FMA']): boolean {
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new Error(`ARENA_FMA must be 0 or 1, got '${value}'`);
}

const PAGE = 65536;

class WasmKernels implements Kernels {
  f32: Float32Array;
  readonly name: 'wasm' | 'wasm-fma';
  private readonly x: WasmExports;

  constructor(module: WasmModule, name: 'wasm' | 'wasm-fma') {
    this.name = name;
    this.x = new WA.Instance(module, {}).exports as unknown as WasmExports;
    this.f32 = new Float32Array(this.x.memory.buffer);
  }

  ensure(floats: number): void {
    const bytes = floats * 4;
    const have = this.x.memory.buffer.byteLength;
    if (bytes > have) this.x.memory.grow(Math.ceil((bytes - have) / PAGE));
    if (this.f32.buffer !== this.x.memory.buffer) this.f32 = new Float32Array(this.x.memory.buffer);
  }

  gemmNN(a: number, b: number, bias: number, c: number, M: number, K: number, N: number): void {
    this.x.gemm_nn(a << 2, b << 2, bias << 2, c << 2, M, K, N);
  }
  gemmNT(a: number, bt: number, bias: number, c: number, M: number, K: number, N: number): void {
    this.x.gemm_nt(a << 2, bt << 2, bias << 2, c << 2, M, K, N);
  }
  gemmTN(a: number, b: number, c: number, M: number, K: number, N: number): void {
    this.x.gemm_tn(a << 2, b << 2, c << 2, M, K, N);
  }
  gemmTNNarrow(a: number, b: number, c: number, M: number, K: number, N: number): void {
    this.x.gemm_tn_narrow(a << 2, b << 2, c << 2, M, K, N);
  }
  gemmStrided(a: number, sar: number, sak: number, b: number, sbk: number, sbj: number, bias: number, c: number, R: number, K: number, N: number): void {
    this.x.gemm_strided(a << 2, sar, sak, b << 2, sbk, sbj, bias << 2, c << 2, R, K, N);
  }
  colsum(b: number, out: number, M: number, N: number): void {
    this.x.colsum(b << 2, out << 2, M, N);
  }
  transpose(src: number, dst: number, R: number, C: number): void {
    this.x.transpose(src << 2, dst << 2, R, C);
  }
  sumsq(p: number, n: number): number {
    return this.x.sumsq(p << 2, n);
  }
  actFwd(p: number, n: number, kind: ActCode): void {
    this.x.act_fwd(p << 2, n, kind);
  }
  actBwd(d: number, h: number, n: number, kind: ActCode): void {
    this.x.act_bwd(d << 2, h << 2, n, kind);
  }
  im2col(src: number, samples: number, g: ConvInput, dst: number): void {
    this.x.im2col(src << 2, samples, g.channels, g.rows, g.cols, g.channelStride, g.rowStride, g.colStride, dst << 2);
  }
  col2im(col: number, samples: number, channels: number, rows: number, cols: number, dst: number): void {
    this.x.col2im(col << 2, samples, channels, rows, cols, dst << 2);
  }
  adam(p: number, g: number, m: number, v: number, n: number, scale: number, b1: number, omb1: number, b2: number, omb2: number, bc1: number, bc2: number, eps: number, negLr: number): void {
    this.x.adam(p << 2, g << 2, m << 2, v << 2, n, scale, b1, omb1, b2, omb2, bc1, bc2, eps, negLr);
  }
  rmsprop(p: number, g: number, s: number, u: number, n: number, scale: number, rho: number, omrho: number, eps: number, lr: number, momentum: number): void {
    this.x.rmsprop(p << 2, g << 2, s << 2, u << 2, n, scale, rho, omrho, eps, lr, momentum);
  }
}

const f = Math.fround;

/** The same operations in plain JavaScript (float32 storage, float32 rounding where tfjs rounds). */
class JsKernels implements Kernels {
  readonly name = 'js' as const;
  f32 = new Float32Array(1 << 14);

  ensure(floats: number): void {
    if (floats <= this.f32.length) return;
    let size = this.f32.length;
    while (size < floats) size *= 2;
    const next = new Float32Array(size);
    next.set(this.f32);
    this.f32 = next;
  }

  // 2 rows × 4 columns of C per inner loop, summed in float64 locals (registers, not the heap)
  gemmNN(a: number, b: number, bias: number, c: number, M: number, K: number, N: number): void {
    const h = this.f32;
    let i = 0;
    for (; i + 2 <= M; i += 2) {
      const a0 = a + i * K;
      const a1 = a0 + K;
      const c0 = c + i * N;
      const c1 = c0 + N;
      let j = 0;
      for (; j + 4 <= N; j += 4) {
        let s00 = bias ? h[bias + j]! : 0;
        let s01 = bias ? h[bias + j + 1]! : 0;
        let s02 = bias ? h[bias + j + 2]! : 0;
        let s03 = bias ? h[bias + j + 3]! : 0;
        let s10 = s00;
        let s11 = s01;
        let s12 = s02;
        let s13 = s03;
        let pb = b + j;
        for (let k = 0; k < K; k++, pb += N) {
          const x0 = h[a0 + k]!;
          const x1 = h[a1 + k]!;
          const b0 = h[pb]!;
          const b1 = h[pb + 1]!;
          const b2 = h[pb + 2]!;
          const b3 = h[pb + 3]!;
          s00 += x0 * b0;
          s01 += x0 * b1;
          s02 += x0 * b2;
          s03 += x0 * b3;
          s10 += x1 * b0;
          s11 += x1 * b1;
          s12 += x1 * b2;
          s13 += x1 * b3;
        }
        h[c0 + j] = s00;
        h[c0 + j + 1] = s01;
        h[c0 + j + 2] = s02;
        h[c0 + j + 3] = s03;
        h[c1 + j] = s10;
        h[c1 + j + 1] = s11;
        h[c1 + j + 2] = s12;
        h[c1 + j + 3] = s13;
      }
      for (; j < N; j++) {
        let s0 = bias ? h[bias + j]! : 0;
        let s1 = s0;
        for (let k = 0, pb = b + j; k < K; k++, pb += N) {
          s0 += h[a0 + k]! * h[pb]!;
          s1 += h[a1 + k]! * h[pb]!;
        }
        h[c0 + j] = s0;
        h[c1 + j] = s1;
      }
    }
    if (i < M) this.gemmStrided(a + i * K, K, 1, b, N, 1, bias, c + i * N, M - i, K, N);
  }

  gemmNT(a: number, bt: number, bias: number, c: number, M: number, K: number, N: number): void {
    this.gemmStrided(a, K, 1, bt, 1, K, bias, c, M, K, N);
  }

  // C[k, j..j+3] for 2 rows k at a time, summed over m in float64 locals
  gemmTN(a: number, b: number, c: number, M: number, K: number, N: number): void {
    const h = this.f32;
    let k = 0;
    for (; k + 2 <= K; k += 2) {
      const c0 = c + k * N;
      const c1 = c0 + N;
      let j = 0;
      for (; j + 4 <= N; j += 4) {
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        let pa = a + k;
        let pb = b + j;
        for (let m = 0; m < M; m++, pa += K, pb += N) {
          const x0 = h[pa]!;
          const x1 = h[pa + 1]!;
          const b0 = h[pb]!;
          const b1 = h[pb + 1]!;
          const b2 = h[pb + 2]!;
          const b3 = h[pb + 3]!;
          s00 += x0 * b0;
          s01 += x0 * b1;
          s02 += x0 * b2;
          s03 += x0 * b3;
          s10 += x1 * b0;
          s11 += x1 * b1;
          s12 += x1 * b2;
          s13 += x1 * b3;
        }
        h[c0 + j] = s00;
        h[c0 + j + 1] = s01;
        h[c0 + j + 2] = s02;
        h[c0 + j + 3] = s03;
        h[c1 + j] = s10;
        h[c1 + j + 1] = s11;
        h[c1 + j + 2] = s12;
        h[c1 + j + 3] = s13;
      }
      for (; j < N; j++) {
        let s0 = 0;
        let s1 = 0;
        for (let m = 0, pa = a + k, pb = b + j; m < M; m++, pa += K, pb += N) {
          s0 += h[pa]! * h[pb]!;
          s1 += h[pa + 1]! * h[pb]!;
        }
        h[c0 + j] = s0;
        h[c1 + j] = s1;
      }
    }
    if (k < K) this.gemmStrided(a + k, 1, K, b, N, 1, 0, c + k * N, K - k, M, N);
  }

  gemmTNNarrow(a: number, b: number, c: number, M: number, K: number, N: number): void {
    this.gemmTN(a, b, c, M, K, N);
  }

  gemmStrided(a: number, sar: number, sak: number, b: number, sbk: number, sbj: number, bias: number, c: number, R: number, K: number, N: number): void {
    const h = this.f32;
    let pc = c;
    for (let r = 0; r < R; r++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += h[a + r * sar + k * sak]! * h[b + k * sbk + j * sbj]!;
        h[pc++] = bias ? h[bias + j]! + s : s;
      }
    }
  }

  colsum(b: number, out: number, M: number, N: number): void {
    const h = this.f32;
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let m = 0; m < M; m++) s += h[b + m * N + j]!;
      h[out + j] = s;
    }
  }

  transpose(src: number, dst: number, R: number, C: number): void {
    const h = this.f32;
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) h[dst + c * R + r] = h[src + r * C + c]!;
  }

  sumsq(p: number, n: number): number {
    const h = this.f32;
    let s = 0;
    for (let i = 0; i < n; i++) s += h[p + i]! * h[p + i]!;
    return s;
  }

  actFwd(p: number, n: number, kind: ActCode): void {
    const h = this.f32;
    if (kind === ACT_TANH) for (let i = p; i < p + n; i++) h[i] = Math.tanh(h[i]!);
    else for (let i = p; i < p + n; i++) h[i] = h[i]! > 0 ? h[i]! : 0;
  }

  actBwd(d: number, hOff: number, n: number, kind: ActCode): void {
    const h = this.f32;
    if (kind === ACT_TANH) {
      for (let i = 0; i < n; i++) {
        const y = h[hOff + i]!;
        h[d + i] = f(1 - f(y * y)) * h[d + i]!;
      }
    } else {
      for (let i = 0; i < n; i++) if (!(h[hOff + i]! > 0)) h[d + i] = 0;
    }
  }

  im2col(src: number, samples: number, g: ConvInput, dst: number): void {
    im2col(this.f32, src, samples, g, dst);
  }

  col2im(col: number, samples: number, channels: number, rows: number, cols: number, dst: number): void {
    col2im(this.f32, col, samples, channels, rows, cols, dst);
  }

  adam(p: number, g: number, m: number, v: number, n: number, scale: number, b1: number, omb1: number, b2: number, omb2: number, bc1: number, bc2: number, eps: number, negLr: number): void {
    const h = this.f32;
    // WebAssembly receives these as f32 parameters: round them the same way
    const [sc, B1, OMB1, B2, OMB2, BC1, BC2, EPS, NLR] = [scale, b1, omb1, b2, omb2, bc1, bc2, eps, negLr].map(f) as [number, number, number, number, number, number, number, number, number];
    for (let i = 0; i < n; i++) {
      const gs = f(h[g + i]! * sc);
      const mi = f(f(h[m + i]! * B1) + f(gs * OMB1));
      const vi = f(f(h[v + i]! * B2) + f(f(gs * gs) * OMB2));
      h[m + i] = mi;
      h[v + i] = vi;
      h[p + i] = f(f(f(f(mi / BC1) / f(f(Math.sqrt(f(vi / BC2))) + EPS)) * NLR) + h[p + i]!);
    }
  }

  rmsprop(p: number, g: number, s: number, u: number, n: number, scale: number, rho: number, omrho: number, eps: number, lr: number, momentum: number): void {
    const h = this.f32;
    const [sc, RHO, OMRHO, EPS, LR, MOM] = [scale, rho, omrho, eps, lr, momentum].map(f) as [number, number, number, number, number, number];
    for (let i = 0; i < n; i++) {
      const gs = f(h[g + i]! * sc);
      const si = f(f(h[s + i]! * RHO) + f(f(gs * gs) * OMRHO));
      const ui = f(f(h[u + i]! * MOM) + f(f(gs * LR) / f(Math.sqrt(f(si + EPS)))));
      h[s + i] = si;
      h[u + i] = ui;
      h[p + i] = f(h[p + i]! - ui);
    }
  }
}

export type KernelChoice = 'wasm' | 'wasm-fma' | 'js';

/** What `createKernels()` without a choice gives here: the fused kernels unless unavailable or `ARENA_FMA=0`. */
export function defaultKernels(): KernelChoice {
  if (loadedFma.module && fmaAllowed()) return 'wasm-fma';
  return loaded.module ? 'wasm' : 'js';
}

/**
 * A fresh set of kernels with its own heap: without a choice, `defaultKernels()` (fused WASM SIMD,
 * else plain WASM SIMD, else plain JS). Asking for 'wasm' or 'wasm-fma' where it cannot load throws.
 */
export function createKernels(choice?: KernelChoice): Kernels {
  const pick = choice ?? defaultKernels();
  if (pick === 'js') return new JsKernels();
  const { module, error } = pick === 'wasm-fma' ? loadedFma : loaded;
  if (!module) throw new Error(`WebAssembly ${pick === 'wasm-fma' ? 'fused-multiply-add' : 'SIMD'} kernels unavailable: ${error}`);
  return new WasmKernels(module, pick);
}
