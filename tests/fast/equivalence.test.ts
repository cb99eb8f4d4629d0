/**
 * The fast learner against the tfjs reference (PolicyGradientLearner / policyGradientLoss) on the same
 * batches and parameters: losses, statistics, gradients, and parameters after one and several updates
 * with the same RNG seed (so the same shuffles), for categorical heads with masks and Gaussian heads,
 * clipped and vanilla losses and AlphaZero's search distillation, with and without value clipping, with
 * zero-weight rows, Adam and RMSprop, gradient clipping active, annealing, and target-KL early stopping; and `evaluate` (the current policy's
 * log-probs and values on a buffer, for V-trace).
 *
 * Tolerance: |fast − reference| ≤ 1e-6 + 1e-5·|reference| element-wise (float32 sums in a different
 * order; measured differences are ~1e-8 on gradients and ≤ 3e-7 on parameters after 70 Adam steps).
 * Conv trunks sum longer chains (im2col rows × taps, through residual blocks, and tfjs's cpu conv
 * rounds to float32 after every tap), so their cases allow ten times that: the worst measured is
 * 5.4× the MLP tolerance (a parameter after an Adam step, where m/√v amplifies a tiny gradient's
 * rounding); an indexing mistake would be off by orders of magnitude. One case is left out for that
 * reason: a residual block then a 1×1 reduction to 2 channels, after 2 epochs of minibatches (5 Adam
 * steps), ends 24× the MLP tolerance on one critic weight (2.6e-5 on 8.4e-3) while its gradients pass
 * here at 10×; it is tested with one Adam step, and the 4-channel reduction with five.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic, MASKED_LOGIT, type ActBuffers, type PolicySpec } from '../../agents/policy.ts';
import { Rng } from '../../core/index.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import { policyGradientLoss, type TensorBatch } from '../../src/algorithms/losses.ts';
import { PolicyGradientLearner, type LearnerSettings, type UpdateStats } from '../../src/algorithms/policy-gradient.ts';
import { vtraceAdvantages } from '../../src/algorithms/vtrace.ts';
import { FastForward } from '../../src/fast/forward.ts';
import { FastLearner } from '../../src/fast/learner.ts';

const RTOL = 1e-5;
const ATOL = 1e-6;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const backend = tf.backend() as { firstUse?: boolean };
  backend.firstUse = false;
});

/** Conv cases' tolerance, as a multiple of the MLP one (see the file comment). */
const CONV_TOL = 10;

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= tol * (ATOL + RTOL * Math.abs(expected[i]!)))) {
      throw new Error(`${what}[${i}]: fast ${actual[i]} vs reference ${expected[i]} (|Δ| = ${d.toExponential(2)})`);
    }
  }
}

/** A policy with its orthogonal initialisation perturbed (so no output is near-constant), deterministic per seed. */
function makePolicy(spec: PolicySpec, seed: number): ActorCritic {
  const p = new ActorCritic(spec, seed);
  const rng = new Rng(seed + 1000);
  tf.tidy(() => {
    for (const v of p.trainableVariables()) {
      const d = (v.dataSync() as Float32Array).slice();
      for (let i = 0; i < d.length; i++) d[i]! += 0.3 * rng.normal();
      v.assign(tf.tensor(d, v.shape));
    }
  });
  return p;
}

interface BufferOpts {
  readonly steps: number;
  readonly envs: number;
  /** Every this-many-th transition is invalid (weight 0); 0 = all valid. */
  readonly invalidEvery?: number;
  readonly criticSize?: number;
}

function makeBuffer(spec: PolicySpec, o: BufferOpts, seed: number): RolloutBuffer {
  const A = spec.actions;
  const gaussian = spec.head === 'gaussian';
  const buf = new RolloutBuffer({ steps: o.steps, envs: o.envs, obsSize: spec.obsSize, criticSize: o.criticSize ?? 0, actions: A, continuous: gaussian });
  const rng = new Rng(seed);
  for (let i = 0; i < buf.obs.length; i++) buf.obs[i] = rng.normal();
  if (buf.criticObs) for (let i = 0; i < buf.criticObs.length; i++) buf.criticObs[i] = rng.normal();
  for (let i = 0; i < buf.size; i++) {
    if (gaussian) {
      for (let j = 0; j < A; j++) buf.continuousActions[i * A + j] = rng.normal();
    } else {
      const a = rng.int(A);
      for (let j = 0; j < A; j++) buf.masks[i * A + j] = rng.next() < 0.6 ? 1 : 0;
      buf.masks[i * A + a] = 1;
      buf.actions[i] = a;
    }
    buf.logProbs[i] = -1 + 0.4 * rng.normal();
    buf.values[i] = rng.normal();
    buf.advantages[i] = rng.normal();
    buf.returns[i] = buf.values[i]! + 0.5 * rng.normal();
    buf.valid[i] = o.invalidEvery && i % o.invalidEvery === 2 ? 0 : 1;
  }
  return buf;
}

/** Loss, stats and gradients of the reference loss on rows `idx` (weights = valid flags). */
function referenceGradients(policy: ActorCritic, buf: RolloutBuffer, idx: Int32Array, s: LearnerSettings): { loss: number; stats: Float32Array; grads: Float32Array[] } {
  const { obsSize, criticSize, actions: A, continuous } = buf.spec;
  const rows = <T extends Float32Array | Int32Array | Uint8Array>(src: T, width: number): number[] => Array.from(idx).flatMap((i) => Array.from(src.subarray(i * width, (i + 1) * width)));
  return tf.tidy(() => {
    const n = idx.length;
    const obs = tf.tensor2d(rows(buf.obs, obsSize), [n, obsSize]);
    const penalty = continuous ? null : tf.tensor2d(rows(buf.masks, A).map((m) => (m === 0 ? MASKED_LOGIT : 0)), [n, A]);
    const batch: TensorBatch = {
      obs,
      criticInput: buf.criticObs ? tf.tensor2d(rows(buf.criticObs, criticSize), [n, criticSize]) : obs,
      maskPenalty: penalty,
      actions: continuous ? tf.tensor2d(rows(buf.continuousActions, A), [n, A]) : tf.tensor1d(rows(buf.actions, 1), 'int32'),
      oldLogProbs: tf.tensor1d(rows(buf.logProbs, 1)),
      oldValues: tf.tensor1d(rows(buf.values, 1)),
      advantages: tf.tensor1d(rows(buf.advantages, 1)),
      returns: tf.tensor1d(rows(buf.returns, 1)),
      weights: tf.tensor1d(rows(buf.valid, 1)),
      magnetLogp: buf.magnetLogp ? tf.tensor2d(rows(buf.magnetLogp, A), [n, A]) : null,
      searchPolicy: buf.searchPolicy ? tf.tensor2d(rows(buf.searchPolicy, A), [n, A]) : null,
    };
    let stats: tf.Tensor | null = null;
    const vars = policy.trainableVariables();
    const { value, grads } = tf.variableGrads(() => {
      const out = policyGradientLoss(policy, batch, s);
      stats = tf.keep(out.stats);
      return out.loss;
    }, vars);
    return {
      loss: value.dataSync()[0]!,
      stats: stats!.dataSync() as Float32Array,
      grads: vars.map((v) => grads[v.name]!.dataSync() as Float32Array),
    };
  });
}

const BASE: LearnerSettings = {
  kind: 'clipped',
  clip: 0.2,
  clipValue: null,
  entCoef: 0.01,
  vfCoef: 0.5,
  normAdv: true,
  epochs: 1,
  minibatchSize: 1 << 20,
  lr: 3e-3,
  annealLr: true,
  annealClip: true,
  maxGradNorm: 0.3,
  targetKl: null,
  optimizer: 'adam',
  optimizerEps: 1e-5,
};

const CATEGORICAL: PolicySpec = { obsSize: 6, criticInputSize: 6, head: 'categorical', actions: 4, hidden: [16, 12], activation: 'tanh' };
const GAUSSIAN: PolicySpec = { obsSize: 5, criticInputSize: 5, head: 'gaussian', actions: 2, hidden: [8, 8], activation: 'tanh', initLogStd: -0.4 };
/** Conv trunks (im2col GEMMs, src/fast/conv.ts): 2 planes on a 4×5 board; with a residual block; and narrow (3 channels: the non-SIMD GEMM paths). */
const CONV: PolicySpec = { obsSize: 40, criticInputSize: 40, head: 'categorical', actions: 5, hidden: [8], activation: 'tanh', conv: { shape: [2, 4, 5], channels: 4, resBlocks: 0 } };
const CONV_RES: PolicySpec = { ...CONV, hidden: [12, 6], conv: { shape: [2, 4, 5], channels: 6, resBlocks: 1 } };
const CONV_NARROW: PolicySpec = { obsSize: 27, criticInputSize: 27, head: 'categorical', actions: 3, hidden: [5], activation: 'relu', conv: { shape: [3, 3, 3], channels: 3, resBlocks: 2 } };
/** With a 1×1 reduction after the tower: to 4 channels (the SIMD GEMMs), and to 2 after a residual block (the narrow ones). */
const CONV_REDUCE: PolicySpec = { ...CONV, conv: { shape: [2, 4, 5], channels: 8, resBlocks: 0, reduce: 4 } };
const CONV_RES_REDUCE: PolicySpec = { ...CONV, hidden: [7], conv: { shape: [2, 4, 5], channels: 6, resBlocks: 1, reduce: 2 } };
/** The trunk on the actor alone: the critic a plain MLP on the flat observation. */
const CONV_ACTOR_ONLY: PolicySpec = { ...CONV_RES, conv: { ...CONV_RES.conv!, actorOnly: true } };
/**
 * The column move head (5 actions on 5 columns): the actor's dense layers on each column's 4 rows of
 * features; after a residual block and a 1×1 reduction to 2 channels, relu; and linear (no hidden layer).
 */
const CONV_COLUMNS: PolicySpec = { ...CONV, conv: { ...CONV.conv!, columnHead: { reach: 4 } } };
const CONV_COLUMNS_RES_REDUCE: PolicySpec = { ...CONV, hidden: [6, 5], activation: 'relu', conv: { shape: [2, 4, 5], channels: 6, resBlocks: 1, reduce: 2, columnHead: { reach: 1 } } };
const CONV_COLUMNS_LINEAR: PolicySpec = { ...CONV, hidden: [], conv: { ...CONV.conv!, columnHead: { reach: 0 } } };

interface GradCase {
  readonly name: string;
  readonly spec: PolicySpec;
  readonly settings: Partial<LearnerSettings>;
  readonly criticSize?: number;
  /** Regularise toward a magnet policy (random legal log-probabilities) instead of the entropy bonus. */
  readonly magnet?: boolean;
  /** Search targets (random distributions over the legal actions), for kind 'search'. */
  readonly search?: boolean;
}

/** Random magnet log-probabilities: a masked log-softmax per row, 0 on illegal actions. */
function fillMagnet(buf: RolloutBuffer, seed: number): void {
  const A = buf.spec.actions;
  const rng = new Rng(seed);
  buf.magnetLogp = new Float32Array(buf.size * A);
  for (let i = 0; i < buf.size; i++) {
    const z = Array.from({ length: A }, () => 1.5 * rng.normal());
    const lse = Math.log(z.reduce((a, x, j) => a + (buf.masks[i * A + j] ? Math.exp(x) : 0), 0));
    for (let j = 0; j < A; j++) buf.magnetLogp[i * A + j] = buf.masks[i * A + j] ? z[j]! - lse : 0;
  }
}

/** Random search targets: a distribution over each row's legal actions, 0 on illegal ones. */
function fillSearch(buf: RolloutBuffer, seed: number): void {
  const A = buf.spec.actions;
  const rng = new Rng(seed);
  buf.searchPolicy = new Float32Array(buf.size * A);
  for (let i = 0; i < buf.size; i++) {
    const z = Array.from({ length: A }, (_, j) => (buf.masks[i * A + j] ? Math.exp(1.5 * rng.normal()) : 0));
    const sum = z.reduce((a, x) => a + x, 0);
    for (let j = 0; j < A; j++) buf.searchPolicy[i * A + j] = z[j]! / sum;
  }
}

const GRAD_CASES: GradCase[] = [
  { name: 'categorical, masked, clipped, value clipping', spec: CATEGORICAL, settings: { clipValue: 0.3 } },
  { name: 'categorical, masked, clipped, no value clipping', spec: CATEGORICAL, settings: {} },
  { name: 'categorical, vanilla (A2C), no normalisation', spec: CATEGORICAL, settings: { kind: 'vanilla', normAdv: false, entCoef: 0.05 } },
  { name: 'gaussian, clipped, value clipping', spec: GAUSSIAN, settings: { clipValue: 0.2, entCoef: 0.02 } },
  { name: 'gaussian, vanilla', spec: GAUSSIAN, settings: { kind: 'vanilla' } },
  { name: 'relu, 3 hidden layers', spec: { ...CATEGORICAL, hidden: [12, 8, 5], activation: 'relu' }, settings: { clipValue: 0.5 } },
  { name: 'linear networks with tiny sizes (scalar kernels)', spec: { obsSize: 2, criticInputSize: 2, head: 'categorical', actions: 2, hidden: [], activation: 'tanh' }, settings: {} },
  { name: 'narrow hidden layers (sizes below the SIMD width)', spec: { obsSize: 3, criticInputSize: 3, head: 'categorical', actions: 3, hidden: [3, 2], activation: 'tanh' }, settings: {} },
  { name: 'centralized critic with its own input', spec: { ...CATEGORICAL, criticInputSize: 9 }, settings: { clipValue: 0.3 }, criticSize: 9 },
  { name: 'categorical, masked, clipped, magnet KL instead of entropy', spec: CATEGORICAL, settings: { entCoef: 0.3 }, magnet: true },
  { name: 'categorical, vanilla, magnet KL', spec: CATEGORICAL, settings: { kind: 'vanilla', normAdv: false, entCoef: 0.2 }, magnet: true },
  { name: 'conv trunk', spec: CONV, settings: { clipValue: 0.3 } },
  { name: 'conv trunk with a residual block', spec: CONV_RES, settings: {} },
  { name: 'conv trunk, 3 channels, two residual blocks, relu', spec: CONV_NARROW, settings: { kind: 'vanilla', normAdv: false } },
  { name: 'conv trunk, 1×1 reduction to 4 channels', spec: CONV_REDUCE, settings: { clipValue: 0.3 } },
  { name: 'NeuRD, entropy regulariser (uniform magnet)', spec: CATEGORICAL, settings: { neurdBeta: 2, entCoef: 0.2 } },
  { name: 'NeuRD, magnet, a threshold the logits cross', spec: CATEGORICAL, settings: { neurdBeta: 0.3, entCoef: 0.3, kind: 'vanilla', normAdv: false }, magnet: true },
  { name: 'conv trunk, residual block, 1×1 reduction to 2 channels', spec: CONV_RES_REDUCE, settings: {} },
  { name: 'conv trunk on the actor alone, MLP critic', spec: CONV_ACTOR_ONLY, settings: { clipValue: 0.3 } },
  { name: 'search (AlphaZero), entropy bonus, value clipping', spec: CATEGORICAL, settings: { kind: 'search', entCoef: 0.05, clipValue: 0.3 }, search: true },
  { name: 'search, no regulariser, no normalisation', spec: CATEGORICAL, settings: { kind: 'search', entCoef: 0, normAdv: false }, search: true },
  { name: 'search, magnet KL', spec: CATEGORICAL, settings: { kind: 'search', entCoef: 0.2 }, magnet: true, search: true },
  { name: 'search, conv trunk with a residual block', spec: CONV_RES, settings: { kind: 'search' }, search: true },
  { name: 'conv trunk, column move head', spec: CONV_COLUMNS, settings: { clipValue: 0.3 } },
  { name: 'conv trunk, residual block, 1×1 reduction, column move head, relu', spec: CONV_COLUMNS_RES_REDUCE, settings: { kind: 'vanilla', normAdv: false } },
  { name: 'search, column move head with no hidden layer', spec: CONV_COLUMNS_LINEAR, settings: { kind: 'search' }, search: true },
  { name: 'search, residual block, 1×1 reduction, column move head', spec: CONV_COLUMNS_RES_REDUCE, settings: { kind: 'search', entCoef: 0.05 }, search: true },
];

describe('fast learner gradients = reference gradients', () => {
  it.each(GRAD_CASES)('$name', ({ spec, settings, criticSize, magnet, search }) => {
    const s: LearnerSettings = { ...BASE, ...settings };
    const policy = makePolicy(spec, 3);
    // 30 rows (not a multiple of 4: padded rows), every 7th with weight 0
    const buf = makeBuffer(spec, { steps: 10, envs: 3, invalidEvery: 7, criticSize }, 11);
    if (magnet) fillMagnet(buf, 12);
    if (search) fillSearch(buf, 13);
    const idx = Int32Array.from({ length: buf.size }, (_, i) => (i * 7) % buf.size);
    const ref = referenceGradients(policy, buf, idx, s);
    // one thread on either kernel set; the rows split over 2 and 3 gradient threads (shares of 12, 12, 6 and 8, 8, 8, 6 rows)
    const runs = [['wasm', 1], ['js', 1], ['wasm', 2], ['wasm', 3]] as const;
    for (const [kernels, threads] of runs) {
      const fast = new FastLearner({ policy, settings: { ...s, threads }, rng: new Rng(0), kernels });
      const got = fast.computeGradients(buf, idx);
      const tol = spec.conv ? CONV_TOL : 1;
      const what = `${kernels} × ${threads}`;
      expectAllClose([got.loss], [ref.loss], `${what} loss`, tol);
      expectAllClose(got.stats, ref.stats, `${what} stats`, tol);
      fast.layout.variables.forEach((v, i) => expectAllClose(got.grads.subarray(v.offset, v.offset + v.size), ref.grads[i]!, `${what} ∂/∂${v.name}`, tol));
      fast.dispose();
    }
    policy.dispose();
  });

  it('the clipped surrogate passes no gradient for rows clipped on the far side', () => {
    // old log-probs far below the current ones: ratios ≫ 1 + ε, so rows with Â > 0 are clipped
    const policy = makePolicy(CATEGORICAL, 5);
    const buf = makeBuffer(CATEGORICAL, { steps: 4, envs: 2 }, 2);
    for (let i = 0; i < buf.size; i++) {
      buf.logProbs[i] = -10;
      buf.advantages[i] = 1 + i;
    }
    const s = { ...BASE, normAdv: false, entCoef: 0, vfCoef: 0 };
    const fast = new FastLearner({ policy, settings: s, rng: new Rng(0) });
    const got = fast.computeGradients(buf, Int32Array.from({ length: buf.size }, (_, i) => i));
    expect(got.stats[4]).toBe(1); // clipfrac
    expect(Math.max(...Array.from(got.grads, Math.abs))).toBe(0);
    const ref = referenceGradients(policy, buf, Int32Array.from({ length: buf.size }, (_, i) => i), s);
    expect(Math.max(...ref.grads.flatMap((g) => Array.from(g, Math.abs)))).toBe(0);
    policy.dispose();
  });
});

function expectStatsClose(fast: UpdateStats, ref: UpdateStats, tol = 1): void {
  expect(Object.keys(fast).sort()).toEqual(Object.keys(ref).sort());
  for (const key of Object.keys(ref) as (keyof UpdateStats)[]) expectAllClose([fast[key]!], [ref[key]!], key, tol);
}

function expectSameParams(fast: ActorCritic, ref: ActorCritic, what: string, tol = 1): void {
  const f = fast.trainableVariables();
  ref.trainableVariables().forEach((v, i) => expectAllClose(f[i]!.dataSync(), v.dataSync(), `${what} ${v.name}`, tol));
}

interface UpdateCase {
  readonly name: string;
  readonly spec: PolicySpec;
  readonly settings: Partial<LearnerSettings>;
  readonly updates: number;
  /** Search targets on the buffer (kind 'search'). */
  readonly search?: boolean;
}

const UPDATE_CASES: UpdateCase[] = [
  { name: 'one Adam step on the whole batch', spec: CATEGORICAL, settings: { epochs: 1 }, updates: 1 },
  { name: 'Adam, 5 epochs of 4 minibatches (last one partial), 2 updates', spec: CATEGORICAL, settings: { epochs: 5, minibatchSize: 12, clipValue: 0.3 }, updates: 2 },
  { name: 'RMSprop (A2C), vanilla loss, 3 updates', spec: CATEGORICAL, settings: { kind: 'vanilla', optimizer: 'rmsprop', normAdv: false, annealLr: false, lr: 7e-4 }, updates: 3 },
  { name: 'Gaussian head, Adam, 4 epochs of minibatches', spec: GAUSSIAN, settings: { epochs: 4, minibatchSize: 16, clipValue: 0.2 }, updates: 2 },
  { name: 'Gaussian head, RMSprop', spec: GAUSSIAN, settings: { optimizer: 'rmsprop', epochs: 2, minibatchSize: 20 }, updates: 2 },
  { name: 'entropy coefficient annealed (entCoefFinal)', spec: CATEGORICAL, settings: { epochs: 2, minibatchSize: 15, entCoef: 0.05, entCoefFinal: 0.2 }, updates: 3 },
  { name: 'NeuRD with a magnet-free regulariser, Adam, 3 epochs of minibatches', spec: CATEGORICAL, settings: { neurdBeta: 0.5, entCoef: 0.05, epochs: 3, minibatchSize: 15 }, updates: 2 },
  { name: 'target-KL early stop', spec: CATEGORICAL, settings: { epochs: 10, minibatchSize: 12, lr: 3e-2, targetKl: 0.01 }, updates: 2 },
  { name: 'conv trunk, Adam, 3 epochs of minibatches', spec: CONV, settings: { epochs: 3, minibatchSize: 16 }, updates: 2 },
  { name: 'conv trunk with a residual block, Adam', spec: CONV_RES, settings: { epochs: 2, minibatchSize: 20, clipValue: 0.3 }, updates: 2 },
  { name: 'conv trunk, two residual blocks, RMSprop', spec: CONV_NARROW, settings: { kind: 'vanilla', optimizer: 'rmsprop', normAdv: false, annealLr: false, lr: 7e-4 }, updates: 2 },
  { name: 'conv trunk, 1×1 reduction, Adam', spec: CONV_REDUCE, settings: { epochs: 2, minibatchSize: 20 }, updates: 2 },
  { name: 'conv trunk, residual block, 1×1 reduction, one Adam step', spec: CONV_RES_REDUCE, settings: { epochs: 1 }, updates: 1 },
  { name: 'conv trunk on the actor alone, MLP critic, Adam', spec: CONV_ACTOR_ONLY, settings: { epochs: 2, minibatchSize: 20, clipValue: 0.3 }, updates: 2 },
  { name: 'search, column move head, residual block, 1×1 reduction, Adam', spec: CONV_COLUMNS_RES_REDUCE, settings: { kind: 'search', entCoef: 0, epochs: 2, minibatchSize: 20 }, updates: 2, search: true },
  { name: 'per-network clip, Adam, 3 epochs of minibatches', spec: CATEGORICAL, settings: { gradClip: 'per-network', epochs: 3, minibatchSize: 15 }, updates: 2 },
  { name: 'per-network clip, Gaussian head (the log-std with the actor), RMSprop', spec: GAUSSIAN, settings: { gradClip: 'per-network', optimizer: 'rmsprop', epochs: 2, minibatchSize: 20 }, updates: 2 },
  { name: 'per-network clip, conv trunk on the actor alone', spec: CONV_ACTOR_ONLY, settings: { gradClip: 'per-network', epochs: 2, minibatchSize: 20 }, updates: 2 },
  { name: 'search (AlphaZero), Adam, 3 epochs of minibatches', spec: CATEGORICAL, settings: { kind: 'search', entCoef: 0, epochs: 3, minibatchSize: 15 }, updates: 2, search: true },
  { name: 'search, RMSprop, entropy bonus, value clipping', spec: CATEGORICAL, settings: { kind: 'search', optimizer: 'rmsprop', clipValue: 0.3, epochs: 2, minibatchSize: 20 }, updates: 2, search: true },
];

describe('fast learner updates = reference updates (same seed, same shuffles)', () => {
  it.each(UPDATE_CASES)('$name', ({ spec, settings, updates, search }) => {
    const s: LearnerSettings = { ...BASE, ...settings };
    const refPolicy = makePolicy(spec, 7);
    const fastPolicy = makePolicy(spec, 7);
    const buf = makeBuffer(spec, { steps: 9, envs: 5, invalidEvery: 11 }, 5);
    if (search) fillSearch(buf, 6);
    // and the same fast learner with each minibatch split over two gradient threads
    const threadedPolicy = makePolicy(spec, 7);
    const refRng = new Rng(42);
    const fastRng = new Rng(42);
    const threadedRng = new Rng(42);
    const ref = new PolicyGradientLearner({ policy: refPolicy, settings: s, rng: refRng });
    const fast = new FastLearner({ policy: fastPolicy, settings: s, rng: fastRng });
    const threaded = new FastLearner({ policy: threadedPolicy, settings: { ...s, threads: 2 }, rng: threadedRng });
    for (let u = 0; u < updates; u++) {
      const progress = u / 4;
      const r = ref.update(buf, progress);
      const f = fast.update(buf, progress);
      const t = threaded.update(buf, progress);
      const tol = spec.conv ? CONV_TOL : 1;
      expectStatsClose(f, r, tol);
      expectSameParams(fastPolicy, refPolicy, `update ${u}`, tol);
      expectStatsClose(t, r, tol);
      expectSameParams(threadedPolicy, refPolicy, `2 threads, update ${u}`, tol);
      expect(r['losses/grad_norm']).toBeGreaterThan(s.maxGradNorm); // clipping is active
      if (s.targetKl !== null) expect(r['charts/epochs']).toBeLessThan(s.epochs); // the early stop fired
    }
    expect(fastRng.getState()).toEqual(refRng.getState());
    expect(threadedRng.getState()).toEqual(refRng.getState());
    ref.dispose();
    fast.dispose();
    threaded.dispose();
    refPolicy.dispose();
    fastPolicy.dispose();
    threadedPolicy.dispose();
  });
});

describe('per-network gradient clipping', () => {
  // the actor's gradient does not depend on the value loss's weight (separate networks): clipped per
  // network, the actor's steps cannot either; clipped globally, the critic's norm scales them
  const actorAfter = (gradClip: 'global' | 'per-network', vfCoef: number, spec: PolicySpec): Float32Array[] => {
    const policy = makePolicy(spec, 3);
    const learner = new FastLearner({ policy, settings: { ...BASE, gradClip, vfCoef, epochs: 3, minibatchSize: 12, maxGradNorm: 0.2 }, rng: new Rng(5) });
    const buf = makeBuffer(spec, { steps: 8, envs: 5 }, 6);
    for (let u = 0; u < 2; u++) learner.update(buf, u / 4);
    const out = policy.actorVariables().map((v) => Float32Array.from(v.dataSync() as Float32Array));
    learner.dispose();
    policy.dispose();
    return out;
  };
  it.each([['categorical', CATEGORICAL], ['Gaussian', GAUSSIAN]] as const)('%s: the actor steps the same whatever the critic gradient', (_, spec) => {
    expect(actorAfter('per-network', 50, spec)).toEqual(actorAfter('per-network', 0.5, spec));
    const [a, b] = [actorAfter('global', 50, spec), actorAfter('global', 0.5, spec)];
    const diff = Math.max(...a.flatMap((w, i) => Array.from(w, (x, j) => Math.abs(x - b[i]![j]!))));
    expect(diff).toBeGreaterThan(1e-4);
  });
  it('reports the actor\'s and the critic\'s norms, which make up the whole', () => {
    const policy = makePolicy(GAUSSIAN, 3);
    const learner = new FastLearner({ policy, settings: { ...BASE, epochs: 1 }, rng: new Rng(5) });
    const r = learner.update(makeBuffer(GAUSSIAN, { steps: 8, envs: 5 }, 6), 0);
    const [all, actor, critic] = [r['losses/grad_norm'], r['losses/grad_norm_actor']!, r['losses/grad_norm_critic']!];
    expect(actor).toBeGreaterThan(0);
    expect(critic).toBeGreaterThan(0);
    expect(Math.hypot(actor, critic)).toBeCloseTo(all, 4);
    learner.dispose();
    policy.dispose();
  });
});

describe('optimizer state', () => {
  it.each(['adam', 'rmsprop'] as const)('%s: matches tfjs optimizer weights, and restores from the reference', async (optimizer) => {
    const s: LearnerSettings = { ...BASE, epochs: 2, minibatchSize: 15, optimizer };
    const refPolicy = makePolicy(CATEGORICAL, 9);
    const fastPolicy = makePolicy(CATEGORICAL, 9);
    const buf = makeBuffer(CATEGORICAL, { steps: 6, envs: 5 }, 8);
    const ref = new PolicyGradientLearner({ policy: refPolicy, settings: s, rng: new Rng(1) });
    const fast = new FastLearner({ policy: fastPolicy, settings: s, rng: new Rng(1) });
    ref.update(buf, 0);
    fast.update(buf, 0);
    const rw = await ref.optimizer.getWeights();
    const fw = await fast.optimizer.getWeights();
    // same order and slots; the names carry each policy's own (engine-unique) variable names
    const vars = fastPolicy.trainableVariables().map((v) => v.name);
    const [first, second] = optimizer === 'adam' ? ['m', 'v'] : ['rms', 'momentum'];
    expect(fw.map((w) => w.name)).toEqual(['iter', ...vars.map((n) => `${n}/${first}`), ...vars.map((n) => `${n}/${second}`)]);
    expect(fw.map((w) => w.name.replace(/.*\//, ''))).toEqual(rw.map((w) => w.name.replace(/.*\//, '')));
    fw.forEach((w, i) => expectAllClose(w.tensor.dataSync(), rw[i]!.tensor.dataSync(), w.name));
    expect(fast.getOptimizerState().step).toBe(4);

    // a fresh fast learner restored from the reference's optimizer weights continues like the reference
    const resumedPolicy = makePolicy(CATEGORICAL, 9);
    resumedPolicy.copyFrom(refPolicy);
    const resumedRng = new Rng(77);
    const refRng2 = new Rng(77);
    const resumed = new FastLearner({ policy: resumedPolicy, settings: s, rng: resumedRng });
    await resumed.optimizer.setWeights(rw);
    const ref2 = new PolicyGradientLearner({ policy: refPolicy, settings: s, rng: refRng2 });
    await ref2.optimizer.setWeights(await ref.optimizer.getWeights());
    expectStatsClose(resumed.update(buf, 0.5), ref2.update(buf, 0.5));
    expectSameParams(resumedPolicy, refPolicy, 'resumed');

    // get/setOptimizerState round trip
    const state = resumed.getOptimizerState();
    const copy = new FastLearner({ policy: resumedPolicy, settings: s, rng: new Rng(3) });
    copy.setOptimizerState(state);
    const back = copy.getOptimizerState();
    expect(back.step).toBe(state.step);
    expect(Array.from(back.m)).toEqual(Array.from(state.m));
    expect(Array.from(back.v)).toEqual(Array.from(state.v));
    for (const p of [refPolicy, fastPolicy, resumedPolicy]) p.dispose();
  });
});

describe('FastForward', () => {
  it.each([
    ['categorical with masks', CATEGORICAL],
    ['gaussian', GAUSSIAN],
    ['linear, tiny', { obsSize: 2, criticInputSize: 2, head: 'categorical', actions: 2, hidden: [], activation: 'relu' } as PolicySpec],
    ['conv trunk with a residual block', CONV_RES],
    ['conv trunk with a 1×1 reduction', CONV_RES_REDUCE],
    ['conv trunk on the actor alone', CONV_ACTOR_ONLY],
    ['column move head', CONV_COLUMNS_RES_REDUCE],
  ] as const)('act() reproduces ActorCritic.act (%s)', (_name, spec) => {
    const policy = makePolicy(spec, 4);
    const buf = makeBuffer(spec, { steps: 1, envs: 7 }, 3);
    const rows = 7;
    const A = spec.actions;
    const mk = (): ActBuffers => ({
      actions: new Int32Array(rows),
      continuous: new Float32Array(rows * A),
      logProbs: new Float32Array(rows),
      values: new Float32Array(rows),
    });
    const ff = FastForward.fromPolicy(policy);
    for (const deterministic of [false, true]) {
      const a = mk();
      const b = mk();
      const masks = spec.head === 'categorical' ? buf.masks : null;
      policy.act(buf.obs, rows, masks, new Rng(5), a, { deterministic });
      ff.act(buf.obs, rows, masks, new Rng(5), b, { deterministic });
      expect(Array.from(b.actions)).toEqual(Array.from(a.actions));
      expectAllClose(b.continuous!, a.continuous!, 'continuous');
      expectAllClose(b.logProbs, a.logProbs, 'logProbs');
      expectAllClose(b.values, a.values, 'values');
    }
    const v = new Float32Array(rows + 1);
    const w = new Float32Array(rows + 1);
    policy.values(buf.obs, rows, v, 1);
    ff.values(buf.obs, rows, w, 1);
    expectAllClose(w, v, 'values()');
    policy.dispose();
  });

  it('batches over 1024 rows run in chunks with the same outputs (conv trunk)', () => {
    const policy = makePolicy(CONV_RES, 14);
    const rows = 1030;
    const buf = makeBuffer(CONV_RES, { steps: rows, envs: 1 }, 9);
    const head = new Float32Array(rows * CONV_RES.actions);
    const values = new Float32Array(rows);
    const ff = FastForward.fromPolicy(policy);
    ff.forward(buf.obs, rows, head, values);
    const [logits, v] = tf.tidy(() => {
      const x = tf.tensor2d(buf.obs, [rows, CONV_RES.obsSize]);
      return [policy.actorForward(x).dataSync(), policy.criticForward(x).dataSync()];
    });
    expectAllClose(head, logits!, 'logits', CONV_TOL);
    expectAllClose(values, v!, 'values', CONV_TOL);
    const viaValues = new Float32Array(rows);
    ff.values(buf.obs, rows, viaValues);
    expect(Array.from(viaValues)).toEqual(Array.from(values));
    policy.dispose();
  });

  it("the learner's forward view sees every update", () => {
    const policy = makePolicy(CATEGORICAL, 6);
    const buf = makeBuffer(CATEGORICAL, { steps: 4, envs: 4 }, 1);
    const fast = new FastLearner({ policy, settings: { ...BASE, lr: 0.05 }, rng: new Rng(0) });
    const ff = fast.fastForward();
    const before = new Float32Array(16 * 4);
    const after = new Float32Array(16 * 4);
    ff.forward(buf.obs, 16, before, null);
    fast.update(buf, 0);
    ff.forward(buf.obs, 16, after, null);
    expect(after).not.toEqual(before);
    const expected = tf.tidy(() => policy.actorForward(tf.tensor2d(buf.obs, [16, CATEGORICAL.obsSize])).dataSync());
    expectAllClose(after, expected, 'logits after update');
    policy.dispose();
  });
});

describe('evaluate (the current policy on a buffer, for V-trace) = reference', () => {
  const CASES: { name: string; spec: PolicySpec; criticSize?: number }[] = [
    { name: 'categorical with masks', spec: CATEGORICAL },
    { name: 'gaussian', spec: GAUSSIAN },
    { name: 'centralized critic with its own input', spec: { ...CATEGORICAL, criticInputSize: 9 }, criticSize: 9 },
    { name: 'relu, narrow layers', spec: { obsSize: 3, criticInputSize: 3, head: 'categorical', actions: 3, hidden: [3, 2], activation: 'relu' } },
    { name: 'conv trunk, two residual blocks', spec: CONV_NARROW },
    { name: 'conv trunk, 1×1 reduction', spec: CONV_REDUCE },
    { name: 'conv trunk on the actor alone', spec: CONV_ACTOR_ONLY },
    { name: 'column move head', spec: CONV_COLUMNS },
  ];

  it.each(CASES)('$name: same log-probs and values, padding rows 0', ({ spec, criticSize }) => {
    const policy = makePolicy(spec, 12);
    const buf = makeBuffer(spec, { steps: 7, envs: 3, invalidEvery: 5, criticSize }, 4);
    const ref = new PolicyGradientLearner({ policy, settings: BASE, rng: new Rng(0) });
    const refLogp = new Float32Array(buf.size);
    const refV = new Float32Array(buf.size);
    ref.evaluate(buf, refLogp, refV);
    for (const kernels of ['wasm', 'js'] as const) {
      const fast = new FastLearner({ policy, settings: BASE, rng: new Rng(0), kernels });
      const logp = new Float32Array(buf.size).fill(Number.NaN);
      const v = new Float32Array(buf.size).fill(Number.NaN);
      fast.evaluate(buf, logp, v);
      expectAllClose(logp, refLogp, `${kernels} log-probs`);
      expectAllClose(v, refV, `${kernels} values`);
      fast.dispose();
    }
    for (let i = 0; i < buf.size; i++) {
      if (buf.valid[i]) continue;
      expect(refLogp[i]).toBe(0);
      expect(refV[i]).toBe(0);
    }
    ref.dispose();
    policy.dispose();
  });

  it.each([
    ['categorical with masks', CATEGORICAL],
    ['gaussian', GAUSSIAN],
  ] as const)('on-policy (%s): evaluate gives back the log-probs and values recorded by act', (_name, spec) => {
    const policy = makePolicy(spec, 8);
    const buf = makeBuffer(spec, { steps: 4, envs: 5 }, 6);
    const out: ActBuffers = { actions: buf.actions.length ? buf.actions : new Int32Array(buf.size), continuous: buf.continuousActions, logProbs: buf.logProbs, values: buf.values };
    policy.act(buf.obs, buf.size, spec.head === 'categorical' ? buf.masks : null, new Rng(2), out);
    const logp = new Float32Array(buf.size);
    const v = new Float32Array(buf.size);
    const fast = new FastLearner({ policy, settings: BASE, rng: new Rng(0) });
    const ref = new PolicyGradientLearner({ policy, settings: BASE, rng: new Rng(0) });
    for (const learner of [fast, ref]) {
      learner.evaluate(buf, logp, v);
      expectAllClose(logp, buf.logProbs, `${learner.constructor.name} log-probs`);
      expectAllClose(v, buf.values, `${learner.constructor.name} values`);
    }
    fast.dispose();
    ref.dispose();
    policy.dispose();
  });

  it('after the same update, both evaluate the new weights alike, and V-trace through either gives the same targets', () => {
    const s: LearnerSettings = { ...BASE, kind: 'vanilla', normAdv: false, lr: 0.02 };
    const refPolicy = makePolicy(CATEGORICAL, 13);
    const fastPolicy = makePolicy(CATEGORICAL, 13);
    const buf = makeBuffer(CATEGORICAL, { steps: 6, envs: 4, invalidEvery: 9 }, 7);
    for (let i = 0; i < buf.size; i++) {
      buf.rewards[i] = Math.sin(i);
      buf.nextValues[i] = Math.cos(i);
      buf.dones[i] = i % 7 === 3 ? 1 : 0;
    }
    const ref = new PolicyGradientLearner({ policy: refPolicy, settings: s, rng: new Rng(1) });
    const fast = new FastLearner({ policy: fastPolicy, settings: s, rng: new Rng(1) });
    ref.update(buf, 0);
    fast.update(buf, 0);
    const refLogp = new Float32Array(buf.size);
    const refV = new Float32Array(buf.size);
    const logp = new Float32Array(buf.size);
    const v = new Float32Array(buf.size);
    ref.evaluate(buf, refLogp, refV);
    fast.evaluate(buf, logp, v);
    expectAllClose(logp, refLogp, 'log-probs after update');
    expectAllClose(v, refV, 'values after update');
    const opts = { gamma: 0.9, rhoBar: 1, cBar: 1, lambda: 1 };
    const refStats = vtraceAdvantages(buf, ref, opts);
    const refAdv = Float32Array.from(buf.advantages);
    const refRet = Float32Array.from(buf.returns);
    const stats = vtraceAdvantages(buf, fast, opts);
    expectAllClose(buf.advantages, refAdv, 'V-trace advantages');
    expectAllClose(buf.returns, refRet, 'V-trace targets');
    expectAllClose(Object.values(stats), Object.values(refStats), 'V-trace statistics');
    expect(stats['vtrace/clipped_rho_frac']).toBeGreaterThan(0); // the stored log-probs are not this policy's
    ref.dispose();
    fast.dispose();
    refPolicy.dispose();
    fastPolicy.dispose();
  });
});
