/**
 * Soft Actor-Critic (Haarnoja et al. 2018a, arXiv:1801.01290; with automatic entropy tuning,
 * Haarnoja et al. 2018b, arXiv:1812.05905) on TensorFlow.js, one gradient step at a time from replay
 * minibatches, in the order of Stable-Baselines3's `SAC.train`:
 *
 * 1. a fresh sample a~ = tanh(μ(s) + σ(s)·ε) of the current policy and its log π(a~|s);
 * 2. temperature: minimise −log α · (log π(a~|s) + H̄) (the α objective, 2018b eq. 18, in log α as
 *    SB3 optimises it), H̄ = −dim(A) by default;
 * 3. critics: y = r + γ·(1 − d)·(min_i Q'_i(s', a') − α·log π(a'|s')), a' ~ π(·|s') (the soft Bellman
 *    backup, 2018b eqs. 3 and 5, with TD3's min over twin target critics); minimise
 *    ½·Σ_i mean((Q_i(s, a) − y)²);
 * 4. actor: minimise mean(α·log π(a~|s) − min_i Q_i(s, a~)) (2018b eq. 9, reparameterised);
 * 5. Polyak averaging of the target critics with τ.
 *
 * α in steps 3–4 is the value before step 2's update, as in SB3. The actor is a squashed Gaussian:
 * one network outputs the mean and the log standard deviation (clamped to [−20, 2]) of u, and the
 * action is tanh(u) in [−1, 1] per dimension.
 *
 * This is the reference: src/fast/sac.ts computes the same update without tfjs (the fast path,
 * chosen as for PPO: src/fast/select.ts), tested against this one in tests/fast/.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type Rng } from '../../core/index.ts';
import { adam, checkFinite, mseLoss, Mlp, normals, polyakUpdate, qValues, tdTarget, type OffPolicyLearner, type OffPolicySettings } from './offpolicy-nets.ts';
import type { ReplayBatch } from './replay-buffer.ts';

/** Stable-Baselines3's clamp of the actor's log standard deviation. */
export const LOG_STD_MIN = -20;
export const LOG_STD_MAX = 2;

export interface SacSettings extends OffPolicySettings {
  /** A fixed temperature α, or null to tune it toward `targetEntropy` starting from α = 1 (SB3's 'auto'). */
  readonly alpha: number | null;
  /** Target entropy H̄ of automatic tuning (null: −actionDims, as the paper and SB3). */
  readonly targetEntropy: number | null;
}

/**
 * The squashed Gaussian policy (Haarnoja et al. 2018a, Appendix C): u = μ + σ·ε with ε given, a = tanh(u),
 * log π(a|s) = Σ_j [log N(u_j; μ_j, σ_j) − log(1 − tanh²(u_j))] (eq. 21, the change of variables
 * through tanh). `head` holds [μ, log σ] per row (B × 2A); log σ is clamped to [−20, 2].
 * log(1 − tanh²u) is computed as 2·(log 2 − u − softplus(−2u)), exact and stable for large |u|.
 */
export function squashedGaussian(head: tf.Tensor2D, eps: tf.Tensor2D): { action: tf.Tensor2D; logProb: tf.Tensor1D } {
  const A = head.shape[1] / 2;
  const [mean, rawLogStd] = tf.split(head, [A, A], 1) as [tf.Tensor2D, tf.Tensor2D];
  const logStd = tf.clipByValue(rawLogStd, LOG_STD_MIN, LOG_STD_MAX);
  const u = tf.add(mean, tf.mul(tf.exp(logStd), eps));
  const gaussian = tf.sub(tf.sub(tf.mul(-0.5, tf.square(eps)), logStd), 0.5 * Math.log(2 * Math.PI));
  const logDetJacobian = tf.mul(2, tf.sub(tf.sub(Math.log(2), u), tf.softplus(tf.mul(-2, u))));
  return { action: tf.tanh(u) as tf.Tensor2D, logProb: tf.sum(tf.sub(gaussian, logDetJacobian), 1) as tf.Tensor1D };
}

/**
 * SAC's critic target y = r + γ·(1 − d)·(min(Q'_1, Q'_2)(s', a') − α·log π(a'|s')) with a' ~ π(·|s')
 * (the soft state value of 2018b eq. 3 inside the soft Q objective, eq. 5).
 */
export function sacTarget(rewards: tf.Tensor1D, dones: tf.Tensor1D, nextQs: readonly tf.Tensor1D[], nextLogProb: tf.Tensor1D, alpha: number, gamma: number): tf.Tensor1D {
  const minQ = nextQs.slice(1).reduce((m, q) => tf.minimum(m, q), nextQs[0]!);
  return tdTarget(rewards, dones, tf.sub(minQ, tf.mul(alpha, nextLogProb)) as tf.Tensor1D, gamma);
}

/**
 * The temperature loss −mean(log α · (log π(a|s) + H̄)) (2018b eq. 18, J(α) = E[−α·log π − α·H̄],
 * taken in log α as SB3 does: the same fixed point, α stays positive). `logProb` is a constant here.
 */
export function alphaLoss(logAlpha: tf.Tensor, logProb: tf.Tensor1D, targetEntropy: number): tf.Scalar {
  return tf.neg(tf.mean(tf.mul(logAlpha, tf.add(logProb, targetEntropy)))) as tf.Scalar;
}

/** The networks of a SAC learner (a checkpoint's, or fresh) and its log α. */
export interface SacNetworks {
  readonly actor: Mlp;
  readonly critics: readonly Mlp[];
  readonly criticTargets: readonly Mlp[];
  readonly logAlpha: number;
}

/**
 * The networks a SAC learner starts from: `networks` (a checkpoint's) checked against `settings`, or
 * fresh ones from `seed` (targets copied from their critics) with log α = 0 (α = 1) under automatic
 * tuning, log(alpha) when it is fixed. Every backend's learner starts here, so they start alike.
 */
export function initialSacNetworks(settings: SacSettings, seed: number, networks?: SacNetworks): SacNetworks {
  const { obsSize: O, actionDims: A, hidden, activation } = settings;
  if (settings.alpha !== null && !(settings.alpha >= 0)) throw new ConfigError(`SAC's fixed alpha must be ≥ 0, got ${settings.alpha}`);
  const net = (inputSize: number, outputs: number, s: number, name: string) => Mlp.create({ inputSize, hidden, outputs, activation, seed: s, name });
  let nets: SacNetworks;
  if (networks) {
    if (networks.critics.length !== 2 || networks.criticTargets.length !== 2) throw new ConfigError(`SAC needs 2 critics, the checkpoint has ${networks.critics.length}`);
    nets = networks;
  } else {
    const critics = [0, 1].map((i) => net(O + A, 1, seed * 7919 + 101 + i, `critic${i}`));
    const criticTargets = [0, 1].map((i) => net(O + A, 1, seed * 7919 + 101 + i, `critic${i}_target`));
    criticTargets.forEach((t, i) => t.copyFrom(critics[i]!));
    nets = { actor: net(O, 2 * A, seed * 7919 + 1, 'actor'), critics, criticTargets, logAlpha: settings.alpha === null ? 0 : Math.log(settings.alpha) };
  }
  if (nets.actor.inputSize !== O || nets.actor.outputSize !== 2 * A) throw new ConfigError(`SAC actor maps ${nets.actor.inputSize}→${nets.actor.outputSize}, expected ${O}→${2 * A} (mean and log-std)`);
  for (const n of [...nets.critics, ...nets.criticTargets]) if (n.inputSize !== O + A || n.outputSize !== 1) throw new ConfigError(`SAC critic maps ${n.inputSize}→${n.outputSize}, expected ${O + A}→1`);
  return nets;
}

export class SacLearner implements OffPolicyLearner {
  readonly algo = 'sac' as const;
  readonly settings: SacSettings;
  readonly actor: Mlp;
  readonly critics: readonly Mlp[];
  readonly criticTargets: readonly Mlp[];
  readonly logAlpha: tf.Variable;
  readonly targetEntropy: number;
  readonly actorOptimizer: tf.Optimizer;
  readonly criticOptimizer: tf.Optimizer;
  /** null with a fixed α. */
  readonly alphaOptimizer: tf.Optimizer | null;
  updates = 0;
  private eps: Float32Array = new Float32Array(0);
  private nextEps: Float32Array = new Float32Array(0);
  private actEps: Float32Array = new Float32Array(0);

  constructor(settings: SacSettings, seed: number, networks?: SacNetworks) {
    this.settings = settings;
    const init = initialSacNetworks(settings, seed, networks);
    ({ actor: this.actor, critics: this.critics, criticTargets: this.criticTargets } = init);
    this.logAlpha = tf.tidy(() => tf.variable(tf.scalar(init.logAlpha), settings.alpha === null));
    this.targetEntropy = settings.targetEntropy ?? -settings.actionDims;
    this.actorOptimizer = adam(settings.lr, settings.optimizerEps);
    this.criticOptimizer = adam(settings.lr, settings.optimizerEps);
    this.alphaOptimizer = settings.alpha === null ? adam(settings.lr, settings.optimizerEps) : null;
  }

  get alpha(): number {
    return Math.exp(this.logAlpha.dataSync()[0]!);
  }

  act(obs: Float32Array, rows: number, out: Float32Array, explore: boolean, rng: Rng): void {
    const { obsSize: O, actionDims: A } = this.settings;
    if (this.actEps.length !== rows * A) this.actEps = new Float32Array(rows * A);
    if (explore) normals(rng, this.actEps);
    const a = tf.tidy(() => {
      const head = this.actor.forward(tf.tensor2d(obs.subarray(0, rows * O), [rows, O]));
      if (!explore) return tf.tanh(head.slice([0, 0], [rows, A])).dataSync();
      return squashedGaussian(head, tf.tensor2d(this.actEps, [rows, A])).action.dataSync();
    });
    checkFinite(a, () => `the sac actor after gradient step ${this.updates}`);
    out.set(a.subarray(0, rows * A));
  }

  /** The critic target y of a minibatch for the policy noise ε' at s' (B × actionDims standard normals) and temperature α. */
  target(batch: ReplayBatch, nextEps: Float32Array, alpha: number): Float32Array {
    return tf.tidy(() => this.targetTensor(batch, nextEps, alpha).dataSync() as Float32Array);
  }

  private targetTensor(batch: ReplayBatch, nextEps: Float32Array, alpha: number): tf.Tensor1D {
    const { obsSize: O, actionDims: A, gamma } = this.settings;
    const B = batch.size;
    const nextObs = tf.tensor2d(batch.nextObs, [B, O]);
    const next = squashedGaussian(this.actor.forward(nextObs), tf.tensor2d(nextEps, [B, A]));
    const nextQs = this.criticTargets.map((c) => qValues(c, nextObs, next.action));
    return sacTarget(tf.tensor1d(batch.rewards), tf.tensor1d(batch.dones), nextQs, next.logProb, alpha, gamma);
  }

  train(batch: ReplayBatch, rng: Rng): Record<string, number> {
    const { obsSize: O, actionDims: A, tau } = this.settings;
    const B = batch.size;
    if (this.eps.length !== B * A) {
      this.eps = new Float32Array(B * A);
      this.nextEps = new Float32Array(B * A);
    }
    normals(rng, this.eps);
    normals(rng, this.nextEps);
    this.updates++;
    const alpha = this.alpha;
    const stats: Record<string, number> = tf.tidy(() => {
      const read = (t: tf.Tensor) => t.dataSync()[0]!;
      const s: Record<string, number> = { 'losses/alpha': alpha };
      const obs = tf.tensor2d(batch.obs, [B, O]);
      const eps = tf.tensor2d(this.eps, [B, A]);
      // 1–2. the temperature, from log π of a fresh sample (a constant for this loss)
      const logProb = squashedGaussian(this.actor.forward(obs), eps).logProb;
      if (this.alphaOptimizer) s['losses/alpha_loss'] = read(this.alphaOptimizer.minimize(() => alphaLoss(this.logAlpha, logProb, this.targetEntropy), true, [this.logAlpha])!);
      // 3. critics toward the soft target (computed outside the gradient)
      const y = this.targetTensor(batch, this.nextEps, alpha);
      const actions = tf.tensor2d(batch.actions, [B, A]);
      const qMeans: tf.Scalar[] = [];
      const { value: criticLoss, grads } = tf.variableGrads(() => {
        const qs = this.critics.map((c) => qValues(c, obs, actions));
        for (const q of qs) qMeans.push(tf.keep(tf.mean(q)));
        return tf.mul(0.5, qs.map((q) => mseLoss(q, y)).reduce((a, b) => tf.add(a, b))) as tf.Scalar;
      }, this.critics.flatMap((c) => c.variables()));
      this.criticOptimizer.applyGradients(grads);
      s['losses/qf_loss'] = read(criticLoss);
      qMeans.forEach((q, i) => (s[`losses/qf${i + 1}_values`] = read(q)));
      tf.dispose(qMeans);
      checkFinite([s['losses/qf_loss']], () => `sac critic update ${this.updates}`);
      // 4. actor: the same sample a~ = tanh(μ + σ·ε), through the updated critics
      const kept: tf.Tensor[] = [];
      const actorLoss = this.actorOptimizer.minimize(
        () => {
          const pi = squashedGaussian(this.actor.forward(obs), eps);
          kept.push(tf.keep(tf.neg(tf.mean(pi.logProb))));
          const minQ = tf.minimum(qValues(this.critics[0]!, obs, pi.action), qValues(this.critics[1]!, obs, pi.action));
          return tf.mean(tf.sub(tf.mul(alpha, pi.logProb), minQ)) as tf.Scalar;
        },
        true,
        this.actor.variables(),
      )!;
      s['losses/actor_loss'] = read(actorLoss);
      s['losses/entropy'] = read(kept[0]!);
      tf.dispose(kept);
      checkFinite([s['losses/actor_loss']], () => `sac actor update ${this.updates}`);
      return s;
    });
    checkFinite([this.alpha], () => `sac temperature update ${this.updates}`);
    this.critics.forEach((c, i) => polyakUpdate(this.criticTargets[i]!, c, tau));
    return stats;
  }

  networks(): Record<string, Mlp> {
    const nets: Record<string, Mlp> = { actor: this.actor };
    this.critics.forEach((c, i) => {
      nets[`critic-${i}`] = c;
      nets[`critic-${i}-target`] = this.criticTargets[i]!;
    });
    return nets;
  }

  optimizers(): Record<string, tf.Optimizer> {
    return { actor: this.actorOptimizer, critic: this.criticOptimizer, ...(this.alphaOptimizer ? { alpha: this.alphaOptimizer } : {}) };
  }

  extraVariables(): Record<string, tf.Variable> {
    return { 'log-alpha': this.logAlpha };
  }

  dispose(): void {
    for (const n of Object.values(this.networks())) n.dispose();
    this.logAlpha.dispose();
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
    this.alphaOptimizer?.dispose();
  }
}
