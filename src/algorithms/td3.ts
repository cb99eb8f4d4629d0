/**
 * TD3 (Fujimoto, van Hoof & Meger 2018) and DDPG (Lillicrap et al. 2016) on TensorFlow.js, one
 * gradient step at a time from replay minibatches, as Stable-Baselines3's `TD3.train`:
 *
 * 1. target: ã = clip(μ'(s') + clip(σ̃·ε, −c, c), −1, 1); y = r + γ·(1 − d)·min_i Q'_i(s', ã)
 *    (clipped double Q-learning and target policy smoothing, Algorithm 1);
 * 2. critics: minimise Σ_i mean((Q_i(s, a) − y)²);
 * 3. every `policyDelay` critic updates: the actor maximises Q_1(s, μ(s)) (the deterministic policy
 *    gradient), then every target network moves by Polyak averaging with τ.
 *
 * DDPG is the same learner with one critic, no delay (every step) and no target smoothing — SB3's
 * definition of its DDPG. The actor is deterministic: μ(s) = tanh(net(s)) in [−1, 1] per dimension.
 *
 * This is the reference: src/fast/td3.ts computes the same update without tfjs (the fast path,
 * chosen as for PPO: src/fast/select.ts), tested against this one in tests/fast/.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type Rng } from '../../core/index.ts';
import { adam, checkFinite, mseLoss, Mlp, normals, polyakUpdate, qValues, tdTarget, type OffPolicyLearner, type OffPolicySettings } from './offpolicy-nets.ts';
import type { ReplayBatch } from './replay-buffer.ts';

export interface Td3Settings extends OffPolicySettings {
  readonly algo: 'td3' | 'ddpg';
  /** Critics: 2 (TD3's clipped double Q) or 1 (DDPG). */
  readonly critics: 1 | 2;
  /** Actor and target updates every this many critic updates (TD3 2, DDPG 1). */
  readonly policyDelay: number;
  /** Std σ̃ of the target policy smoothing noise (TD3 0.2, DDPG 0), clipped to ±`targetNoiseClip` (0.5). */
  readonly targetNoise: number;
  readonly targetNoiseClip: number;
  /** Std of the Gaussian exploration noise added to μ(s) while collecting, in [−1, 1] action units. */
  readonly actionNoise: number;
}

/**
 * TD3's target action ã = clip(μ'(s') + clip(σ̃·ε, −c, c), −1, 1), ε ~ N(0, 1) given
 * (Fujimoto et al. 2018, eq. 15, target policy smoothing). σ̃ = 0 gives DDPG's μ'(s').
 */
export function smoothedTargetAction(targetMu: tf.Tensor2D, eps: tf.Tensor2D, sigma: number, clip: number): tf.Tensor2D {
  if (sigma === 0) return targetMu;
  return tf.clipByValue(tf.add(targetMu, tf.clipByValue(tf.mul(eps, sigma), -clip, clip)), -1, 1) as tf.Tensor2D;
}

/**
 * TD3's critic target y = r + γ·(1 − d)·min_i Q'_i(s', ã) (Fujimoto et al. 2018, eq. 10, clipped
 * double Q-learning); with one critic, DDPG's y = r + γ·(1 − d)·Q'(s', μ'(s')) (Lillicrap et al. 2016,
 * Algorithm 1). d is 1 only at a termination.
 */
export function td3Target(rewards: tf.Tensor1D, dones: tf.Tensor1D, nextQs: readonly tf.Tensor1D[], gamma: number): tf.Tensor1D {
  const minQ = nextQs.slice(1).reduce((m, q) => tf.minimum(m, q), nextQs[0]!);
  return tdTarget(rewards, dones, minQ, gamma);
}

/** The networks of a TD3/DDPG learner (a checkpoint's, or fresh). */
export interface Td3Networks {
  readonly actor: Mlp;
  readonly actorTarget: Mlp;
  readonly critics: readonly Mlp[];
  readonly criticTargets: readonly Mlp[];
}

/**
 * The networks a TD3/DDPG learner starts from: `networks` (a checkpoint's) checked against
 * `settings`, or fresh ones from `seed` with every target a copy of its network. Every backend's
 * learner starts here, so they start alike.
 */
export function initialTd3Networks(settings: Td3Settings, seed: number, networks?: Td3Networks): Td3Networks {
  const { algo, obsSize: O, actionDims: A, hidden, activation } = settings;
  if (settings.critics !== 1 && settings.critics !== 2) throw new ConfigError(`TD3/DDPG take 1 or 2 critics, got ${String(settings.critics)}`);
  const net = (inputSize: number, outputs: number, s: number, name: string) => Mlp.create({ inputSize, hidden, outputs, activation, seed: s, name });
  let nets: Td3Networks;
  if (networks) {
    if (networks.critics.length !== settings.critics || networks.criticTargets.length !== settings.critics) throw new ConfigError(`${algo} needs ${settings.critics} critic(s), the checkpoint has ${networks.critics.length}`);
    nets = networks;
  } else {
    nets = {
      actor: net(O, A, seed * 7919 + 1, 'actor'),
      actorTarget: net(O, A, seed * 7919 + 1, 'actor_target'),
      critics: Array.from({ length: settings.critics }, (_, i) => net(O + A, 1, seed * 7919 + 101 + i, `critic${i}`)),
      criticTargets: Array.from({ length: settings.critics }, (_, i) => net(O + A, 1, seed * 7919 + 101 + i, `critic${i}_target`)),
    };
    nets.actorTarget.copyFrom(nets.actor);
    nets.criticTargets.forEach((t, i) => t.copyFrom(nets.critics[i]!));
  }
  for (const n of [nets.actor, nets.actorTarget]) if (n.inputSize !== O || n.outputSize !== A) throw new ConfigError(`${algo} actor maps ${n.inputSize}→${n.outputSize}, expected ${O}→${A}`);
  for (const n of [...nets.critics, ...nets.criticTargets]) if (n.inputSize !== O + A || n.outputSize !== 1) throw new ConfigError(`${algo} critic maps ${n.inputSize}→${n.outputSize}, expected ${O + A}→1`);
  return nets;
}

export class Td3Learner implements OffPolicyLearner {
  readonly algo: 'td3' | 'ddpg';
  readonly settings: Td3Settings;
  readonly actor: Mlp;
  readonly actorTarget: Mlp;
  readonly critics: readonly Mlp[];
  readonly criticTargets: readonly Mlp[];
  readonly actorOptimizer: tf.Optimizer;
  readonly criticOptimizer: tf.Optimizer;
  updates = 0;
  private lastActorLoss = NaN;
  private noise: Float32Array = new Float32Array(0);
  private actNoise: Float32Array = new Float32Array(0);

  /** Fresh networks from `seed`, or `networks` (a checkpoint's) as they are. */
  constructor(settings: Td3Settings, seed: number, networks?: Td3Networks) {
    this.algo = settings.algo;
    this.settings = settings;
    ({ actor: this.actor, actorTarget: this.actorTarget, critics: this.critics, criticTargets: this.criticTargets } = initialTd3Networks(settings, seed, networks));
    this.actorOptimizer = adam(settings.lr, settings.optimizerEps);
    this.criticOptimizer = adam(settings.lr, settings.optimizerEps);
  }

  act(obs: Float32Array, rows: number, out: Float32Array, explore: boolean, rng: Rng): void {
    const { obsSize: O, actionDims: A, actionNoise } = this.settings;
    const mu = tf.tidy(() => tf.tanh(this.actor.forward(tf.tensor2d(obs.subarray(0, rows * O), [rows, O]))).dataSync());
    checkFinite(mu, () => `the ${this.algo} actor after gradient step ${this.updates}`);
    if (this.actNoise.length !== rows * A) this.actNoise = new Float32Array(rows * A);
    if (explore && actionNoise > 0) normals(rng, this.actNoise);
    for (let i = 0; i < rows * A; i++) out[i] = explore && actionNoise > 0 ? Math.min(1, Math.max(-1, mu[i]! + actionNoise * this.actNoise[i]!)) : mu[i]!;
  }

  /** The critic target y of a minibatch for target-smoothing noise ε (B × actionDims standard normals). */
  target(batch: ReplayBatch, eps: Float32Array): Float32Array {
    return tf.tidy(() => this.targetTensor(batch, eps).dataSync() as Float32Array);
  }

  private targetTensor(batch: ReplayBatch, eps: Float32Array): tf.Tensor1D {
    const { obsSize: O, actionDims: A, gamma, targetNoise, targetNoiseClip } = this.settings;
    const B = batch.size;
    const nextObs = tf.tensor2d(batch.nextObs, [B, O]);
    const nextAct = smoothedTargetAction(tf.tanh(this.actorTarget.forward(nextObs)), tf.tensor2d(eps, [B, A]), targetNoise, targetNoiseClip);
    const nextQs = this.criticTargets.map((c) => qValues(c, nextObs, nextAct));
    return td3Target(tf.tensor1d(batch.rewards), tf.tensor1d(batch.dones), nextQs, gamma);
  }

  train(batch: ReplayBatch, rng: Rng): Record<string, number> {
    const { obsSize: O, actionDims: A, tau, policyDelay } = this.settings;
    const B = batch.size;
    if (this.noise.length !== B * A) this.noise = new Float32Array(B * A);
    if (this.settings.targetNoise > 0) normals(rng, this.noise);
    this.updates++;
    const actorStep = this.updates % policyDelay === 0;
    const stats: Record<string, number> = tf.tidy(() => {
      const obs = tf.tensor2d(batch.obs, [B, O]);
      const actions = tf.tensor2d(batch.actions, [B, A]);
      const y = this.targetTensor(batch, this.noise);
      const qMeans: tf.Scalar[] = [];
      const { value: criticLoss, grads } = tf.variableGrads(() => {
        const qs = this.critics.map((c) => qValues(c, obs, actions));
        for (const q of qs) qMeans.push(tf.keep(tf.mean(q)));
        return qs.map((q) => mseLoss(q, y)).reduce((a, b) => tf.add(a, b));
      }, this.critics.flatMap((c) => c.variables()));
      this.criticOptimizer.applyGradients(grads);
      const s: Record<string, number> = { 'losses/qf_loss': criticLoss.dataSync()[0]! };
      qMeans.forEach((q, i) => (s[`losses/qf${i + 1}_values`] = q.dataSync()[0]!));
      tf.dispose(qMeans);
      checkFinite([s['losses/qf_loss']!], () => `${this.algo} critic update ${this.updates}`);
      if (actorStep) {
        // the deterministic policy gradient: ascend Q_1(s, μ(s)) in the actor's weights only
        const actorLoss = this.actorOptimizer.minimize(() => tf.neg(tf.mean(qValues(this.critics[0]!, obs, tf.tanh(this.actor.forward(obs))))) as tf.Scalar, true, this.actor.variables())!;
        this.lastActorLoss = actorLoss.dataSync()[0]!;
        checkFinite([this.lastActorLoss], () => `${this.algo} actor update ${this.updates}`);
      }
      s['losses/actor_loss'] = this.lastActorLoss;
      return s;
    });
    if (actorStep) {
      polyakUpdate(this.actorTarget, this.actor, tau);
      this.critics.forEach((c, i) => polyakUpdate(this.criticTargets[i]!, c, tau));
    }
    return stats;
  }

  networks(): Record<string, Mlp> {
    const nets: Record<string, Mlp> = { actor: this.actor, 'actor-target': this.actorTarget };
    this.critics.forEach((c, i) => {
      nets[`critic-${i}`] = c;
      nets[`critic-${i}-target`] = this.criticTargets[i]!;
    });
    return nets;
  }

  optimizers(): Record<string, tf.Optimizer> {
    return { actor: this.actorOptimizer, critic: this.criticOptimizer };
  }

  extraVariables(): Record<string, tf.Variable> {
    return {};
  }

  dispose(): void {
    for (const n of Object.values(this.networks())) n.dispose();
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
  }
}
