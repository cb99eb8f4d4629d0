/**
 * AlphaZero's search-distillation loss (loss kind 'search'; Silver et al. 2018, eq. 1, without the L2
 * term): L = E[−Σ_j π_j·log p_j] − c_ent·H + c_vf·½·E[(V − z)²]. Hand-computed loss, statistics and
 * gradient on a linear policy in both learner paths (an illegal action, a zero-weight row); the loss
 * ignores advantages; repeated updates pull the policy to the targets and the value to the outcomes;
 * and the combinations it cannot train are refused with a ConfigError.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic, type PolicySpec } from '../../agents/policy.ts';
import { ConfigError, Rng } from '../../core/index.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import { policyGradientLoss, type TensorBatch } from '../../src/algorithms/losses.ts';
import { PolicyGradientLearner, type LearnerSettings } from '../../src/algorithms/policy-gradient.ts';
import { checkTrpoSettings, type TrpoSettings } from '../../src/algorithms/trpo.ts';
import { FastLearner } from '../../src/fast/learner.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SETTINGS: LearnerSettings = {
  kind: 'search',
  clip: 0.2,
  clipValue: null,
  entCoef: 0.01,
  vfCoef: 0.5,
  normAdv: true,
  epochs: 1,
  minibatchSize: 1 << 20,
  lr: 1e-2,
  annealLr: false,
  annealClip: false,
  maxGradNorm: 0,
  targetKl: null,
  optimizer: 'adam',
  optimizerEps: 1e-5,
};

/** The reference learner's own upload of a buffer (the path that carries `searchPolicy` to the loss). */
class Upload extends PolicyGradientLearner {
  batch(buf: RolloutBuffer): TensorBatch {
    return this.uploadBatch(buf);
  }
}

/** Logits = x·W + b, V = x·[0.5, −0.25]ᵀ + 0.1 (binary fractions: exact in float32). */
const W = [
  [1, -0.5, 0.25],
  [0.5, 2, -1],
];
const B = [0.1, 0, -0.2];
const linearLogits = (x: number[]): number[] => B.map((b, j) => b + x[0]! * W[0]![j]! + x[1]! * W[1]![j]!);
const linearValue = (x: number[]): number => 0.1 + 0.5 * x[0]! - 0.25 * x[1]!;

function linearPolicy(): ActorCritic {
  const p = new ActorCritic({ obsSize: 2, criticInputSize: 2, head: 'categorical', actions: 3, hidden: [], activation: 'tanh' }, 0);
  p.setWeights([Float32Array.from(W.flat()), Float32Array.from(B), Float32Array.of(0.5, -0.25), Float32Array.of(0.1)]);
  return p;
}

/**
 * Row 0: x = (1, 0), all legal, π = (0.5, 0.3, 0.2), z = 1; row 1: x = (0, 1), action 1 illegal,
 * π = (0.6, 0, 0.4), z = −1; row 2: weight 0, with a target and an outcome that would dominate.
 */
const ROWS = [
  { x: [1, 0], mask: [1, 1, 1], pi: [0.5, 0.3, 0.2], z: 1 },
  { x: [0, 1], mask: [1, 0, 1], pi: [0.6, 0, 0.4], z: -1 },
  { x: [1, 1], mask: [1, 1, 1], pi: [0, 0, 1], z: 5 },
];

function handBuffer(advantages: number[]): RolloutBuffer {
  const b = new RolloutBuffer({ steps: 3, envs: 1, obsSize: 2, criticSize: 0, actions: 3, continuous: false });
  b.searchPolicy = new Float32Array(9);
  ROWS.forEach((r, i) => {
    b.obs.set(r.x, 2 * i);
    b.masks.set(r.mask, 3 * i);
    b.searchPolicy!.set(r.pi, 3 * i);
    b.returns[i] = r.z;
    b.actions[i] = 0;
    b.logProbs[i] = Math.log(0.4);
    b.advantages[i] = advantages[i]!;
  });
  b.valid[2] = 0;
  return b;
}

/** Masked log-softmax in float64 (null on illegal actions). */
function logSoftmax(logits: number[], mask: number[]): (number | null)[] {
  const lse = Math.log(logits.reduce((a, l, j) => a + (mask[j] ? Math.exp(l) : 0), 0));
  return logits.map((l, j) => (mask[j] ? l - lse : null));
}

/** The loss by hand over the two weighted rows: [policy_loss, value_loss, entropy], and d(loss)/d(actor bias) without the entropy term. */
function byHand(): { pg: number; v: number; ent: number; biasGrad: number[] } {
  let pg = 0;
  let v = 0;
  let ent = 0;
  const biasGrad = [0, 0, 0];
  for (const r of ROWS.slice(0, 2)) {
    const lp = logSoftmax(linearLogits(r.x), r.mask);
    lp.forEach((l, j) => {
      if (l === null) return;
      pg -= r.pi[j]! * l;
      ent -= Math.exp(l) * l;
      // ∂(−Σ π_k·log p_k)/∂logit_j = p_j − π_j (π sums to 1), halved by the mean over 2 rows
      biasGrad[j]! += (Math.exp(l) - r.pi[j]!) / 2;
    });
    v += 0.5 * (linearValue(r.x) - r.z) ** 2;
  }
  return { pg: pg / 2, v: v / 2, ent: ent / 2, biasGrad };
}

/** Loss, [policy_loss, value_loss, entropy], the actor-bias gradient and the critic-bias gradient, from either path. */
interface Result {
  loss: number;
  stats: number[];
  actorBias: number[];
  criticBias: number;
}

function reference(policy: ActorCritic, buf: RolloutBuffer, s: LearnerSettings): Result {
  const learner = new Upload({ policy, settings: s, rng: new Rng(0) });
  const batch = learner.batch(buf);
  const out = tf.tidy(() => {
    let stats: tf.Tensor | null = null;
    const vars = policy.trainableVariables();
    const { value, grads } = tf.variableGrads(() => {
      const o = policyGradientLoss(policy, batch, s);
      stats = tf.keep(o.stats);
      return o.loss;
    }, vars);
    return { loss: value.dataSync()[0]!, stats: Array.from(stats!.dataSync()), actorBias: Array.from(grads[vars[1]!.name]!.dataSync()), criticBias: grads[vars[3]!.name]!.dataSync()[0]! };
  });
  tf.dispose(Object.values(batch).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
  learner.dispose();
  return out;
}

function fast(policy: ActorCritic, buf: RolloutBuffer, s: LearnerSettings): Result {
  const learner = new FastLearner({ policy, settings: s, rng: new Rng(0) });
  const g = learner.computeGradients(buf, Int32Array.of(0, 1, 2));
  const [, bias, , vBias] = learner.layout.variables;
  learner.dispose();
  return { loss: g.loss, stats: Array.from(g.stats), actorBias: Array.from(g.grads.subarray(bias!.offset, bias!.offset + 3)), criticBias: g.grads[vBias!.offset]! };
}

const PATHS = [['reference', reference], ['fast', fast]] as const;

describe('search-distillation loss (AlphaZero, Silver et al. 2018, eq. 1)', () => {
  it.each(PATHS)('%s: loss, statistics and gradient match the hand computation', (_, run) => {
    const policy = linearPolicy();
    const hand = byHand();
    // −Σπ·log p: row 0 1.1294376, row 1 0.8729776 (the illegal action left out); ½(V − z)²: (0.6 − 1)², (−0.15 + 1)²
    expect(hand.pg).toBeCloseTo(1.0012076, 6);
    expect(hand.v).toBeCloseTo(0.220625, 9);
    const r = run(policy, handBuffer([0.3, -1, 2]), SETTINGS);
    expect(r.stats[0]).toBeCloseTo(hand.pg, 5);
    expect(r.stats[1]).toBeCloseTo(hand.v, 5);
    expect(r.stats[2]).toBeCloseTo(hand.ent, 5);
    expect(r.loss).toBeCloseTo(hand.pg - SETTINGS.entCoef * hand.ent + SETTINGS.vfCoef * hand.v, 5);
    // the stored action's diagnostics: log-ratio log p_0 − log 0.4 per row
    const kl = ROWS.slice(0, 2).reduce((a, row) => {
      const lr = logSoftmax(linearLogits(row.x), row.mask)[0]! - Math.log(0.4);
      return a + (Math.exp(lr) - 1 - lr) / 2;
    }, 0);
    expect(r.stats[3]).toBeCloseTo(kl, 5);

    const g = run(policy, handBuffer([0.3, -1, 2]), { ...SETTINGS, entCoef: 0 });
    for (let j = 0; j < 3; j++) expect(g.actorBias[j]).toBeCloseTo(hand.biasGrad[j]!, 5);
    // c_vf·mean(V − z) over the two rows
    expect(g.criticBias).toBeCloseTo((SETTINGS.vfCoef * (0.6 - 1 + (-0.15 + 1))) / 2, 5);
    policy.dispose();
  });

  it.each(PATHS)('%s: advantages play no part (all zero with normalisation on, or any others)', (_, run) => {
    const policy = linearPolicy();
    const zero = run(policy, handBuffer([0, 0, 0]), SETTINGS);
    const other = run(policy, handBuffer([5, -3, 1]), { ...SETTINGS, normAdv: false });
    for (const x of [zero.loss, ...zero.stats, ...zero.actorBias]) expect(Number.isFinite(x)).toBe(true);
    expect(other.loss).toBe(zero.loss);
    expect(other.actorBias).toEqual(zero.actorBias);
    expect(other.criticBias).toBe(zero.criticBias);
    policy.dispose();
  });

  it('repeated updates pull the policy to the search targets and the value to the outcomes', () => {
    const spec: PolicySpec = { obsSize: 4, criticInputSize: 4, head: 'categorical', actions: 3, hidden: [16], activation: 'tanh' };
    const policy = new ActorCritic(spec, 3);
    const buf = new RolloutBuffer({ steps: 4, envs: 1, obsSize: 4, criticSize: 0, actions: 3, continuous: false });
    const rng = new Rng(2);
    for (let k = 0; k < buf.obs.length; k++) buf.obs[k] = rng.normal();
    const z = [1, -1, 0.5, -0.5];
    buf.searchPolicy = new Float32Array(12);
    for (let i = 0; i < 4; i++) {
      buf.masks.set([1, 1, 0], 3 * i);
      buf.searchPolicy.set([0.7, 0.3, 0], 3 * i);
      buf.returns[i] = z[i]!;
      buf.logProbs[i] = Math.log(0.5);
    }
    const probsAndValues = (): { p: number[][]; v: number[] } =>
      tf.tidy(() => {
        const x = tf.tensor2d(buf.obs, [4, 4]);
        const logits = policy.actorForward(x).arraySync() as number[][];
        return { p: logits.map((l) => logSoftmax(l, [1, 1, 0]).map((lp) => (lp === null ? 0 : Math.exp(lp)))), v: Array.from(policy.criticForward(x).dataSync()) };
      });
    const before = probsAndValues();
    // the start is far from the targets, so closeness at the end is learnt
    expect(Math.max(...before.p.map((p) => Math.abs(p[0]! - 0.7)))).toBeGreaterThan(0.1);
    expect(Math.max(...before.v.map((v, i) => Math.abs(v - z[i]!)))).toBeGreaterThan(0.3);
    const learner = new FastLearner({ policy, settings: { ...SETTINGS, entCoef: 0, vfCoef: 1, epochs: 4, maxGradNorm: 1 }, rng: new Rng(1) });
    for (let u = 0; u < 75; u++) learner.update(buf, u / 75);
    learner.dispose();
    const after = probsAndValues();
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(after.p[i]![0]! - 0.7)).toBeLessThan(0.05);
      expect(Math.abs(after.p[i]![1]! - 0.3)).toBeLessThan(0.05);
      expect(after.p[i]![2]).toBe(0);
      expect(Math.abs(after.v[i]! - z[i]!)).toBeLessThan(0.05);
    }
    policy.dispose();
  });
});

describe('search-distillation loss: what it refuses', () => {
  const GAUSSIAN: PolicySpec = { obsSize: 2, criticInputSize: 2, head: 'gaussian', actions: 2, hidden: [4], activation: 'tanh' };

  function gaussianBuffer(): RolloutBuffer {
    const b = new RolloutBuffer({ steps: 4, envs: 1, obsSize: 2, criticSize: 0, actions: 2, continuous: true });
    b.obs.fill(0.5);
    b.searchPolicy = new Float32Array(8).fill(0.5);
    return b;
  }

  const learners = [
    ['reference', (policy: ActorCritic, s: LearnerSettings) => new PolicyGradientLearner({ policy, settings: s, rng: new Rng(0) })],
    ['fast', (policy: ActorCritic, s: LearnerSettings) => new FastLearner({ policy, settings: s, rng: new Rng(0) })],
  ] as const;

  it.each(learners)('%s: a Gaussian head', (_, make) => {
    const policy = new ActorCritic(GAUSSIAN, 1);
    const learner = make(policy, SETTINGS);
    expect(() => learner.update(gaussianBuffer(), 0)).toThrow(ConfigError);
    expect(() => learner.update(gaussianBuffer(), 0)).toThrow(/categorical head/);
    learner.dispose();
    policy.dispose();
  });

  it.each(learners)('%s: a buffer without search targets', (_, make) => {
    const policy = linearPolicy();
    const learner = make(policy, SETTINGS);
    const buf = handBuffer([0, 0, 0]);
    buf.searchPolicy = null;
    expect(() => learner.update(buf, 0)).toThrow(ConfigError);
    expect(() => learner.update(buf, 0)).toThrow(/searchPolicy/);
    learner.dispose();
    policy.dispose();
  });

  it.each(learners)('%s: NeuRD with it', (_, make) => {
    const policy = linearPolicy();
    const learner = make(policy, { ...SETTINGS, neurdBeta: 2 });
    expect(() => learner.update(handBuffer([0, 0, 0]), 0)).toThrow(/NeuRD and the search-distillation loss/);
    learner.dispose();
    policy.dispose();
  });

  it('TRPO, which steps its own surrogate', () => {
    const s: TrpoSettings = { ...SETTINGS, targetKl: 0.01, cgIters: 10, cgDamping: 0.1, lineSearchShrink: 0.8, lineSearchSteps: 10 };
    expect(() => checkTrpoSettings(s)).toThrow(ConfigError);
    expect(() => checkTrpoSettings({ ...s, kind: 'clipped' })).not.toThrow();
  });
});
