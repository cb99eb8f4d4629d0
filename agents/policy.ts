/**
 * Actor-critic policies on TensorFlow.js: separate actor and critic MLPs (as in CleanRL's PPO), with
 * orthogonal initialisation (gain √2 on hidden layers, 0.01 on the policy head, 1 on the value head,
 * "37 implementation details" #2), a masked categorical head for discrete actions and a diagonal
 * Gaussian head (state-independent log-std) for continuous ones.
 *
 * With `spec.conv`, each network (actor and critic alike, each with its own weights; the actor alone
 * with `conv.actorOnly`, the critic then a plain MLP on the flat observation) starts with a
 * convolutional trunk over the observation's board planes (GameInfo.observationShape): a 3×3 'same'
 * convolution with ReLU, then `resBlocks` residual blocks (conv, ReLU, conv, + skip, ReLU, as
 * AlphaZero's tower without batch norm), optionally a 1×1 convolution with ReLU down to `reduce`
 * channels (AlphaZero's heads start with one: the first dense layer, which reads every position's
 * channels, then has `reduce`/`channels` of the weights), flattened into the dense layers. The plane-major input is
 * reshaped and permuted to channels-last (NHWC) inside the model, so a browser feeds it the flat
 * observation as for an MLP. With `conv.columnHead` (reach w) the actor's head reads the board by
 * columns instead of flattened: the trunk's output zero-padded by w columns on each side
 * (ZeroPadding2D), a [rows × (2w+1)] 'valid' convolution (its first head layer: each column's window,
 * every column through the same weights), reshaped to one row per column for the other head layers
 * (Dense on the last axis), the last giving each column one logit, flattened to [cols] logits. Its
 * kernel [rows, 2w+1, channels, units] is, flattened, the [rows·(2w+1)·channels × units] matrix of a
 * dense layer on the window. Convolution kernels get the same orthogonal initialisation, on their
 * [3·3·in, out] matrix (torch's `orthogonal_` flattens conv weights the same way).
 *
 * The networks are stored as tf.LayersModels so checkpoints are standard tfjs models a browser can
 * load with `tf.loadLayersModel`; forward passes use the same variables through raw ops, which avoids
 * the layers API's per-call overhead. The critic's input may differ from the actor's (a global state
 * for centralized critics, as MAPPO needs).
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng } from '../core/index.ts';
import { columnHead, convLayerCount, netConv, type Activation, type ColumnHeadSpec, type ConvSpec, type PolicySpec } from './policy-spec.ts';
import { gaussianLogProb, sampleCategorical } from './sampling.ts';

export { sampleCategorical } from './sampling.ts';

export { MASKED_LOGIT } from './logits.ts';

export { columnHead, convLayerCount, netConv, type Activation, type ColumnHeadSpec, type ConvSpec, type PolicySpec } from './policy-spec.ts';

/** Why `spec`'s conv trunk is malformed (null when it is fine, or absent). */
function convSpecProblem(spec: PolicySpec): string | null {
  const c = spec.conv;
  if (!c) return null;
  const shape = Array.isArray(c.shape) ? c.shape : [];
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) return `conv shape must be [planes, rows, cols] of positive integers, got ${JSON.stringify(c.shape)}`;
  const [p, r, k] = shape as [number, number, number];
  if (p * r * k !== spec.obsSize) return `conv shape [${shape.join(', ')}] holds ${p * r * k} values, but the observation has ${spec.obsSize}`;
  if (c.actorOnly !== undefined && typeof c.actorOnly !== 'boolean') return `conv actorOnly must be a boolean, got ${JSON.stringify(c.actorOnly)}`;
  if (!c.actorOnly && spec.criticInputSize !== spec.obsSize) return `a conv policy's critic reads the observation (criticInputSize ${spec.criticInputSize} ≠ obsSize ${spec.obsSize})`;
  if (!Number.isInteger(c.channels) || c.channels <= 0) return `conv channels must be a positive integer, got ${c.channels}`;
  if (!Number.isInteger(c.resBlocks) || c.resBlocks < 0) return `conv resBlocks must be a non-negative integer, got ${c.resBlocks}`;
  if (c.reduce !== undefined && (!Number.isInteger(c.reduce) || c.reduce < 0)) return `conv reduce must be a non-negative integer (0: no 1×1 reduction), got ${c.reduce}`;
  const ch = c.columnHead;
  if (ch !== undefined && (typeof ch !== 'object' || ch === null || !Number.isInteger(ch.reach) || ch.reach < 0 || ch.reach >= k)) {
    return `conv columnHead must be { reach } with reach an integer from 0 to ${k - 1} (columns on either side a column's logit reads), got ${JSON.stringify(ch)}`;
  }
  if (ch && (spec.head !== 'categorical' || spec.actions !== k)) {
    return `the column move head gives one logit per board column: it needs a categorical head with one action per column (${k}), got a ${spec.head} head with ${spec.actions} actions`;
  }
  return null;
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

/**
 * The conv network: flat plane-major input → [planes, rows, cols] → NHWC → conv trunk → flatten →
 * dense layers (a functional tf.LayersModel of standard layers, loadable by `tf.loadLayersModel`).
 * Initialised layer by layer in order, from one seeded RNG, as `buildMlp`.
 */
function buildConvNet(conv: ConvSpec, hidden: readonly number[], outputs: number, activation: Activation, outGain: number, seed: number, name: string, head: ColumnHeadSpec | undefined): tf.LayersModel {
  const [planes, rows, cols] = conv.shape;
  const { channels } = conv;
  const input = tf.input({ shape: [planes * rows * cols], name: `${name}_input` });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor => layer.apply(x) as tf.SymbolicTensor;
  const conv3 = (id: string, act: 'relu' | 'linear') =>
    tf.layers.conv2d({ filters: channels, kernelSize: 3, strides: 1, padding: 'same', dataFormat: 'channelsLast', activation: act, kernelInitializer: 'zeros', biasInitializer: 'zeros', name: `${name}_${id}` });
  let x = apply(tf.layers.reshape({ targetShape: [planes, rows, cols], name: `${name}_planes` }), input);
  x = apply(tf.layers.permute({ dims: [2, 3, 1], name: `${name}_nhwc` }), x);
  x = apply(conv3('conv0', 'relu'), x);
  for (let b = 0; b < conv.resBlocks; b++) {
    const y = apply(conv3(`res${b}a`, 'relu'), x);
    const z = apply(conv3(`res${b}b`, 'linear'), y);
    x = apply(tf.layers.add({ name: `${name}_res${b}add` }), [x, z]);
    x = apply(tf.layers.activation({ activation: 'relu', name: `${name}_res${b}relu` }), x);
  }
  const reduce = conv.reduce ?? 0;
  if (reduce > 0) {
    x = apply(tf.layers.conv2d({ filters: reduce, kernelSize: 1, strides: 1, padding: 'valid', dataFormat: 'channelsLast', activation: 'relu', kernelInitializer: 'zeros', biasInitializer: 'zeros', name: `${name}_reduce` }), x);
  }
  const sizes = [...hidden, head ? 1 : outputs];
  const layerName = (i: number): string => (i === sizes.length - 1 ? `${name}_out` : `${name}_dense${i}`);
  const act = (i: number): 'linear' | Activation => (i === sizes.length - 1 ? 'linear' : activation);
  if (head) {
    // the first head layer on each column's window of 2·reach + 1 columns, then one row per column
    const w = head.reach;
    if (w > 0) x = apply(tf.layers.zeroPadding2d({ padding: [[0, 0], [w, w]], dataFormat: 'channelsLast', name: `${name}_column_pad` }), x);
    x = apply(tf.layers.conv2d({ filters: sizes[0]!, kernelSize: [rows, 2 * w + 1], strides: 1, padding: 'valid', dataFormat: 'channelsLast', activation: act(0), kernelInitializer: 'zeros', biasInitializer: 'zeros', name: layerName(0) }), x);
    x = apply(tf.layers.reshape({ targetShape: [cols, sizes[0]!], name: `${name}_columns` }), x);
  } else {
    x = apply(tf.layers.flatten({ name: `${name}_flatten` }), x);
  }
  sizes.forEach((units, i) => {
    if (head && i === 0) return;
    x = apply(tf.layers.dense({ units, activation: act(i), kernelInitializer: 'zeros', biasInitializer: 'zeros', name: layerName(i) }), x);
  });
  if (head) x = apply(tf.layers.flatten({ name: `${name}_logits` }), x);
  const model = tf.model({ inputs: input, outputs: x, name });
  const rng = new Rng(seed);
  let inChannels = planes;
  let fanIn = 0;
  let dense = 0;
  let trunkLayers = convLayerCount(conv);
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'Conv2D' && trunkLayers === 0) {
      // the column head's first layer: a dense layer on each column's window
      const units = sizes[0]!;
      const window = rows * (2 * head!.reach + 1) * inChannels;
      const kernel = orthogonalMatrix(window, units, sizes.length === 1 ? outGain : Math.SQRT2, rng);
      tf.tidy(() => layer.setWeights([tf.tensor4d(kernel, [rows, 2 * head!.reach + 1, inChannels, units]), tf.zeros([units])]));
      fanIn = units;
      dense++;
    } else if (cls === 'Conv2D') {
      trunkLayers--;
      // the 3×3 tower, then the 1×1 reduction (its kernel a [channels × reduce] matrix)
      const [k, out] = layer.name === `${name}_reduce` ? [1, reduce] : [3, channels];
      const kernel = orthogonalMatrix(k * k * inChannels, out, Math.SQRT2, rng);
      tf.tidy(() => layer.setWeights([tf.tensor4d(kernel, [k, k, inChannels, out]), tf.zeros([out])]));
      inChannels = out;
      fanIn = rows * cols * out;
    } else if (cls === 'Dense') {
      const units = sizes[dense]!;
      const kernel = orthogonalMatrix(fanIn, units, dense === sizes.length - 1 ? outGain : Math.SQRT2, rng);
      tf.tidy(() => layer.setWeights([tf.tensor2d(kernel, [fanIn, units]), tf.zeros([units])]));
      fanIn = units;
      dense++;
    }
  }
  return model;
}

function buildNet(spec: PolicySpec, inputSize: number, outputs: number, outGain: number, seed: number, name: 'actor' | 'critic'): tf.LayersModel {
  const conv = netConv(spec, name);
  return conv
    ? buildConvNet(conv, spec.hidden, outputs, spec.activation, outGain, seed, name, columnHead(spec, name))
    : buildMlp(inputSize, spec.hidden, outputs, spec.activation, outGain, seed, name);
}

/** A network's variables: the conv trunk's layers (none for an MLP), then the dense layers. */
interface NetVars {
  readonly conv: readonly DenseVars[];
  readonly dense: readonly DenseVars[];
}

function netVars(model: tf.LayersModel, conv: ConvSpec | undefined): NetVars {
  const all = denseVars(model);
  const n = conv ? convLayerCount(conv) : 0;
  return { conv: all.slice(0, n), dense: all.slice(n) };
}

function netVariables(net: NetVars): tf.Variable[] {
  return [...net.conv, ...net.dense].flatMap((l) => [l.kernel, l.bias]);
}

/** The conv trunk as raw ops: [batch, planes·rows·cols] plane-major → [batch, rows·cols·(reduce or channels)] (NHWC, flattened). */
function forwardConvTrunk(layers: readonly DenseVars[], x: tf.Tensor2D, conv: ConvSpec): tf.Tensor2D {
  const [planes, rows, cols] = conv.shape;
  const batch = x.shape[0];
  const convolve = (t: tf.Tensor4D, l: DenseVars): tf.Tensor4D => tf.add(tf.conv2d(t, l.kernel as tf.Tensor as tf.Tensor4D, 1, 'same'), l.bias);
  let a: tf.Tensor4D = tf.relu(convolve(x.reshape([batch, planes, rows, cols]).transpose([0, 2, 3, 1]) as tf.Tensor4D, layers[0]!));
  for (let b = 0; b < conv.resBlocks; b++) {
    const m = tf.relu(convolve(a, layers[1 + 2 * b]!));
    a = tf.relu(tf.add(a, convolve(m, layers[2 + 2 * b]!)) as tf.Tensor4D);
  }
  const reduce = conv.reduce ?? 0;
  if (reduce > 0) a = tf.relu(convolve(a, layers[1 + 2 * conv.resBlocks]!));
  return a.reshape([batch, rows * cols * (reduce > 0 ? reduce : conv.channels)]);
}

function forwardNet(net: NetVars, x: tf.Tensor2D, conv: ConvSpec | undefined, activation: Activation, head: ColumnHeadSpec | undefined): tf.Tensor2D {
  if (!conv) return forwardMlp(net.dense, x, activation);
  const features = forwardConvTrunk(net.conv, x, conv);
  if (!head) return forwardMlp(net.dense, features, activation);
  // the column head: its first layer a 'valid' convolution over the zero-padded columns, [batch, 1, cols, units]
  const [, rows, cols] = conv.shape;
  const batch = x.shape[0];
  const w = head.reach;
  const { kernel, bias } = net.dense[0]!;
  const board = features.reshape([batch, rows, cols, -1]) as tf.Tensor4D;
  const padded = w > 0 ? tf.pad(board, [[0, 0], [0, 0], [w, w], [0, 0]]) : board;
  const z = tf.add(tf.conv2d(padded, kernel as tf.Tensor as tf.Tensor4D, 1, 'valid'), bias).reshape([batch * cols, -1]) as tf.Tensor2D;
  if (net.dense.length === 1) return z.reshape([batch, cols]);
  return forwardMlp(net.dense.slice(1), activate(z, activation), activation).reshape([batch, cols]);
}

function denseVars(model: tf.LayersModel): DenseVars[] {
  const w = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const out: DenseVars[] = [];
  for (let i = 0; i < w.length; i += 2) out.push({ kernel: w[i]!, bias: w[i + 1]! });
  return out;
}

/** A hidden layer's activation. */
function activate(z: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  return activation === 'tanh' ? tf.tanh(z) : tf.relu(z);
}

function forwardMlp(layers: readonly DenseVars[], x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  let h = x;
  for (let i = 0; i < layers.length; i++) {
    const { kernel, bias } = layers[i]!;
    const z = tf.add(tf.matMul(h, kernel), bias) as tf.Tensor2D;
    h = i === layers.length - 1 ? z : activate(z, activation);
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
  private readonly actorLayers: NetVars;
  private readonly criticLayers: NetVars;
  private readonly probs: Float64Array;

  constructor(spec: PolicySpec, seed = 0, models?: { actor: tf.LayersModel; critic: tf.LayersModel; logStd?: Float32Array }) {
    if (spec.obsSize <= 0 || spec.criticInputSize <= 0 || spec.actions <= 0) throw new ConfigError('policy sizes must be positive');
    if (spec.hidden.some((h) => !Number.isInteger(h) || h <= 0)) throw new ConfigError(`hidden sizes must be positive integers, got [${spec.hidden.join(', ')}]`);
    const convProblem = convSpecProblem(spec);
    if (convProblem) throw new ConfigError(convProblem);
    const init = spec.initLogStd;
    if (typeof init === 'object' && init.length !== spec.actions) {
      throw new ConfigError(`initLogStd has ${init.length} entries; this policy has ${spec.actions} action components (give one number for all, or one per component)`);
    }
    this.spec = spec;
    this.actor = models?.actor ?? buildNet(spec, spec.obsSize, spec.actions, 0.01, seed * 7919 + 1, 'actor');
    this.critic = models?.critic ?? buildNet(spec, spec.criticInputSize, 1, 1, seed * 7919 + 101, 'critic');
    checkModel(this.actor, spec, spec.obsSize, spec.actions, 'actor');
    checkModel(this.critic, spec, spec.criticInputSize, 1, 'critic');
    this.actorLayers = netVars(this.actor, netConv(spec, 'actor'));
    this.criticLayers = netVars(this.critic, netConv(spec, 'critic'));
    this.logStd =
      spec.head === 'gaussian'
        ? tf.variable(models?.logStd ? tf.tensor1d(models.logStd) : initialLogStd(spec), true)
        : null;
    this.probs = new Float64Array(spec.actions);
  }

  /** All trainable variables (actor, critic, log-std), in a stable order. */
  trainableVariables(): tf.Variable[] {
    const vars = [...netVariables(this.actorLayers), ...netVariables(this.criticLayers)];
    if (this.logStd) vars.push(this.logStd);
    return vars;
  }

  actorVariables(): tf.Variable[] {
    return netVariables(this.actorLayers).concat(this.logStd ? [this.logStd] : []);
  }

  criticVariables(): tf.Variable[] {
    return netVariables(this.criticLayers);
  }

  /** Actor output: logits (categorical) or means (Gaussian), shape [batch, actions]. */
  actorForward(obs: tf.Tensor2D): tf.Tensor2D {
    return forwardNet(this.actorLayers, obs, netConv(this.spec, 'actor'), this.spec.activation, columnHead(this.spec, 'actor'));
  }

  /** Critic output V(x), shape [batch]. */
  criticForward(input: tf.Tensor2D): tf.Tensor1D {
    return forwardNet(this.criticLayers, input, netConv(this.spec, 'critic'), this.spec.activation, undefined).reshape([-1]) as tf.Tensor1D;
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

/** The Gaussian head's starting log-std vector: `initLogStd` for every component, or its own entry for each (the constructor checked its length). */
function initialLogStd(spec: PolicySpec): tf.Tensor1D {
  const init = spec.initLogStd ?? 0;
  return typeof init === 'number' ? (tf.fill([spec.actions], init) as tf.Tensor1D) : tf.tensor1d(init as number[]);
}

function checkModel(model: tf.LayersModel, spec: PolicySpec, inputs: number, outputs: number, what: 'actor' | 'critic'): void {
  const inShape = model.inputs[0]?.shape;
  const outShape = model.outputs[0]?.shape;
  if (inShape?.[1] !== inputs || outShape?.[1] !== outputs) {
    throw new ConfigError(`${what} network maps ${inShape?.[1]}→${outShape?.[1]}, expected ${inputs}→${outputs}`);
  }
  const dense = Array.from({ length: spec.hidden.length + 1 }, () => 'Dense');
  const conv = netConv(spec, what);
  if (!conv) {
    for (const layer of model.layers) {
      const cls = layer.getClassName();
      if (cls !== 'Dense') throw new ConfigError(`${what} network has a ${cls} layer where this spec has an MLP (Dense layers only)`);
    }
    return;
  }
  // the raw-op forward pass assumes exactly the layers buildConvNet makes
  const reduce = conv.reduce ?? 0;
  const columns = columnHead(spec, what);
  const head = columns ? [...(columns.reach > 0 ? ['ZeroPadding2D'] : []), 'Conv2D', 'Reshape', ...dense.slice(1), 'Flatten'] : ['Flatten', ...dense];
  const expected = ['InputLayer', 'Reshape', 'Permute', 'Conv2D', ...Array.from({ length: conv.resBlocks }, () => ['Conv2D', 'Conv2D', 'Add', 'Activation']).flat(), ...(reduce > 0 ? ['Conv2D'] : []), ...head];
  const got = model.layers.map((l) => l.getClassName());
  if (got.join() !== expected.join()) throw new ConfigError(`${what} network has layers [${got.join(', ')}]; a conv policy of this spec has [${expected.join(', ')}]`);
  const [planes, rows, cols] = conv.shape;
  const cfg = (i: number) => model.layers[i]!.getConfig() as Record<string, unknown>;
  if (JSON.stringify(cfg(1)['targetShape']) !== JSON.stringify([planes, rows, cols]) || JSON.stringify(cfg(2)['dims']) !== JSON.stringify([2, 3, 1])) {
    throw new ConfigError(`${what} network does not read its input as [${planes}, ${rows}, ${cols}] planes`);
  }
  const trunkOut = reduce > 0 ? reduce : conv.channels;
  if (columns) {
    // the layer order is checked above: the head's convolution is the last Conv2D, the padding (if any) just before it
    const at = model.layers.findLastIndex((l) => l.getClassName() === 'Conv2D');
    const w = columns.reach;
    const c = cfg(at);
    const units = spec.hidden.length > 0 ? spec.hidden[0]! : 1;
    const ok =
      JSON.stringify([c['kernelSize'], c['strides'], c['dilationRate'], c['padding'], c['dataFormat'], c['useBias']]) === JSON.stringify([[rows, 2 * w + 1], [1, 1], [1, 1], 'valid', 'channelsLast', true]) &&
      JSON.stringify(model.layers[at]!.getWeights()[0]?.shape) === JSON.stringify([rows, 2 * w + 1, trunkOut, units]) &&
      c['activation'] === (spec.hidden.length > 0 ? spec.activation : 'linear') &&
      (w === 0 || JSON.stringify(cfg(at - 1)['padding']) === JSON.stringify([[0, 0], [w, w]])) &&
      JSON.stringify(cfg(at + 1)['targetShape']) === JSON.stringify([cols, units]);
    if (!ok) throw new ConfigError(`${what} network does not read its trunk by columns within ${w} of each (a [${rows}, ${2 * w + 1}] 'valid' convolution to ${units} units on the trunk padded by ${w} columns)`);
  }
  let inChannels = planes;
  // the layer order is checked above: the trunk's convolutions come first, the reduction (when there is one) the last of them
  const trunkAt = model.layers.flatMap((l, i) => (l.getClassName() === 'Conv2D' ? [i] : [])).slice(0, convLayerCount(conv));
  const reduceAt = reduce > 0 ? trunkAt.at(-1)! : -1;
  model.layers.forEach((layer, i) => {
    if (!trunkAt.includes(i)) return;
    const c = cfg(i);
    const isReduce = i === reduceAt;
    const [k, pad, out] = isReduce ? [1, 'valid', reduce] : [3, 'same', conv.channels];
    const ok = JSON.stringify([c['kernelSize'], c['strides'], c['dilationRate'], c['padding'], c['dataFormat'], c['useBias']]) === JSON.stringify([[k, k], [1, 1], [1, 1], pad, 'channelsLast', true]) && (!isReduce || c['activation'] === 'relu');
    const shape = layer.getWeights()[0]?.shape;
    if (!ok || JSON.stringify(shape) !== JSON.stringify([k, k, inChannels, out])) {
      throw new ConfigError(`${what} layer ${layer.name} is not a ${isReduce ? "1×1 convolution with ReLU" : "3×3 'same' convolution"} from ${inChannels} to ${out} channels`);
    }
    inChannels = out;
  });
}

/** log N(a; μ, σ): sampling.ts owns it (the tfjs-free workers use it too); re-exported for the tfjs side. */
export { gaussianLogProb } from './sampling.ts';

