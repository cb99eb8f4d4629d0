/**
 * The data movement of a 3×3 'same' convolution (stride 1, zero padding 1) done as a GEMM: im2col
 * gathers, for every board position, the 3×3 neighbourhood of every input channel into one row of
 * a column matrix, so that the convolution is that matrix times the kernel viewed as a
 * [3·3·in × out] matrix (tfjs's [3, 3, in, out] kernel, row-major, read as is); col2im is its
 * adjoint, summing the column-matrix gradient back onto the positions each row read.
 *
 * Layouts: a column-matrix row is one position (sample, y, x), in that order; its 9·C columns are
 * (ky, kx, c). Channels-last activations ([sample, y, x, c], which is what the GEMM writes) have
 * strides (c: 1, y: W·C, x: C); a plane-major observation ([sample, c, y, x]) has (c: H·W, y: W,
 * x: 1). Offsets index the kernels' float32 heap (kernels.ts). These plain-JS versions are the
 * `js` kernels and the oracle of the WASM ones (src/fast/kernels/mlp.wat), which give the same bits.
 */

/** Geometry of one convolution input: C channels on an H×W board, with its element strides. */
export interface ConvInput {
  readonly channels: number;
  readonly rows: number;
  readonly cols: number;
  /** Distance between channels, rows and columns of one sample (a sample spans C·H·W floats). */
  readonly channelStride: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/** A channels-last ([y, x, c]) input of C channels on an H×W board. */
export function channelsLast(channels: number, rows: number, cols: number): ConvInput {
  return { channels, rows, cols, channelStride: 1, rowStride: cols * channels, colStride: channels };
}

/** A plane-major ([c, y, x]) input of C planes on an H×W board (GameInfo.observationShape). */
export function planeMajor(channels: number, rows: number, cols: number): ConvInput {
  return { channels, rows, cols, channelStride: rows * cols, rowStride: cols, colStride: 1 };
}

/**
 * col[(s, y, x), (ky, kx, c)] = in[s, c, y + ky − 1, x + kx − 1] (0 outside the board), for
 * `samples` samples at heap offset `src`, into the [samples·H·W × 9·C] matrix at `dst`.
 */
export function im2col(h: Float32Array, src: number, samples: number, g: ConvInput, dst: number): void {
  const { channels: C, rows: H, cols: W, channelStride: sc, rowStride: sy, colStride: sx } = g;
  const sampleSize = C * H * W;
  let o = dst;
  for (let s = 0; s < samples; s++) {
    const base = src + s * sampleSize;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let ky = 0; ky < 3; ky++) {
          const yy = y + ky - 1;
          for (let kx = 0; kx < 3; kx++) {
            const xx = x + kx - 1;
            if (yy < 0 || yy >= H || xx < 0 || xx >= W) {
              for (let c = 0; c < C; c++) h[o + c] = 0;
            } else if (sc === 1) {
              const p = base + yy * sy + xx * sx;
              for (let c = 0; c < C; c++) h[o + c] = h[p + c]!;
            } else {
              let p = base + yy * sy + xx * sx;
              for (let c = 0; c < C; c++, p += sc) h[o + c] = h[p]!;
            }
            o += C;
          }
        }
      }
    }
  }
}

/**
 * The adjoint of `im2col` onto a channels-last input: dIn[s, y, x, c] = Σ over the (at most nine)
 * rows that read position (y, x) of col[row, (ky, kx, c)], taps in (ky, kx) order, summed in
 * float32 (each add rounded, as the WASM kernel does) and written (not accumulated) at `dst`.
 */
export function col2im(h: Float32Array, col: number, samples: number, channels: number, rows: number, cols: number, dst: number): void {
  const C = channels;
  const K = 9 * C;
  for (let s = 0; s < samples; s++) {
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const o = dst + ((s * rows + y) * cols + x) * C;
        for (let c = 0; c < C; c++) h[o + c] = 0;
        for (let ky = 0; ky < 3; ky++) {
          const yy = y + 1 - ky;
          if (yy < 0 || yy >= rows) continue;
          for (let kx = 0; kx < 3; kx++) {
            const xx = x + 1 - kx;
            if (xx < 0 || xx >= cols) continue;
            const p = col + ((s * rows + yy) * cols + xx) * K + (ky * 3 + kx) * C;
            for (let c = 0; c < C; c++) h[o + c]! += h[p + c]!;
          }
        }
      }
    }
  }
}

/** h[dst + i] += h[src + i] for i < n (the residual connection and its gradient). */
export function addInto(h: Float32Array, dst: number, src: number, n: number): void {
  for (let i = 0; i < n; i++) h[dst + i]! += h[src + i]!;
}

/**
 * Where column j's window meets the board, per column: on every board row the window is one
 * contiguous run of the features — its offset in the row ((j − reach) clipped at 0, times C), the zeros
 * before it (the columns off the left edge, times C) and its length, as [offset, before, length] for j.
 */
function windowRuns(cols: number, C: number, reach: number): Int32Array {
  const runs = new Int32Array(3 * cols);
  for (let j = 0; j < cols; j++) {
    const lo = Math.max(0, j - reach);
    const hi = Math.min(cols, j + reach + 1);
    runs[3 * j] = lo * C;
    runs[3 * j + 1] = (lo - (j - reach)) * C;
    runs[3 * j + 2] = (hi - lo) * C;
  }
  return runs;
}

/**
 * The column move head's input (mlp.ts): for each sample's channels-last features [rows, cols, C],
 * one row per column j of rows × (2·reach + 1) × C values, (y, dx, c) → features[y, j + dx − reach, c],
 * zero where that column is off the board — the patches of a [rows × (2·reach + 1)] 'valid'
 * convolution over the features zero-padded by `reach` columns on each side, in tfjs's kernel order.
 */
export function columnWindows(h: Float32Array, src: number, dst: number, samples: number, rows: number, cols: number, C: number, reach: number): void {
  const width = (2 * reach + 1) * C;
  const runs = windowRuns(cols, C, reach);
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < cols; j++) {
      const [at, before, n] = [runs[3 * j]!, runs[3 * j + 1]!, runs[3 * j + 2]!];
      for (let y = 0; y < rows; y++) {
        let o = dst + ((s * cols + j) * rows + y) * width;
        const from = src + (s * rows + y) * cols * C + at;
        for (let q = 0; q < before; q++) h[o++] = 0;
        for (let q = 0; q < n; q++) h[o++] = h[from + q]!;
        for (let q = before + n; q < width; q++) h[o++] = 0;
      }
    }
  }
}

/** The adjoint of `columnWindows`: each feature's gradient, the sum over the windows that read it, written (not accumulated) at `dst`. */
export function columnWindowsAdjoint(h: Float32Array, win: number, dst: number, samples: number, rows: number, cols: number, C: number, reach: number): void {
  const width = (2 * reach + 1) * C;
  const runs = windowRuns(cols, C, reach);
  h.fill(0, dst, dst + samples * rows * cols * C);
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < cols; j++) {
      const [at, before, n] = [runs[3 * j]!, runs[3 * j + 1]!, runs[3 * j + 2]!];
      for (let y = 0; y < rows; y++) {
        const o = win + ((s * cols + j) * rows + y) * width + before;
        const to = dst + (s * rows + y) * cols * C + at;
        for (let q = 0; q < n; q++) h[to + q]! += h[o + q]!;
      }
    }
  }
}
