/**
 * The PPO loss and its gradient on a tiny case worked out by hand: a linear softmax actor and a linear
 * critic, two samples, one clipped and one not.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActorCritic } from '../../agents/policy.ts';
import { policyGradientLoss, type TensorBatch } from '../../src/algorithms/losses.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tinyPolicy(): ActorCritic {
  const p = new ActorCritic({ obsSize: 2, criticInputSize: 2, head: 'categorical', actions: 2, hidden: [], activation: 'tanh' }, 0);
  // actor logits = x·W with W = [[1, 0], [0, 0]]; critic V = x·[1, 0]ᵀ
  p.actor.layers[0]!.setWeights([tf.tensor2d([[1, 0], [0, 0]]), tf.zeros([2])]);
  p.critic.layers[0]!.setWeights([tf.tensor2d([[1], [0]]), tf.zeros([1])]);
  return p;
}

const LOG_PI1_A0 = Math.log(Math.E / (Math.E + 1)); // π(0 | x1) = softmax([1, 0])₀ = 0.7310586
const LOG_PI2_A1 = Math.log(0.5);

function batch(): TensorBatch {
  const obs = tf.tensor2d([[1, 0], [0, 1]]);
  return {
    obs,
    criticInput: obs,
    maskPenalty: null,
    actions: tf.tensor1d([0, 1], 'int32'),
    // chosen so that the ratios are ρ1 = 1.5 (clipped: A > 0, ρ > 1 + ε) and ρ2 = 0.9 (inside the range)
    oldLogProbs: tf.tensor1d([LOG_PI1_A0 - Math.log(1.5), LOG_PI2_A1 - Math.log(0.9)]),
    oldValues: tf.tensor1d([1, 0]),
    advantages: tf.tensor1d([1, -2]),
    returns: tf.tensor1d([2, 1]),
    weights: tf.tensor1d([1, 1]),
  };
}

const SETTINGS = { kind: 'clipped', clip: 0.2, clipValue: null, entCoef: 0.01, vfCoef: 0.5, normAdv: false } as const;

describe('PPO clipped loss (Schulman et al. 2017, eq. 7 and 9)', () => {
  it('matches the loss and statistics computed by hand', () => {
    const p = tinyPolicy();
    const { loss, stats } = policyGradientLoss(p, batch(), SETTINGS);
    // L_pg = mean(max(−1·1.5, −1·1.2), max(2·0.9, 2·0.9)) = mean(−1.2, 1.8) = 0.3
    // L_v = ½·mean((1 − 2)², (0 − 1)²) = 0.5
    // H = mean(H([0.7311, 0.2689]), ln 2) = mean(0.5822051, 0.6931472) = 0.6376761
    // L = 0.3 − 0.01·0.6376761 + 0.5·0.5 = 0.5436232
    const [pg, v, ent, kl, clipFrac] = Array.from(stats.dataSync());
    expect(pg).toBeCloseTo(0.3, 5);
    expect(v).toBeCloseTo(0.5, 5);
    expect(ent).toBeCloseTo(0.6376761, 5);
    // approx KL = mean((ρ − 1) − ln ρ) = mean(0.5 − 0.4054651, −0.1 + 0.1053605) = 0.0499477
    expect(kl).toBeCloseTo(0.0499477, 5);
    expect(clipFrac).toBeCloseTo(0.5, 6);
    expect(loss.dataSync()[0]).toBeCloseTo(0.5436232, 5);
  });

  it('matches the gradient computed by hand', () => {
    const p = tinyPolicy();
    const b = batch();
    const vars = p.trainableVariables();
    const { grads } = tf.variableGrads(() => policyGradientLoss(p, b, SETTINGS).loss, vars);
    const [actorW, actorB, criticW, criticB] = vars.map((v) => Array.from(grads[v.name]!.dataSync()));
    // ∂ log π(a|x)/∂W[i][j] = x_i (1[j = a] − π_j). Sample 1 is clipped: no surrogate gradient; sample 2:
    // ∂/∂W of ½·(−A·ρ) = ½·2·0.9·∇log π(1|x2) → row 1: 0.9·[−0.5, 0.5] = [−0.45, 0.45].
    // Entropy: ∂H/∂z_j = −π_j (log π_j + H); for sample 1 that is [−0.196615, 0.196615], so
    // −0.01·½·that on row 0 = [0.000983075, −0.000983075]; sample 2 (uniform) contributes 0.
    const expectedW = [0.000983075, -0.000983075, -0.45, 0.45];
    expectedW.forEach((g, i) => expect(actorW![i]).toBeCloseTo(g, 5));
    [-0.449016925, 0.449016925].forEach((g, i) => expect(actorB![i]).toBeCloseTo(g, 5));
    // value: ∂(0.5·½·mean((V − R)²))/∂V_i = 0.25·(V_i − R_i) = [−0.25, −0.25]; kernel = Σ x_i·that
    [-0.25, -0.25].forEach((g, i) => expect(criticW![i]).toBeCloseTo(g, 6));
    expect(criticB![0]).toBeCloseTo(-0.5, 6);
  });

  it('value clipping keeps the larger of the clipped and unclipped errors', () => {
    const p = tinyPolicy();
    const b = { ...batch(), oldValues: tf.tensor1d([1.5, 0.5]), returns: tf.tensor1d([3, 0]) };
    const { stats } = policyGradientLoss(p, b, { ...SETTINGS, clipValue: 0.2 });
    // V = [1, 0]; clipped V = old + clip(V − old, ±0.2) = [1.3, 0.3]
    // sample 1: max((1 − 3)², (1.3 − 3)²) = max(4, 2.89) = 4; sample 2: max(0, 0.09) = 0.09
    expect(stats.dataSync()[1]).toBeCloseTo(0.5 * (4 + 0.09) / 2, 5);
  });

  it('weights of zero remove samples from every term', () => {
    const p = tinyPolicy();
    const { stats } = policyGradientLoss(p, { ...batch(), weights: tf.tensor1d([0, 1]) }, SETTINGS);
    const [pg, v, ent] = Array.from(stats.dataSync());
    expect(pg).toBeCloseTo(1.8, 5);
    expect(v).toBeCloseTo(0.5, 5);
    expect(ent).toBeCloseTo(Math.log(2), 5);
  });
});
