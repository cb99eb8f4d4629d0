/**
 * What both learner paths (tfjs reference and fast) share: the annealing schedules, the valid rows
 * of a buffer, and the statistics an update reports.
 */
import type { Rng } from '../../core/index.ts';
import { explainedVariance } from './advantages.ts';
import type { RolloutBuffer } from './buffer.ts';

/** The schedule-relevant part of a learner's settings. */
export interface ScheduleSettings {
  readonly lr: number;
  readonly annealLr: boolean;
  readonly clip: number;
  readonly annealClip: boolean;
  readonly entCoef: number;
  readonly entCoefFinal?: number | null;
  /** Fraction of training over which the entropy coefficient anneals, then holds (default 1). */
  readonly entAnnealFraction?: number;
}

/** Learning rate for a fraction `progress` ∈ [0, 1] of training done (linear annealing to 0). */
export function learningRateAt(s: ScheduleSettings, progress: number): number {
  return s.annealLr ? s.lr * Math.max(0, 1 - progress) : s.lr;
}

/** Clip range, annealed linearly to 0 when `annealClip`. */
export function clipAt(s: ScheduleSettings, progress: number): number {
  return s.annealClip ? s.clip * Math.max(0, 1 - progress) : s.clip;
}

/**
 * Entropy coefficient, annealed linearly to `entCoefFinal` (when set) over the first
 * `entAnnealFraction` of training, then held there.
 */
export function entropyAt(s: ScheduleSettings, progress: number): number {
  const { entCoef, entCoefFinal } = s;
  if (entCoefFinal === null || entCoefFinal === undefined) return entCoef;
  const f = s.entAnnealFraction ?? 1;
  return entCoef + (entCoefFinal - entCoef) * Math.min(1, f > 0 ? progress / f : 1);
}

export interface UpdateStats {
  readonly 'losses/policy_loss': number;
  readonly 'losses/value_loss': number;
  readonly 'losses/entropy': number;
  readonly 'losses/approx_kl': number;
  readonly 'losses/clipfrac': number;
  readonly 'losses/explained_variance': number;
  readonly 'losses/grad_norm': number;
  /** The actor's (log-std included) and the critic's gradient norms, where the learner reports them (PPO, A2C, REINFORCE, IMPALA). */
  readonly 'losses/grad_norm_actor'?: number;
  readonly 'losses/grad_norm_critic'?: number;
  readonly 'charts/learning_rate': number;
  readonly 'charts/clip_coef': number;
  readonly 'charts/ent_coef': number;
  readonly 'charts/epochs': number;
  readonly 'charts/minibatch_steps': number;
}

/**
 * The statistics of one update: `sums` holds, per epoch summed over epochs, the means of
 * [policy_loss, value_loss, entropy, approx_kl, clipfrac]; `norms` the per-epoch mean gradient norms
 * (summed likewise): [all, actor, critic].
 */
export function updateStats(
  buf: RolloutBuffer,
  sums: ArrayLike<number>,
  norms: ArrayLike<number>,
  epochs: number,
  steps: number,
  applied: { readonly lr: number; readonly clip: number; readonly entCoef: number },
): UpdateStats {
  const avg = (k: number) => sums[k]! / Math.max(1, epochs);
  return {
    'losses/policy_loss': avg(0),
    'losses/value_loss': avg(1),
    'losses/entropy': avg(2),
    'losses/approx_kl': avg(3),
    'losses/clipfrac': avg(4),
    'losses/explained_variance': explainedVarianceValid(buf),
    'losses/grad_norm': norms[0]! / Math.max(1, epochs),
    'losses/grad_norm_actor': norms[1]! / Math.max(1, epochs),
    'losses/grad_norm_critic': norms[2]! / Math.max(1, epochs),
    'charts/learning_rate': applied.lr,
    'charts/clip_coef': applied.clip,
    'charts/ent_coef': applied.entCoef,
    'charts/epochs': epochs,
    'charts/minibatch_steps': steps,
  };
}

/** Indices of the valid transitions of a buffer. */
export function validIndices(buf: RolloutBuffer): Int32Array {
  const out = new Int32Array(buf.validCount());
  let k = 0;
  for (let i = 0; i < buf.size; i++) if (buf.valid[i]) out[k++] = i;
  return out;
}

/** Fisher–Yates shuffle with the learner's seeded RNG. */
export function shuffle(xs: Int32Array, rng: Rng): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = xs[i]!;
    xs[i] = xs[j]!;
    xs[j] = t;
  }
}

/** Explained variance of the critic over the valid transitions only. */
export function explainedVarianceValid(buf: RolloutBuffer): number {
  const n = buf.validCount();
  if (n === buf.size) return explainedVariance(buf.values, buf.returns);
  const v = new Float32Array(n);
  const r = new Float32Array(n);
  let k = 0;
  for (let i = 0; i < buf.size; i++) {
    if (!buf.valid[i]) continue;
    v[k] = buf.values[i]!;
    r[k++] = buf.returns[i]!;
  }
  return explainedVariance(v, r);
}

