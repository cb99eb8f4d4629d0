/**
 * Actor-critic policies on TensorFlow.js: separate actor and critic MLPs (as in CleanRL's PPO), with
 * orthogonal initialisation (gain √2 on hidden layers, 0.01 on the policy head, 1 on the value head,
 * "37 implementation details" #2), a masked categorical head for discrete actions and a diagonal
 * Gaussian head (state-independent log-std) for continuous ones.
 *
 * The networks are stored as tf.LayersModels so checkpoints are standard tfjs models a browser can
 * load with `tf.loadLayersModel`; forward passes use the same variables through raw ops, which avoids
 * the layers API's per-call overhead. The critic's input may differ from the actor's (a global state
 * for centralized critics, as MAPPO needs).
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng } from '../core/index.ts';
import { sampleCategorical } from './sampling.ts';

export { sampleCategorical } from './sampling.ts';

/** Logit offset for illegal actions: exp(−1e9) underflows to exactly 0 in float32, so they are never sampled. */
export const MASKED_LOGIT = -1e9;

export type Activation = 'tanh' | 'relu';

export interface PolicySpec {
  /** Actor input size (a seat's observation). */
  readonly obsSize: number;
  /** Critic input size: equals obsSize for a local critic, the global-state size for a centralized one. */
  readonly criticInputSize: number;
  /** 'categorical' (discrete, `actions` choices) or 'gaussian' (continuous, `actions` dimensions). */
  readonly head: 'categorical' | 'gaussian';
  readonly actions: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** Initial log standard deviation of the Gaussian head. */
  readonly initLogStd?: number;
}

/** A dense layer viewed as raw variables. */
interface DenseVars {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
}

/**
 * A [rows, cols] matrix with orthonormal columns (rows ≥ cols) or rows (rows < cols), times `gain`
 * (Saxe et al. 2014): modified Gram–Schmidt on a seeded Gaussian matrix, in float64. Equivalent to
 * torch's `orthogonal_` (QR with a positive diagonal), and identical on every backend.
 */
export function orthogonalMatrix(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const q = new Float64Array(n * m); // m column vectors of length n
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let j = 0; j < m; j++) {
    const cj = q.subarray(j * n, (j + 1) * n);
    for (let k = 0; k < j; k++) {
      const ck = q.subarray(k * n, (k + 1) * n);
      let dot = 0;
      for (let i = 0; i < n; i++) dot += cj[i]! * ck[i]!;
      for (let i = 0; i < n; i++) cj[i]! -= dot * ck[i]!;
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += cj[i]! * cj[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) cj[i]! /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows ≥ cols: W[r][c] = column c, entry r; otherwise W = Qᵀ: W[r][c] = column r, entry c
      out[r * cols + c] = gain * (rows >= cols ? q[c * n + r]! : q[r * n + c]!);
    }
  }
  return out;
}

function buildMlp(inputSize: number, hidden: readonly number[], outputs: number, activation: Activation, outGain: number, seed: number, name: string): tf.LayersModel {
  const model = tf.sequential({ name });
  const sizes = [...hidden, outputs];
  sizes.forEach((units, i) => {
    const last = i === sizes.length - 1;
    model.add(
      tf.layers.dense({
        units,
        activation: last ? 'linear' : activation,
        inputShape: i === 0 ? [inputSize] : undefined,
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
        name: last ? `${name}_out` : `${name}_dense${i}`,
      }),
    );
  });
  const rng = new Rng(seed);
  let fanIn = inputSize;
  model.layers.forEach((layer, i) => {
    const units = sizes[i]!;
    const kernel = orthogonalMatrix(fanIn, units, i === sizes.length - 1 ? outGain : Math.SQRT2, rng);
    tf.tidy(() => layer.setWeights([tf.tensor2d(kernel, [fanIn, units]), tf.zeros([units])]));
    fanIn = units;
  });
  return model;
}

function denseVars(model: tf.LayersModel): DenseVars[] {
  const w = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const out: DenseVars[] = [];
  for (let i = 0; i < w.length; i += 2) out.push({ kernel: w[i]!, bias: w[i + 1]! });
  return out;
}

function forwardMlp(layers: readonly DenseVars[], x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  let h = x;
  for (let i = 0; i < layers.length; i++) {
    const { kernel, bias } = layers[i]!;
    const z = tf.add(tf.matMul(h, kernel), bias) as tf.Tensor2D;
    h = i === layers.length - 1 ? z : activation === 'tanh' ? tf.tanh(z) : tf.relu(z);
  }
  return h;
}

/** Output buffers for batched action selection (caller-owned, reused every step). */
export interface ActBuffers {
  /** Discrete: chosen action per row. */
  readonly actions: Int32Array;
  /** Continuous: `rows × actions` chosen action vectors. */
  readonly continuous?: Float32Array;
  readonly logProbs: Float32Array;
  readonly values: Float32Array;
}

export class ActorCritic {
  readonly spec: PolicySpec;
  readonly actor: tf.LayersModel;
  readonly critic: tf.LayersModel;
  /** Gaussian head only: state-independent log standard deviations. */
  readonly logStd: tf.Variable | null;
  private readonly actorLayers: DenseVars[];
  private readonly criticLayers: DenseVars[];
  private readonly probs: Float64Array;

  constructor(spec: PolicySpec, seed = 0, models?: { actor: tf.LayersModel; critic: tf.LayersModel; logStd?: Float32Array }) {
    if (spec.obsSize <= 0 || spec.criticInputSize <= 0 || spec.actions <= 0) throw new ConfigError('policy sizes must be positive');
    if (spec.hidden.some((h) => !Number.isInteger(h) || h <= 0)) throw new ConfigError(`hidden sizes must be positive integers, got [${spec.hidden.join(', ')}]`);
    this.spec = spec;
    this.actor = models?.actor ?? buildMlp(spec.obsSize, spec.hidden, spec.actions, spec.activation, 0.01, seed * 7919 + 1, 'actor');
    this.critic = models?.critic ?? buildMlp(spec.criticInputSize, spec.hidden, 1, spec.activation, 1, seed * 7919 + 101, 'critic');
    checkModel(this.actor, spec.obsSize, spec.actions, 'actor');
    checkModel(this.critic, spec.criticInputSize, 1, 'critic');
    this.actorLayers = denseVars(this.actor);
    this.criticLayers = denseVars(this.critic);
    this.logStd =
      spec.head === 'gaussian'
        ? tf.variable(models?.logStd ? tf.tensor1d(models.logStd) : tf.fill([spec.actions], spec.initLogStd ?? 0), true)
        : null;
    this.probs = new Float64Array(spec.actions);
  }

  /** All trainable variables (actor, critic, log-std), in a stable order. */
  trainableVariables(): tf.Variable[] {
    const vars = [...this.actorLayers, ...this.criticLayers].flatMap((l) => [l.kernel, l.bias]);
    if (this.logStd) vars.push(this.logStd);
    return vars;
  }

  actorVariables(): tf.Variable[] {
    return this.actorLayers.flatMap((l) => [l.kernel, l.bias]).concat(this.logStd ? [this.logStd] : []);
  }

  criticVariables(): tf.Variable[] {
    return this.criticLayers.flatMap((l) => [l.kernel, l.bias]);
  }

  /** Actor output: logits (categorical) or means (Gaussian), shape [batch, actions]. */
  actorForward(obs: tf.Tensor2D): tf.Tensor2D {
    return forwardMlp(this.actorLayers, obs, this.spec.activation);
  }

  /** Critic output V(x), shape [batch]. */
  criticForward(input: tf.Tensor2D): tf.Tensor1D {
    return forwardMlp(this.criticLayers, input, this.spec.activation).reshape([-1]) as tf.Tensor1D;
  }

  /**
   * Batched action selection for `rows` inputs: one forward pass for actor and critic, one read back,
   * then sampling on the CPU with the caller's seeded RNG. Illegal actions (mask 0) get probability
   * exactly 0. `deterministic` picks the most probable legal action (or the Gaussian mean).
   * `criticInput` may be omitted (values are then left untouched), e.g. for bots that only act.
   */
  act(
    obs: Float32Array,
    rows: number,
    masks: Uint8Array | null,
    rng: Rng,
    out: ActBuffers,
    opts: { deterministic?: boolean; criticInput?: Float32Array | null } = {},
  ): void {
    const { actions: A, obsSize, criticInputSize } = this.spec;
    let outData: Float32Array = new Float32Array(0);
    let valueData: Float32Array | null = null;
    tf.tidy(() => {
      const x = tf.tensor2d(obs.subarray(0, rows * obsSize), [rows, obsSize]);
      outData = this.actorForward(x).dataSync() as Float32Array;
      const critic = opts.criticInput === undefined ? obs : opts.criticInput;
      if (critic) valueData = this.criticForward(tf.tensor2d(critic.subarray(0, rows * criticInputSize), [rows, criticInputSize])).dataSync() as Float32Array;
    });
    if (valueData) out.values.set((valueData as Float32Array).subarray(0, rows));
    if (this.spec.head === 'categorical') {
      for (let r = 0; r < rows; r++) {
        const { action, logProb } = sampleCategorical(outData, r * A, A, masks, r * A, rng, opts.deterministic ?? false, this.probs);
        out.actions[r] = action;
        out.logProbs[r] = logProb;
      }
    } else {
      const std = this.logStd!.dataSync() as Float32Array;
      const cont = out.continuous;
      if (!cont) throw new ConfigError('a Gaussian policy needs a `continuous` action buffer');
      for (let r = 0; r < rows; r++) {
        let lp = 0;
        for (let j = 0; j < A; j++) {
          const mu = outData[r * A + j]!;
          const sigma = Math.exp(std[j]!);
          const a = opts.deterministic ? mu : mu + sigma * rng.normal();
          cont[r * A + j] = a;
          lp += gaussianLogProb(a, mu, std[j]!);
        }
        out.logProbs[r] = lp;
      }
    }
  }

  /** Batched critic values V(x) for `rows` inputs into `out` (one forward pass, one read-back). */
  values(input: Float32Array, rows: number, out: Float32Array, outOffset = 0): void {
    const size = this.spec.criticInputSize;
    const v = tf.tidy(() => this.criticForward(tf.tensor2d(input.subarray(0, rows * size), [rows, size])).dataSync());
    for (let r = 0; r < rows; r++) out[outOffset + r] = v[r]!;
  }

  /** All trainable weights as Float32Array copies, in `trainableVariables()` order. */
  getWeights(): Float32Array[] {
    return this.trainableVariables().map((v) => v.dataSync() as Float32Array).map((a) => Float32Array.from(a));
  }

  /** Loads weights produced by `getWeights()` (same spec); throws on any shape mismatch. */
  setWeights(weights: readonly Float32Array[]): void {
    const vars = this.trainableVariables();
    if (weights.length !== vars.length) throw new ConfigError(`expected ${vars.length} weight arrays, got ${weights.length}`);
    tf.tidy(() => {
      vars.forEach((v, i) => {
        const w = weights[i]!;
        if (w.length !== v.size) throw new ConfigError(`weight ${i} has ${w.length} values, expected ${v.size}`);
        v.assign(tf.tensor(w, v.shape));
      });
    });
  }

  /** Copies all weights from another policy of the same spec. */
  copyFrom(other: ActorCritic): void {
    const src = other.trainableVariables();
    this.trainableVariables().forEach((v, i) => v.assign(src[i]!));
  }

  dispose(): void {
    this.actor.dispose();
    this.critic.dispose();
    this.logStd?.dispose();
  }
}

function checkModel(model: tf.LayersModel, inputs: number, outputs: number, what: string): void {
  const inShape = model.inputs[0]?.shape;
  const outShape = model.outputs[0]?.shape;
  if (inShape?.[1] !== inputs || outShape?.[1] !== outputs) {
    throw new ConfigError(`${what} network maps ${inShape?.[1]}→${outShape?.[1]}, expected ${inputs}→${outputs}`);
  }
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Dense') throw new ConfigError(`${what} network has a ${cls} layer; only Dense MLPs are supported`);
  }
}

/** log N(a; μ, σ) with σ = exp(logStd). */
export function gaussianLogProb(a: number, mu: number, logStd: number): number {
  const z = (a - mu) / Math.exp(logStd);
  return -0.5 * z * z - logStd - 0.5 * Math.log(2 * Math.PI);
}

