/**
 * The on-policy learner shared by PPO, A2C, REINFORCE and AlphaZero: uploads a rollout batch once, then runs
 * epochs of shuffled minibatches of the actor-critic loss with global gradient-norm clipping and
 * linear learning-rate / clip annealing ("37 implementation details" #4, #5, #11). PPO uses the
 * clipped surrogate with several epochs; A2C and REINFORCE one step of the vanilla loss; AlphaZero the
 * search-distillation loss (kind 'search') on the search's targets.
 */
import * as tf from '@tensorflow/tfjs';
import { MASKED_LOGIT, type ActorCritic } from '../../agents/policy.ts';
import type { Rng } from '../../core/index.ts';
import type { RolloutBuffer } from './buffer.ts';
import { clipAt, entropyAt, learningRateAt, shuffle, updateStats, validIndices, type UpdateStats } from './learner-common.ts';

export { shuffle, type UpdateStats } from './learner-common.ts';
import { LOSS_STATS, logProbAndEntropy, policyGradientLoss, type LossSettings, type TensorBatch } from './losses.ts';
export type { LossKind } from './losses.ts';

export interface LearnerSettings extends LossSettings {
  readonly epochs: number;
  /** Minibatch size in transitions (the whole batch when ≥ its size). */
  readonly minibatchSize: number;
  readonly lr: number;
  readonly annealLr: boolean;
  readonly annealClip: boolean;
  /** Gradient-norm clip (0 or less disables it). */
  readonly maxGradNorm: number;
  /**
   * What `maxGradNorm` bounds: the norm of all gradients together ('global', SB3 and CleanRL; the
   * default), or the actor's (log-std included) and the critic's each on its own ('per-network', as
   * MAPPO's separate optimisers do), so that a large critic gradient no longer shrinks the policy's step.
   */
  readonly gradClip?: 'global' | 'per-network';
  /** Stop the epochs early once the mean approx-KL of an epoch exceeds this (null: never). */
  readonly targetKl: number | null;
  readonly optimizer: 'adam' | 'rmsprop';
  /** Optimizer epsilon (1e-5 as in CleanRL/SB3, not tfjs' 1e-7 default). */
  readonly optimizerEps: number;
  /** Anneal the entropy coefficient linearly from `entCoef` to this value (null: constant). */
  readonly entCoefFinal?: number | null;
  /** Fraction of training over which the entropy coefficient anneals, then holds (default 1). */
  readonly entAnnealFraction?: number;
  /**
   * Threads that compute each minibatch's gradient (the fast learner splits its rows over helper
   * threads, src/fast/grad-threads.ts; default 1). The tfjs reference learner ignores it.
   */
  readonly threads?: number;
}


export class PolicyGradientLearner {
  readonly policy: ActorCritic;
  readonly settings: LearnerSettings;
  readonly optimizer: tf.Optimizer;
  private readonly rng: Rng;
  private readonly variables: tf.Variable[];
  /** The actor's variables' names (log-std included) and the critic's. */
  private readonly networks: { readonly actor: string[]; readonly critic: string[] };
  /** The variables' names in clip groups: all together, or the actor's and the critic's (`gradClip`). */
  private readonly clipGroups: string[][];
  private penaltyScratch: Float32Array = new Float32Array(0);

  constructor(opts: { policy: ActorCritic; settings: LearnerSettings; rng: Rng }) {
    this.policy = opts.policy;
    this.settings = opts.settings;
    this.rng = opts.rng;
    this.variables = opts.policy.trainableVariables();
    const s = opts.settings;
    const names = (vars: tf.Variable[]): string[] => vars.map((v) => v.name);
    this.networks = { actor: names(opts.policy.actorVariables()), critic: names(opts.policy.criticVariables()) };
    this.clipGroups = s.gradClip === 'per-network' ? [this.networks.actor, this.networks.critic] : [names(this.variables)];
    this.optimizer = s.optimizer === 'adam' ? tf.train.adam(s.lr, 0.9, 0.999, s.optimizerEps) : tf.train.rmsprop(s.lr, 0.99, 0, s.optimizerEps);
  }

  /** Current learning rate for a fraction `progress` ∈ [0, 1] of training done. */
  learningRate(progress: number): number {
    return learningRateAt(this.settings, progress);
  }

  entropyCoef(progress: number): number {
    return entropyAt(this.settings, progress);
  }

  clipCoef(progress: number): number {
    return clipAt(this.settings, progress);
  }

  /**
   * One update from a filled buffer (advantages and returns already computed). `progress` is the
   * fraction of training done before this update, for annealing (CleanRL: frac = 1 − (update−1)/updates);
   * `lrScale` multiplies the scheduled learning rate (the magnet phase's decay, `magnetLrDecay`).
   */
  update(buf: RolloutBuffer, progress: number, lrScale = 1): UpdateStats {
    const s = this.settings;
    const lr = this.learningRate(progress) * lrScale;
    const clip = this.clipCoef(progress);
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
    const entCoef = this.entropyCoef(progress);
    const loss: LossSettings = { ...s, clip, entCoef };

    const indices = validIndices(buf);
    const n = indices.length;
    const mb = Math.min(Math.max(1, s.minibatchSize), n);
    const full = this.uploadBatch(buf);
    const sums = new Float64Array(LOSS_STATS.length);
    const norms = new Float64Array(3);
    let steps = 0;
    let epochs = 0;
    try {
      for (let epoch = 0; epoch < s.epochs; epoch++) {
        shuffle(indices, this.rng);
        const epochStats: tf.Tensor1D[] = [];
        const epochNorms: tf.Tensor1D[] = [];
        for (let start = 0; start < n; start += mb) {
          const idx = indices.subarray(start, Math.min(n, start + mb));
          const [stats, norm] = this.minibatchStep(full, idx, loss);
          epochStats.push(stats);
          epochNorms.push(norm);
          steps++;
        }
        epochs++;
        // one read-back per epoch (not per minibatch) keeps GPU backends from stalling
        const meanStats = tf.tidy(() => tf.mean(tf.stack(epochStats), 0).dataSync() as Float32Array);
        const meanNorms = tf.tidy(() => tf.mean(tf.stack(epochNorms), 0).dataSync() as Float32Array);
        tf.dispose([...epochStats, ...epochNorms]);
        for (let k = 0; k < sums.length; k++) sums[k]! += meanStats[k]!;
        for (let k = 0; k < 3; k++) norms[k]! += meanNorms[k]!;
        if (s.targetKl !== null && meanStats[3]! > s.targetKl) break;
      }
    } finally {
      tf.dispose(Object.values(full).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
    }
    return updateStats(buf, sums, norms, epochs, steps, { lr, clip, entCoef });
  }

  /**
   * The current policy on every row of `buf` (for V-trace, vtrace.ts): log π(a_i|x_i) of the stored
   * action under the stored legal-action mask — the loss's own `logProbAndEntropy` — into
   * `outLogProbs`, and the critic's V on `criticObs` (or `obs`) into `outValues`. Padding rows
   * (valid = 0) get 0 for both.
   */
  evaluate(buf: RolloutBuffer, outLogProbs: Float32Array, outValues: Float32Array): void {
    const full = this.uploadBatch(buf);
    try {
      const [logProb, value] = tf.tidy(() => [
        logProbAndEntropy(this.policy, full).logProb.dataSync() as Float32Array,
        this.policy.criticForward(full.criticInput).dataSync() as Float32Array,
      ]);
      for (let i = 0; i < buf.size; i++) {
        const real = buf.valid[i] === 1;
        outLogProbs[i] = real ? logProb[i]! : 0;
        outValues[i] = real ? value[i]! : 0;
      }
    } finally {
      tf.dispose(Object.values(full).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
    }
  }

  /** One optimizer step on the rows `idx` of the uploaded batch; returns kept [stats] and the gradient norms before clipping [all, actor, critic]. */
  private minibatchStep(full: TensorBatch, idx: Int32Array, loss: LossSettings): [tf.Tensor1D, tf.Tensor1D] {
    return tf.tidy(() => {
      const i = tf.tensor1d(idx, 'int32');
      const obs = tf.gather(full.obs, i);
      const batch: TensorBatch = {
        obs,
        criticInput: full.criticInput === full.obs ? obs : tf.gather(full.criticInput, i),
        maskPenalty: full.maskPenalty ? tf.gather(full.maskPenalty, i) : null,
        actions: tf.gather(full.actions, i),
        oldLogProbs: tf.gather(full.oldLogProbs, i),
        oldValues: tf.gather(full.oldValues, i),
        advantages: tf.gather(full.advantages, i),
        returns: tf.gather(full.returns, i),
        weights: tf.gather(full.weights, i),
        magnetLogp: full.magnetLogp ? tf.gather(full.magnetLogp, i) : null,
        searchPolicy: full.searchPolicy ? tf.gather(full.searchPolicy, i) : null,
      };
      let stats: tf.Tensor1D | null = null;
      const { grads } = tf.variableGrads(() => {
        const out = policyGradientLoss(this.policy, batch, loss);
        stats = tf.keep(out.stats);
        return out.loss;
      }, this.variables);
      const norm = globalNorm(Object.values(grads));
      const actorNorm = globalNorm(this.networks.actor.map((k) => grads[k]!));
      const criticNorm = globalNorm(this.networks.critic.map((k) => grads[k]!));
      if (this.settings.maxGradNorm > 0) {
        const groupNorms = this.clipGroups.length === 1 ? [norm] : [actorNorm, criticNorm];
        this.clipGroups.forEach((group, g) => {
          const scale = tf.minimum(1, tf.div(this.settings.maxGradNorm, tf.add(groupNorms[g]!, 1e-6)));
          for (const k of group) grads[k] = tf.mul(grads[k]!, scale);
        });
      }
      this.optimizer.applyGradients(grads);
      return [stats!, tf.stack([norm, actorNorm, criticNorm])] as [tf.Tensor1D, tf.Tensor1D];
    });
  }

  /** Uploads the whole rollout once; minibatches are gathered on the backend. */
  protected uploadBatch(buf: RolloutBuffer): TensorBatch {
    const { obsSize, criticSize, actions: A, continuous } = buf.spec;
    const n = buf.size;
    const obs = tf.tensor2d(buf.obs, [n, obsSize]);
    let maskPenalty: tf.Tensor2D | null = null;
    if (!continuous) {
      if (this.penaltyScratch.length !== n * A) this.penaltyScratch = new Float32Array(n * A);
      let anyMasked = false;
      for (let k = 0; k < n * A; k++) {
        const masked = buf.masks[k] === 0;
        this.penaltyScratch[k] = masked ? MASKED_LOGIT : 0;
        anyMasked ||= masked && buf.valid[Math.floor(k / A)] === 1;
      }
      if (anyMasked) maskPenalty = tf.tensor2d(this.penaltyScratch, [n, A]);
    }
    return {
      obs,
      criticInput: buf.criticObs ? tf.tensor2d(buf.criticObs, [n, criticSize]) : obs,
      maskPenalty,
      actions: continuous ? tf.tensor2d(buf.continuousActions, [n, A]) : tf.tensor1d(buf.actions, 'int32'),
      oldLogProbs: tf.tensor1d(buf.logProbs),
      oldValues: tf.tensor1d(buf.values),
      advantages: tf.tensor1d(buf.advantages),
      returns: tf.tensor1d(buf.returns),
      weights: tf.tensor1d(Float32Array.from(buf.valid)),
      magnetLogp: !continuous && buf.magnetLogp ? tf.tensor2d(buf.magnetLogp, [n, A]) : null,
      searchPolicy: !continuous && buf.searchPolicy ? tf.tensor2d(buf.searchPolicy, [n, A]) : null,
    };
  }

  /** Batched inference: the tfjs policy itself. */
  inference(): ActorCritic {
    return this.policy;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** √(Σ‖g‖²) over all gradients (the global norm of Pascanu et al. 2013, as torch's clip_grad_norm_). */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
}



