/**
 * V-trace (IMPALA, Espeholt et al. 2018): off-policy value targets and policy-gradient advantages for
 * data collected by a behaviour policy μ (the actor's weights when it acted) and learned by the
 * current policy π. Same time-major layout as computeGae (index t·N + e, one column per env) and the
 * same episode conventions (advantages.ts):
 *   - `dones[i]` = 1 ends the episode at transition i, terminated or truncated; `nextValues[i]` is what
 *     to bootstrap from there: 0 after a termination, V(final observation) after a truncation. The
 *     recursion never reads the next row's values across a done.
 *   - at the last step of a column the recursion starts from the bootstrap (v_T − V(x_T) = 0).
 *   - `valid[i]` = 0 (padding) gets advantage 0 and target 0 and breaks the chain like a done.
 * With π = μ, V-trace with trace parameter λ gives GAE(λ)'s value targets (advantages.ts), so the
 * estimator can stand in for computeGae in any on-policy learner and stays correct when the data lags.
 */
import { ConfigError } from '../../core/index.ts';
import type { RolloutBuffer } from './buffer.ts';

export interface VtraceInput {
  readonly steps: number;
  readonly envs: number;
  /** log μ(a_t|x_t): the behaviour policy's log-probabilities, recorded when acting. */
  readonly behaviourLogProbs: ArrayLike<number>;
  /** log π(a_t|x_t) under the current (target) policy. */
  readonly targetLogProbs: ArrayLike<number>;
  /** V(x_t) of the current critic. */
  readonly values: ArrayLike<number>;
  /**
   * Value to bootstrap transition t from: V(x_{t+1}) (equal to `values` at row t + N inside a segment:
   * see segmentNextValues), V(final obs) after a truncation, 0 after a termination.
   */
  readonly nextValues: ArrayLike<number>;
  readonly rewards: ArrayLike<number>;
  readonly dones: ArrayLike<number>;
  /** Optional validity mask (1 = a real transition), as in computeGae. */
  readonly valid?: ArrayLike<number>;
  readonly gamma: number;
  /** ρ̄: truncation of the importance weight in the TD term and the policy gradient (default 1). */
  readonly rhoBar?: number;
  /** c̄: truncation of the trace coefficients (default 1). */
  readonly cBar?: number;
  /** λ: trace discount inside c_t = λ·min(c̄, r_t) (default 1). */
  readonly lambda?: number;
}

/** How far the data was off-policy, over the valid transitions: metric keys of one update (a type, so it fits `Record<string, number>`). */
export type VtraceStats = {
  /** Mean truncated importance weight ρ_t = min(ρ̄, π/μ). */
  readonly 'vtrace/mean_rho': number;
  /** Fraction of transitions whose ratio π/μ exceeded ρ̄ (truncated). */
  readonly 'vtrace/clipped_rho_frac': number;
  /** Mean |π/μ − 1|: 0 on-policy; grows with the policy lag. */
  readonly 'vtrace/mean_abs_ratio_dev': number;
};

/**
 * V-trace targets and advantages, Espeholt et al. 2018, eq. 1 (written recursively, Remark 1) and
 * the policy-gradient term of §4.2. Per column, backwards over t, with r_t = π(a_t|x_t)/μ(a_t|x_t):
 *   ρ_t = min(ρ̄, r_t),   c_t = λ·min(c̄, r_t),
 *   δ_t = ρ_t·(r_t + γ·V_next(t) − V(x_t)),   where V_next(t) = `nextValues[t]`,
 *   v_t − V(x_t) = δ_t + γ·c_t·(1 − done_t)·(v_{t+1} − V(x_{t+1})),
 *   A_t = ρ_t·(r_t + γ·v̂_{t+1} − V(x_t)),   v̂_{t+1} = V_next(t) + (1 − done_t)·(v_{t+1} − V(x_{t+1})),
 * i.e. v̂_{t+1} is the next step's target v_{t+1} inside a segment and the bootstrap value at its end
 * (last step, done, or padding next). Writes A_t into `outAdvantages` and v_t into `outTargets`
 * (length T·N), ρ_t into `outRhos` when given (0 on padding). Float64 inside.
 */
export function computeVtrace(input: VtraceInput, outAdvantages: Float32Array, outTargets: Float32Array, outRhos?: Float32Array): VtraceStats {
  const { steps, envs, behaviourLogProbs, targetLogProbs, values, nextValues, rewards, dones, valid, gamma } = input;
  const rhoBar = input.rhoBar ?? 1;
  const cBar = input.cBar ?? 1;
  const lambda = input.lambda ?? 1;
  if (!(rhoBar > 0)) throw new ConfigError(`V-trace ρ̄ must be positive, got ${rhoBar}`);
  if (!(cBar >= 0)) throw new ConfigError(`V-trace c̄ must be non-negative, got ${cBar}`);
  if (!(lambda >= 0 && lambda <= 1)) throw new ConfigError(`V-trace λ must be in [0, 1], got ${lambda}`);
  let rhoSum = 0;
  let clipped = 0;
  let devSum = 0;
  let count = 0;
  for (let e = 0; e < envs; e++) {
    // v_{t+1} − V(x_{t+1}) of the step after the current one (0 at the segment's end)
    let nextDiff = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const i = t * envs + e;
      if (valid && !valid[i]) {
        outAdvantages[i] = 0;
        outTargets[i] = 0;
        if (outRhos) outRhos[i] = 0;
        nextDiff = 0;
        continue;
      }
      const ratio = Math.exp(targetLogProbs[i]! - behaviourLogProbs[i]!);
      const rho = Math.min(rhoBar, ratio);
      const c = lambda * Math.min(cBar, ratio);
      const carried = dones[i] ? 0 : nextDiff;
      const v = values[i]!;
      const bootstrap = nextValues[i]!;
      const diff = rho * (rewards[i]! + gamma * bootstrap - v) + gamma * c * carried;
      outAdvantages[i] = rho * (rewards[i]! + gamma * (bootstrap + carried) - v);
      outTargets[i] = v + diff;
      if (outRhos) outRhos[i] = rho;
      nextDiff = diff;
      rhoSum += rho;
      if (ratio > rhoBar) clipped++;
      devSum += Math.abs(ratio - 1);
      count++;
    }
  }
  const n = Math.max(1, count);
  return { 'vtrace/mean_rho': rhoSum / n, 'vtrace/clipped_rho_frac': clipped / n, 'vtrace/mean_abs_ratio_dev': devSum / n };
}

/**
 * Bootstrap values for computeVtrace from a critic's `values` over the segment: V(x_{t+1}) = the value
 * at row t + N of the same column where that row continues the episode (t < T − 1, no done at t, row
 * t + N valid); `segmentEnd[i]` elsewhere — the segment's last step (the segment does not carry
 * x_T), truncations (V(final obs)) and terminations (0), as the collector recorded them.
 */
export function segmentNextValues(
  input: { readonly steps: number; readonly envs: number; readonly values: ArrayLike<number>; readonly segmentEnd: ArrayLike<number>; readonly dones: ArrayLike<number>; readonly valid?: ArrayLike<number> },
  out: Float32Array,
): void {
  const { steps, envs, values, segmentEnd, dones, valid } = input;
  for (let t = 0; t < steps; t++) {
    for (let e = 0; e < envs; e++) {
      const i = t * envs + e;
      const continues = t < steps - 1 && !dones[i] && (!valid || valid[i + envs]);
      out[i] = continues ? values[i + envs]! : segmentEnd[i]!;
    }
  }
}

/** What V-trace needs from a learner: the current policy evaluated on a buffer (see `Learner.evaluate`). */
export interface PolicyEvaluator {
  evaluate(buf: RolloutBuffer, outLogProbs: Float32Array, outValues: Float32Array): void;
}

export interface VtraceOptions {
  readonly gamma: number;
  /** ρ̄ (default 1). */
  readonly rhoBar?: number;
  /** c̄ (default 1). */
  readonly cBar?: number;
  /** Trace λ (default 1, as IMPALA). */
  readonly lambda?: number;
}

/**
 * IMPALA's advantage step: evaluates the learner's current policy on `buf` (log π(a_t|x_t) under the
 * recorded legal masks, V(x_t)), then fills `buf.advantages` and `buf.returns` with V-trace's
 * policy-gradient advantages and value targets against the behaviour log-probs in `buf.logProbs`.
 * V(x_{t+1}) is the current critic's inside the segment; at the segment's end it is `buf.nextValues`,
 * i.e. the BEHAVIOUR critic's V(x_T) (the segment does not carry x_T), as at truncations
 * (V(final obs)). Train on the result with the vanilla loss, no advantage normalisation, one epoch.
 * `buf.values` and `buf.logProbs` are left as recorded (the learner's approx-KL then measures π vs μ).
 */
export function vtraceAdvantages(buf: RolloutBuffer, learner: PolicyEvaluator, opts: VtraceOptions): VtraceStats {
  const { steps, envs } = buf.spec;
  const n = buf.size;
  const targetLogProbs = new Float32Array(n);
  const values = new Float32Array(n);
  const nextValues = new Float32Array(n);
  learner.evaluate(buf, targetLogProbs, values);
  segmentNextValues({ steps, envs, values, segmentEnd: buf.nextValues, dones: buf.dones, valid: buf.valid }, nextValues);
  return computeVtrace(
    { steps, envs, behaviourLogProbs: buf.logProbs, targetLogProbs, values, nextValues, rewards: buf.rewards, dones: buf.dones, valid: buf.valid, ...opts },
    buf.advantages,
    buf.returns,
  );
}
