/**
 * What DDPG, TD3 and SAC share (td3.ts, sac.ts): dense networks on TensorFlow.js, Q critics on
 * (observation, action), the one-step TD target and Polyak-averaged target networks.
 *
 * Networks are stored as tf.LayersModels (checkpoints are standard tfjs models) and run through raw
 * ops on the same variables, as agents/policy.ts does. They are initialised as PyTorch's `nn.Linear`
 * (weights and biases uniform in ±1/√fan_in), which is what Stable-Baselines3's SAC and TD3 start from.
 * Actions are in the networks' units, [−1, 1] per dimension; the collector scales them to the game's box.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../../agents/policy-spec.ts';
import { ArenaError, ConfigError, Rng } from '../../core/index.ts';
import type { ReplayBatch } from './replay-buffer.ts';

/**
 * x·W with its gradient taken through explicit transposes and plain matmuls: tfjs-wasm runs a matmul
 * with a transposed operand about 8× slower than a plain one (256×256·256×256: 13–15 ms against
 * 1.7 ms, transpose 0.3 ms), and the gradient of x·W needs two (dy·Wᵀ, xᵀ·dy). Forward and backward
 * of a [256, 256] critic on 256 rows: 33 ms → 6 ms. The same numbers on every backend.
 */
const denseMatMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [tf.matMul(dy, tf.transpose(saved[1]!) as tf.Tensor2D), tf.matMul(tf.transpose(saved[0]!) as tf.Tensor2D, dy)],
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/** A dense network: ReLU/tanh hidden layers, a linear output. */
export class Mlp {
  readonly model: tf.LayersModel;
  readonly activation: Activation;
  private readonly layers: readonly { readonly kernel: tf.Variable; readonly bias: tf.Variable }[];

  private constructor(model: tf.LayersModel, activation: Activation) {
    for (const layer of model.layers) {
      if (layer.getClassName() !== 'Dense') throw new ConfigError(`network ${model.name} has a ${layer.getClassName()} layer; only dense networks are supported`);
    }
    this.model = model;
    this.activation = activation;
    const w = model.trainableWeights.map((v) => v.read() as tf.Variable);
    this.layers = Array.from({ length: w.length / 2 }, (_, i) => ({ kernel: w[2 * i]!, bias: w[2 * i + 1]! }));
  }

  /** A fresh network, weights and biases uniform in ±1/√fan_in (PyTorch's `nn.Linear` default), from `seed`. */
  static create(o: { inputSize: number; hidden: readonly number[]; outputs: number; activation: Activation; seed: number; name: string }): Mlp {
    const sizes = [...o.hidden, o.outputs];
    if (!Number.isInteger(o.inputSize) || o.inputSize < 1 || sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new ConfigError(`network ${o.name}: sizes must be positive integers, got ${o.inputSize}→[${sizes.join(', ')}]`);
    const model = tf.sequential({ name: o.name });
    sizes.forEach((units, i) =>
      model.add(tf.layers.dense({ units, inputShape: i === 0 ? [o.inputSize] : undefined, activation: i === sizes.length - 1 ? 'linear' : o.activation, kernelInitializer: 'zeros', biasInitializer: 'zeros', name: `${o.name}_dense${i}` })),
    );
    const rng = new Rng(o.seed);
    let fanIn = o.inputSize;
    for (const [i, layer] of model.layers.entries()) {
      const units = sizes[i]!;
      const bound = 1 / Math.sqrt(fanIn);
      const kernel = Float32Array.from({ length: fanIn * units }, () => rng.uniform(-bound, bound));
      const bias = Float32Array.from({ length: units }, () => rng.uniform(-bound, bound));
      tf.tidy(() => layer.setWeights([tf.tensor2d(kernel, [fanIn, units]), tf.tensor1d(bias)]));
      fanIn = units;
    }
    return new Mlp(model, o.activation);
  }

  /** Wraps a loaded model (a checkpoint's); its layers must be dense. */
  static fromModel(model: tf.LayersModel, activation: Activation): Mlp {
    return new Mlp(model, activation);
  }

  get inputSize(): number {
    return this.layers[0]!.kernel.shape[0]!;
  }

  get outputSize(): number {
    return this.layers.at(-1)!.kernel.shape[1]!;
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const { kernel, bias } = this.layers[i]!;
      const z = tf.add(denseMatMul(h, kernel as tf.Tensor as tf.Tensor2D), bias) as tf.Tensor2D;
      h = i === this.layers.length - 1 ? z : this.activation === 'relu' ? tf.relu(z) : tf.tanh(z);
    }
    return h;
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  getWeights(): Float32Array[] {
    return this.variables().map((v) => Float32Array.from(v.dataSync() as Float32Array));
  }

  setWeights(weights: readonly Float32Array[]): void {
    const vars = this.variables();
    if (weights.length !== vars.length) throw new ConfigError(`network ${this.model.name}: expected ${vars.length} weight arrays, got ${weights.length}`);
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape))));
  }

  /** Copies every weight of `other` (same shapes): a target network's initialisation. */
  copyFrom(other: Mlp): void {
    const src = other.variables();
    tf.tidy(() => this.variables().forEach((v, i) => v.assign(src[i]!)));
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** A Q critic on (observation, action): one network reading their concatenation, Q(s, a) as [batch]. */
export function qValues(critic: Mlp, obs: tf.Tensor2D, actions: tf.Tensor2D): tf.Tensor1D {
  return critic.forward(tf.concat([obs, actions], 1)).reshape([-1]) as tf.Tensor1D;
}

/**
 * The one-step TD target y = r + γ·(1 − d)·V' (the Bellman backup of Q-learning as DDPG uses it,
 * Lillicrap et al. 2016, Algorithm 1), with d = 1 only where the episode terminated: a truncated
 * transition bootstraps from the value V' of its final observation.
 */
export function tdTarget(rewards: tf.Tensor1D, dones: tf.Tensor1D, nextValues: tf.Tensor1D, gamma: number): tf.Tensor1D {
  return tf.add(rewards, tf.mul(tf.mul(tf.sub(1, dones), gamma), nextValues)) as tf.Tensor1D;
}

/** Mean squared error of Q-values against a (gradient-free) target. */
export function mseLoss(q: tf.Tensor1D, target: tf.Tensor1D): tf.Scalar {
  return tf.mean(tf.square(tf.sub(q, target))) as tf.Scalar;
}

/**
 * Polyak averaging of target networks, θ' ← τ·θ + (1 − τ)·θ' (Lillicrap et al. 2016, Algorithm 1;
 * Fujimoto et al. 2018, Algorithm 1), for every variable of `target` from the matching one of `source`.
 */
export function polyakUpdate(target: Mlp, source: Mlp, tau: number): void {
  const src = source.variables();
  tf.tidy(() => target.variables().forEach((v, i) => v.assign(tf.add(tf.mul(src[i]!, tau), tf.mul(v, 1 - tau)))));
}

/** Adam as Stable-Baselines3's off-policy algorithms use it (PyTorch's defaults but for the learning rate). */
export function adam(lr: number, eps: number): tf.Optimizer {
  return tf.train.adam(lr, 0.9, 0.999, eps);
}

/**
 * What a checkpoint needs of an optimizer: its state as tfjs optimizer weights (`iter`, then every
 * variable's first moments, then its second). A tf.Optimizer is one; the fast learners (src/fast/)
 * give the same weights for their flat Adam state, so a checkpoint of either restores into the other.
 */
export type OptimizerWeights = Pick<tf.Optimizer, 'getWeights' | 'setWeights'>;

/** The settings every off-policy learner takes (td3.ts and sac.ts add their own). */
export interface OffPolicySettings {
  readonly obsSize: number;
  readonly actionDims: number;
  /** Hidden layer sizes of the actor and of every critic. */
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** Adam's learning rate and ε, for every network (and SAC's temperature). */
  readonly lr: number;
  readonly optimizerEps: number;
  readonly gamma: number;
  /** Polyak coefficient τ of the target networks. */
  readonly tau: number;
}

/** What the off-policy training loop drives: TD3/DDPG (td3.ts) or SAC (sac.ts). */
export interface OffPolicyLearner {
  readonly algo: 'ddpg' | 'td3' | 'sac';
  /** Gradient steps taken (restored on resume: TD3's delayed updates keep their phase). */
  updates: number;
  /**
   * Actions in [−1, 1] for `rows` observations into `out` (rows × actionDims): exploring (TD3/DDPG:
   * μ(s) plus Gaussian noise, clipped; SAC: a sample of the squashed Gaussian) or deterministic (μ(s);
   * SAC: tanh of the mean). Non-finite actions throw a DivergedError.
   */
  act(obs: Float32Array, rows: number, out: Float32Array, explore: boolean, rng: Rng): void;
  /** One gradient step on a minibatch; returns its metrics (`losses/…`). */
  train(batch: ReplayBatch, rng: Rng): Record<string, number>;
  /** Every network by a stable name (what a checkpoint stores), holding the current weights. */
  networks(): Record<string, Mlp>;
  /** Every optimizer by a stable name (actor, critic; SAC's alpha). */
  optimizers(): Record<string, OptimizerWeights>;
  /** Variables besides the networks' (SAC's log α). */
  extraVariables(): Record<string, tf.Variable>;
  dispose(): void;
}

/** A non-finite number from a network: the run has diverged; the message names where and when. */
export class DivergedError extends ArenaError {
  constructor(message: string) {
    super('DIVERGED', message);
  }
}

/** Throws a DivergedError when `xs` holds NaN or ±Infinity (`what` names the update and the step). */
export function checkFinite(xs: ArrayLike<number>, what: () => string): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i]!)) throw new DivergedError(`${what()} produced ${xs[i]} (a non-finite value): the networks diverged; lower the learning rate or check the rewards`);
  }
}

/** Standard normal samples from the learner's seeded RNG (exploration and target noise stay reproducible on every backend). */
export function normals(rng: Rng, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}
