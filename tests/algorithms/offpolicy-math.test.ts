/**
 * DDPG, TD3 and SAC by hand: targets, the squashed-Gaussian log-probability, the temperature loss and
 * Polyak averaging on tiny networks with fixed weights. Every expected number was computed outside
 * Arena (plain arithmetic, written out below) and is checked again here with Math.* formulas.
 *
 * The tiny networks (hidden layer of one ReLU unit; weights as [kernel₀, bias₀, kernel₁, bias₁]):
 *   target actor   μ'(s)     = tanh(0.5·relu(s))                      (TD3/DDPG, then tanh)
 *   SAC actor      [μ, log σ] = [0.5·relu(s), −1]
 *   target critic 1 Q'₁(s, a) = relu(s + a)
 *   target critic 2 Q'₂(s, a) = relu(2s + a) − 0.5
 * γ = 0.99.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/index.ts';
import { DivergedError, Mlp, polyakUpdate } from '../../src/algorithms/offpolicy-nets.ts';
import { allocReplayBatch, type ReplayBatch } from '../../src/algorithms/replay-buffer.ts';
import { alphaLoss, SacLearner, squashedGaussian } from '../../src/algorithms/sac.ts';
import { Td3Learner, type Td3Settings } from '../../src/algorithms/td3.ts';
import { selectBackend } from '../../src/backend.ts';

beforeAll(async () => {
  await selectBackend('wasm');
});

const f32 = (...xs: number[]) => Float32Array.from(xs);
const ACTOR = [f32(1), f32(0), f32(0.5), f32(0)];
const SAC_ACTOR = [f32(1), f32(0), f32(0.5, 0), f32(0, -1)];
const CRITIC_1 = [f32(1, 1), f32(0), f32(1), f32(0)];
const CRITIC_2 = [f32(2, 1), f32(0), f32(1), f32(-0.5)];
const GAMMA = 0.99;

function td3Settings(algo: 'td3' | 'ddpg'): Td3Settings {
  return {
    algo, obsSize: 1, actionDims: 1, hidden: [1], activation: 'relu', lr: 1e-3, optimizerEps: 1e-8, gamma: GAMMA, tau: 0.005,
    critics: algo === 'td3' ? 2 : 1, policyDelay: algo === 'td3' ? 2 : 1, targetNoise: algo === 'td3' ? 0.2 : 0, targetNoiseClip: algo === 'td3' ? 0.5 : 0, actionNoise: 0.1,
  };
}

/** Three transitions: s' = 1, 2, −1; rewards 1, 0.5, −1; the second one terminated. */
function batch(): ReplayBatch {
  const b = allocReplayBatch({ obsSize: 1, actionDims: 1 }, 3);
  b.nextObs.set([1, 2, -1]);
  b.rewards.set([1, 0.5, -1]);
  b.dones.set([0, 1, 0]);
  return b;
}

describe('TD3 and DDPG targets', () => {
  it('TD3: min of the twin target critics at the smoothed target action, no bootstrap after a termination', () => {
    const td3 = new Td3Learner(td3Settings('td3'), 0);
    td3.actorTarget.setWeights(ACTOR);
    td3.criticTargets[0]!.setWeights(CRITIC_1);
    td3.criticTargets[1]!.setWeights(CRITIC_2);
    // noise ε = 0.1, 5, −3 → σ̃·ε = 0.02, 1.0, −0.6 → clipped to 0.02, 0.5, −0.5
    const y = td3.target(batch(), f32(0.1, 5, -3));
    // row 0: μ' = tanh(0.5) = 0.462117157; ã = 0.482117157; Q'₁ = 1.482117157, Q'₂ = 1.982117157 → y = 1 + 0.99·1.482117157
    // row 1: terminated → y = r = 0.5
    // row 2: μ' = tanh(0) = 0; ã = −0.5; Q'₁ = relu(−1.5) = 0, Q'₂ = relu(−2.5) − 0.5 = −0.5 → y = −1 + 0.99·(−0.5)
    expect(y[0]).toBeCloseTo(2.46729598568741, 5);
    expect(y[1]).toBeCloseTo(0.5, 6);
    expect(y[2]).toBeCloseTo(-1.495, 5);
    // the same, from the formulas
    const a0 = Math.tanh(0.5) + 0.02;
    expect(y[0]).toBeCloseTo(1 + GAMMA * Math.min(Math.max(0, 1 + a0), Math.max(0, 2 + a0) - 0.5), 5);
    td3.dispose();
  });

  it('DDPG: one target critic at μ\'(s\'), no smoothing', () => {
    const ddpg = new Td3Learner(td3Settings('ddpg'), 0);
    ddpg.actorTarget.setWeights(ACTOR);
    ddpg.criticTargets[0]!.setWeights(CRITIC_1);
    const y = ddpg.target(batch(), f32(0.1, 5, -3)); // noise is ignored (σ̃ = 0)
    // row 0: Q'₁(1, tanh 0.5) = 1.462117157 → y = 1 + 0.99·1.462117157; row 2: Q'₁(−1, 0) = 0 → y = −1
    expect(y[0]).toBeCloseTo(2.44749598568741, 5);
    expect(y[1]).toBeCloseTo(0.5, 6);
    expect(y[2]).toBeCloseTo(-1, 6);
    ddpg.dispose();
  });
});

describe('SAC', () => {
  it('squashed Gaussian: a = tanh(μ + σε), log π = log N(u; μ, σ) − log(1 − tanh²u), log σ clamped to [−20, 2]', () => {
    const { action, logProb } = tf.tidy(() => {
      const r = squashedGaussian(tf.tensor2d([[0.2, -1], [-0.3, 5]]), tf.tensor2d([[0.5], [0.1]]));
      return { action: r.action.dataSync(), logProb: r.logProb.dataSync() };
    });
    // row 0: σ = e⁻¹, u = 0.2 + 0.5·e⁻¹ = 0.383939721, a = 0.366123992;
    //        log N = −0.125 + 1 − ½·log 2π = −0.043938533, log(1 − a²) = −0.143924387 → log π = 0.099985854
    // row 1: log σ 5 → 2, u = −0.3 + 0.1·e² = 0.438905610, a = 0.412736894;
    //        log N = −0.005 − 2 − ½·log 2π = −2.923938533, log(1 − a²) = −0.186753455 → log π = −2.737185078
    expect(action[0]).toBeCloseTo(0.3661239917233734, 5);
    expect(logProb[0]).toBeCloseTo(0.09998585404972832, 5);
    expect(action[1]).toBeCloseTo(0.4127368936404641, 5);
    expect(logProb[1]).toBeCloseTo(-2.7371850779948512, 5);
    const u = 0.2 + 0.5 * Math.exp(-1);
    expect(logProb[0]).toBeCloseTo(-0.125 + 1 - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - Math.tanh(u) ** 2), 5);
  });

  it('critic target: min of the twin target critics minus α·log π(a\'|s\'), no bootstrap after a termination', () => {
    const sac = new SacLearner({ obsSize: 1, actionDims: 1, hidden: [1], activation: 'relu', lr: 1e-3, optimizerEps: 1e-8, gamma: GAMMA, tau: 0.005, alpha: 0.5, targetEntropy: null }, 0);
    sac.actor.setWeights(SAC_ACTOR);
    sac.criticTargets[0]!.setWeights(CRITIC_1);
    sac.criticTargets[1]!.setWeights(CRITIC_2);
    expect(sac.alpha).toBeCloseTo(0.5, 6);
    const b = batch();
    b.nextObs.set([1, -1, 2]);
    b.rewards.set([1, -1, 0.5]);
    b.dones.set([0, 0, 1]);
    const y = sac.target(b, f32(0.5, -1, 0.3), 0.5);
    // row 0: μ = 0.5, u = 0.5 + 0.5·e⁻¹ = 0.683939721, a' = 0.594074659, log π = 0.391354075;
    //        Q'₁ = 1.594074659, Q'₂ = 2.094074659 → y = 1 + 0.99·(1.594074659 − 0.5·0.391354075) = 2.384413645
    // row 1: μ = 0, u = −e⁻¹, a' = −0.352135491, log π = −0.286550026;
    //        Q'₁ = relu(−1.352) = 0, Q'₂ = relu(−2.352) − 0.5 = −0.5 → y = −1 + 0.99·(−0.5 + 0.5·0.286550026) = −1.353157737
    // row 2: terminated → y = r = 0.5
    expect(y[0]).toBeCloseTo(2.3844136450287277, 4);
    expect(y[1]).toBeCloseTo(-1.3531577371975079, 4);
    expect(y[2]).toBeCloseTo(0.5, 6);
    sac.dispose();
  });

  it('temperature loss −mean(log α·(log π + H̄)) and its gradient in log α', () => {
    const logPi = tf.tensor1d([-1.2, 0.4]);
    const logAlpha = tf.scalar(Math.log(0.5));
    // −log 0.5 · mean(−2.2, −0.6) = −0.693147·1.4 = −0.970406; ∂/∂log α = −mean(log π + H̄) = 1.4 (entropy above target: α falls)
    expect(alphaLoss(logAlpha, logPi, -1).dataSync()[0]).toBeCloseTo(-0.9704060527839234, 5);
    expect(tf.grad((la: tf.Tensor) => alphaLoss(la, logPi, -1))(logAlpha).dataSync()[0]).toBeCloseTo(1.4, 5);
    tf.dispose([logPi, logAlpha]);
  });
});

describe('target networks and updates', () => {
  it('Polyak averaging: θ\' ← 0.005·θ + 0.995·θ\'', () => {
    const make = (name: string) => Mlp.create({ inputSize: 1, hidden: [1], outputs: 1, activation: 'relu', seed: 1, name });
    const source = make('polyak_source');
    const target = make('polyak_target');
    source.setWeights([f32(1), f32(1), f32(1), f32(1)]);
    target.setWeights([f32(0), f32(0), f32(0), f32(0)]);
    polyakUpdate(target, source, 0.005);
    for (const w of target.getWeights()) expect(w[0]).toBeCloseTo(0.005, 7);
    polyakUpdate(target, source, 0.005);
    for (const w of target.getWeights()) expect(w[0]).toBeCloseTo(0.009975, 7); // 0.005 + 0.995·0.005
    source.dispose();
    target.dispose();
  });

  it('TD3 updates the actor and the targets every second step only; DDPG every step', () => {
    const rng = new Rng(1);
    const b = allocReplayBatch({ obsSize: 1, actionDims: 1 }, 8);
    for (let i = 0; i < 8; i++) {
      b.obs[i] = rng.uniform(-1, 1);
      b.nextObs[i] = rng.uniform(-1, 1);
      b.actions[i] = rng.uniform(-1, 1);
      b.rewards[i] = rng.uniform(-1, 1);
    }
    const snapshot = (m: Mlp) => m.getWeights().flatMap((w) => [...w]);
    for (const algo of ['td3', 'ddpg'] as const) {
      const l = new Td3Learner({ ...td3Settings(algo), hidden: [4] }, 2);
      const [actor0, target0, critic0, criticTarget0] = [snapshot(l.actor), snapshot(l.actorTarget), snapshot(l.critics[0]!), snapshot(l.criticTargets[0]!)];
      l.train(b, rng);
      expect(snapshot(l.critics[0]!)).not.toEqual(critic0);
      if (algo === 'td3') {
        expect(snapshot(l.actor)).toEqual(actor0);
        expect(snapshot(l.actorTarget)).toEqual(target0);
        expect(snapshot(l.criticTargets[0]!)).toEqual(criticTarget0);
        l.train(b, rng);
      }
      expect(snapshot(l.actor)).not.toEqual(actor0);
      // the target moved 0.5% of the way to the updated actor
      const actor = snapshot(l.actor);
      snapshot(l.actorTarget).forEach((w, i) => expect(w).toBeCloseTo(0.995 * target0[i]! + 0.005 * actor[i]!, 6));
      l.dispose();
    }
  });
});

describe('divergence is an error, not a silent corruption', () => {
  it('a non-finite action names the actor and the gradient step', () => {
    const td3 = new Td3Learner(td3Settings('td3'), 0);
    td3.actor.setWeights([f32(NaN), f32(0), f32(1), f32(0)]);
    expect(() => td3.act(f32(0.5), 1, new Float32Array(1), false, new Rng(0))).toThrow(DivergedError);
    expect(() => td3.act(f32(0.5), 1, new Float32Array(1), false, new Rng(0))).toThrow(/td3 actor after gradient step 0 produced NaN/);
    td3.dispose();
  });

  it('a non-finite loss names the update', () => {
    const sac = new SacLearner({ obsSize: 1, actionDims: 1, hidden: [2], activation: 'relu', lr: 1e-3, optimizerEps: 1e-8, gamma: GAMMA, tau: 0.005, alpha: null, targetEntropy: null }, 0);
    const b = batch();
    b.rewards[0] = Infinity;
    expect(() => sac.train(b, new Rng(0))).toThrow(/sac critic update 1 produced/);
    sac.dispose();
  });
});
