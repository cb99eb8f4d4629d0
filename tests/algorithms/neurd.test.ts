/**
 * NeuRD, R-NaD's policy update (`neurdBeta`): one row's loss and logit gradient computed by hand, the
 * tfjs reference's gradient on the same row, the threshold that stops a logit, and a short learning
 * check — a learner pushed toward one action by a constant advantage raises its probability until the
 * centred logits pass the threshold, then holds, where the plain policy gradient keeps going.
 * (Fast path = reference on batches, thresholds crossed, Adam steps: tests/fast/equivalence.test.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic, type PolicySpec } from '../../agents/policy.ts';
import { ConfigError, Rng } from '../../core/index.ts';
import { RolloutBuffer } from '../../src/algorithms/buffer.ts';
import { neurdLoss, type TensorBatch } from '../../src/algorithms/losses.ts';
import type { LearnerSettings } from '../../src/algorithms/policy-gradient.ts';
import { FastLearner } from '../../src/fast/learner.ts';
import { maskedLogSoftmax, neurdRowInto } from '../../src/fast/ppo-grad.ts';
import { resolveConfig } from '../../src/train/config.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * The row: logits [0.5, −0.2, 9] with the third action illegal, so π = softmax(0.5, −0.2) =
 * [0.668188, 0.331812], log π = [−0.403186, −1.103186], KL(π‖uniform-free 0) = Σπ·log π = −0.635453,
 * centred logits ȳ = [0.35, −0.35]; sampled with behaviour probability μ = 0.25 and advantage 0.5, so
 * Â/μ = 2; η = 0.1.
 *  - a = 1: F = [(0 − 0.331812)·2 − 0.1·(−0.403186 + 0.635453), (1 − 0.331812)·2 − 0.1·(−1.103186 + 0.635453)]
 *         = [−0.686851, 1.383149]; loss = −(0.35·−0.686851 − 0.35·1.383149) = 0.7245;
 *    d/dy = ΣF/2 − F = [1.035, −1.035], 0 for the illegal logit.
 *  - a = 0: F = [0.640398, −1.289602]; loss = −0.6755; d/dy = [−0.965, 0.965].
 *  - a = 0 with β = 0.3: ȳ_0 = 0.35 ≥ β blocks the push up, ȳ_1 = −0.35 ≤ −β the push down: loss 0, no gradient.
 */
const LOGITS = [0.5, -0.2, 9];
const MASK = Uint8Array.of(1, 1, 0);
const CASES = [
  { a: 1, beta: 2, loss: 0.7245, grad: [1.035, -1.035, 0] },
  { a: 0, beta: 2, loss: -0.6755, grad: [-0.965, 0.965, 0] },
  { a: 0, beta: 0.3, loss: 0, grad: [0, 0, 0] },
];

describe('NeuRD on one row, by hand', () => {
  it.each(CASES)('action $a, threshold $beta: the fast path', ({ a, beta, loss, grad }) => {
    const h = new Float32Array(6);
    h.set(LOGITS);
    const logp = new Float64Array(3);
    const p = new Float64Array(3);
    maskedLogSoftmax(h, 0, MASK, 0, 3, logp, p);
    const got = neurdRowInto(h, 0, MASK, 0, 3, logp, p, new Float64Array(3), a, 0.25, 0.5, 0.1, null, 0, beta, 1, 3);
    expect(got).toBeCloseTo(loss, 5);
    for (let j = 0; j < 3; j++) expect(h[3 + j]).toBeCloseTo(grad[j]!, 5);
  });

  it.each(CASES)('action $a, threshold $beta: the tfjs reference', ({ a, beta, loss, grad }) => {
    const logits = tf.tensor2d([LOGITS]);
    const penalty = tf.tensor2d([[0, 0, -1e9]]);
    const batch = { maskPenalty: penalty, actions: tf.tensor1d([a], 'int32'), oldLogProbs: tf.tensor1d([Math.log(0.25)]), magnetLogp: null } as unknown as TensorBatch;
    const f = (y: tf.Tensor2D) => tf.sum(neurdLoss(y, tf.logSoftmax(tf.add(y, penalty)) as tf.Tensor2D, batch, tf.tensor1d([0.5]), 0.1, beta)) as tf.Scalar;
    const { value, grad: g } = tf.valueAndGrad(f)(logits);
    expect(value.dataSync()[0]).toBeCloseTo(loss, 5);
    Array.from(g.dataSync()).forEach((x, j) => expect(x).toBeCloseTo(grad[j]!, 5));
  });

  it('a magnet moves the regulariser: F gains η·log ρ', () => {
    // ρ = [0.9, 0.1] on the legal actions: F_b = (…) − η·(log π_b − log ρ_b − KL(π‖ρ))
    const h = new Float32Array(6);
    h.set(LOGITS);
    const logp = new Float64Array(3);
    const p = new Float64Array(3);
    maskedLogSoftmax(h, 0, MASK, 0, 3, logp, p);
    const magnet = Float32Array.of(Math.log(0.9), Math.log(0.1), 0);
    const kl = p[0]! * (logp[0]! - Math.log(0.9)) + p[1]! * (logp[1]! - Math.log(0.1));
    const F0 = -p[1]! * 2 - 0.1 * (logp[0]! - Math.log(0.9) - kl);
    const F1 = (1 - p[1]!) * 2 - 0.1 * (logp[1]! - Math.log(0.1) - kl);
    neurdRowInto(h, 0, MASK, 0, 3, logp, p, new Float64Array(3), 1, 0.25, 0.5, 0.1, magnet, 0, 2, 1, 3);
    expect(h[3]).toBeCloseTo((F0 + F1) / 2 - F0, 5);
    expect(h[4]).toBeCloseTo((F0 + F1) / 2 - F1, 5);
  });
});

describe('NeuRD learns, and its threshold holds the logits', () => {
  const SPEC: PolicySpec = { obsSize: 4, criticInputSize: 4, head: 'categorical', actions: 3, hidden: [8], activation: 'tanh' };
  const SETTINGS: LearnerSettings = {
    kind: 'vanilla', clip: 0.2, clipValue: null, entCoef: 0, vfCoef: 0.5, normAdv: false, epochs: 1, minibatchSize: 1 << 20,
    lr: 0.01, annealLr: false, annealClip: false, maxGradNorm: 0.5, targetKl: null, optimizer: 'adam', optimizerEps: 1e-5,
  };

  /** 24 states, action 0 always taken (behaviour probability 1/3) with advantage +1. */
  function batch(): RolloutBuffer {
    const buf = new RolloutBuffer({ steps: 6, envs: 4, obsSize: 4, criticSize: 0, actions: 3, continuous: false });
    const rng = new Rng(3);
    for (let i = 0; i < buf.obs.length; i++) buf.obs[i] = rng.normal();
    buf.masks.fill(1);
    buf.logProbs.fill(Math.log(1 / 3));
    buf.advantages.fill(1);
    buf.valid.fill(1);
    return buf;
  }

  /** π(0) on every state after `updates` updates. */
  function train(neurdBeta: number | null, updates: number): number[] {
    const policy = new ActorCritic(SPEC, 1);
    const learner = new FastLearner({ policy, settings: { ...SETTINGS, neurdBeta }, rng: new Rng(0) });
    const buf = batch();
    for (let u = 0; u < updates; u++) learner.update(buf, 0);
    learner.syncToPolicy();
    const probs = tf.tidy(() => Array.from(tf.softmax(policy.actorForward(tf.tensor2d(buf.obs, [buf.size, 4]))).dataSync()));
    learner.dispose();
    policy.dispose();
    return Array.from({ length: buf.size }, (_, i) => probs[3 * i]!);
  }

  it('raises the advantaged action, then holds once the centred logits pass the threshold; the policy gradient goes on', () => {
    // β = 1: a row stops once ȳ_1, ȳ_2 ≤ −1 (ȳ_0 ≥ 1 blocks nothing: its force is positive and ȳ_0 = −ȳ_1 − ȳ_2);
    // shared weights carry some rows past that before all have stopped, but none moves afterwards
    const early = train(1, 150);
    const late = train(1, 450);
    expect(Math.min(...early)).toBeGreaterThan(0.9); // learned: from about 1/3
    late.forEach((p, i) => expect(Math.abs(p - early[i]!)).toBeLessThan(1e-3));
    const pg = train(null, 450);
    expect(Math.min(...pg)).toBeGreaterThan(Math.max(...late));
  });
});

describe('neurdBeta in the training config', () => {
  it('applies to discrete actions with ppo, a2c and reinforce; one line otherwise', () => {
    expect(resolveConfig('ppo', 'leduc-poker-v1', { neurdBeta: 2 }).neurdBeta).toBe(2);
    expect(resolveConfig('ppo', 'leduc-poker-v1', {}).neurdBeta).toBeNull();
    expect(() => resolveConfig('ppo', 'pendulum-v1', { neurdBeta: 2 })).toThrow(/pendulum-v1 has continuous actions \(set neurdBeta to null\)/);
    expect(() => resolveConfig('trpo', 'cartpole-v1', { neurdBeta: 2, targetKl: 0.01 })).toThrow(ConfigError);
    expect(() => resolveConfig('impala', 'leduc-poker-v1', { neurdBeta: 2 })).toThrow(/neurdBeta applies to ppo, a2c and reinforce; impala/);
    expect(resolveConfig('a2c', 'leduc-poker-v1', { neurdBeta: 2 }).neurdBeta).toBe(2);
    expect(() => resolveConfig('ppo', 'leduc-poker-v1', { neurdBeta: 0 })).toThrow(/neurdBeta/);
  });
});
