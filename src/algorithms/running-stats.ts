/**
 * Running statistics for observation normalisation and reward scaling ("37 implementation details"
 * #29–#32; SB3's VecNormalize). Plain Float64Arrays, serializable for checkpoints.
 */

export interface RunningMeanStdData {
  readonly mean: number[];
  readonly var: number[];
  readonly count: number;
}

/** Per-feature running mean and variance with the parallel update of Chan et al. (1979). */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count: number;

  constructor(size: number, epsilon = 1e-4) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  get size(): number {
    return this.mean.length;
  }

  /** Folds in `rows` vectors of length `size` stored contiguously in `batch` (optionally only rows where `valid[r]`). */
  update(batch: ArrayLike<number>, rows: number, valid?: ArrayLike<number>): void {
    const d = this.size;
    let n = 0;
    for (let r = 0; r < rows; r++) if (!valid || valid[r]) n++;
    if (n === 0) return;
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) if (!valid || valid[r]) s += batch[r * d + j]!;
      const bMean = s / n;
      let v = 0;
      for (let r = 0; r < rows; r++) if (!valid || valid[r]) v += (batch[r * d + j]! - bMean) ** 2;
      const bVar = v / n;
      const delta = bMean - this.mean[j]!;
      const tot = this.count + n;
      this.mean[j] = this.mean[j]! + (delta * n) / tot;
      const m2 = this.var[j]! * this.count + bVar * n + (delta * delta * this.count * n) / tot;
      this.var[j] = m2 / tot;
    }
    this.count += n;
  }

  /**
   * Folds in statistics gathered elsewhere (Chan et al.'s parallel combination): an actor's moments of
   * the observations it normalised, so the learner's statistics follow what every actor saw.
   */
  merge(other: RunningMeanStdData): void {
    const n = other.count;
    if (!(n > 0)) return;
    if (other.mean.length !== this.size || other.var.length !== this.size) throw new RangeError(`statistics of size ${other.mean.length} do not fit ${this.size}`);
    const tot = this.count + n;
    for (let j = 0; j < this.size; j++) {
      const delta = other.mean[j]! - this.mean[j]!;
      const m2 = this.var[j]! * this.count + other.var[j]! * n + (delta * delta * this.count * n) / tot;
      this.mean[j] = this.mean[j]! + (delta * n) / tot;
      this.var[j] = m2 / tot;
    }
    this.count = tot;
  }

  /** Normalises `rows` vectors in place: (x − mean) / sqrt(var + eps), clipped to ±clip. */
  normalize(batch: Float32Array, rows: number, clip = 10, eps = 1e-8, offset = 0): void {
    const d = this.size;
    for (let r = 0; r < rows; r++) {
      const base = offset + r * d;
      for (let j = 0; j < d; j++) {
        const z = (batch[base + j]! - this.mean[j]!) / Math.sqrt(this.var[j]! + eps);
        batch[base + j] = z > clip ? clip : z < -clip ? -clip : z;
      }
    }
  }

  toJSON(): RunningMeanStdData {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  static fromJSON(data: RunningMeanStdData): RunningMeanStd {
    const r = new RunningMeanStd(data.mean.length);
    r.mean.set(data.mean);
    r.var.set(data.var);
    r.count = data.count;
    return r;
  }
}

/**
 * Reward scaling as in SB3's VecNormalize / CleanRL's NormalizeReward: divide rewards by the running
 * standard deviation of the discounted return (not of the reward), without centring them.
 */
export class RewardScaler {
  readonly stats = new RunningMeanStd(1);
  private readonly discounted: Float64Array;
  private readonly scratch = new Float64Array(1);
  readonly gamma: number;
  readonly clip: number;

  constructor(envs: number, gamma: number, clip = 10) {
    this.discounted = new Float64Array(envs);
    this.gamma = gamma;
    this.clip = clip;
  }

  /** Scales the rewards of one vector step in place; `dones[e]` resets env e's running return. */
  scale(rewards: Float32Array, dones: ArrayLike<number>): void {
    for (let e = 0; e < this.discounted.length; e++) {
      this.discounted[e] = this.discounted[e]! * this.gamma + rewards[e]!;
      this.scratch[0] = this.discounted[e]!;
      this.stats.update(this.scratch, 1);
    }
    const std = Math.sqrt(this.stats.var[0]! + 1e-8);
    for (let e = 0; e < this.discounted.length; e++) {
      const r = rewards[e]! / std;
      rewards[e] = r > this.clip ? this.clip : r < -this.clip ? -this.clip : r;
      if (dones[e]) this.discounted[e] = 0;
    }
  }
}
