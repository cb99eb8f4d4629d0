/**
 * Advantage estimation over a time-major rollout of T steps × N environments (index t·N + e).
 *
 * Episode ends are explicit per step: `dones[i]` marks that the transition at i ended an episode
 * (terminated or truncated), and `nextValues[i]` is the value to bootstrap from for that transition:
 *   - 0 when the episode terminated (no future reward by the rules),
 *   - V(final observation) when it was truncated by a time limit (the future was cut, not ended),
 *   - V(s_{t+1}) otherwise, including at the end of the rollout.
 * This is what makes truncation and termination differ ("37 implementation details", #21 on time limits).
 */

export interface GaeInput {
  readonly steps: number;
  readonly envs: number;
  readonly rewards: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly nextValues: ArrayLike<number>;
  readonly dones: ArrayLike<number>;
  readonly gamma: number;
  readonly lambda: number;
  /** Optional validity mask (1 = a real transition); invalid steps get advantage 0 and do not chain. */
  readonly valid?: ArrayLike<number>;
}

/**
 * Generalised advantage estimation, Schulman et al. 2016, eq. 16:
 *   δ_t = r_t + γ·V_next(t) − V(s_t),   Â_t = δ_t + γλ·(1 − done_t)·Â_{t+1},
 * and the value targets R_t = Â_t + V(s_t) (the λ-return). With λ = 1 and an episode that ends inside
 * the rollout, R_t is the Monte-Carlo return (REINFORCE); with λ = 1 and short rollouts it is the
 * n-step bootstrapped return (A2C). Writes into `advantages` and `returns` (length T·N).
 */
export function computeGae(input: GaeInput, advantages: Float32Array, returns: Float32Array): void {
  const { steps, envs, rewards, values, nextValues, dones, gamma, lambda, valid } = input;
  for (let e = 0; e < envs; e++) {
    let next = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const i = t * envs + e;
      if (valid && !valid[i]) {
        advantages[i] = 0;
        returns[i] = 0;
        next = 0;
        continue;
      }
      const delta = rewards[i]! + gamma * nextValues[i]! - values[i]!;
      next = delta + gamma * lambda * (dones[i] ? 0 : 1) * next;
      advantages[i] = next;
      returns[i] = next + values[i]!;
    }
  }
}

/** Mean and (population) standard deviation of the entries selected by `idx` (or all entries). */
export function meanStd(xs: ArrayLike<number>, idx?: ArrayLike<number>): { mean: number; std: number } {
  const n = idx ? idx.length : xs.length;
  let s = 0;
  for (let k = 0; k < n; k++) s += xs[idx ? idx[k]! : k]!;
  const mean = n ? s / n : 0;
  let v = 0;
  for (let k = 0; k < n; k++) v += (xs[idx ? idx[k]! : k]! - mean) ** 2;
  return { mean, std: n ? Math.sqrt(v / n) : 0 };
}

/**
 * Fraction of the variance of `targets` explained by `predictions` (1 − Var[y − ŷ] / Var[y]);
 * NaN when the targets have no variance, as in CleanRL's `explained_variance`.
 */
export function explainedVariance(predictions: ArrayLike<number>, targets: ArrayLike<number>): number {
  const n = targets.length;
  const diff = new Float64Array(n);
  for (let i = 0; i < n; i++) diff[i] = targets[i]! - predictions[i]!;
  const varY = meanStd(targets).std ** 2;
  return varY === 0 ? Number.NaN : 1 - meanStd(diff).std ** 2 / varY;
}
