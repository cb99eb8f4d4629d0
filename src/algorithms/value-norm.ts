/**
 * Value normalisation as in the MAPPO reference implementation (`marlbenchmark/on-policy`,
 * `onpolicy/utils/valuenorm.py`; Yu et al. 2022, suggestion 1: "normalise values"). A "PopArt-lite":
 * running statistics of the value targets, without PopArt's rescaling of the critic's last layer.
 *
 * Statistics are exponential moving averages with a debiasing term, exactly as the reference:
 *   mean ← β·mean + (1 − β)·batchMean,   meanSq ← β·meanSq + (1 − β)·batchMeanSq,
 *   debias ← β·debias + (1 − β),
 *   μ = mean / max(debias, ε),  σ² = max(meanSq / max(debias, ε) − μ², 1e-2),
 * with β = 0.99999 and ε = 1e-5 by default. The critic learns targets in normalised units:
 *   - value loss: (V_θ(s) − normalize(R))², so the critic's output lives in normalised space;
 *   - GAE: δ_t = r_t + γ·denormalize(V(s_{t+1})) − denormalize(V(s_t)), in reward units.
 * The reference updates the statistics once per minibatch with that minibatch's returns; with its
 * default of a single minibatch this trainer updates once per rollout with every valid return,
 * which is the same computation done once rather than once per epoch.
 */

export interface ValueNormData {
  readonly beta: number;
  readonly epsilon: number;
  readonly mean: number;
  readonly meanSq: number;
  readonly debias: number;
}

/** The variance floor of the reference (`clamp(min=1e-2)`). */
export const MIN_VARIANCE = 1e-2;

export class ValueNorm {
  readonly beta: number;
  readonly epsilon: number;
  /** Running (biased) mean and mean of squares, and the debiasing weight. */
  runningMean = 0;
  runningMeanSq = 0;
  debiasingTerm = 0;

  constructor(opts: { beta?: number; epsilon?: number } = {}) {
    this.beta = opts.beta ?? 0.99999;
    this.epsilon = opts.epsilon ?? 1e-5;
    if (!(this.beta > 0 && this.beta < 1)) throw new RangeError(`ValueNorm beta must be in (0, 1), got ${this.beta}`);
  }

  /** Debiased mean μ. */
  get mean(): number {
    return this.runningMean / Math.max(this.debiasingTerm, this.epsilon);
  }

  /** Debiased variance σ² (at least MIN_VARIANCE). */
  get variance(): number {
    const m = this.mean;
    return Math.max(this.runningMeanSq / Math.max(this.debiasingTerm, this.epsilon) - m * m, MIN_VARIANCE);
  }

  get std(): number {
    return Math.sqrt(this.variance);
  }

  /** Folds in the first `n` values of `xs` (only those with `valid[i]` when a mask is given). */
  update(xs: ArrayLike<number>, n: number = xs.length, valid?: ArrayLike<number>): void {
    let s = 0;
    let sq = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (valid && !valid[i]) continue;
      const x = xs[i]!;
      s += x;
      sq += x * x;
      count++;
    }
    if (count === 0) return;
    const w = 1 - this.beta;
    this.runningMean = this.beta * this.runningMean + w * (s / count);
    this.runningMeanSq = this.beta * this.runningMeanSq + w * (sq / count);
    this.debiasingTerm = this.beta * this.debiasingTerm + w;
  }

  /** (x − μ) / σ. */
  normalize(x: number): number {
    return (x - this.mean) / this.std;
  }

  /** x·σ + μ. */
  denormalize(x: number): number {
    return x * this.std + this.mean;
  }

  /** In place over the first `n` entries. */
  normalizeArray(xs: Float32Array, n: number = xs.length): void {
    const m = this.mean;
    const s = this.std;
    for (let i = 0; i < n; i++) xs[i] = (xs[i]! - m) / s;
  }

  denormalizeArray(xs: Float32Array, n: number = xs.length): void {
    const m = this.mean;
    const s = this.std;
    for (let i = 0; i < n; i++) xs[i] = xs[i]! * s + m;
  }

  toJSON(): ValueNormData {
    return { beta: this.beta, epsilon: this.epsilon, mean: this.runningMean, meanSq: this.runningMeanSq, debias: this.debiasingTerm };
  }

  static fromJSON(d: ValueNormData): ValueNorm {
    const v = new ValueNorm({ beta: d.beta, epsilon: d.epsilon });
    v.runningMean = d.mean;
    v.runningMeanSq = d.meanSq;
    v.debiasingTerm = d.debias;
    return v;
  }
}
